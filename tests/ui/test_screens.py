"""Operator screen (long press, PIN), language switch and declining consent, on the real app under Xvfb."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from kiosk.lodging.guest import Guest
from kiosk.samples import sample_identity
from kiosk.session import Step

pytestmark = pytest.mark.ui

RunningKiosk = Any  # tests/ui/conftest.py


def by_key(k: RunningKiosk, key: str) -> Any:
    return k.driver.find(lambda w: getattr(w, "key", None) == key and w.get_root_window() is not None)


def by_text_key(k: RunningKiosk, text_key: str) -> Any:
    return k.driver.find(lambda w: getattr(w, "text_key", None) == text_key and w.get_root_window() is not None
                         and w.opacity > 0)


def test_decline_wipes_and_returns_home(kiosk: Callable[..., RunningKiosk]) -> None:
    k = kiosk("clinic", idle_seconds=60)
    home = k.app.screens["home"]
    k.driver.tap(home.lang_button)
    assert home.prompt.text.startswith("Choose a service")
    k.driver.tap(home.lang_button)
    assert home.prompt.text.startswith("Chọn thủ tục")

    k.services.world.prepare(41)
    k.driver.tap(home.procedure_button("clinic-checkin"))
    k.services.world.present(41, chip=False)
    k.driver.wait_until(lambda: k.controller.session.step is Step.REVIEW, 10, "the review screen")
    k.controller.set_value("visit_reason", "Khám mắt")
    k.driver.pump(frames=2)
    k.driver.tap(by_text_key(k, "common.next"))
    assert k.app.sm.current == "check"  # the clinic checks the insurance card before consent
    k.driver.wait_until(lambda: not k.controller.checking, 10, "the card check")
    k.driver.tap(by_text_key(k, "check.continue"))
    assert k.app.sm.current == "consent"
    notice = k.app.screens["consent"].notice.text
    assert "không lưu ảnh thẻ" in notice  # what is kept, and for how long
    k.driver.tap(by_text_key(k, "consent.decline"))
    assert k.app.sm.current == "home" and k.controller.session.step is Step.HOME
    assert not k.controller.session.holds_personal_data()
    values = [*sample_identity(41).personal_values(), "Khám mắt"]
    assert [t for t in k.driver.texts() for v in values if len(v) > 2 and v in t] == []


def test_operator_needs_the_pin(kiosk: Callable[..., RunningKiosk]) -> None:
    k = kiosk("lodging", idle_seconds=60)
    yesterday = k.controller.now() - timedelta(days=1)
    k.services.register.add(Guest(  # a guest registered yesterday and never notified: overdue
        full_name="Lê Văn An", date_of_birth="1980-01-01", sex="M", document_type="1",
        document_number="001080000001", room="203", arrival=yesterday.replace(hour=14, minute=0).isoformat(),
        expected_departure=(yesterday + timedelta(days=3)).isoformat(), reason="1", nationality="VNM"))
    home = k.app.screens["home"]
    k.driver.tap(home.hotspot, hold=0.3)  # a short press does nothing
    assert k.app.sm.current == "home"
    k.driver.tap(home.hotspot, hold=2.3)
    assert k.app.sm.current == "operator"
    operator = k.app.screens["operator"]
    for digit in "1111":
        k.driver.tap(by_key(k, digit))
    k.driver.tap(by_key(k, "↵"))
    assert not operator.unlocked and operator.pin_label.text.startswith("Sai mã PIN")
    for digit in "2468":
        k.driver.tap(by_key(k, digit))
    k.driver.tap(by_key(k, "↵"))
    assert operator.unlocked
    texts = " ".join(k.driver.texts())
    assert "Hàng đợi gửi" in texts and "Chờ gửi" in texts and "Hạn thông báo lưu trú" in texts
    assert "Quá hạn · 203" in texts
    k.shot("operator")
    key_id = k.driver.find(lambda w: "Mã khóa thiết bị" in str(getattr(w, "text", ""))
                           and w.get_root_window() is not None)
    k.driver.scroll_into_view(key_id)  # the device key id in full, text size, contrast, spoken guidance
    k.shot("operator-lower")
    k.driver.tap(k.driver.find(lambda w: "Tương phản cao" in str(getattr(w, "text", ""))
                               and w.get_root_window() is not None))
    assert k.app.theme.high_contrast
    assert k.app.screens["operator"].unlocked  # the new theme keeps the operator signed in
    k.shot("operator-high-contrast")
    k.driver.tap(by_text_key(k, "operator.exit"))
    assert k.app.sm.current == "home"
    k.shot("home-high-contrast")


def test_wrong_card_number_then_the_right_one(kiosk: Callable[..., RunningKiosk]) -> None:
    """Chip only (no QR): a wrong number is refused with what to do; the ID number typed on the pad opens it."""
    k = kiosk("clinic", idle_seconds=60)
    identity = sample_identity(42)
    k.services.world.prepare(42, chip=True)
    k.driver.tap(k.app.screens["home"].procedure_button("clinic-checkin"))
    scan = k.app.screens["scan"]
    k.services.world.present(42, qr=False, chip=True)
    k.driver.tap(by_text_key(k, "scan.enter_key"))
    for digit in "000000":
        k.driver.tap(by_key(k, digit))
    k.driver.tap(by_key(k, "↵"))
    k.driver.wait_until(lambda: bool(scan.error.text), 15, "the wrong-key message")
    vietnamese, english = scan.error.text.split("\n")
    assert "quét lại mã QR" in vietnamese and "Rescan the QR code" in english
    k.shot("scan-error")
    k.driver.tap(by_text_key(k, "scan.enter_key"))
    for digit in identity.id_number or "":
        k.driver.tap(by_key(k, digit))
    k.driver.tap(by_key(k, "↵"))
    # While the chip is read a progress ring fills: in place of the card-on-reader picture on the scan screen, in
    # the banner of the review once the chip's text is there (the photo takes most of the read).
    k.driver.wait_until(lambda: (k.controller.scan.chip_busy and (k.controller.scan.chip_progress or 0) >= 0.1)
                        or k.controller.session.portrait is not None, 15, "the chip being read")
    if k.controller.scan.chip_busy:  # (on a fast machine the whole read can fall between two frames)
        ring = scan.guide.ring if k.app.sm.current == "scan" else k.app.screens["review"].banner_progress
        k.shot("scan-chip-progress")
        assert ring.opacity == 1 and ring.value >= 0.1
    k.driver.wait_until(lambda: k.controller.session.step is Step.REVIEW, 15, "the review screen (chip)")
    assert k.controller.session.identity is not None and k.controller.session.identity.source == "chip"


def test_wrong_key_then_the_mrz_typed_from_the_card(kiosk: Callable[..., RunningKiosk]) -> None:
    """Chip only: a wrong CAN is refused; the person chooses to type the card's MRZ details (card number, date of
    birth, expiry) on the numeric pad, an impossible date is refused under its field, and the chip opens with that
    BAC key and fills the review."""
    k = kiosk("clinic", idle_seconds=60)
    identity = sample_identity(44)
    assert identity.date_of_birth is not None and identity.expiry_date is not None and identity.id_number
    k.services.world.prepare(44, chip=True)
    k.driver.tap(k.app.screens["home"].procedure_button("clinic-checkin"))
    scan = k.app.screens["scan"]
    k.services.world.present(44, qr=False, chip=True)
    k.driver.tap(by_text_key(k, "scan.enter_key"))
    for digit in "000000":
        k.driver.tap(by_key(k, digit))
    k.driver.tap(by_key(k, "↵"))
    k.driver.wait_until(lambda: bool(scan.error.text), 15, "the wrong-key message")
    assert "nhập thông tin in trên thẻ" in scan.error.text and "type the details printed" in scan.error.text
    assert scan.choices.opacity == 1 and scan.choices.height >= k.app.theme.touch
    k.shot("scan-wrong-key")
    k.driver.tap(by_text_key(k, "scan.enter_mrz"))
    panel = scan.mrz
    assert scan.mrz_open and panel.selected == "document_number"

    for digit in identity.id_number:
        k.driver.tap(by_key(k, digit))
    k.driver.tap(by_key(k, "↵"))
    assert panel.selected == "date_of_birth" and panel.fields["document_number"].error.text == ""
    for digit in "31021990":  # 31 February
        k.driver.tap(by_key(k, digit))
    assert panel.fields["date_of_birth"].box.text == "31/02/1990"
    k.driver.tap(by_key(k, "↵"))
    error = panel.fields["date_of_birth"].error.text
    assert "Ngày không đúng" in error and "day/month/year" in error and panel.selected == "date_of_birth"
    k.shot("mrz-entry-error")
    k.driver.tap(by_key(k, "⌧"))
    for digit in identity.date_of_birth.strftime("%d%m%Y"):
        k.driver.tap(by_key(k, digit))
    k.driver.tap(by_key(k, "↵"))
    assert panel.selected == "date_of_expiry" and panel.fields["date_of_birth"].error.text == ""
    for digit in identity.expiry_date.strftime("%d%m%Y"):
        k.driver.tap(by_key(k, digit))
    k.shot("mrz-entry")
    k.driver.tap(by_text_key(k, "mrz.read"))
    assert not scan.mrz_open  # back to the scan while the chip is read
    k.driver.wait_until(lambda: k.controller.session.step is Step.REVIEW and not k.controller.scan.chip_busy
                        and k.controller.session.identity is not None
                        and k.controller.session.identity.source == "chip", 20, "the review filled by the chip")
    k.driver.wait_until(lambda: k.app.screens["review"].settled, 5, "the review drawn")
    row = next(r for r in k.controller.rows() if r.name == "full_name")
    assert row.value == identity.full_name and row.source == "chip-verified"
    # What was typed is gone from the scan screen's widgets.
    typed = [identity.id_number, identity.date_of_birth.strftime("%d/%m/%Y"),
             identity.expiry_date.strftime("%d/%m/%Y")]
    stack, texts = [scan], []
    while stack:
        widget = stack.pop()
        texts.append(str(getattr(widget, "text", "")))
        stack.extend(widget.children)
    assert [t for t in texts for v in typed if v in t] == []


def type_text(k: RunningKiosk, text: str) -> None:
    """Tap each character on the on-screen keyboard (upper case through the ABC key)."""
    for ch in text:
        if ch.isupper():
            k.driver.tap(by_key(k, "⇧"))
        k.driver.tap(by_key(k, ch.lower()))


def test_operator_enrols_the_kiosk_with_a_token(kiosk: Callable[..., RunningKiosk], intake: Any) -> None:
    """A kiosk that lost its enrolment: the operator screen says so and shows the device key id; the operator types
    the intake address and a one-time token; a wrong address, an unreachable intake and a wrong token are refused
    with what to do; a real token from the running intake enrols it over HTTP."""
    k = kiosk("clinic", idle_seconds=60)
    (k.services.state_dir / "enrolment.json").unlink()
    home = k.app.screens["home"]
    k.driver.tap(home.hotspot, hold=2.3)
    for digit in "2468":
        k.driver.tap(by_key(k, digit))
    k.driver.tap(by_key(k, "↵"))
    operator = k.app.screens["operator"]
    assert operator.unlocked
    status = k.controller.enrolment_status()
    assert status is not None and not status.enrolled
    texts = " ".join(k.driver.texts())
    assert "chưa được đăng ký" in texts and status.device in texts
    k.driver.tap(by_text_key(k, "operator.enrol"))
    form = operator.enrol_form
    assert form is not None and form.selected == "intake_url" and form.boxes["intake_url"].text == ""

    def enrol_and_wait() -> str:
        k.driver.tap(by_text_key(k, "operator.enrol_now"))
        k.driver.wait_until(lambda: not k.controller.enrolling, 30, "the enrolment answer")
        k.driver.pump(frames=2)
        return str(form.message.text)

    message = enrol_and_wait()  # nothing typed
    assert "Địa chỉ máy chủ phải có dạng" in message and "intake address" in message
    type_text(k, "http://127.0.0.1:9")
    k.driver.tap(by_key(k, "↵"))
    assert form.selected == "token"
    type_text(k, "abcdefgh12")
    message = enrol_and_wait()
    assert "Không kết nối được" in message and "cannot be reached" in message and form.selected == "intake_url"
    k.driver.tap(by_key(k, "⌧"))
    type_text(k, intake.url)
    k.driver.tap(form.boxes["token"])
    k.driver.tap(by_key(k, "⌧"))
    type_text(k, "Wrong-token_12")
    message = enrol_and_wait()
    assert "từ chối mã đăng ký" in message and "Ask for a new one" in message and form.selected == "token"
    assert not (k.services.state_dir / "enrolment.json").exists()
    k.shot("operator-enrol")

    k.driver.tap(by_key(k, "⌧"))
    type_text(k, intake.token())
    k.driver.tap(by_text_key(k, "operator.enrol_now"))
    k.driver.wait_until(lambda: operator.enrol_form is None, 30, "the enrolment")
    status = k.controller.enrolment_status()
    assert status is not None and status.enrolled and status.intake_url == intake.url
    texts = " ".join(k.driver.texts())
    assert "Đã đăng ký với máy chủ tiếp nhận" in texts and intake.url in texts
    assert k.services.sender.url.startswith(intake.url)
    store = intake.store()
    try:
        assert store.device(status.device) is not None
    finally:
        store.dispose()
    k.shot("operator-enrolled")


def test_idle_wipe_clears_the_mrz_being_typed(kiosk: Callable[..., RunningKiosk]) -> None:
    """The person walks away while typing the card's details: the idle wipe goes home and no widget keeps them."""
    k = kiosk("clinic")  # the short idle time of the UI tests
    identity = sample_identity(45)
    assert identity.id_number and identity.date_of_birth
    k.driver.tap(k.app.screens["home"].procedure_button("clinic-checkin"))
    scan = k.app.screens["scan"]
    scan.open_mrz()  # as after a wrong key (the choice itself is exercised above)
    k.driver.pump(frames=2)
    for digit in identity.id_number:
        k.driver.tap(by_key(k, digit))
    k.driver.tap(by_key(k, "↵"))
    for digit in identity.date_of_birth.strftime("%d%m%Y"):
        k.driver.tap(by_key(k, digit))
    typed = [identity.id_number, identity.date_of_birth.strftime("%d/%m/%Y")]
    assert all(any(v in t for t in k.driver.texts()) for v in typed)
    k.driver.wait_until(lambda: k.controller.session.step is Step.HOME, 15, "the idle wipe")
    k.driver.pump(frames=3)
    assert k.app.sm.current == "home" and not scan.mrz_open
    assert [t for t in k.driver.texts() for v in typed if v in t] == []
    assert scan.mrz.typed == type(scan.mrz.typed)()


