"""Legal deadlines at the edges, in Vietnam time whatever the machine's zone (also run with TZ set)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kiosk.lodging.deadline import api_window_open, deadline

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def vn(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=VN)


@pytest.mark.parametrize(
    ("hour", "minute", "due", "rule"),
    [
        (22, 59, vn(23, 23), "same-day-23h"),
        (23, 0, vn(24, 8), "next-day-08h"),
        (23, 1, vn(24, 8), "next-day-08h"),
        (0, 0, vn(23, 23), "same-day-23h"),
        (7, 59, vn(23, 23), "same-day-23h"),
        (8, 0, vn(23, 23), "same-day-23h"),
    ],
)
def test_vietnamese_guest_deadline(hour: int, minute: int, due: datetime, rule: str) -> None:
    dl = deadline(vn(23, hour, minute))
    assert dl.due == due and dl.rule == rule


def test_arrival_given_in_another_zone_is_converted_to_vietnam_time() -> None:
    # 16:30 UTC is 23:30 in Vietnam: the next-morning rule applies.
    dl = deadline(datetime(2026, 11, 23, 16, 30, tzinfo=UTC))
    assert dl.due == vn(24, 8)
    # 15:59 UTC is 22:59 in Vietnam.
    assert deadline(datetime(2026, 11, 23, 15, 59, tzinfo=UTC)).due == vn(23, 23)


def test_foreign_guests_12_hours_or_24_in_remote_areas() -> None:
    assert deadline(vn(23, 22, 30), foreign=True).due == vn(24, 10, 30)
    assert deadline(vn(23, 22, 30), foreign=True, remote=True).due == vn(24, 22, 30)


@pytest.mark.parametrize(
    ("now", "status"),
    [
        (vn(24, 6, 59), "pending"),
        (vn(24, 7, 0), "due-soon"),
        (vn(24, 7, 59), "due-soon"),
        (vn(24, 8, 0), "overdue"),
        (vn(24, 8, 1), "overdue"),
    ],
)
def test_status_around_the_next_morning_deadline(now: datetime, status: str) -> None:
    assert deadline(vn(23, 23, 30)).status(now) == status


def test_status_around_the_evening_deadline_and_notification() -> None:
    dl = deadline(vn(23, 14))
    assert dl.status(vn(23, 22, 59)) == "due-soon"
    assert dl.status(vn(23, 23, 0)) == "overdue"
    assert dl.status(vn(23, 23, 0), notified_at=vn(23, 22, 59)) == "notified"
    assert dl.status(vn(23, 23, 5), notified_at=vn(23, 23, 0)) == "notified-late"
    assert dl.status(vn(23, 20), due_soon=timedelta(hours=4)) == "due-soon"


def test_api_window_is_today_or_yesterday_in_vietnam() -> None:
    assert api_window_open(vn(22, 23, 59), vn(23, 23, 59))
    assert not api_window_open(vn(21, 23, 59), vn(23, 0, 0))
    assert not api_window_open(vn(24, 0, 1), vn(23, 23, 0))


@pytest.mark.parametrize("zone", ["UTC", "America/Los_Angeles", "Pacific/Kiritimati"])
def test_same_results_whatever_the_machine_zone(zone: str) -> None:
    """Rerun the edge cases in a child process whose local zone is far from Vietnam's."""
    code = (
        "from datetime import datetime\n"
        "from kiosk.lodging.deadline import deadline\n"
        "for t in ['2026-11-23T22:59', '2026-11-23T23:00', '2026-11-23T23:01', '2026-11-23T00:00',"
        " '2026-11-23T07:59', '2026-11-23T08:00']:\n"
        "    print(deadline(datetime.fromisoformat(t)).due.isoformat())\n"
    )
    env = {**os.environ, "TZ": zone}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == [
        "2026-11-23T23:00:00+07:00",
        "2026-11-24T08:00:00+07:00",
        "2026-11-24T08:00:00+07:00",
        "2026-11-23T23:00:00+07:00",
        "2026-11-23T23:00:00+07:00",
        "2026-11-23T23:00:00+07:00",
    ]
