""""Gọi nhân viên / Call staff" on the home screen of every profile, touched in the real app under Xvfb: the site's
call command runs (off the UI thread) with the profile and the time and nothing about the person, the screen says
that staff was called and when, the call is heard in the room even with spoken guidance off, a second touch within
the minute does not ring again, a failing command sends the person to the counter, and the wipe forgets it all."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from drivers.speech import Speaker
from kiosk.staff_call import REPEAT_SECONDS
from screens.speech_guide import SpeechGuide

pytestmark = pytest.mark.ui

RunningKiosk = Any  # tests/ui/conftest.py


def _ring_command(log: Path, exit_code: int = 0) -> list[str]:
    """A bell: appends the call's environment to ``log`` (as a site's script would ring or send a message)."""
    script = ("import os, sys; open(sys.argv[1], 'a').write(os.environ['KIOSK_STAFF_CALL_PROFILE'] + ' ' + "
              f"os.environ['KIOSK_STAFF_CALL_AT'] + '\\n'); sys.exit({exit_code})")
    return [sys.executable, "-c", script, str(log)]


@pytest.mark.parametrize("profile", ["lodging", "one-stop"])
def test_call_staff_rings_once_and_says_so(kiosk: Callable[..., RunningKiosk], tmp_path: Path, profile: str) -> None:
    k = kiosk(profile, idle_seconds=600)
    bell = tmp_path / "bell.log"
    call = k.controller.staff_call
    call.command = tuple(_ring_command(bell))
    speaker = Speaker(enabled=False, player=None)  # guidance switched off by the operator
    k.app.guide = SpeechGuide(k.app, speaker)
    try:
        home = k.app.screens["home"]
        button, theme = home.staff_button, k.app.theme
        assert "Gọi nhân viên" in button.text and "Call staff" in button.text and button.fill == theme.primary
        assert home.health_box.parent is not None
        layout = [(w.y, w.height) for w in (home.body, home.services, home.board)]
        k.driver.tap(home.staff_button)
        k.driver.wait_until(lambda: call.status == "called", 15, "the call command")
        k.driver.pump(frames=3)
        [line] = bell.read_text().splitlines()
        assert line.startswith(f"{profile} ") and call.called_at is not None
        assert line.split(" ")[1] == call.called_at.isoformat()
        # The button itself says it was done, green, in the status box's place; nothing above the footer moves.
        at = call.called_at.strftime("%H:%M")
        assert button.text.startswith(f"Đã gọi nhân viên · {at}") and "Staff called" in button.text
        assert button.fill == theme.ok and home.health_box.parent is None
        assert [(w.y, w.height) for w in (home.body, home.services, home.board)] == layout
        k.shot(f"home-{profile}-staff-called")
        k.driver.wait_until(lambda: "staff.called" in speaker.spoken, 15, "the call heard in the room")
        k.driver.tap(home.staff_button)  # a second touch within the minute: no second ring
        k.driver.pump(frames=3)
        assert len(bell.read_text().splitlines()) == 1 and call.calls == 1
        k.app.screens["home"].clear()
        k.controller.cancel()
        k.driver.pump(frames=2)
        assert call.status == "idle"
        # A command that fails: the person is sent to the counter.
        call.command = tuple(_ring_command(bell, exit_code=3))
        k.app.screens["home"].refresh()
        k.driver.tap(home.staff_button)
        k.driver.wait_until(lambda: call.status == "failed", 15, "the failing call command")
        k.driver.pump(frames=3)
        assert button.text.startswith("Chưa gọi được — mời đến quầy") and "please go to the desk" in button.text
        assert button.fill == theme.danger and home.health_box.parent is None
        assert len(bell.read_text().splitlines()) == 2
        # A minute later it can be asked again: the button and the status box are back.
        call.called_at -= timedelta(seconds=REPEAT_SECONDS)
        home.refresh()
        k.driver.pump(frames=2)
        assert call.status == "idle" and button.text.startswith("Gọi nhân viên") and button.fill == theme.primary
        assert home.health_box.parent is not None and button.width < home.health_box.width
    finally:
        speaker.close()


def test_lodging_home_at_a_glance(kiosk: Callable[..., RunningKiosk]) -> None:
    """The owner's board beside the services: the counts, the nearest deadline; touching "Show list" opens the rows
    and the services keep their place."""
    from tests.ui.test_lodging_owner import add_guests, expected_counts

    k = kiosk("lodging", idle_seconds=600)
    add_guests(k)
    home = k.app.screens["home"]
    home.refresh()
    k.driver.pump(frames=3)
    board, service = home.pending, home.procedure_button("lodging-guest")
    foreign = home.procedure_button("lodging-foreign-guest")
    assert board.counts == expected_counts(k)
    # Side by side, nothing hidden at 1280×800: the services on the left, the counts and the deadline on the right.
    assert service.right < home.board.x and home.board.width > 0.4 * home.body.width
    assert service.top - foreign.y >= home.services.height - 2  # the two services fill their column: no empty area
    for widget in (board.tiles_row, board.nearest, board.summary):
        assert widget.get_root_window() is not None
        top = widget.to_window(widget.x, widget.top)[1]
        bottom = widget.to_window(widget.x, widget.y)[1]
        frame_bottom = home.board.to_window(home.board.x, home.board.y)[1]
        assert bottom >= frame_bottom - 1 and top <= home.board.to_window(0, home.board.top)[1] + 1
    k.driver.tap(board.summary)
    assert board.expanded and [w.guest_id for w in board.row_texts]
    assert home.procedure_button("lodging-guest") is service


def test_call_staff_from_the_middle_of_a_visit_keeps_what_was_done(kiosk: Callable[..., RunningKiosk],
                                                                   tmp_path: Path) -> None:
    """A person stuck at a step asks for help from the title bar: the bell rings once, every step's title bar then
    says so with the time, and the visit goes on where it was (the card read is kept)."""
    from tests.ui.test_workflows import scan_card

    k = kiosk("lodging", idle_seconds=600)
    bell = tmp_path / "bell.log"
    call = k.controller.staff_call
    call.command = tuple(_ring_command(bell))
    theme = k.app.theme
    k.services.world.prepare(11, chip=True)
    k.driver.tap(k.app.screens["home"].procedure_button("lodging-guest"))
    assert k.app.sm.current == "scan"
    on_scan = k.app.screens["scan"].staff_button
    assert on_scan.get_root_window() is not None and on_scan.fill == theme.secondary
    assert "Gọi nhân viên" in on_scan.text and "Call staff" in on_scan.text
    assert not hasattr(k.app.screens["operator"], "staff_button")  # staff have no need to call themselves
    k.driver.tap(on_scan)
    k.driver.wait_until(lambda: call.status == "called", 15, "the call command")
    k.driver.pump(frames=3)
    assert call.called_at is not None and len(bell.read_text().splitlines()) == 1
    at = call.called_at.strftime("%H:%M")
    assert on_scan.text.startswith(f"Đã gọi nhân viên · {at}") and on_scan.fill == theme.ok
    assert k.app.sm.current == "scan"  # the step is not left
    k.shot("scan-staff-called")
    scan_card(k, 11)  # the visit goes on
    on_review = k.app.screens["review"].staff_button
    k.driver.pump(frames=2)
    assert on_review.get_root_window() is not None and on_review.fill == theme.ok
    assert on_review.text.startswith(f"Đã gọi nhân viên · {at}")
    k.driver.tap(on_review)  # within the minute: no second ring
    k.driver.pump(frames=3)
    assert call.calls == 1 and len(bell.read_text().splitlines()) == 1
    assert k.controller.session.identity is not None and k.app.sm.current == "review"
    k.shot("review-staff-called")
