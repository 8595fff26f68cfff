"""The passport route of the scan step, without a window: which procedures offer it, the chip held to the page the
camera read, a verification problem shown before the review (and who may go on), the typing path, the passport's
words for a wrong key; and the foreign guest's stay details checked against the arrival."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.controller import Devices, KioskController
from kiosk.errors import KioskError
from kiosk.i18n import error_text
from kiosk.identity import Identity
from kiosk.mrz import parse_mrz
from kiosk.mrz_camera import MrzReading, MrzUnreadableError
from kiosk.mrz_entry import TypedMrz, access_key
from kiosk.passport_scan import MrzEvent, bac_key, problem_level
from kiosk.sample_documents import sample_document
from kiosk.scan import ScanEvent
from kiosk.session import Step
from kiosk.workflows.registry import default_registry
from kiosk.workflows.service import fill_workflow

HOLDER, MRZ = sample_document("passport")
PROBLEMS = {
    "chip-csca-unknown": "Không xác minh được giấy tờ: cơ quan cấp chưa có trong danh sách tin cậy của máy.",
    "chip-verification-failed": "Dữ liệu chip không xác thực được. Không sử dụng thẻ này.",
}


def controller(profile: str, procedure: str) -> KioskController:
    c = KioskController(default_registry(), profile, devices=Devices())
    c.start(procedure)
    return c


def chip_identity(lines: list[str], problem: str | None = None) -> Identity:
    verification: dict[str, object] = {"passive": {"status": "valid"}}
    if problem is not None:
        verification = {"passive": {"status": "no-trust-anchor"},
                        "problem": {"code": problem, "message": "not verified", "message_vi": PROBLEMS[problem]}}
    return HOLDER.replace(source="chip", raw={"mrz": list(lines)}, verification=verification)


def read_page(c: KioskController) -> None:
    mrz = parse_mrz("\n".join(MRZ))
    c.scanning.on_event(MrzEvent("mrz", reading=MrzReading(mrz, tuple(MRZ), (0.99, 0.99), 0, 20.0)))


def chip_read(c: KioskController, identity: Identity) -> None:
    c.scanning.on_event(ScanEvent("chip-text", identity=identity, progress=0.45))
    c.scanning.on_event(ScanEvent("chip-portrait", portrait=b"\x89PNG portrait", progress=0.99))
    c.scanning.on_event(ScanEvent("chip-done", progress=1.0))


def test_only_procedures_that_accept_a_passport_offer_it() -> None:
    foreign = controller("lodging", "lodging-foreign-guest")
    assert foreign.scan.passport and not foreign.scanning.passport_offered  # passport only: from the start
    clinic = controller("clinic", "clinic-checkin")
    assert not clinic.scan.passport and clinic.scanning.passport_offered
    clinic.use_passport()
    assert clinic.scan.passport and not clinic.scanning.passport_offered
    one_stop = controller("one-stop", "ct01")  # CT01 is for citizens: their ID card only
    assert not one_stop.scanning.passport_offered
    one_stop.use_passport()
    assert not one_stop.scan.passport


def test_the_chip_opens_with_the_page_key_and_goes_to_review_with_its_portrait() -> None:
    c = controller("lodging", "lodging-foreign-guest")
    read_page(c)
    assert c.scan.mrz_lines == tuple(MRZ) and c.scan.status_key == "scan.mrz.found"
    assert c.scanning.scanner is not None and c.scanning.scanner._key == bac_key(parse_mrz("\n".join(MRZ)))
    assert (bac_key(parse_mrz("\n".join(MRZ))).document_number, bac_key(parse_mrz("\n".join(MRZ))).date_of_birth) \
        == ("L898902C3", "740812")
    c.scanning.on_event(ScanEvent("chip-text", identity=chip_identity(MRZ), progress=0.45))
    assert c.session.step is Step.SCAN  # held until the portrait is read too
    c.scanning.on_event(ScanEvent("chip-portrait", portrait=b"\x89PNG portrait", progress=0.99))
    c.scanning.on_event(ScanEvent("chip-done", progress=1.0))
    assert c.session.step is Step.REVIEW and c.session.portrait == b"\x89PNG portrait"
    assert c.session.identity is not None and c.session.identity.full_name == "ERIKSSON ANNA MARIA"


def test_a_chip_whose_dg1_differs_from_the_page_is_refused() -> None:
    c = controller("lodging", "lodging-foreign-guest")
    read_page(c)
    other = [MRZ[0].replace("ANNA", "ANNE"), MRZ[1]]
    chip_read(c, chip_identity(other))
    assert c.session.step is Step.SCAN and c.session.identity is None and c.session.portrait is None
    assert c.scan.error is not None and c.scan.error.code == "chip-mrz-mismatch"
    vietnamese, english = error_text(c.scan.error).split("\n")
    assert "không khớp với trang hộ chiếu" in vietnamese and "do not match" in english


def test_an_unknown_csca_is_shown_and_the_guest_may_go_on_unverified() -> None:
    c = controller("lodging", "lodging-foreign-guest")
    read_page(c)
    chip_read(c, chip_identity(MRZ, "chip-csca-unknown"))
    problem = c.scan.problem
    assert problem is not None and problem.level == "warn" and c.session.step is Step.SCAN
    assert "danh sách tin cậy" in problem.message_vi
    c.accept_unverified()
    assert c.session.step is Step.REVIEW and c.scan.problem is None
    assert {r.name: r for r in c.rows()}["full_name"].source == "chip-unverified"


def test_altered_chip_data_stop_the_visit() -> None:
    c = controller("lodging", "lodging-foreign-guest")
    read_page(c)
    chip_read(c, chip_identity(MRZ, "chip-verification-failed"))
    assert c.scan.problem is not None and c.scan.problem.level == "stop"
    c.accept_unverified()
    assert c.session.step is Step.SCAN and c.session.identity is None
    assert problem_level("chip-certificate-expired") == "warn" and problem_level("chip-data-malformed") == "stop"


def test_an_unreadable_page_offers_typing_and_a_refused_key_speaks_of_the_passport() -> None:
    c = controller("lodging", "lodging-foreign-guest")
    assert not c.scanning.typing_offered()
    c.scanning.on_event(ScanEvent("mrz-error", error=MrzUnreadableError("unsure", code="mrz-unsure")))
    assert c.scanning.typing_offered()
    text = c.scan_error_text()
    assert text is not None and text.startswith("Không đọc được dòng mã MRZ")
    c.scanning.on_event(ScanEvent("chip-error", error=KioskError("refused", code="chip-wrong-key")))
    assert c.scan.error is not None and c.scan.error.code == "chip-wrong-key"
    assert (c.scan_error_text() or "").startswith("Không mở được chip của hộ chiếu")
    assert c.provide_mrz(TypedMrz(document_number="L898-902 c3", date_of_birth="12/08/1974",
                                  date_of_expiry="15/04/2031", passport=True)) is None
    assert c.scanning.scanner is not None and c.scanning.scanner._key is not None
    assert c.scanning.scanner._key.document_number == "L898902C3"


def test_a_typed_passport_number_is_letters_and_digits() -> None:
    with pytest.raises(KioskError) as caught:
        access_key(TypedMrz(document_number="L8989*02C3", date_of_birth="12/08/1974", date_of_expiry="15/04/2031",
                            passport=True))
    assert caught.value.field == "document_number" and "Số hộ chiếu" in (caught.value.message_vi or "")


def test_the_stay_details_are_checked_against_the_arrival() -> None:
    registry = default_registry()
    identity = chip_identity(MRZ)
    typed = {"room": "301", "arrival": "2026-12-06T17:00", "expected_departure": "2026-12-09T11:00", "reason": "1",
             "visa_expiry": "2026-12-01", "entry_date": "2026-12-08", "visa_number": "DL-123"}
    form = fill_workflow(registry, "lodging", identity, typed, procedure_id="lodging-foreign-guest")
    assert sorted(e.field or "" for e in form.errors) == ["entry_date", "visa_expiry", "visa_number"]
    assert all(e.message_vi and "không hợp lệ" in e.message_vi for e in form.errors)
    typed.update(visa_expiry="2027-01-05", entry_date="2026-12-05", visa_number="DL123")
    form = fill_workflow(registry, "lodging", identity, typed, procedure_id="lodging-foreign-guest")
    assert form.errors == [] and form.missing == []
    assert form.get("document_type") == "4" and form.get("nationality") == "UTO"
    assert date.fromisoformat(form.get("document_expiry") or "") == HOLDER.expiry_date


@pytest.mark.parametrize(("profile", "procedure", "passport", "said"), [
    ("lodging", "lodging-foreign-guest", True, "Hộ chiếu vừa bị nhấc ra"),
    ("clinic", "clinic-checkin", False, "Thẻ vừa bị nhấc ra"),
])
def test_a_document_lifted_mid_read_is_told_until_the_chip_answers_again(
    profile: str, procedure: str, passport: bool, said: str
) -> None:
    c = controller(profile, procedure)
    assert c.scan.passport is passport
    if passport:
        read_page(c)
    c.scanning.on_event(ScanEvent("chip-waiting"))
    c.scanning.on_event(ScanEvent("chip-progress", progress=0.3))
    lifted = KioskError("The card was lifted. Please place it on the reader again.", code="chip-card-removed",
                        message_vi="Thẻ vừa bị nhấc ra — vui lòng đặt lại")
    c.scanning.on_event(ScanEvent("chip-error", error=lifted))
    # The scanner at once waits for the card with the same key: the message must stay on the screen.
    c.scanning.on_event(ScanEvent("chip-waiting"))
    text = c.scanning.error_text()
    assert text is not None and text.startswith(said) and "mã QR" not in text
    assert not c.scan.chip_busy
    c.scanning.on_event(ScanEvent("chip-progress", progress=0.1))  # put back: the chip answers
    assert c.scan.error is None and c.scan.chip_busy and c.scan.chip_progress == 0.1
