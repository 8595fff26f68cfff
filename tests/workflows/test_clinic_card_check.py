"""BHYT card check through the clinic relay: every documented result code becomes a next step with screen text,
the staff member comes from the site configuration, an offline or slow relay lets check-in go on flagged, MA_BN only
from the HIS, and the check-in FHIR R4B Bundle validates."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI, Request
from fhir.resources.R4B.bundle import Bundle

from intake.sims.bhxh import BhxhSim, ClinicAccount, md5, scenario_card, serve_relay
from intake.sims.serve import serve
from kiosk.clinic.fhir import IdentifierSystems, checkin_bundle
from kiosk.clinic.insurance import CardCheckRequest, CardCheckResult, CardCheckUnavailableError, parse_response
from kiosk.clinic.next_step import KNOWN_CODES, UNCHECKED_FLAG, next_step
from kiosk.clinic.qd130 import VisitInfo, checkin_row
from kiosk.clinic.relay import clinic_relay
from kiosk.site_config import ClinicSettings, SiteConfigError, load_site_config, parse_site_config
from kiosk.workflows.registry import Registry
from kiosk.workflows.service import fill_workflow
from tests.workflows.conftest import qr_identity

VN = ZoneInfo("Asia/Ho_Chi_Minh")
TODAY = date(2026, 11, 23)
CARD = "DN4010123456789"
NAME, BORN = "Nguyễn Thị Hồng Nhung", date(1990, 1, 1)
RELAY_ACCOUNT = ClinicAccount("clinic01", "s3cret", "Nhân viên của máy chủ", "001080000009")
SITE_STAFF = ClinicSettings(relay_url=None, staff_name="Lê Thị Tiếp Đón", staff_id_number="001190000001")
ROOT = Path(__file__).resolve().parents[2]

# Every result code of the BHXH card-check service, as listed in the shared workflows reference (§2.2), with the
# next step the patient gets (the clinic's own facility is 01001, the simulated cards' initial facility).
REFERENCE_CODES = {
    "000": "continue", "001": "continue", "002": "continue",
    "003": "explain", "004": "explain",  # the new card is registered at 01002: another initial facility
    "010": "expired",
    "050": "reception", "051": "reception", "052": "reception", "053": "reception",
    "060": "reception", "061": "reception", "070": "reception",
    "100": "unchecked", "101": "unchecked",
    "110": "reception", "120": "reception", "121": "reception", "122": "reception", "123": "reception",
    "124": "reception", "130": "reception",
    "205": "unchecked", "401": "unchecked",
}


@dataclass
class Relay:
    sim: BhxhSim
    url: str


@pytest.fixture(scope="module")
def relay() -> Iterator[Relay]:
    sim = BhxhSim(accounts={RELAY_ACCOUNT.username: md5(RELAY_ACCOUNT.password)}, today=TODAY)
    with serve_relay(sim, RELAY_ACCOUNT, his_patients={CARD: "BN000123"}) as (_, url):
        yield Relay(sim, url)


@pytest.fixture(scope="module")
def refusing_relay() -> Iterator[str]:
    """A relay whose gateway account is refused (401)."""
    with serve_relay(BhxhSim(accounts={}, today=TODAY), RELAY_ACCOUNT) as (_, url):
        yield url


def _ask(url: str, card_number: str = CARD, born: date = BORN) -> CardCheckResult:
    adapter = clinic_relay(replace(SITE_STAFF, relay_url=url))
    assert adapter is not None
    return adapter.check(CardCheckRequest(card_number, NAME, born))


def test_the_reference_list_is_the_mapped_list() -> None:
    assert sorted(REFERENCE_CODES) == list(KNOWN_CODES)


@pytest.mark.parametrize("code", sorted(REFERENCE_CODES))
def test_every_result_code_gives_a_next_step_with_screen_text(
    relay: Relay, refusing_relay: str, code: str
) -> None:
    if code == "401":
        result = _ask(refusing_relay)
    else:
        card, override = scenario_card(code, card_number=CARD, id_number="001090123456", full_name=NAME,
                                       date_of_birth=BORN, sex="2", today=TODAY)
        relay.sim.cards[:] = [card] if card else []
        if code == "205":  # the relay cannot send a malformed date through the kiosk client: ask it directly
            result = parse_response(relay.sim.check({"maThe": CARD, "hoTen": NAME, "ngaySinh": "1990-01-01",
                                                     "hoTenCb": "x", "cccdCb": "y"}))
        else:
            result = _ask(relay.url, override.get("maThe", CARD))
    assert result.code == code
    step = next_step(result, facility_code="01001")
    assert step.action == REFERENCE_CODES[code] and step.code == code
    line_vi, line_en = step.lines()
    assert line_vi.strip() and line_en.strip() and line_vi != line_en
    assert step.proceed == (step.action != "reception")
    assert (step.flag == UNCHECKED_FLAG) == (step.action == "unchecked")
    assert step.notice()["code"] == code and step.notice()["level"] in ("ok", "warn", "stop")
    if step.action == "reception":
        assert "quầy tiếp đón" in step.text_vi
    if step.action == "explain":
        assert "01002" in step.text_vi and "tuyến" in step.text_vi


def test_the_staff_member_comes_from_the_site_configuration(relay: Relay) -> None:
    card, _ = scenario_card("000", card_number=CARD, id_number=None, full_name=NAME, date_of_birth=BORN,
                            sex="2", today=TODAY)
    relay.sim.cards[:] = [card]
    _ask(relay.url)
    assert relay.sim.log[-1]["userKT"] == SITE_STAFF.staff_name
    # Without staff in the site file the relay names its own.
    adapter = clinic_relay(ClinicSettings(), relay.url)
    assert adapter is not None
    adapter.check(CardCheckRequest(CARD, NAME, BORN))
    assert relay.sim.log[-1]["userKT"] == RELAY_ACCOUNT.staff_name


def test_offline_relay_lets_check_in_go_on_flagged() -> None:
    adapter = clinic_relay(replace(SITE_STAFF, relay_url="http://127.0.0.1:9", timeout_seconds=1))
    assert adapter is not None
    with pytest.raises(CardCheckUnavailableError):
        adapter.check(CardCheckRequest(CARD, NAME, BORN))
    step = next_step(None)
    assert step.action == "unchecked" and step.proceed and step.flag == "chưa kiểm tra thẻ"
    assert step.notice()["code"] == "offline" and "quầy tiếp đón sẽ kiểm tra" in step.text_vi


def test_a_relay_slower_than_the_timeout_is_offline() -> None:
    slow = FastAPI()

    @slow.post("/clinic/card-check")
    def hang() -> dict[str, str]:
        time.sleep(2)
        return {"maKetQua": "000"}

    with serve(slow) as url:
        adapter = clinic_relay(replace(SITE_STAFF, relay_url=url, timeout_seconds=0.3))
        assert adapter is not None
        started = time.monotonic()
        with pytest.raises(CardCheckUnavailableError):
            adapter.check(CardCheckRequest(CARD, NAME, BORN))
        assert time.monotonic() - started < 1.5


def test_the_kiosk_sends_no_credentials() -> None:
    seen: list[tuple[dict[str, str], dict[str, str], dict[str, str]]] = []
    recorder = FastAPI()

    @recorder.post("/clinic/card-check")
    async def record(request: Request) -> dict[str, str]:
        seen.append((await request.json(), dict(request.query_params), dict(request.headers)))
        return {"maKetQua": "000", "maThe": CARD}

    with serve(recorder) as url:
        adapter = clinic_relay(replace(SITE_STAFF, relay_url=url))
        assert adapter is not None
        assert next_step(adapter.check(CardCheckRequest(CARD, NAME, BORN))).action == "continue"
    body, query, headers = seen[0]
    assert body == {"maThe": CARD, "hoTen": NAME, "ngaySinh": "01/01/1990", "hoTenCb": SITE_STAFF.staff_name,
                    "cccdCb": SITE_STAFF.staff_id_number}
    assert query == {} and "authorization" not in {k.lower() for k in headers}


def test_no_relay_configured_means_no_adapter() -> None:
    assert clinic_relay(ClinicSettings()) is None


def _visit(patient_id: str = "") -> VisitInfo:
    return VisitInfo("LK-0001", patient_id, "01001", "01", "1.1", datetime(2026, 11, 23, 8, 5, tzinfo=VN))


def test_bundle_validates_and_ma_bn_only_from_the_his(relay: Relay, registry: Registry) -> None:
    card, _ = scenario_card("000", card_number=CARD, id_number="001090123456", full_name=NAME, date_of_birth=BORN,
                            sex="2", today=TODAY)
    relay.sim.cards[:] = [card]
    form = fill_workflow(registry, "clinic", qr_identity(), {"visit_reason": "Khám", "insurance_card": CARD})
    result = _ask(relay.url)
    assert result.his_patient_id == "BN000123"
    bundle = checkin_bundle(form, result, _visit())
    parsed = Bundle.model_validate(bundle)
    kinds = [e.resource.get_resource_type() for e in parsed.entry]
    assert kinds == ["Patient", "Coverage", "Encounter"] and parsed.type == "collection"
    systems = IdentifierSystems()
    patient, coverage, encounter = (e["resource"] for e in bundle["entry"])
    ids = {i["system"]: i["value"] for i in patient["identifier"]}
    assert ids == {systems.personal_id: "001090123456", "urn:vn:cccd-kiosk:cskcb:01001:ma-bn": "BN000123"}
    assert coverage["identifier"] == [{"system": systems.bhyt_card, "value": CARD}]
    assert coverage["beneficiary"]["reference"] == bundle["entry"][0]["fullUrl"]
    assert encounter["identifier"][0] == {"system": "urn:vn:cccd-kiosk:cskcb:01001:ma-lk", "value": "LK-0001"}
    assert encounter["class"]["code"] == "AMB" and encounter["status"] == "arrived"
    assert checkin_row(form, _visit(), result)["MA_BN"] == "BN000123"  # from the HIS, through the relay
    # An unknown patient: no HIS id anywhere, MA_BN blank in the QĐ 130 row.
    other = fill_workflow(registry, "clinic", qr_identity(id_number="001090999999"), {"visit_reason": "Khám"})
    relay.sim.cards[:] = []
    unknown = _ask(relay.url, "001090999999")
    assert unknown.his_patient_id == ""
    bundle = checkin_bundle(other, unknown, _visit())
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Patient", "Encounter"]
    assert len(bundle["entry"][0]["resource"]["identifier"]) == 1
    assert checkin_row(other, _visit(), unknown)["MA_BN"] == ""


def test_offline_bundle_has_patient_and_encounter(registry: Registry) -> None:
    form = fill_workflow(registry, "clinic", qr_identity(), {"visit_reason": "Khám"})
    bundle = checkin_bundle(form, None, _visit())
    Bundle.model_validate(bundle)
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Patient", "Encounter"]


def test_clinic_site_section() -> None:
    site = load_site_config(ROOT / "config" / "sites" / "clinic.toml")
    assert site.clinic.staff_name and len(site.clinic.staff_id_number) == 12
    assert site.clinic.relay_url == "https://his.example.vn/" and site.clinic.timeout_seconds == 8
    for bad in ({"staff_id_number": "12345"}, {"relay_url": "ftp://x"}, {"timeout_seconds": 0}, {"user": "x"}):
        with pytest.raises(SiteConfigError) as caught:
            parse_site_config({"clinic": bad})
        assert caught.value.field is not None and caught.value.field.startswith("clinic.")
