"""``kiosk.staff_call``: one ring per minute, the site command's outcome, the wipe; and the lodging board's summary
(``kiosk.lodging.pending.summarize``)."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from kiosk.lodging.pending import PendingGuest, summarize
from kiosk.staff_call import REPEAT_SECONDS, StaffCall, command_setting, run_command
from kiosk.workflows.values import VN_TZ

NOW = datetime(2026, 12, 6, 14, 0, tzinfo=VN_TZ)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def test_a_call_rings_once_per_minute_and_the_wipe_forgets_it() -> None:
    clock, changes, rung = Clock(), [], []

    def runner(argv: Sequence[str], env: dict[str, str]) -> bool:
        rung.append(env)
        return True

    call = StaffCall(profile_id="one-stop", now=clock, post=lambda fn: fn(), on_change=lambda: changes.append(1),
                     command=["ring"], runner=runner)
    call.request()
    deadline = time.monotonic() + 5
    while call.status != "called" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert call.status == "called" and call.message_key() == "staff.called" and call.called_at == NOW
    assert rung == [{"KIOSK_STAFF_CALL_PROFILE": "one-stop", "KIOSK_STAFF_CALL_AT": NOW.isoformat()}]
    call.request()  # within the minute: no second ring
    assert len(rung) == 1 and call.calls == 1
    clock.now = NOW + timedelta(seconds=REPEAT_SECONDS)
    call.expire()
    assert call.status == "idle" and call.message_key() is None
    call.command = ()
    call.request()  # no command configured: the call is the one heard in the room
    assert call.status == "called" and call.calls == 2
    call.clear()
    assert call.status == "idle" and call.called_at is None


def test_the_site_command_and_its_failure(tmp_path: Path) -> None:
    out = tmp_path / "out"
    ok = run_command([sys.executable, "-c", "import os,sys; open(sys.argv[1],'w').write("
                      "os.environ['KIOSK_STAFF_CALL_PROFILE'])", str(out)], {"KIOSK_STAFF_CALL_PROFILE": "clinic"})
    assert ok and out.read_text() == "clinic"
    assert not run_command([sys.executable, "-c", "raise SystemExit(2)"], {})
    assert not run_command([str(tmp_path / "missing")], {})
    assert command_setting({"staff_call_command": ["/usr/bin/ring", "--loud"]}) == ("/usr/bin/ring", "--loud")
    assert command_setting({"staff_call_command": "ring"}) == () and command_setting({}) == ()


def _row(room: str, minutes: int, urgency: str) -> PendingGuest:
    return PendingGuest(f"g{room}", room, "N. A.", False, NOW + timedelta(minutes=minutes), minutes, urgency,  # type: ignore[arg-type]
                        "", "")


def test_the_board_summary() -> None:
    rows = [_row("301", -30, "overdue"), _row("203", 40, "due-soon"), _row("105", 300, "pending")]
    summary = summarize(rows)
    assert (summary.pending, summary.due_soon, summary.overdue, summary.urgency) == (3, 1, 1, "overdue")
    assert summary.nearest_line() == ("Hạn gần nhất 13:30 · phòng 301", "Next deadline 13:30 · room 301")
    assert summarize(rows[1:]).urgency == "due-soon" and summarize(rows[2:]).urgency == "pending"
    empty = summarize([])
    assert empty.urgency is None and empty.nearest_line() == ("Đã khai báo hết", "Every guest is declared")
