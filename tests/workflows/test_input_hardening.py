"""Careless or hostile inputs to the workflow commands: typed errors, never a traceback; text that XML and XLSX
cannot hold is cleaned at entry; files holding personal data are written 0600 whatever the umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from kiosk.errors import PayloadError
from kiosk.identity import Identity
from kiosk.lodging.guest import Guest
from kiosk.lodging.register import Entry
from kiosk.lodging.xlsx_export import export_xlsx
from kiosk.lodging.xml_export import export_xml
from kiosk.workflows.registry import default_registry
from tests.workflows.conftest import passport_identity, qr_identity
from tests.workflows.test_cli import _cli, run, write

__all__ = ["_cli"]

STAY = ["--set", "room=12", "--set", "arrival=2026-11-23T20:00", "--set", "expected_departure=2026-11-24T11:00",
        "--set", "reason=1"]


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.parametrize(("text", "code"), [("[]", "invalid-identity"), ("null", "invalid-identity"),
                                             ("1", "invalid-identity"), ('"x"', "invalid-identity"),
                                             ("[" * 5000 + "]" * 5000, "json-too-deep"),
                                             ('{"raw": ' + "[" * 100 + "]" * 100 + "}", "json-too-deep")])
def test_form_fill_with_an_identity_that_is_not_an_object_is_a_typed_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, code: str
) -> None:
    identity = tmp_path / "identity.json"
    identity.write_text(text)
    exit_code, out = run(capsys, "form", "fill", "--workflow", "clinic", "--identity", str(identity), "--json")
    assert exit_code == 2 and out["ok"] is False and out["error"]["code"] == "invalid-input-file"
    assert out["error"]["field"] == "identity file"
    with pytest.raises(PayloadError) as refused:
        Identity.from_json(text)
    assert refused.value.code == code


def test_control_characters_in_a_guest_name_are_cleaned_at_entry_and_the_export_works(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dirty = qr_identity(full_name="Nguyễn\x01\x07 Thị\x1b\x0bHồng Nhung")
    code, out = run(capsys, "lodging", "add", "--identity", write(tmp_path, "a.json", dirty), *STAY, "--json")
    assert code == 0
    xlsx = tmp_path / "vn.xlsx"
    code, out = run(capsys, "lodging", "export", "--date", "2026-11-23", "--xlsx", str(xlsx), "--json")
    assert (code, out["guests"]) == (0, 1)
    assert load_workbook(xlsx)["DS_KHACH_VIET_NAM_LUU_TRU"]["B5"].value == "Nguyễn Thị Hồng Nhung"


def test_a_stored_record_with_control_characters_never_fails_an_export() -> None:
    fields = {"full_name": "Lê\x01 Văn\x1b An", "date_of_birth": "1990-01-02", "sex": "M", "document_type": "1",
              "document_number": "001090001234", "room": "1\x07", "arrival": "2026-11-23T20:00:00+07:00",
              "expected_departure": "2026-11-24T11:00:00+07:00", "reason": "1", "residence": "Hà Nội\x00"}
    vietnamese = Guest.from_dict(fields)
    assert (vietnamese.full_name, vietnamese.room, vietnamese.residence) == ("Lê Văn An", "1", "Hà Nội")
    foreign = Guest.from_dict({**fields, "document_type": "4", "document_number": "C01X00T47",
                               "nationality": "DEU", "full_name": "MÜLLER\x01 ANNA", "visa_expiry": "2027-01-31"})
    entries = [Entry("a", vietnamese, None, None, None, None), Entry("b", foreign, None, None, None, None)]
    assert export_xlsx(entries, default_registry(), day=vietnamese.arrival_at.date())
    assert b"MULLER ANNA" in export_xml(entries)


def test_lodging_exports_are_private_whatever_the_umask(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], open_umask: None
) -> None:
    run(capsys, "lodging", "add", "--identity", write(tmp_path, "a.json", qr_identity()), *STAY, "--json")
    run(capsys, "lodging", "add", "--identity", write(tmp_path, "p.json", passport_identity()), *STAY,
        "--set", "visa_expiry=2027-01-31", "--json")
    xlsx, xml = tmp_path / "vn.xlsx", tmp_path / "foreign.xml"
    xml.write_text("older, world-readable")
    xml.chmod(0o644)
    for flag, path in (("--xlsx", xlsx), ("--xml", xml)):
        code, out = run(capsys, "lodging", "export", "--date", "2026-11-23", flag, str(path), "--json")
        assert code == 0 and out["guests"] == 1
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, flag


def test_a_rendered_form_is_private_whatever_the_umask(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], open_umask: None
) -> None:
    pdf = tmp_path / "ct01.pdf"
    code, out = run(capsys, "form", "render", "--workflow", "one-stop", "--identity",
                    write(tmp_path, "a.json", qr_identity()), "--pdf", str(pdf), "--json")
    assert out["pdf"] == str(pdf) and code == (0 if out["ok"] else 1)
    assert pdf.read_bytes().startswith(b"%PDF") and stat.S_IMODE(pdf.stat().st_mode) == 0o600


def test_the_deploy_wrappers_set_a_private_umask() -> None:
    root = Path(__file__).resolve().parents[2]
    for wrapper in ("cccd-kiosk.sh", "cccd-intake.sh"):
        lines = (root / "deploy" / "bin" / wrapper).read_text().splitlines()
        umask = next(i for i, line in enumerate(lines) if line.startswith("umask 077"))
        assert umask < next(i for i, line in enumerate(lines) if line.startswith("exec ")), wrapper
