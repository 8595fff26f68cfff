"""What the kiosk saves it can deliver: the signed-size limit at ±1 byte, end to end with a real intake, and payload
files nested too deep are typed errors, never tracebacks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import cli.main
from intake.devserver import IntakeServer
from intake.settings import Settings
from kiosk.device_key import load_or_create_device_key
from kiosk.outbox import open_outbox
from kiosk.uuid7 import uuid7
from wire.envelope import MAX_SEALED_BYTES, MAX_SIGNED_BYTES, SubmissionError, check_signed_size, sign

from .test_cli import PAYLOAD, kiosk


@pytest.fixture(autouse=True)
def _commands(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli.main, "COMMAND_MODULES", ("cli.device", "cli.submit", "cli.outbox"))


def test_the_signed_size_check_at_the_limit_and_one_byte_either_side() -> None:
    check_signed_size("x" * (MAX_SIGNED_BYTES - 1))
    check_signed_size("x" * MAX_SIGNED_BYTES)
    with pytest.raises(SubmissionError) as refused:
        check_signed_size("x" * (MAX_SIGNED_BYTES + 1))
    assert refused.value.code == "submission-too-large" and refused.value.message_vi


def test_the_intake_takes_the_largest_submission_the_kiosk_saves() -> None:
    assert MAX_SEALED_BYTES <= Settings.max_body < MAX_SEALED_BYTES + 8 * 1024


def note_data(size: int) -> dict[str, Any]:
    return {**PAYLOAD["data"], "note": "x" * size}


def largest_note(kiosk_dir: Path) -> int:
    """The longest note whose signed submission is at most ``MAX_SIGNED_BYTES`` (same-shaped sid and time)."""
    key = load_or_create_device_key(kiosk_dir)

    def signed_length(size: int) -> int:
        payload = {"sid": str(uuid7()), "kind": "lodging", "device": key.kid, "created_at": "2026-11-23T14:30:00.000Z",
                   "data": note_data(size), "evidence": PAYLOAD["evidence"]}
        return len(sign(payload, key))

    low, high = 0, MAX_SIGNED_BYTES
    while low < high:
        middle = (low + high + 1) // 2
        if signed_length(middle) <= MAX_SIGNED_BYTES:
            low = middle
        else:
            high = middle - 1
    assert signed_length(low) <= MAX_SIGNED_BYTES < signed_length(low + 1)
    return low


def test_the_largest_savable_submission_is_delivered_and_one_byte_more_is_refused_at_saving(
    kiosk_dir: Path, intake: IntakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    size = largest_note(kiosk_dir)
    outbox = open_outbox(kiosk_dir)
    try:
        saved = outbox.submit("lodging", note_data(size), PAYLOAD["evidence"])
        with pytest.raises(SubmissionError) as refused:
            outbox.submit("lodging", note_data(size + 1), PAYLOAD["evidence"])
        assert refused.value.code == "submission-too-large"
    finally:
        outbox.close()
    code, sent = kiosk(capsys, "outbox", "send", "--state-dir", str(kiosk_dir), "--timeout", "30")
    assert code == 0 and sent["outcomes"]["done"] == 1, sent
    code, receipts = kiosk(capsys, "outbox", "list", "--state", "acked", "--state-dir", str(kiosk_dir))
    assert [r["sid"] for r in receipts["receipts"]] == [saved.sid]


def test_kiosk_submit_refuses_a_too_large_payload_with_a_typed_error(
    kiosk_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"data": note_data(MAX_SIGNED_BYTES), "evidence": {}}))
    code, error = kiosk(capsys, "submit", "--kind", "lodging", "--payload", str(big), "--state-dir", str(kiosk_dir),
                        "--json")
    assert code == 2 and error["error"]["code"] == "submission-too-large"
    code, status = kiosk(capsys, "outbox", "status", "--state-dir", str(kiosk_dir))
    assert status["counts"]["pending"] == 0


@pytest.mark.parametrize("depth", [100, 1000, 100_000])
def test_kiosk_submit_refuses_deeply_nested_json_with_a_typed_error(
    kiosk_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], depth: int
) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text('{"data": {"x": ' + "[" * depth + "]" * depth + "}}")
    code, error = kiosk(capsys, "submit", "--kind", "lodging", "--payload", str(deep), "--state-dir", str(kiosk_dir),
                        "--json")
    assert code == 2 and error["error"]["code"] == "json-too-deep" and error["error"]["field"] == "payload"
