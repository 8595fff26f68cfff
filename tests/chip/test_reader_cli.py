"""``kiosk card`` argument and environment errors come out as typed JSON with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main


def _error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict[str, object]:
    assert main(argv) == 2
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False
    return out["error"]  # type: ignore[no-any-return]


def test_bad_can(capsys: pytest.CaptureFixture[str]) -> None:
    assert _error(capsys, ["card", "read", "--can", "12", "--json"])["field"] == "can"


def test_document_number_needs_dates(capsys: pytest.CaptureFixture[str]) -> None:
    assert _error(capsys, ["card", "read", "--document-number", "090123456", "--json"])["code"] == "missing-field"


def test_bad_qr_payload(capsys: pytest.CaptureFixture[str]) -> None:
    assert str(_error(capsys, ["card", "read", "--qr", "not a payload", "--json"])["code"]).startswith("invalid")


def test_unknown_fault(capsys: pytest.CaptureFixture[str]) -> None:
    assert _error(capsys, ["card", "emulate", "--fault", "melted", "--json"])["code"] == "invalid-fault"


def test_unreadable_identity_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "who.json"
    bad.write_text("{not json", encoding="utf-8")
    assert _error(capsys, ["card", "emulate", "--identity", str(bad), "--json"])["code"] == "invalid-identity-file"


def test_make_pki_and_missing_reader(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["card", "make-pki", str(tmp_path / "pki"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    assert {p.name for p in (tmp_path / "pki").iterdir()} >= {"csca.pem", "dsc.pem"}
    error = _error(capsys, ["card", "read", "--reader", "no such reader", "--can", "123456", "--trust",
                            str(tmp_path / "pki"), "--json"])
    assert error["code"] == "no-reader"


def test_missing_trust_store(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    error = _error(capsys, ["card", "read", "--can", "123456", "--trust", str(tmp_path / "nowhere"), "--json"])
    assert error["code"] == "invalid-trust-store"
