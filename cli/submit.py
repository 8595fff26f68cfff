"""``kiosk submit``: save one signed submission in the outbox (scripted integrations and tests)."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.errors import PayloadError
from kiosk.outbox import open_outbox
from kiosk.state_dir import state_dir
from wire.console import print_json
from wire.json_input import JsonInputError, loads
from wire.schemas import check_submission


def _read_payload(path: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The payload file: ``{"data": {...}, "evidence": {...}}`` (evidence optional)."""
    try:
        with open(path, "rb") as handle:
            payload = loads(handle.read(), "the payload file")
    except OSError as exc:
        raise PayloadError(
            f"cannot read the payload file ({type(exc).__name__})",
            field="payload",
            message_vi="Không đọc được tệp dữ liệu.",
        ) from exc
    except JsonInputError as exc:
        exc.field = "payload"
        raise
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
        raise PayloadError(
            'the payload must be an object with a "data" object',
            field="payload",
            message_vi='Tệp dữ liệu thiếu phần "data".',
        )
    evidence = payload.get("evidence", {})
    if not isinstance(evidence, dict):
        raise PayloadError(
            '"evidence" must be an object', field="evidence", message_vi='Phần "evidence" không hợp lệ.'
        )
    return payload["data"], evidence


def cmd_submit(args: argparse.Namespace) -> int:
    data, evidence = _read_payload(args.payload)
    check_submission(args.kind, data, evidence)  # nothing is queued that the intake would refuse
    outbox = open_outbox(state_dir(args.state_dir))
    try:
        saved = outbox.submit(args.kind, data, evidence)
    finally:
        outbox.close()
    if args.json:
        print_json({"ok": True, "sid": saved.sid, "created_at": saved.created_at})
    else:
        print(saved.sid)
    return 0


def register(subparsers: Any) -> None:
    submit = subparsers.add_parser("submit", help="save a signed submission in the outbox")
    submit.add_argument("--kind", required=True, help="one-stop, clinic, lodging, …")
    submit.add_argument("--payload", required=True, help='JSON file {"data": {...}, "evidence": {...}}')
    submit.add_argument("--state-dir", help="kiosk state directory (env KIOSK_STATE_DIR)")
    submit.add_argument("--json", action="store_true", help="print the result as JSON")
    submit.set_defaults(handler=cmd_submit)
