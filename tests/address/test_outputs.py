"""The three workflows' outputs carry the current units and codes of a confirmed address, and the data version."""

from __future__ import annotations

import unicodedata
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from fhir.resources.R4B.patient import Patient
from openpyxl import load_workbook
from pypdf import PdfReader

from kiosk.address.confirm import AddressConfirmation, ConfirmedAddress
from kiosk.address.service import AddressService
from kiosk.forms.ct01_pdf import render_ct01
from kiosk.lodging.guest import guest_from_form
from kiosk.lodging.register import GuestRegister
from kiosk.lodging.xlsx_export import FIRST_DATA_ROW, SHEET, export_xlsx
from kiosk.workflows.clinic import check_in, new_visit
from kiosk.workflows.registry import Registry
from kiosk.workflows.service import fill_workflow
from kiosk.workflows.submission import build_submission
from tests.workflows.conftest import chip_identity

CARD_ADDRESS = "Thôn 3, Xã Cẩm Châu, Huyện Cẩm Thủy, Thanh Hóa"
PERSON = chip_identity(residence=CARD_ADDRESS)


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry()


@pytest.fixture()
def confirmed(service: AddressService) -> ConfirmedAddress:
    question = AddressConfirmation(service)
    question.set_result(service.convert(CARD_ADDRESS))
    assert question.lines() == ["Xã Cẩm Châu (cũ) → Xã Cẩm Vân"] and not question.answered
    question.choose(15163)
    assert question.answer is not None and question.answered
    return question.answer


def test_ct01_pdf_and_dossier_carry_the_current_units(registry: Registry, confirmed: ConfirmedAddress) -> None:
    form = fill_workflow(registry, "one-stop", PERSON,
                         {"relation_to_head": "chu-ho", "request": "Khai báo tạm vắng", "authority": "Công an xã"},
                         procedure_id="temporary-absence", address=confirmed)
    assert form.complete
    reader = PdfReader(BytesIO(render_ct01(form, signed_on=date(2026, 12, 6))))
    text = unicodedata.normalize("NFC", " ".join(p.extract_text() for p in reader.pages)).replace("\n", " ")
    assert "Thôn 3, Xã Cẩm Vân, Thanh Hóa" in text and "Xã Cẩm Châu" in text
    submission = build_submission(form)
    assert submission.data["address"]["commune"] == {"code": "15163", "name": "Xã Cẩm Vân"}
    assert submission.data["address"]["province"] == {"code": "38", "name": "Thanh Hóa"}
    assert submission.data["address"]["raw"] == CARD_ADDRESS and submission.data["address"]["answer"] == "confirmed"
    assert "vietnamadminunits 1.0.4" in submission.data["address"]["data_version"]


def test_lodging_xlsx_has_province_and_commune_codes(registry: Registry, confirmed: ConfirmedAddress,
                                                     tmp_path: Path) -> None:
    stay = {"room": "203", "arrival": "2026-11-23T14:30", "expected_departure": "2026-11-25T12:00", "reason": "1"}
    register = GuestRegister(tmp_path / "state")
    register.add(guest_from_form(fill_workflow(registry, "lodging", PERSON, stay, address=confirmed)))
    register.add(guest_from_form(fill_workflow(registry, "lodging", chip_identity(id_number="001090999999"), stay)))
    data = export_xlsx(register.arrivals(date(2026, 11, 23)), registry, day=date(2026, 11, 23))
    ws = load_workbook(BytesIO(data))[SHEET]
    rows = {ws.cell(row=r, column=8).value: [ws.cell(row=r, column=c).value for c in (11, 12, 13)]
            for r in (FIRST_DATA_ROW, FIRST_DATA_ROW + 1)}
    assert rows["001090123456"] == ["38 - Thanh Hóa", "15163 - Xã Cẩm Vân", "Thôn 3"]
    # not confirmed: no codes, the card's text raw in M
    assert rows["001090999999"] == [None, None, "Số 12 phố Hàng Bạc, Phường Hàng Bạc, Quận Hoàn Kiếm, Thành phố Hà Nội"]


def test_clinic_patient_address_in_the_current_units(registry: Registry, confirmed: ConfirmedAddress) -> None:
    form = fill_workflow(registry, "clinic", PERSON, {"visit_reason": "Đau đầu"}, address=confirmed)
    result = check_in(form, None, new_visit(registry.profiles["clinic"]))
    patient = Patient.model_validate(result.patient)
    address = patient.address[0]
    assert (address.text, address.city, address.state) == ("Thôn 3, Xã Cẩm Vân, Thanh Hóa", "Xã Cẩm Vân", "Thanh Hóa")
    assert address.line == ["Thôn 3"] and address.district is None
    submission = build_submission(form, result.submission_extra())
    assert submission.data["address"]["commune"]["code"] == "15163"
    assert submission.data["address"]["data_version"].startswith("vietnam-address-converter 1.0.5")
