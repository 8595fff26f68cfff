"""The ``kiosk-intake`` console script: serve, manage devices, list and export submissions."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from intake.settings import Settings
from wire.console import print_json, run_command
from wire.envelope import MAX_BODY_BYTES
from wire.private_file import open_private

if TYPE_CHECKING:
    from intake.db import Store

log = logging.getLogger("intake.cli")


def _settings(args: argparse.Namespace) -> Settings:
    base = Settings.from_env()
    values = {
        "docs": base.docs or bool(getattr(args, "docs", False)),
        "db_url": args.db or base.db_url,
        "state_dir": Path(args.state_dir) if args.state_dir else base.state_dir,
    }
    for name in ("max_body", "rate", "burst", "device_cache_seconds", "stale_minutes", "client_rate", "client_burst",
                 "client_timeout"):
        if getattr(args, name, None) is not None:
            values[name] = getattr(args, name)
    return Settings(**{**base.__dict__, **values})


def _store(args: argparse.Namespace) -> tuple[Settings, Store]:
    from intake.app import prepare
    from intake.db import Store

    settings = _settings(args)
    prepare(settings)
    return settings, Store(settings.database_url, 1)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from intake.app import prepare
    from intake.http_timeouts import protocol_for

    settings = _settings(args)
    prepare(settings)
    os.environ.update(settings.to_env())
    uvicorn.run(
        "intake.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        http=protocol_for(args.http),
        loop=args.loop,
        access_log=False,
        backlog=2048,
    )
    return 0


def cmd_device_token(args: argparse.Namespace) -> int:
    _, store = _store(args)
    print_json({"ok": True, "token": store.issue_token(args.valid_hours * 3600)})
    return 0


def cmd_device_revoke(args: argparse.Namespace) -> int:
    from intake.errors import IntakeError

    _, store = _store(args)
    if not store.revoke(args.kid):
        raise IntakeError("no such active device", code="unknown-device", status=404, field="kid")
    print_json({"ok": True, "revoked": args.kid})
    return 0


def cmd_device_list(args: argparse.Namespace) -> int:
    _, store = _store(args)
    print_json({"ok": True, "devices": store.list_devices()})
    return 0


def cmd_submissions_list(args: argparse.Namespace) -> int:
    _, store = _store(args)
    rows = list(store.submissions(kind=args.kind, since=args.since, device=args.device, limit=args.limit))
    print_json({"ok": True, "count": len(rows), "submissions": rows})
    return 0


def cmd_submissions_export(args: argparse.Namespace) -> int:
    """JSON Lines: the metadata, the decoded payload and the signed blob of each submission (personal data)."""
    from wire.envelope import unverified_payload

    _, store = _store(args)
    out = open_private(args.out) if args.out else sys.stdout  # personal data: 0600
    count = 0
    try:
        for row in store.submissions(kind=args.kind, since=args.since, device=args.device, with_blob=True):
            payload = unverified_payload(row["jws"])
            out.write(
                json.dumps(
                    {**row, "data": payload.get("data"), "evidence": payload.get("evidence")},
                    ensure_ascii=False,
                )
                + "\n"
            )
            count += 1
    finally:
        if out is not sys.stdout:
            out.close()
    if args.out:
        print_json({"ok": True, "exported": count, "file": args.out})
    return 0


def cmd_operator_token(args: argparse.Namespace) -> int:
    _, store = _store(args)
    token = store.issue_operator_token(args.label, args.valid_days * 86400)
    print_json({"ok": True, "token": token, "label": args.label,
                "note": "open /operator and give this token as the password (any user name)"})
    return 0


def cmd_operator_list(args: argparse.Namespace) -> int:
    _, store = _store(args)
    print_json({"ok": True, "tokens": store.list_operator_tokens()})
    return 0


def cmd_operator_revoke(args: argparse.Namespace) -> int:
    from intake.errors import IntakeError

    _, store = _store(args)
    if not store.revoke_operator_token(args.id):
        raise IntakeError("no such active operator token", code="unknown-token", status=404, field="id")
    print_json({"ok": True, "revoked": args.id})
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """Bring the database to this release's schema (idempotent); the key file is checked, never rewritten."""
    from intake.db import Store
    from intake.errors import IntakeError
    from intake.migrations import migrate

    settings = _settings(args)
    if settings.state_dir.exists() and not settings.key_file.exists() and any(settings.state_dir.iterdir()):
        raise IntakeError("the state directory has no encryption-keys.json", code="keys-missing", status=503,
                          field="state_dir")
    settings.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    store = Store(settings.database_url, 1)
    try:
        result = migrate(store.engine)
    finally:
        store.dispose()
    print_json({"ok": True, **result})
    return 0


