"""The stable CLI contracts of the foundation: ``kiosk qr parse``, ``kiosk mrz parse``, ``kiosk run``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAYLOAD = "001090123456|012345678|Nguyễn Văn A|01011990|Nam|Thôn 1, Xã A, Tỉnh B|15042021"


def kiosk(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=ROOT, input=stdin,
                          capture_output=True, timeout=60, check=False)


def test_qr_parse_json() -> None:
    result = kiosk("qr", "parse", PAYLOAD, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["id_number"] == "001090123456"
    assert data["full_name"] == "Nguyễn Văn A"
    assert data["date_of_birth"] == "1990-01-01"


@pytest.mark.parametrize(("stdin", "code", "field"), [
    (PAYLOAD.replace("001090123456", "00109012345").encode(), "invalid-field", "id_number"),
    (b"\xff\xfe" + PAYLOAD.encode("utf-16-le"), "invalid-encoding", None),
    (PAYLOAD.encode().decode("shift_jis", errors="replace").encode(), "invalid-encoding", None),
    (b"001090123456|x", "invalid-field-count", "payload"),
    (PAYLOAD.replace("01011990", "30021990").encode(), "invalid-field", "date_of_birth"),
])
def test_qr_parse_malformed_gives_typed_json_error(stdin: bytes, code: str, field: str | None) -> None:
    result = kiosk("qr", "parse", "-", "--json", stdin=stdin)
    assert result.returncode == 2
    data = json.loads(result.stdout)
    assert data["ok"] is False
    assert data["error"]["code"] == code
    assert data["error"]["field"] == field
    assert b"Traceback" not in result.stderr


def test_mrz_parse_json_and_error() -> None:
    lines = ["IDVNM0901234562001090123456<<3", "9001011M3001019VNM<<<<<<<<<<<4", "NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<"]
    ok = kiosk("mrz", "parse", *lines, "--json")
    assert ok.returncode == 0
    data = json.loads(ok.stdout)
    assert data["identity"]["id_number"] == "001090123456"
    assert data["bac_mrz_information"] == "090123456290010113001019"
    bad = kiosk("mrz", "parse", lines[0], lines[1].replace("M3001019", "M3001018"), lines[2], "--json")
    assert bad.returncode == 2
    assert json.loads(bad.stdout)["error"] == {
        "code": "check-digit-mismatch", "field": "expiry_date",
        "message": "MRZ check digit for expiry_date does not match",
        "message_vi": "Mã MRZ không khớp số kiểm tra. Vui lòng kiểm tra lại từng ký tự."}