def test_chip_refusing_the_qr_keys_then_the_mrz_typed_on_the_review(kiosk: Callable[..., RunningKiosk]) -> None:
    """The QR code fills the review, but the chip refuses its CAN and the MRZ keys derived from it (a card whose CAN
    and expiry are not the usual ones); the banner offers the MRZ entry, and the card's details open the chip."""
    from dataclasses import replace
    from datetime import date

    from drivers.sim.emulated_card import EmulatedCard, emulated_card_from_record
    from kiosk.mrz import format_td1

    k = kiosk("clinic", idle_seconds=60)
    identity = sample_identity(46)
    assert identity.id_number and identity.date_of_birth
    world = k.services.world
    built = emulated_card_from_record(identity.to_dict(), world.pki, format_td1(identity, expiry=date(2099, 1, 1)))
    world.prepare(46)
    world.use_card(46, EmulatedCard(built.files, replace(built.keys, can="000001")))
    k.driver.tap(k.app.screens["home"].procedure_button("clinic-checkin"))
    world.present(46)
    k.driver.wait_until(lambda: k.controller.session.step is Step.REVIEW, 15, "the review (QR)")
    review = k.app.screens["review"]
    k.driver.wait_until(lambda: review.mrz_button.opacity == 1, 40, "the wrong-key banner")
    assert k.controller.session.identity is not None and k.controller.session.identity.source == "qr"
    assert "nhập thông tin in trên thẻ" in review.banner_text.text
    k.shot("review-wrong-key")
    k.driver.tap(review.mrz_button)
    assert review.mrz_open and review.mrz.selected == "document_number"
    for digit in identity.id_number:
        k.driver.tap(by_key(k, digit))
    k.driver.tap(by_key(k, "↵"))
    for digit in identity.date_of_birth.strftime("%d%m%Y"):
        k.driver.tap(by_key(k, digit))
    k.driver.tap(by_key(k, "↵"))
    for digit in "01012099":
        k.driver.tap(by_key(k, digit))
    k.driver.tap(by_text_key(k, "mrz.read"))
    assert not review.mrz_open
    k.driver.wait_until(lambda: k.controller.session.identity is not None
                        and k.controller.session.identity.source == "chip" and not k.controller.scan.chip_busy,
                        30, "the chip read with the typed key")
    row = next(r for r in k.controller.rows() if r.name == "full_name")
    assert row.value == identity.full_name and row.source == "chip-verified"
    k.driver.wait_until(lambda: review.settled, 5, "the review drawn")
    assert review.mrz_button.opacity == 0