def cmd_keys_show(args: argparse.Namespace) -> int:
    from intake.keys import load_or_create_keys, public_keys

    settings = _settings(args)
    print_json({"ok": True, "keys": public_keys(load_or_create_keys(settings.key_file))})
    return 0


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    from intake.keys import rotate_keys

    settings = _settings(args)
    print_json({"ok": True, "current": rotate_keys(settings.key_file),
                "note": "restart the service; kiosks receive the new key when they enrol again"})
    return 0


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", help="database URL: sqlite:///FILE (default in the state dir) or postgresql://…"
    )
    parser.add_argument("--state-dir", help="keys and default database (env INTAKE_STATE_DIR)")
    parser.add_argument("--json", action="store_true", help="errors as JSON (results are always JSON)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk-intake", description="cccd-kiosk reference intake backend")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the HTTP service")
    _common(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8700)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--max-body", type=int,
                       help=f"largest accepted body in bytes (default {MAX_BODY_BYTES}: a kiosk saves none larger)")
    serve.add_argument(
        "--rate", type=float, help="submissions per second per device (0: unlimited; default 20)"
    )
    serve.add_argument("--burst", type=float, help="burst per device (default 200)")
    serve.add_argument(
        "--device-cache-seconds",
        type=float,
        help="how long a device key is cached; a revocation applies within it (default 5)",
    )
    serve.add_argument(
        "--stale-minutes",
        type=float,
        help="the operator page shows a kiosk without a heartbeat for this long as stale (default 10)",
    )
    serve.add_argument("--client-rate", type=float,
                       help="requests per second per client address on /v1/devices and /operator (default 0.5)")
    serve.add_argument("--client-burst", type=float, help="burst per client address (default 20)")
    serve.add_argument("--client-timeout", type=float,
                       help="seconds an idle connection is kept, and a request body may take (default 10)")
    serve.add_argument("--docs", action="store_true", help="serve /docs and /openapi.json (off by default)")
    serve.add_argument("--log-level", default="warning")
    serve.add_argument("--http", default="auto", choices=["auto", "httptools", "h11"], help="HTTP parser")
    serve.add_argument("--loop", default="auto", choices=["auto", "uvloop", "asyncio"], help="event loop")
    serve.set_defaults(handler=cmd_serve)

    device = sub.add_parser("device", help="kiosk devices").add_subparsers(dest="action", required=True)
    token = device.add_parser("token", help="issue a one-time enrolment token")
    _common(token)
    token.add_argument("--valid-hours", type=float, default=24.0)
    token.set_defaults(handler=cmd_device_token)
    revoke = device.add_parser("revoke", help="revoke a device key")
    _common(revoke)
    revoke.add_argument("kid")
    revoke.set_defaults(handler=cmd_device_revoke)
    listing = device.add_parser("list", help="enrolled devices")
    _common(listing)
    listing.set_defaults(handler=cmd_device_list)

    keys = sub.add_parser("keys", help="the intake's encryption keys").add_subparsers(dest="action", required=True)
    show = keys.add_parser("show", help="public keys, the current one first")
    _common(show)
    show.set_defaults(handler=cmd_keys_show)
    rotate = keys.add_parser("rotate", help="new current key; older keys are kept to decrypt queued submissions")
    _common(rotate)
    rotate.set_defaults(handler=cmd_keys_rotate)

    operator = sub.add_parser("operator", help="credentials for the operator page").add_subparsers(
        dest="action", required=True
    )
    otoken = operator.add_parser("token", help="issue an operator token for /operator (printed once)")
    _common(otoken)
    otoken.add_argument("--label", default="operator", help="who holds it (no personal data needed)")
    otoken.add_argument("--valid-days", type=float, default=365.0)
    otoken.set_defaults(handler=cmd_operator_token)
    olist = operator.add_parser("list", help="issued operator tokens (ids and labels, never the tokens)")
    _common(olist)
    olist.set_defaults(handler=cmd_operator_list)
    orevoke = operator.add_parser("revoke", help="revoke an operator token by its id")
    _common(orevoke)
    orevoke.add_argument("id", help="the id `kiosk-intake operator list` shows")
    orevoke.set_defaults(handler=cmd_operator_revoke)

    migrate = sub.add_parser("migrate", help="bring the database to this release's schema (idempotent)")
    _common(migrate)
    migrate.set_defaults(handler=cmd_migrate)

    subs = sub.add_parser("submissions", help="received submissions").add_subparsers(
        dest="action", required=True
    )
    for name, handler in (("list", cmd_submissions_list), ("export", cmd_submissions_export)):
        command = subs.add_parser(name, help=f"{name} submissions in order of reception")
        _common(command)
        command.add_argument("--kind")
        command.add_argument("--since", help="ISO 8601 UTC time, compared with received_at")
        command.add_argument("--device")
        if name == "list":
            command.add_argument("--limit", type=int, default=1000)
        else:
            command.add_argument("--out", help="file to write (JSON Lines); default standard output")
        command.set_defaults(handler=handler)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return run_command(args)


if __name__ == "__main__":
    sys.exit(main())
