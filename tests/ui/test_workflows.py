"""One visit per workflow, through the real UI on the Xvfb display, with the simulated camera and chip and a real
intake: home → scan (QR by the virtual camera, then the chip) → review (a correction typed with the Telex
keyboard) → consent → done (sent, printed) → idle wipe. Screenshots of each screen go to build/ui-screens/."""

from __future__ import annotations

import base64
import hashlib
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

import kiosk.lodging.removable as removable
from intake.devserver import IntakeServer
from kiosk.address.service import default_service
from kiosk.forms.ct01_pdf import render_ct01
from kiosk.receipt_image import PAPER_WIDTH
from kiosk.samples import sample_identity
from kiosk.session import Step
from screens.review import ReviewScreen
from wire.envelope import unverified_payload

RunningKiosk = Any  # tests/ui/conftest.py: the app, its driver, controller and simulated devices

pytestmark = pytest.mark.ui


def keyboard_key(k: RunningKiosk, key: str) -> Any:
    return k.driver.find(lambda w: getattr(w, "key", None) == key and w.get_root_window() is not None)


def type_keys(k: RunningKiosk, keys: str) -> None:
    """Tap each key of the on-screen keyboard: letters (upper case through the ABC key), digits, space."""
    for ch in keys:
        if ch == " ":
            k.driver.tap(keyboard_key(k, "␣"))
        elif ch.isupper():
            k.driver.tap(keyboard_key(k, "⇧"))
            k.driver.tap(keyboard_key(k, ch.lower()))
        else:
            k.driver.tap(keyboard_key(k, ch))


def edit(k: RunningKiosk, field: str, keys: str, *, clear: bool = False) -> None:
    review = k.app.screens["review"]
    assert isinstance(review, ReviewScreen)
    k.driver.tap(review.views[field].box)
    assert review.editing == field
    if clear:
        k.driver.tap(keyboard_key(k, "⌧"))
    type_keys(k, keys)


def done_typing(k: RunningKiosk) -> None:
    k.driver.tap(keyboard_key(k, "↵"))


def choose(k: RunningKiosk, field: str, code: str) -> None:
    review = k.app.screens["review"]
    assert isinstance(review, ReviewScreen)
    k.driver.tap(review.views[field].box)
    k.driver.tap(k.driver.find(lambda w: getattr(w, "choice_code", None) == code and w.get_root_window()))


def button(k: RunningKiosk, text_key: str) -> Any:
    screen = k.app.current_screen()
    return next(w for w in k.driver.widgets() if getattr(w, "text_key", None) == text_key
                and w.get_root_window() is not None and _inside(w, screen))


def _inside(widget: Any, ancestor: Any) -> bool:
    while widget is not None and widget.parent is not widget:
        if widget is ancestor:
            return True
        widget = widget.parent
    return False


