from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import cli.main
from intake.devserver import IntakeServer

PAYLOAD = {
    "data": {
        "procedure": "lodging-guest",
        "form": {"full_name": "Vũ Thị Hạnh", "document_number": "001302009876", "arrival": "2026-11-23T22:15"},
    },
    "evidence": {"fields": {"full_name": "chip"}, "verification": {"passive_authentication": "ok"}},
}


@pytest.fixture(autouse=True)
def _commands(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli.main, "COMMAND_MODULES", ("cli.device", "cli.submit", "cli.outbox"))


def kiosk(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = cli.main.main(list(argv))
    out = capsys.readouterr().out.strip().splitlines()
    return code, json.loads(out[-1]) if out and out[-1].startswith("{") else (out[-1] if out else None)


def test_enroll_submit_status_send_and_purge(
    tmp_path: Path, intake: IntakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    state = str(tmp_path / "kiosk")
    code, enrolled = kiosk(
        capsys, "device", "enroll", "--intake", intake.url, f"--token={intake.token()}", "--state-dir", state
    )
    assert code == 0 and enrolled["ok"] and enrolled["alg"] == "Ed25519"
    code, shown = kiosk(capsys, "device", "show", "--state-dir", state)
    assert shown["device"] == enrolled["device"] and "d" not in shown["public_key"]
    assert shown["intake"] == intake.url

    payload = tmp_path / "payload.json"
    payload.write_text(json.dumps(PAYLOAD, ensure_ascii=False), encoding="utf-8")
    code, saved = kiosk(
        capsys, "submit", "--kind", "lodging", "--payload", str(payload), "--state-dir", state, "--json"
    )
    assert code == 0 and saved["ok"]
    code, plain_sid = kiosk(
        capsys, "submit", "--kind", "lodging", "--payload", str(payload), "--state-dir", state
    )
    assert code == 0 and len(plain_sid) == 36 and plain_sid != saved["sid"]

    code, status = kiosk(capsys, "outbox", "status", "--state-dir", state)
    assert status["counts"] == {"pending": 2, "quarantined": 0, "acked": 0}
    assert status["pragmas"]["synchronous"] == 2 and status["pragmas"]["journal_mode"] == "wal"
    code, listing = kiosk(capsys, "outbox", "list", "--state-dir", state)
    assert [i["sid"] for i in listing["items"]] == [saved["sid"], plain_sid]
    assert "Vũ" not in json.dumps(listing, ensure_ascii=False)

    code, sent = kiosk(capsys, "outbox", "send", "--state-dir", state, "--timeout", "30")
    assert code == 0 and sent["ok"] and sent["outcomes"]["done"] == 2
    code, receipts = kiosk(capsys, "outbox", "list", "--state", "acked", "--state-dir", state)
    assert {r["sid"] for r in receipts["receipts"]} == {saved["sid"], plain_sid}
    code, purged = kiosk(capsys, "outbox", "purge-acknowledged", "--state-dir", state)
    assert code == 0 and purged["checkpoint"]["busy"] == 0
    code, retried = kiosk(capsys, "outbox", "retry", "--state-dir", state)
    assert retried["rescheduled"] == 0


def test_errors_are_typed_json_without_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = str(tmp_path / "kiosk")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, error = kiosk(
        capsys, "submit", "--kind", "lodging", "--payload", str(bad), "--state-dir", state, "--json"
    )
    assert code == 2 and error["ok"] is False and error["error"]["code"] == "invalid-payload"
    good = tmp_path / "good.json"
    good.write_text(json.dumps(PAYLOAD))
    code, error = kiosk(
        capsys, "submit", "--kind", "lodging", "--payload", str(good), "--state-dir", state, "--json"
    )
    assert code == 2 and error["error"]["code"] == "not-enrolled"
    code, error = kiosk(
        capsys,
        "device",
        "enroll",
        "--intake",
        "http://127.0.0.1:9",
        "--token",
        "t",
        "--state-dir",
        state,
        "--json",
    )
    assert code == 2 and error["error"]["code"] == "intake-unreachable"
