"""Clinic check-in: every card-check result code over real HTTP, QĐ 130 row and FHIR resources."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import requests
from fastapi import FastAPI
from fhir.resources.R4B.coverage import Coverage
from fhir.resources.R4B.patient import Patient

from intake.sims.bhxh import BhxhSim, ClinicAccount, build_app, clinic_router, md5, scenario_card
from intake.sims.serve import serve
from kiosk.clinic.fhir import FhirValidationError, _validated, passport_identifier
from kiosk.clinic.insurance import (
    RESULT_CODES,
    CardCheckRequest,
    CardCheckUnavailableError,
    HttpCardCheckAdapter,
)
from kiosk.clinic.qd130 import CHECKIN_FIELDS, VisitInfo
from kiosk.workflows.clinic import check_in
from kiosk.workflows.registry import Registry
from kiosk.workflows.service import fill_workflow
from tests.workflows.conftest import chip_identity, passport_identity, qr_identity

VN = ZoneInfo("Asia/Ho_Chi_Minh")
TODAY = date(2026, 11, 23)
CARD = "DN4010123456789"
ACCOUNT = ClinicAccount("clinic01", "s3cret", "Lê Thị Tiếp Đón", "001080000001")


@dataclass
class Stack:
    sim: BhxhSim
    egw: str
    clinic: str


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    sim = BhxhSim(accounts={ACCOUNT.username: md5(ACCOUNT.password)}, today=TODAY)
    with serve(build_app(sim)) as egw:
        clinic = FastAPI()
        clinic.include_router(clinic_router(egw, ACCOUNT))
        with serve(clinic) as clinic_url:
            yield Stack(sim, egw, clinic_url)


def _person() -> dict[str, object]:
    return {
        "card_number": CARD,
        "id_number": "001090123456",
        "full_name": "Nguyễn Thị Hồng Nhung",
        "date_of_birth": date(1990, 1, 1),
        "sex": "2",
        "today": TODAY,
    }


@pytest.mark.parametrize("code", sorted(c for c in RESULT_CODES if c not in ("205", "401")))
def test_every_result_code_through_the_clinic_system(stack: Stack, code: str) -> None:
    card, override = scenario_card(code, **_person())  # type: ignore[arg-type]
    stack.sim.cards[:] = [card] if card else []
    request = CardCheckRequest(override.get("maThe", CARD), "Nguyễn Thị Hồng Nhung", date(1990, 1, 1))
    result = HttpCardCheckAdapter(stack.clinic).check(request)
    assert result.code == code
    info = result.to_dict()
    assert info["message_vi"] == RESULT_CODES[code].message_vi and info["action_vi"]
    assert info["usable"] == (code in ("000", "001", "002", "003", "004"))
    if code in ("003", "004"):
        assert result.card_number == "DN4" + CARD[3:] and result.registered_facility == "01002"
        assert result.valid_to == date(2026, 12, 31)
    # The staff member on duty is recorded by the gateway; the kiosk never sent it.
    assert stack.sim.log[-1]["userKT"] == ACCOUNT.staff_name


def test_cccd_number_as_card_code(stack: Stack) -> None:
    card, _ = scenario_card("000", **_person())  # type: ignore[arg-type]
    stack.sim.cards[:] = [card]
    result = HttpCardCheckAdapter(stack.clinic).check(
        CardCheckRequest("001090123456", "NGUYEN THI HONG NHUNG", date(1990, 1, 1))
    )
    assert result.code == "000" and result.card_number == CARD


def test_wrong_parameter_format_and_missing_staff_give_205(stack: Stack) -> None:
    token = requests.post(
        stack.egw + "/api/token/take", json={"username": "clinic01", "password": md5("s3cret")}, timeout=5
    ).json()["APIKey"]
    params = {
        "token": token["access_token"],
        "id_token": token["id_token"],
        "username": "clinic01",
        "password": md5("s3cret"),
    }
    base = {"maThe": CARD, "hoTen": "A", "ngaySinh": "1990-01-01", "hoTenCb": "B", "cccdCb": "001080000001"}
    url = stack.egw + "/api/egw/KQNhanLichSuKCB2024"
    assert requests.post(url, params=params, json=base, timeout=5).json()["maKetQua"] == "205"
    no_staff = {**base, "ngaySinh": "01/01/1990", "hoTenCb": ""}
    assert requests.post(url, params=params, json=no_staff, timeout=5).json()["maKetQua"] == "205"
    assert requests.post(url, params={**params, "token": "bad"}, json=base, timeout=5).status_code == 401


def test_refused_clinic_account_gives_401(stack: Stack) -> None:
    clinic = FastAPI()
    clinic.include_router(clinic_router(stack.egw, ClinicAccount("clinic01", "wrong", "X", "001080000001")))
    with serve(clinic) as url:
        result = HttpCardCheckAdapter(url).check(CardCheckRequest(CARD, "A", date(1990, 1, 1)))
    assert result.code == "401" and result.info.outcome == "retry"


def test_token_is_renewed_when_the_gateway_forgets_it(stack: Stack) -> None:
    card, _ = scenario_card("000", **_person())  # type: ignore[arg-type]
    stack.sim.cards[:] = [card]
    adapter = HttpCardCheckAdapter(stack.clinic)
    request = CardCheckRequest(CARD, "Nguyễn Thị Hồng Nhung", date(1990, 1, 1))
    assert adapter.check(request).code == "000"
    stack.sim.tokens.clear()
    assert adapter.check(request).code == "000"


def test_unreachable_clinic_system_is_a_typed_error() -> None:
    with pytest.raises(CardCheckUnavailableError) as info:
        HttpCardCheckAdapter("http://127.0.0.1:9", timeout=(0.5, 0.5)).check(
            CardCheckRequest(CARD, "A", date(1990, 1, 1))
        )
    assert info.value.to_dict()["message_vi"]


def _visit() -> VisitInfo:
    return VisitInfo("LK0001", "BN0001", "01001", "01", "1.1", datetime(2026, 11, 23, 7, 5, tzinfo=VN))


def test_checkin_row_fhir_and_submission(stack: Stack, registry: Registry) -> None:
    card, _ = scenario_card("000", **_person())  # type: ignore[arg-type]
    stack.sim.cards[:] = [card]
    form = fill_workflow(
        registry,
        "clinic",
        chip_identity(id_number="001090123456"),
        {"visit_reason": "Đau đầu", "phone": "0912345678"},
    )
    result = check_in(form, HttpCardCheckAdapter(stack.clinic), _visit(), registry.profiles["clinic"])
    row = result.row
    assert list(row) == list(CHECKIN_FIELDS)
    assert row["SO_CCCD"] == "001090123456" and row["NGAY_SINH"] == "199001010000"
    assert row["GIOI_TINH"] == "2" and row["HO_TEN"] == "Nguyễn Thị Hồng Nhung"
    assert row["MA_THE_BHYT"] == CARD and row["MA_DKBD"] == "01001"
    assert (row["GT_THE_TU"], row["GT_THE_DEN"]) == ("20260101", "20261231")
    assert row["NGAY_VAO"] == "202611230705" and row["MA_CSKCB"] == "01001" and row["MA_LK"] == "LK0001"
    assert row["MA_BN"] == "BN0001"  # as the visit names it (the kiosk's own visits leave it to the HIS)
    xml = ET.fromstring(result.to_dict()["qd130_xml"])
    item = xml.find("DSACH_TRANG_THAI_KCB/TRANG_THAI_KCB")
    assert item is not None and [el.tag for el in item] == list(CHECKIN_FIELDS)
    assert item.findtext("SO_CCCD") == "001090123456"
    # Both resources validate against the R4B models again from their JSON.
    patient = Patient.model_validate(result.resource("Patient"))
    coverage = Coverage.model_validate(result.resource("Coverage"))
    assert patient.birthDate.isoformat() == "1990-01-01" and patient.gender == "female"
    assert patient.identifier[0].value == "001090123456"
    assert patient.name[0].family == "Nguyễn" and patient.name[0].given == ["Thị", "Hồng", "Nhung"]
    assert coverage.status == "active" and coverage.subscriberId == CARD
    assert coverage.beneficiary.reference == f"urn:uuid:{patient.id}"
    assert str(coverage.period.end) == "2026-12-31"
    extra = result.to_dict()
    assert "dsLichSuKT2018" not in extra["card_check_raw"]


def test_checkin_without_usable_card_has_no_insurance_fields(stack: Stack, registry: Registry) -> None:
    card, _ = scenario_card("010", **_person())  # type: ignore[arg-type]
    stack.sim.cards[:] = [card]
    form = fill_workflow(registry, "clinic", qr_identity(), {"visit_reason": "Khám"})
    result = check_in(form, HttpCardCheckAdapter(stack.clinic), _visit(), registry.profiles["clinic"])
    assert result.card is not None and result.card.code == "010"
    assert row_insurance(result.row) == ["", "", "", ""]
    coverage = result.resource("Coverage")
    assert coverage is not None and coverage["status"] == "cancelled"


def row_insurance(row: dict[str, str]) -> list[str]:
    return [row["MA_THE_BHYT"], row["MA_DKBD"], row["GT_THE_TU"], row["GT_THE_DEN"]]


def test_checkin_goes_on_when_the_clinic_system_is_down(registry: Registry) -> None:
    form = fill_workflow(registry, "clinic", chip_identity(), {"visit_reason": "Khám"})
    result = check_in(form, HttpCardCheckAdapter("http://127.0.0.1:9", timeout=(0.5, 0.5)), _visit(),
                      registry.profiles["clinic"])
    assert result.card is None and result.card_error is not None
    assert result.resource("Coverage") is None and result.row["SO_CCCD"] == "001090123456"
    assert result.step.flag == "chưa kiểm tra thẻ" and result.to_dict()["flags"] == ["chưa kiểm tra thẻ"]


def test_fhir_validation_rejects_bad_resources() -> None:
    with pytest.raises(FhirValidationError):
        _validated(Patient, {"resourceType": "Patient", "birthDate": "1990-13-01"})
    with pytest.raises(FhirValidationError):
        _validated(Patient, {"resourceType": "Patient", "gender": "m"})
    with pytest.raises(FhirValidationError):
        _validated(Coverage, {"resourceType": "Coverage", "status": "active"})


def test_clinic_submission_carries_the_checkin_outputs(stack: Stack, registry: Registry, tmp_path) -> None:
    from kiosk.workflows.plugin import WorkflowContext
    from kiosk.workflows.submit import before_consent, start_visit, submit
    from kiosk.workflows.tickets import TicketDispenser
    from tests.workflows.test_one_stop import RecordingOutbox

    card, _ = scenario_card("004", **_person())  # type: ignore[arg-type]
    stack.sim.cards[:] = [card]
    form = fill_workflow(registry, "clinic", chip_identity(), {"visit_reason": "Tái khám"})
    ctx = WorkflowContext(card_check=HttpCardCheckAdapter(stack.clinic),
                          tickets=TicketDispenser(tmp_path / "t.sqlite3"))
    visit = start_visit(registry, form)
    notices = before_consent(registry, visit, ctx)
    assert [(n.code, n.level) for n in notices] == [("004", "warn")]  # the new card is registered elsewhere
    outbox = RecordingOutbox()
    submitted = submit(registry, visit, outbox, ctx)
    kind, data, evidence = outbox.items[0]
    assert kind == "clinic" and data["qd130"]["MA_THE_BHYT"] == "DN4" + CARD[3:]
    assert data["card_check"]["code"] == "004" and data["fhir"]["resourceType"] == "Bundle"
    assert [e["resource"]["resourceType"] for e in data["fhir"]["entry"]] == ["Patient", "Coverage", "Encounter"]
    assert evidence["fields"]["visit_reason"] == "typed" and submitted.receipt["ticket"]["display"] == "K001"
    assert submitted.outputs["card_check"]["code"] == "004" and "<MA_THE_BHYT>" in submitted.outputs["qd130_xml"]


@pytest.mark.parametrize(("issuer", "system"), [
    ("FRA", "http://hl7.org/fhir/sid/passport-FRA"),
    ("D", "http://hl7.org/fhir/sid/passport-DEU"),  # ICAO's code for Germany, ISO's DEU
    ("XXA", None),  # a refugee's travel document: no State's namespace
    ("", None),
])
def test_a_passport_is_a_ppn_identifier_in_its_issuing_states_namespace(issuer: str, system: str | None) -> None:
    identifier = passport_identifier("C01X00T47", issuer)
    assert identifier["value"] == "C01X00T47" and identifier["type"]["coding"][0]["code"] == "PPN"
    assert identifier.get("system") == system


def test_a_foreign_patient_with_a_passport_checks_in_self_paying(registry: Registry) -> None:
    """Nothing to look up (no BHYT number, no Vietnamese ID): not asked, not "offline"; the passport identifies."""
    passport = passport_identity(source="chip", verification={"passive": {"status": "valid"}})
    form = fill_workflow(registry, "clinic", passport, {"visit_reason": "Khám", "phone": "0912345678"})
    adapter = HttpCardCheckAdapter("http://127.0.0.1:9", timeout=(0.5, 0.5))  # would fail if it were asked
    result = check_in(form, adapter, _visit(), registry.profiles["clinic"])
    assert result.card is None and result.card_error is None
    assert result.step.code == "no-card" and result.step.proceed and result.step.flag == "không có thẻ BHYT"
    assert result.row["SO_CCCD"] == "" and result.resource("Coverage") is None
    patient = Patient.model_validate(result.resource("Patient"))
    codes = [i.type.coding[0].code for i in patient.identifier]
    assert codes == ["PPN", "MR"]  # the passport, then the HIS's patient number; no personal ID number
    assert patient.identifier[0].value == "C01X00T47"
    assert patient.identifier[0].system == "http://hl7.org/fhir/sid/passport-DEU"