def export_files(k: RunningKiosk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The operator's export of today's guests onto a USB drive under a fake system root: the files written."""
    root = tmp_path / "system"
    (root / "proc").mkdir(parents=True)
    (root / "sys" / "block" / "sdb").mkdir(parents=True)
    (root / "sys" / "block" / "sdb" / "removable").write_text("1\n")
    (root / "media" / "kiosk" / "USB").mkdir(parents=True)
    (root / "proc" / "mounts").write_text("/dev/sda2 / ext4 rw 0 0\n/dev/sdb1 /media/kiosk/USB vfat rw 0 0\n")
    monkeypatch.setattr(removable, "SYSTEM_ROOT", root)
    assert k.services.devices.export is not None
    k.services.devices.export()
    return sorted((root / "media" / "kiosk" / "USB" / "cccd-kiosk").iterdir())


def received(intake: IntakeServer, sid: str) -> dict[str, Any]:
    store = intake.store()
    try:
        rows = [r for r in store.submissions(with_blob=True) if r["sid"] == sid]
    finally:
        store.dispose()
    assert len(rows) == 1, "the submission did not arrive at the intake"
    return unverified_payload(rows[0]["jws"])


def scan_card(k: RunningKiosk, n: int) -> None:
    """Present sample card n (virtual camera and emulated chip); QR fills the review, then the chip verifies."""
    k.shot("scan")
    k.controller.session.touch()
    k.services.world.present(n)  # type: ignore[union-attr]
    k.driver.wait_until(lambda: k.controller.session.step is Step.REVIEW, 10, "the review screen (QR)")
    assert k.app.sm.current == "review"
    k.driver.wait_until(lambda: k.controller.session.identity is not None
                        and k.controller.session.identity.source == "chip"
                        and k.controller.session.portrait is not None
                        and not k.controller.scan.chip_busy, 20, "the chip read")


def finish_visit(k: RunningKiosk, intake: IntakeServer, expected: dict[str, str],
                 also_personal: tuple[str, ...] = (), on_check: Callable[[], None] | None = None,
                 on_done: Callable[[], None] | None = None) -> dict[str, Any]:
    """The workflow's checks (if any: ``on_check`` looks at the check screen), consent, submit, wait until sent,
    print; ``on_done`` looks at the done screen; then the idle wipe (no widget may still show ``expected`` or
    ``also_personal`` values). Returns what the intake received."""
    k.driver.tap(button(k, "common.next"))
    k.driver.wait_until(lambda: k.app.sm.current in ("check", "consent"), 5, "the next screen")
    if k.app.sm.current == "check":
        k.driver.wait_until(lambda: not k.controller.checking, 15, "the workflow's checks")
        k.driver.pump(frames=2)
        k.shot("check")
        if on_check is not None:
            on_check()
        k.driver.tap(button(k, "check.continue"))
    k.driver.wait_until(lambda: k.app.sm.current == "consent", 5, "the consent screen")
    k.shot("consent")
    k.driver.tap(button(k, "consent.accept"))
    k.driver.wait_until(lambda: k.app.sm.current == "done", 5, "the done screen")
    k.driver.wait_until(k.controller.delivered, 15, "delivery to the intake")
    k.driver.wait_until(lambda: not k.controller.printing, 10, "a queue ticket's printing")
    k.driver.pump(seconds=0.6)
    done = k.app.screens["done"]
    assert done.status.text == "Đã gửi hồ sơ"  # type: ignore[attr-defined]
    outcome = k.controller.session.outcome
    assert outcome is not None and done.code.text == outcome.receipt_code  # type: ignore[attr-defined]
    before = set((k.services.state_dir / "receipts").glob("*.png"))
    k.controller.print_result = None
    k.driver.tap(button(k, "done.print"))
    k.driver.wait_until(lambda: k.controller.print_result is not None, 10, "the printed receipt")
    k.shot("done")
    printed = set((k.services.state_dir / "receipts").glob("*.png")) - before
    assert len(printed) == 1
    if on_done is not None:
        on_done()

    payload = received(intake, outcome.sid)
    form = payload["data"]["form"]
    for name, value in expected.items():
        assert form[name] == value, name
    identity = sample_identity(k.identity_n)  # type: ignore[attr-defined]
    assert form["full_name"] == identity.full_name
    sources = payload["evidence"]["fields"]
    assert sources["full_name"] == "chip-verified"

    # Nobody touches the screen: the idle timeout wipes it and goes home.
    personal = [*identity.personal_values(), *expected.values(), *also_personal]
    k.driver.wait_until(lambda: k.controller.session.step is Step.HOME, 15, "the idle wipe")
    k.driver.pump(frames=3)
    k.shot("after-wipe")
    assert k.app.sm.current == "home"
    assert not k.controller.session.holds_personal_data()
    leaks = [(text, value) for text in k.driver.texts() for value in personal if len(value) > 2 and value in text]
    assert leaks == []
    return payload


def test_lodging_guest(kiosk: Callable[..., RunningKiosk], intake: IntakeServer, tmp_path: Path,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    k = kiosk("lodging")
    k.identity_n = 11  # type: ignore[attr-defined]
    k.shot("home")
    k.services.world.prepare(11, chip=True)  # the simulated card (camera clip, chip), made before the visit
    k.driver.tap(k.app.screens["home"].procedure_button("lodging-guest"))  # type: ignore[attr-defined]
    assert k.app.sm.current == "scan"
    scan_card(k, 11)
    review = k.app.screens["review"]
    assert isinstance(review, ReviewScreen)
    assert review.views["full_name"].row.locked and review.views["full_name"].row.source == "chip-verified"
    assert review.photo_box.opacity == 1
    k.shot("review")

    edit(k, "room", "101")
    k.shot("keyboard")
    done_typing(k)
    now = k.controller.now()
    arrival = now.strftime("%d%m%Y%H%M")
    departure = (now + timedelta(days=2)).strftime("%d%m%Y") + "1200"
    edit(k, "arrival", arrival)
    done_typing(k)
    edit(k, "expected_departure", departure)
    done_typing(k)
    choose(k, "reason", "1")
    # The correction typed with Telex: the residence as the guest states it.
    edit(k, "residence", "Soos 8 Nguyeenx Traix, Phuwowngf Ba Ddinhf", clear=True)
    assert review.views["residence"].box.text == "Số 8 Nguyễn Trãi, Phường Ba Đình"
    done_typing(k)
    row = next(r for r in k.controller.rows() if r.name == "residence")
    assert row.source == "typed" and row.error is None
    assert k.controller.can_continue(), k.controller.missing_labels()
    # (the room number is not personal: the owner's list on the home screen shows it with the guest's initials)
    payload = finish_visit(k, intake, {"residence": "Số 8 Nguyễn Trãi, Phường Ba Đình", "reason": "1"})
    assert payload["data"]["form"]["room"] == "101"
    assert payload["data"]["deadline"]["rule"] in ("same-day-23h", "next-day-08h")
    # The owner's home screen counts down to the guest's deadline, and the day's export holds the guest.
    home = k.app.screens["home"]
    home.refresh()  # type: ignore[attr-defined]
    k.driver.pump(frames=3)
    panel = home.pending  # type: ignore[attr-defined]
    [row] = panel.rows
    assert row.room == "101"
    k.driver.tap(panel.summary)  # folded to a count until the owner opens it
    assert any("còn" in text and "101" in text for text in k.driver.texts()), k.driver.texts()
    k.shot("home-countdown")
    [xlsx] = [p for p in export_files(k, tmp_path, monkeypatch) if p.suffix == ".xlsx"]
    sheet = load_workbook(xlsx)["DS_KHACH_VIET_NAM_LUU_TRU"]
    assert sheet["B5"].value == sample_identity(11).full_name


@pytest.mark.timeout(240)
def test_clinic_checkin(kiosk: Callable[..., RunningKiosk], intake: IntakeServer) -> None:
    k = kiosk("clinic")
    k.identity_n = 12  # type: ignore[attr-defined]
    k.shot("home")
    k.services.world.prepare(12, chip=True)  # the simulated card (camera clip, chip), made before the visit
    k.driver.tap(k.app.screens["home"].procedure_button("clinic-checkin"))  # type: ignore[attr-defined]
    scan_card(k, 12)
    k.shot("review")
    edit(k, "visit_reason", "Ddau ddaauf, soots nhej")
    assert k.app.screens["review"].views["visit_reason"].box.text == "Đau đầu, sốt nhẹ"  # type: ignore[attr-defined]
    done_typing(k)
    # A wrong phone number is refused inline, in Vietnamese first.
    edit(k, "phone", "12345")
    done_typing(k)
    error = next(r for r in k.controller.rows() if r.name == "phone").error
    assert error is not None
    vietnamese, english = error.split("\n")
    assert "Số điện thoại" in vietnamese and "10 chữ số" in vietnamese and "10-digit" in english
    k.shot("review-error")
    edit(k, "phone", "0912345678", clear=True)
    done_typing(k)
    assert k.controller.can_continue(), k.controller.missing_labels()

    def check_screen_said_valid() -> None:
        check = k.app.screens["check"]
        assert check.code.text == "Mã kết quả: 000"  # type: ignore[attr-defined]
        assert check.title.text == "Thẻ BHYT hợp lệ"  # type: ignore[attr-defined]

    payload = finish_visit(k, intake, {"visit_reason": "Đau đầu, sốt nhẹ", "phone": "0912345678"},
                           on_check=check_screen_said_valid)
    data = payload["data"]
    assert data["card_check"]["code"] == "000" and data["card_check"]["checked"] is True and data["flags"] == []
    bundle = Bundle.model_validate(data["fhir"])
    assert [e.resource.get_resource_type() for e in bundle.entry] == ["Patient", "Coverage", "Encounter"]
    xml = ET.fromstring(data["qd130_xml"])
    assert xml.findtext("DSACH_TRANG_THAI_KCB/TRANG_THAI_KCB/SO_CCCD") == sample_identity(12).id_number
    assert xml.findtext("DSACH_TRANG_THAI_KCB/TRANG_THAI_KCB/MA_BN") == ""  # MA_BN comes from the HIS only


@pytest.mark.timeout(300)  # the longest visit: the household table, the ticket and the printed form
def test_one_stop_residence_declaration(kiosk: Callable[..., RunningKiosk], intake: IntakeServer) -> None:
    k = kiosk("one-stop")
    k.identity_n = 13  # type: ignore[attr-defined]
    identity = sample_identity(13)
    k.shot("home")
    # The address data loads at start, while nobody is at the kiosk; the visit starts once it is loaded.
    k.driver.wait_until(lambda: default_service().ready, 200, "the address data")
    k.services.world.prepare(13, chip=True)  # the simulated card (camera clip, chip), made before the visit
    k.driver.tap(k.app.screens["home"].procedure_button("ct01"))  # type: ignore[attr-defined]
    scan_card(k, 13)
    review = k.app.screens["review"]
    assert isinstance(review, ReviewScreen)
    # The card's former ward was merged: the address question comes first, in the form's place.
    k.driver.wait_until(lambda: bool(review.address_panel.choice_buttons), 20, "the address question")
    k.driver.pump(frames=2)
    assert review.address_step and review.body.height == 0
    k.shot("review-address-step")
    k.driver.tap(review.address_panel.choice_buttons[0])
    k.driver.pump(frames=3)
    assert not review.address_step and review.body.height > 0
    k.shot("review")
    edit(k, "authority", "Coong an phuwowngf Dichj Vongj", clear=True)
    done_typing(k)
    choose(k, "relation_to_head", "vo")
    edit(k, "head_name", "Nguyeenx Vawn Ddwcs")
    done_typing(k)
    edit(k, "head_id_number", identity.id_number or "")
    done_typing(k)
    edit(k, "request", "Chuyeenr ddeens owr cungf con gais")
    done_typing(k)
    assert k.controller.can_continue(), k.controller.missing_labels()

    # Item 11, the household members moving too: two rows added, the first removed again.
    review = k.app.screens["review"]
    assert isinstance(review, ReviewScreen)
    k.driver.tap(review.footers["members"].add_button)
    assert review.editing == "members.1.full_name"  # the new row's first cell opens at once
    type_keys(k, "Lee Vawn Tamj")
    done_typing(k)
    k.driver.tap(review.footers["members"].add_button)
    assert review.editing == "members.2.full_name"
    type_keys(k, "Traafn Thij Bes")
    assert review.views["members.2.full_name"].box.text == "Trần Thị Bé"
    done_typing(k)
    edit(k, "members.2.date_of_birth", "12032015")
    assert review.views["members.2.date_of_birth"].box.text == "12/03/2015"
    done_typing(k)
    choose(k, "members.2.sex", "F")
    edit(k, "members.2.id_number", "12345")
    done_typing(k)
    error = review.views["members.2.id_number"].error.text
    vietnamese, english = error.split("\n")
    assert "12 chữ số" in vietnamese and "12-digit" in english
    assert not k.controller.can_continue()
    review.scroll.scroll_y = 1
    k.driver.tap(review.next_button)  # "Tiếp tục" with the wrong number: its row and error come into view
    k.driver.pump(frames=3)
    assert review.editing is None and k.app.sm.current == "review"
    error_label = review.views["members.2.id_number"].error
    bottom = error_label.to_window(0, error_label.y)[1]
    assert bottom >= review.scroll.to_window(0, review.scroll.y)[1] - 1
    assert error_label.to_window(0, error_label.top)[1] <= review.scroll.to_window(0, review.scroll.top)[1] + 1
    k.shot("review-household")
    edit(k, "members.2.id_number", "001315012345", clear=True)
    done_typing(k)
    choose(k, "members.2.relation", "con")
    assert review.views["members.2.relation"].box.text == "Con"
    assert not k.controller.can_continue()  # row 1 has only a name
    assert any(label.startswith("Thành viên 1") for label in k.controller.missing_labels())
    k.driver.tap(k.driver.find(lambda w: getattr(w, "table_row", None) == ("members", 1)))
    assert [r.value for r in k.controller.rows() if r.table == "members"] == [
        "Trần Thị Bé", "12/03/2015", "F", "001315012345", "con"]
    assert "members.2.full_name" not in review.views and review.footers["members"].add_button.opacity == 1
    assert k.controller.can_continue(), k.controller.missing_labels()
    form = k.controller.form()
    assert form is not None
    pdf = unicodedata.normalize("NFC", "".join(
        page.extract_text() for page in PdfReader(BytesIO(render_ct01(form, signed_on=date(2026, 11, 23)))).pages))
    assert "Trần Thị Bé" in pdf and "001315012345" in pdf and "Lê Văn Tạm" not in pdf
    def ticket_and_form_printed() -> None:
        done = k.app.screens["done"]
        ticket = k.controller.submitted.ticket  # type: ignore[union-attr]
        assert ticket is not None and done.ticket.text == ticket.display  # type: ignore[attr-defined]
        assert k.controller.printed_ticket is not None and Path(k.controller.printed_ticket).exists()
        slip = Image.open(k.controller.printed_ticket)
        assert slip.width == PAPER_WIDTH and slip.height > 300  # the ticket slip, printed at once
        k.controller.print_result = None
        k.driver.tap(button(k, "done.print_document"))
        k.driver.wait_until(lambda: k.controller.print_result is not None, 10, "the printed form")
        [printed_form] = (k.services.state_dir / "receipts").glob("document-*.pdf")
        assert printed_form.read_bytes().startswith(b"%PDF")
        k.shot("done-ticket")

    payload = finish_visit(k, intake, {"authority": "Công an phường Dịch Vọng", "head_name": "Nguyễn Văn Đức",
                                       "request": "Chuyển đến ở cùng con gái"},
                           also_personal=("Trần Thị Bé", "001315012345", "Lê Văn Tạm"), on_done=ticket_and_form_printed)
    [attachment] = payload["data"]["attachments"]
    content = base64.b64decode(attachment["content_base64"])
    assert hashlib.sha256(content).hexdigest() == attachment["sha256"]
    attached = unicodedata.normalize("NFC", "".join(p.extract_text() for p in PdfReader(BytesIO(content)).pages))
    assert identity.full_name and identity.id_number
    assert identity.full_name in attached and identity.id_number in attached.replace(" ", "")
    members = payload["data"]["form"]["members"]
    assert len(members) == 1 and members[0]["full_name"] == "Trần Thị Bé"
    assert members[0]["id_number"] == "001315012345" and members[0]["relation"] == "con"
    assert members[0]["date_of_birth"].replace("-", "").endswith("20150312") or "2015" in members[0]["date_of_birth"]
    assert payload["evidence"]["fields"]["members"][0]["full_name"] == "typed"
