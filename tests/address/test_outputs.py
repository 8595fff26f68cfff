"""The three workflows' outputs carry the current units and codes of a confirmed address, and the data version,
through the one submit road (``kiosk.workflows.submit``) and each kind's plugin."""

from __future__ import annotations

import base64
import unicodedata
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fhir.resources.R4B.patient import Patient
from openpyxl import load_workbook
from pypdf import PdfReader

from kiosk.address.confirm import AddressConfirmation, ConfirmedAddress
from kiosk.address.service import AddressService
from kiosk.lodging.register import GuestRegister
from kiosk.lodging.xlsx_export import FIRST_DATA_ROW, SHEET, export_xlsx
from kiosk.workflows.fill import FilledForm
from kiosk.workflows.plugin import WorkflowContext
from kiosk.workflows.registry import Registry
from kiosk.workflows.service import fill_workflow
from kiosk.workflows.submit import before_consent, start_visit, submit
from tests.workflows.conftest import chip_identity
from tests.workflows.test_one_stop import RecordingOutbox

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


NOW = datetime(2026, 11, 23, 14, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def _submitted(registry: Registry, form: FilledForm, ctx: WorkflowContext) -> dict[str, Any]:
    """``data`` of the submission the one submit road queues for ``form`` (checked against the wire schema)."""
    visit = start_visit(registry, form, NOW)
    before_consent(registry, visit, ctx)
    outbox = RecordingOutbox()
    submit(registry, visit, outbox, ctx)
    return outbox.items[0][1]


def _address_block(data: dict[str, Any]) -> None:
    assert data["address"]["commune"] == {"code": "15163", "name": "Xã Cẩm Vân"}
    assert data["address"]["province"] == {"code": "38", "name": "Thanh Hóa"}
    assert data["address"]["raw"] == CARD_ADDRESS and data["address"]["answer"] == "confirmed"
    assert "vietnamadminunits 1.0.4" in data["address"]["data_version"]


def test_ct01_pdf_and_dossier_carry_the_current_units(registry: Registry, confirmed: ConfirmedAddress,
                                                      tmp_path: Path) -> None:
    form = fill_workflow(registry, "one-stop", PERSON,
                         {"relation_to_head": "chu-ho", "request": "Khai báo tạm vắng", "authority": "Công an xã"},
                         procedure_id="temporary-absence", address=confirmed)
    assert form.complete
    data = _submitted(registry, form, WorkflowContext(documents=tmp_path / "documents"))
    _address_block(data)
    pdf = base64.b64decode(data["attachments"][0]["content_base64"])  # the CT01 attached to the dossier
    reader = PdfReader(BytesIO(pdf))
    text = unicodedata.normalize("NFC", " ".join(p.extract_text() for p in reader.pages)).replace("\n", " ")
    assert "Nơi cư trú (đơn vị hành chính mới): Thôn 3, Xã Cẩm Vân, Thanh Hóa" in text
    assert "theo thẻ: " + CARD_ADDRESS in text


def test_lodging_xlsx_has_province_and_commune_codes(registry: Registry, confirmed: ConfirmedAddress,
                                                     tmp_path: Path) -> None:
    stay = {"room": "203", "arrival": "2026-11-23T14:30", "expected_departure": "2026-11-25T12:00", "reason": "1"}
    register = GuestRegister(tmp_path / "state")
    ctx = WorkflowContext(guests=register)
    _address_block(_submitted(registry, fill_workflow(registry, "lodging", PERSON, stay, address=confirmed), ctx))
    _submitted(registry, fill_workflow(registry, "lodging", chip_identity(id_number="001090999999"), stay), ctx)
    book = load_workbook(BytesIO(export_xlsx(register.arrivals(date(2026, 11, 23)), registry, day=date(2026, 11, 23))))
    ws = book[SHEET]
    rows = {ws.cell(row=r, column=8).value: [ws.cell(row=r, column=c).value for c in (11, 12, 13)]
            for r in (FIRST_DATA_ROW, FIRST_DATA_ROW + 1)}
    assert rows["001090123456"] == ["38 - Thanh Hóa", "15163 - Xã Cẩm Vân", "Thôn 3"]
    # not confirmed: no codes, the card's text raw in M
    assert rows["001090999999"] == [None, None, "Số 12 phố Hàng Bạc, Phường Hàng Bạc, Quận Hoàn Kiếm, Thành phố Hà Nội"]
    # K and L are entries of the workbook's own catalogue sheets
    provinces = [row[0] for row in book["TINH_THANH"].iter_rows(min_row=2, values_only=True)]
    communes = {row[0]: row[1] for row in book["PHUONG_XA"].iter_rows(min_row=2, values_only=True)}
    assert len(provinces) == 34 and "38 - Thanh Hóa" in provinces
    assert len(communes) == 3321 and communes["15163 - Xã Cẩm Vân"] == "Thanh Hóa"


def test_clinic_patient_address_in_the_current_units(registry: Registry, confirmed: ConfirmedAddress) -> None:
    form = fill_workflow(registry, "clinic", PERSON, {"visit_reason": "Đau đầu"}, address=confirmed)
    data = _submitted(registry, form, WorkflowContext())  # no card check configured: flagged, the visit goes on
    _address_block(data)
    patient = next(e["resource"] for e in data["fhir"]["entry"] if e["resource"]["resourceType"] == "Patient")
    address = Patient.model_validate(patient).address[0]
    assert (address.text, address.city, address.state) == ("Thôn 3, Xã Cẩm Vân, Thanh Hóa", "Xã Cẩm Vân", "Thanh Hóa")
    assert address.line == ["Thôn 3"] and address.district is None
