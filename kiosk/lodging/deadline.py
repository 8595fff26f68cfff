"""Legal deadlines for notifying a guest's stay, always computed in Vietnam time (Asia/Ho_Chi_Minh).

- Vietnamese guests (Luật Cư trú 2020 Art. 30): before 23:00 of the arrival day; a guest arriving at or after
  23:00 before 08:00 the next day.
- Foreign guests (Law on Entry, Exit, Transit and Residence of Foreigners, Art. 33): within 12 hours
  of arrival, 24 hours in remote areas.

"Before 23:00" means a notification at 23:00:00 is late: the guest is overdue from the deadline instant on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Literal

from kiosk.workflows.values import VN_TZ

Rule = Literal["same-day-23h", "next-day-08h", "foreigner-12h", "foreigner-24h-remote"]
Status = Literal["pending", "due-soon", "overdue", "notified", "notified-late"]

CUTOFF = time(23, 0)
NEXT_MORNING = time(8, 0)


def to_vietnam_time(moment: datetime) -> datetime:
    """An aware datetime in Vietnam time; a naive one is taken as already being Vietnam time."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=VN_TZ)
    return moment.astimezone(VN_TZ)


@dataclass(frozen=True)
class Deadline:
    arrival: datetime
    due: datetime
    rule: Rule

    def status(
        self,
        now: datetime,
        notified_at: datetime | None = None,
        due_soon: timedelta = timedelta(minutes=60),
    ) -> Status:
        if notified_at is not None:
            return "notified" if to_vietnam_time(notified_at) < self.due else "notified-late"
        now = to_vietnam_time(now)
        if now >= self.due:
            return "overdue"
        if self.due - now <= due_soon:
            return "due-soon"
        return "pending"

    def to_dict(
        self, now: datetime | None = None, due_soon: timedelta = timedelta(minutes=60)
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "arrival": self.arrival.isoformat(),
            "due": self.due.isoformat(),
            "rule": self.rule,
        }
        if now is not None:
            out["status"] = self.status(now, due_soon=due_soon)
            out["minutes_left"] = int((self.due - to_vietnam_time(now)).total_seconds() // 60)
        return out


def deadline(arrival: datetime, *, foreign: bool = False, remote: bool = False) -> Deadline:
    local = to_vietnam_time(arrival)
    if foreign:
        hours = 24 if remote else 12
        return Deadline(
            local, local + timedelta(hours=hours), "foreigner-24h-remote" if remote else "foreigner-12h"
        )
    if local.time() < CUTOFF:
        return Deadline(local, datetime.combine(local.date(), CUTOFF, VN_TZ), "same-day-23h")
    return Deadline(
        local, datetime.combine(local.date() + timedelta(days=1), NEXT_MORNING, VN_TZ), "next-day-08h"
    )


def api_window_open(arrival: datetime, now: datetime) -> bool:
    """The establishments API accepts only arrivals dated today or yesterday (Vietnam dates)."""
    days = (to_vietnam_time(now).date() - to_vietnam_time(arrival).date()).days
    return days in (0, 1)


_RULE_TEXT = {
    "same-day-23h": ("trước 23:00 ngày đến", "before 23:00 on the arrival day"),
    "next-day-08h": ("trước 08:00 sáng hôm sau", "before 08:00 the next morning"),
    "foreigner-12h": ("khách nước ngoài: trong 12 giờ", "foreign guest: within 12 hours"),
    "foreigner-24h-remote": ("khách nước ngoài, vùng sâu vùng xa: trong 24 giờ",
                             "foreign guest, remote area: within 24 hours"),
}


def deadline_lines(rule: str, due: datetime) -> tuple[str, str]:
    """The deadline as a receipt line in Vietnamese and English: ``Hạn khai báo lưu trú: 21:30 06/12/2026 (…)``."""
    vi, en = _RULE_TEXT.get(rule, (rule, rule))
    when = to_vietnam_time(due).strftime("%H:%M %d/%m/%Y")
    return f"Hạn khai báo lưu trú: {when} ({vi})", f"Declaration deadline: {when} ({en})"
