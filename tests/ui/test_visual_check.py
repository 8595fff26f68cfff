"""Every screen at 100 % and 140 % text size, in a 1280×800 and a 1920×1080 window: no text clipped, no text over
other text, every text at WCAG AA contrast (``screens.visual_check``). The check itself is shown to catch a clipped
label, overlapping labels and a low-contrast label.

Screenshots of each rendering go to ``build/ui-screens/<test>/visual-<state>-<size>-<scale>.png``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from kivy.core.window import Window
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

import kiosk.lodging.removable as removable
from kiosk.address.service import default_service
from kiosk.session import Step
from screens.theme import Theme, register_fonts
from screens.visual_check import Finding, check, contrast
from screens.widgets import BigButton, Panel, Text
from tests.ui.test_card_check_screen import SHOWN, DownRelay, check_again, on_the_review
from tests.ui.test_card_check_screen import button as check_button
from tests.ui.test_foreign_guest import prepare_passport
from tests.ui.test_lodging_owner import add_guests

pytestmark = pytest.mark.ui

RunningKiosk = Any  # tests/ui/conftest.py
SIZES = ((1280, 800), (1920, 1080))
SCALES = (1.0, 1.4)
RENDERINGS = ((SIZES[0], 1.0), (SIZES[0], 1.4), (SIZES[1], 1.4), (SIZES[1], 1.0))


def by_key(k: RunningKiosk, key: str) -> Any:
    return k.driver.find(lambda w: getattr(w, "key", None) == key and w.get_root_window() is not None)


def by_text_key(k: RunningKiosk, text_key: str) -> Any:
    return k.driver.find(lambda w: getattr(w, "text_key", None) == text_key and w.get_root_window() is not None
                         and w.opacity > 0)


def render_everywhere(k: RunningKiosk, state: str, again: Callable[[], None] = lambda: None,
                      inspect: Callable[[], list[str]] = list) -> list[str]:
    """Render the current state in each window size and text size; the findings of every rendering.

    The text size rebuilds the screens (``again`` restores what a rebuilt screen does not keep by itself: an open
    keyboard, the MRZ entry); a window size only lays them out again. Ordered to rebuild as little as possible.
    ``inspect`` adds what a state must show at every size (its own findings)."""
    problems: list[str] = []
    for (width, height), scale in RENDERINGS:
        Window.size = (width, height)
        if abs(k.app.theme.scale - scale) > 0.01:
            k.app.set_display(scale=scale)
            again()
        k.driver.pump(frames=4)
        settle(k)
        findings = [*check(k.app.current_screen()), *inspect()]
        k.shot(f"visual-{state}-{width}x{height}-{int(scale * 100)}")
        problems += [f"{state} {width}×{height} {scale:.0%}: {f}" for f in findings]
    Window.size = SIZES[0]
    k.driver.pump(frames=3)
    return problems


def whole_on_the_home(k: RunningKiosk) -> list[str]:
    """The home's services and the owner's board (folded) fit their space: no scroll bar, nothing to scroll to."""
    home = k.app.screens["home"]
    return [f"{name} need scrolling: {scroll.children[0].height:.0f} px in {scroll.height:.0f} px"
            for name, scroll in (("services", home.services), ("board", home.board))
            if scroll.width > 0 and scroll.children[0].height > scroll.height + 1]


def settle(k: RunningKiosk) -> None:
    review = k.app.screens["review"]
    if k.app.sm.current == "review":
        k.driver.wait_until(lambda: review.settled, 10, "the review drawn")
        k.driver.pump(frames=2)


@pytest.fixture
def window_restored() -> Any:
    yield
    Window.size = SIZES[0]


@pytest.mark.parametrize("profile", ["lodging", "clinic", "one-stop"])
def test_home_is_readable(kiosk: Callable[..., RunningKiosk], window_restored: Any, profile: str) -> None:
    k = kiosk(profile, idle_seconds=600)
    problems = render_everywhere(k, f"home-{profile}")
    assert problems == [], "\n".join(problems)


def test_operator_screen_is_readable(kiosk: Callable[..., RunningKiosk], window_restored: Any) -> None:
    k = kiosk("lodging", idle_seconds=600)
    k.driver.tap(k.app.screens["home"].hotspot, hold=2.3)
    for digit in "2468":
        k.driver.tap(by_key(k, digit))
    k.driver.tap(by_key(k, "↵"))
    problems = render_everywhere(k, "operator")
    assert problems == [], "\n".join(problems)


@pytest.mark.timeout(300)
def test_scan_screens_are_readable(kiosk: Callable[..., RunningKiosk], window_restored: Any) -> None:
    """Scan, typing the card number, the chip refusing a wrong number, the MRZ entry."""
    k = kiosk("clinic", idle_seconds=600)
    k.services.world.prepare(21, chip=True)
    k.driver.tap(k.app.screens["home"].procedure_button("clinic-checkin"))
    problems = render_everywhere(k, "scan")
    k.services.world.present(21, qr=False, chip=True)
    k.driver.tap(by_text_key(k, "scan.enter_key"))
    problems += render_everywhere(k, "scan-keypad", lambda: k.app.screens["scan"].open_key_pad())
    for digit in "000000":
        k.driver.tap(by_key(k, digit))
    k.driver.tap(by_key(k, "↵"))
    k.driver.wait_until(lambda: bool(k.app.screens["scan"].error.text), 20, "the wrong-key message")
    problems += render_everywhere(k, "scan-error")
    problems += render_everywhere(k, "mrz-entry", lambda: k.app.screens["scan"].open_mrz())
    assert problems == [], "\n".join(problems)


def review_filled(kiosk: Callable[..., RunningKiosk], profile: str, procedure: str, card: int) -> RunningKiosk:
    """A kiosk on the review of ``procedure``, filled by sample card ``card`` (QR, then the chip)."""
    k = kiosk(profile, idle_seconds=600)
    # The address data loads at start, while nobody is at the kiosk: the visit starts once it is loaded (the card's
    # address question then comes the same way on every run).
    k.driver.wait_until(lambda: default_service().ready, 400, "the address data")
    k.services.world.prepare(card, chip=True)
    k.driver.tap(k.app.screens["home"].procedure_button(procedure))
    k.services.world.present(card)
    k.driver.wait_until(lambda: k.controller.session.step is Step.REVIEW and not k.controller.scan.chip_busy
                        and k.controller.session.portrait is not None, 60, "the review filled by the chip")
    k.driver.wait_until(lambda: not k.controller.address.pending, 20, "the card's address converted")
    k.driver.pump(frames=2)
    review = k.app.screens["review"]
    if review.address_step:  # the address data was loaded: the person picks the current ward first
        k.driver.tap(review.address_panel.choice_buttons[0])
        k.driver.pump(frames=2)
    return k


@pytest.mark.timeout(500)
def test_review_consent_and_done_are_readable(kiosk: Callable[..., RunningKiosk], window_restored: Any) -> None:
    """The form filled by the chip, with an error, with the keyboard open; consent; done (with the queue
    ticket of the clinic's counter)."""
    k = review_filled(kiosk, "clinic", "clinic-checkin", 23)
    problems = render_everywhere(k, "review")
    k.controller.set_value("phone", "12345")
    k.controller.set_value("visit_reason", "Đau đầu, sốt nhẹ")
    problems += render_everywhere(k, "review-error")
    problems += render_everywhere(k, "keyboard", lambda: k.app.screens["review"].edit("visit_reason"))
    k.app.screens["review"].close_input()
    k.controller.set_value("phone", "0912345678")
    k.controller.to_consent()
    k.driver.wait_until(lambda: k.app.sm.current == "check" and not k.controller.checking, 20, "the card check")
    k.driver.tap(check_button(k, "check.continue"))
    k.driver.pump(frames=2)
    assert k.app.sm.current == "consent"
    problems += render_everywhere(k, "consent")
    k.driver.tap(by_text_key(k, "consent.accept"))
    k.driver.wait_until(lambda: k.app.sm.current == "done", 10, "the done screen")
    k.driver.wait_until(k.controller.delivered, 15, "delivery to the intake")
    assert k.app.screens["done"].ticket.text  # the queue number beside the receipt code
    problems += render_everywhere(k, "done")
    assert problems == [], "\n".join(problems)


@pytest.mark.timeout(500)
def test_household_members_are_readable(kiosk: Callable[..., RunningKiosk], window_restored: Any) -> None:
    k = review_filled(kiosk, "one-stop", "ct01", 22)
    for _ in range(2):
        k.controller.add_table_row("members")
    k.controller.set_value("members.1.full_name", "Trần Thị Bé")
    k.controller.set_value("members.2.full_name", "Lê Văn Tạm")
    k.controller.set_value("members.2.id_number", "12345")

    def show_member_2() -> None:
        review = k.app.screens["review"]
        k.driver.pump(frames=2)
        settle(k)
        header = k.driver.find(lambda w: getattr(w, "table_row", None) == ("members", 2)
                               and w.get_root_window() is not None)
        review.scroll.scroll_to(header.parent.parent, padding=10, animate=False)

    problems = render_everywhere(k, "review-household", show_member_2)
    # "Tiếp tục" with the wrong ID number: its row opens with the error under it, in view.
    review = k.app.screens["review"]
    review.scroll.scroll_y = 1
    k.driver.pump(frames=2)
    k.driver.tap(review.next_button)
    k.driver.pump(frames=3)
    assert review.editing is None  # no keyboard over the value and its error
    error = review.views["members.2.id_number"].error
    assert "12 chữ số" in error.text
    assert in_view(error, review.scroll), "the error under the wrong ID number is out of view"
    def press_continue() -> None:
        settle(k)
        k.app.screens["review"]._next()
        k.driver.pump(frames=3)

    problems += render_everywhere(k, "review-household-continue", press_continue)
    press_continue()
    error = k.app.screens["review"].views["members.2.id_number"].error
    assert in_view(error, k.app.screens["review"].scroll)
    assert problems == [], "\n".join(problems)


def in_view(widget: Any, scroll: Any) -> bool:
    """``widget`` lies wholly within what ``scroll`` shows."""
    y = widget.to_window(widget.x, widget.y)[1]
    top = widget.to_window(widget.x, widget.top)[1]
    sy = scroll.to_window(scroll.x, scroll.y)[1]
    s_top = scroll.to_window(scroll.x, scroll.top)[1]
    return bool(widget.height > 0 and y >= sy - 1 and top <= s_top + 1)


# -- the check itself ------------------------------------------------------------------------------------------------


def render_alone(k: RunningKiosk, widget: Any) -> list[Finding]:
    """Show ``widget`` alone in the window (in place of the kiosk's screens) and check it."""
    root = k.app.root
    Window.remove_widget(root)
    Window.add_widget(widget)
    try:
        k.driver.pump(frames=3)
        return check(widget)
    finally:
        Window.remove_widget(widget)
        Window.add_widget(root)


def test_the_check_catches_clipped_overlapping_and_faint_text(kiosk: Callable[..., RunningKiosk]) -> None:
    k = kiosk("clinic", idle_seconds=600)
    register_fonts()
    theme = Theme()

    def page() -> Panel:
        return Panel(theme, orientation="vertical", padding=24, spacing=12, size_hint=(None, None), size=(600, 400),
                     pos=(100, 100))

    good = page()
    good.add_widget(Text(theme, "Họ và tên · Full name"))
    good.add_widget(BigButton(theme, "Tiếp tục\n[size=20]Continue[/size]"))
    assert render_alone(k, good) == []

    clipped = page()
    clipped.add_widget(Text(theme, "Thông báo lưu trú cho cơ quan Công an theo Luật Cư trú, Điều 30 " * 2,
                            fixed_height=40))
    findings = render_alone(k, clipped)
    assert {f.problem for f in findings} == {"clipped"} and "does not fit its box" in findings[0].detail

    faint = page()
    faint.add_widget(Text(theme, "Chip đã xác thực", color=(0.72, 0.75, 0.8, 1)))
    findings = render_alone(k, faint)
    assert [f.problem for f in findings] == ["contrast"] and "below 4.5:1" in findings[0].detail

    dimmed = page()  # a whole button faded (as a disabled "Continue" once was): its text fades too
    dimmed.add_widget(BigButton(theme, "Tiếp tục", opacity=0.45))
    assert [f.problem for f in render_alone(k, dimmed)] == ["contrast"]

    overlapping = page()
    overlapping.orientation = "horizontal"
    first = Label(text="Số điện thoại", font_size=26, color=theme.text, size_hint_x=None, width=60)
    second = Label(text="0912345678", font_size=26, color=theme.text, size_hint_x=None, width=60)
    overlapping.add_widget(first)
    overlapping.add_widget(second)
    problems = {f.problem for f in render_alone(k, overlapping)}
    assert "overlap" in problems and "clipped" in problems  # wider than its box, over its neighbour

    cramped = page()  # a two-line button in a row too low for it
    row = BoxLayout(size_hint_y=None, height=84)
    row.add_widget(BigButton(theme, "Quét lại mã QR\n[size=20][b]Rescan the QR code[/b][/size]", size_hint_y=1,
                             height=None))
    cramped.add_widget(row)
    findings = render_alone(k, cramped)
    assert findings and all(f.problem == "clipped" for f in findings)

    overflowing = page()  # a button grown with its words in a row that kept its height, over no other text
    row = BoxLayout(size_hint_y=None, height=84)
    row.add_widget(BigButton(theme, "Quét lại mã QR\n[size=20][b]Rescan the QR code[/b][/size]\n[size=20]…[/size]"))
    overflowing.add_widget(row)
    findings = render_alone(k, overflowing)
    assert [f.problem for f in findings] == ["overflow"] and "beyond its BoxLayout" in findings[0].detail
    assert findings[0].text.startswith("Quét lại mã QR")


def test_contrast_matches_published_values() -> None:
    """WCAG 2 examples: black on white is 21:1, #767676 on white is the AA limit (4.54:1)."""
    assert contrast((0, 0, 0), (1, 1, 1)) == pytest.approx(21.0)
    assert contrast((0x76 / 255,) * 3, (1, 1, 1)) == pytest.approx(4.54, abs=0.01)


# -- the screens of the workflows' own steps and the lodging owner ------------------------------------------------


@pytest.mark.timeout(300)
def test_card_check_screens_are_readable(kiosk: Callable[..., RunningKiosk], window_restored: Any) -> None:
    """The clinic's check screen for each kind of next step (valid, expired, go to reception, unchecked) and for
    the relay offline."""
    k, relay = on_the_review(kiosk, 600)
    problems: list[str] = []
    for code in SHOWN:
        relay.code = code
        check_again(k)
        problems += render_everywhere(k, f"check-{code}")
        k.driver.tap(check_button(k, "common.back"))
    k.controller.workflow.card_check = DownRelay()
    check_again(k)
    problems += render_everywhere(k, "check-offline")
    assert problems == [], "\n".join(problems)


def test_lodging_home_with_the_guests_to_declare_is_readable(kiosk: Callable[..., RunningKiosk],
                                                             window_restored: Any) -> None:
    """The countdown list folded to a count, then opened by the owner (an overdue foreigner, a guest in time)."""
    k = kiosk("lodging", idle_seconds=600)
    add_guests(k)
    home = k.app.screens["home"]
    home.refresh()
    problems = render_everywhere(k, "home-lodging-folded", lambda: k.app.screens["home"].refresh(),
                                 lambda: whole_on_the_home(k))

    def expand() -> None:
        home = k.app.screens["home"]
        home.refresh()
        k.driver.pump(frames=2)
        if not home.pending.expanded:
            k.driver.tap(home.pending.summary)

    expand()
    assert k.app.screens["home"].pending.expanded
    problems += render_everywhere(k, "home-lodging-pending", expand)
    assert problems == [], "\n".join(problems)


def test_lodging_home_with_two_services_is_readable(kiosk: Callable[..., RunningKiosk], window_restored: Any) -> None:
    """The lodging profile's two services (Vietnamese guests by card, foreign guests by passport) sharing the column
    beside the owner's board, a staff call shown."""
    k = kiosk("lodging", idle_seconds=600)
    add_guests(k)
    assert [p.id for p in k.controller.procedures()] == ["lodging-guest", "lodging-foreign-guest"]
    k.controller.call_staff()

    def redraw() -> None:
        k.app.screens["home"].refresh()
        k.driver.pump(frames=2)

    redraw()
    home = k.app.screens["home"]
    first, second = home.procedure_button("lodging-guest"), home.procedure_button("lodging-foreign-guest")
    assert first.height == second.height and first.top > second.top and "Foreign guest" in second.text
    assert first.top - second.y >= home.services.height - 2  # the two fill the column
    problems = render_everywhere(k, "home-lodging-two-services", redraw, lambda: whole_on_the_home(k))
    assert problems == [], "\n".join(problems)


def test_operator_export_and_its_no_drive_error_are_readable(
    kiosk: Callable[..., RunningKiosk], window_restored: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "system"
    (root / "proc").mkdir(parents=True)
    (root / "proc" / "mounts").write_text("/dev/sda2 / ext4 rw 0 0\n")
    monkeypatch.setattr(removable, "SYSTEM_ROOT", root)
    k = kiosk("lodging", idle_seconds=600)
    add_guests(k)
    k.driver.tap(k.app.screens["home"].hotspot, hold=2.3)
    for digit in "2468":
        k.driver.tap(by_key(k, digit))
    k.driver.tap(by_key(k, "↵"))

    def export() -> None:
        operator = k.app.screens["operator"]
        button = k.driver.find(lambda w: getattr(w, "text_key", None) == "operator.export"
                               and w.get_root_window() is not None)
        k.driver.scroll_into_view(button)
        k.driver.tap(button)
        k.driver.wait_until(lambda: not operator.exporting, what="the export to finish")
        k.driver.pump(frames=2)

    export()
    assert k.app.screens["operator"].message_failed
    problems = render_everywhere(k, "operator-export-no-drive", export)
    (root / "media" / "kiosk" / "USB").mkdir(parents=True)
    (root / "proc" / "mounts").write_text("/dev/sda2 / ext4 rw 0 0\n/dev/sdb1 /media/kiosk/USB vfat rw 0 0\n")
    (root / "sys" / "block" / "sdb").mkdir(parents=True)
    (root / "sys" / "block" / "sdb" / "removable").write_text("1\n")
    export()
    assert not k.app.screens["operator"].message_failed
    problems += render_everywhere(k, "operator-export", export)
    assert problems == [], "\n".join(problems)


@pytest.mark.timeout(500)  # the address data loads in the background first
def test_review_with_the_address_question_is_readable(kiosk: Callable[..., RunningKiosk],
                                                      window_restored: Any) -> None:
    """A card whose former ward was split: the address question is a step of its own in the form's place (the
    choices readable at 140 % on 1280×800), then one line above the form once answered."""
    k = kiosk("clinic", idle_seconds=600)
    k.driver.wait_until(lambda: default_service().ready, 400, "the address data")
    k.services.world.prepare(16, chip=True)
    k.driver.tap(k.app.screens["home"].procedure_button("clinic-checkin"))
    k.services.world.present(16)
    k.driver.wait_until(lambda: k.controller.session.step is Step.REVIEW and not k.controller.scan.chip_busy,
                        60, "the review filled by the chip")
    review = k.app.screens["review"]
    k.driver.wait_until(lambda: bool(review.address_panel.choice_buttons), 20, "the address candidates")
    k.driver.pump(frames=3)
    assert review.address_step and review.body.height == 0  # the question in the form's place
    problems = render_everywhere(k, "review-address")
    review = k.app.screens["review"]
    k.driver.tap(review.address_panel.choice_buttons[0])
    k.driver.pump(frames=3)
    assert not review.address_step and review.body.height > 0
    assert review.address_scroll.height <= review.height * 0.42 + 1
    problems += render_everywhere(k, "review-address-answered")
    assert problems == [], "\n".join(problems)


@pytest.mark.timeout(400)
def test_foreign_guest_screens_are_readable(kiosk: Callable[..., RunningKiosk], window_restored: Any) -> None:
    """The passport route: the scan, the chip refusing the key, the passport's details typed, a chip whose signer no
    trusted CSCA issued, then the foreign guest's stay details on the review."""
    k = kiosk("lodging", idle_seconds=600)
    prepare_passport(k, 931, faults=("wrong-key",))
    prepare_passport(k, 932, faults=("unknown-csca",))
    k.driver.tap(k.app.screens["home"].procedure_button("lodging-foreign-guest"))
    problems = render_everywhere(k, "passport-scan")
    k.services.world.present(931)
    k.driver.wait_until(lambda: k.controller.scan.error is not None
                        and k.controller.scan.error.code == "chip-wrong-key", 90, "the wrong key")
    problems += render_everywhere(k, "passport-wrong-key")
    problems += render_everywhere(k, "passport-entry", lambda: k.app.screens["scan"].open_mrz())
    k.app.screens["scan"].close_mrz()
    k.services.world.take_away()
    k.services.world.present(932)
    k.driver.pump(seconds=2.5)  # the reader has seen the first passport go and the second come
    k.controller.rescan_qr()
    k.driver.wait_until(lambda: k.controller.scan.problem is not None, 90, "the verification problem")
    problems += render_everywhere(k, "passport-unknown-csca")
    k.controller.accept_unverified()
    k.driver.wait_until(lambda: k.app.sm.current == "review", 10, "the review")
    k.controller.set_value("visa_expiry", "2020-01-01")  # before the arrival: the error under the field
    problems += render_everywhere(k, "review-foreign-guest")
    assert problems == [], "\n".join(problems)
