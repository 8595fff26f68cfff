"""The owner's list of guests not yet declared to the police, each with a countdown to its legal deadline.

``pending_guests(register, now)`` reads the encrypted register (``kiosk.lodging.register.GuestRegister.pending``)
and returns ``PendingGuest`` rows, earliest deadline first: the room, the guest's initials (the list is on the home
screen: a full name there would be read by the next guest), whether the guest is a foreigner, and the countdown as
people say it ("còn 3 giờ 20 phút", "quá hạn 15 phút"). The home screen of the lodging profile shows them through a
thin widget (``screens/pending_guests.py``): folded to a count until the owner touches it, refreshed every minute,
folded and wiped with the other screens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from kiosk.lodging.deadline import to_vietnam_time
from kiosk.lodging.register import Entry
from kiosk.text import nfc

Urgency = Literal["pending", "due-soon", "overdue"]


class PendingSource(Protocol):
    """Where the guests not yet declared come from (``GuestRegister``)."""

    def pending(self) -> list[Entry]: ...


def _span(minutes: int, hours_word: str, minutes_word: str) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} {hours_word} {rest} {minutes_word}"
    return f"{hours} {hours_word}" if hours else f"{rest} {minutes_word}"


def countdown(due: datetime, now: datetime) -> tuple[str, str]:
    """The time left until ``due`` in Vietnamese and English, rounded down to the minute; once the deadline is
    reached, how late the declaration is: ``("còn 3 giờ 20 phút", "3 h 20 min left")``, ``("quá hạn 5 phút", …)``."""
    seconds = (to_vietnam_time(due) - to_vietnam_time(now)).total_seconds()
    if seconds > 0:
        minutes = int(seconds // 60)
        return f"còn {_span(minutes, 'giờ', 'phút')}", f"{_span(minutes, 'h', 'min')} left"
    minutes = int(-seconds // 60)
    return f"quá hạn {_span(minutes, 'giờ', 'phút')}", f"overdue by {_span(minutes, 'h', 'min')}"


def initials(full_name: str) -> str:
    """``Nguyễn Thị Hồng Nhung`` → ``N. T. H. N.``: enough for the owner to tell guests apart, not a name."""
    return " ".join(f"{word[0]}." for word in nfc(full_name).split() if word)


@dataclass(frozen=True)
class PendingGuest:
    """One row of the owner's list."""

    guest_id: str
    room: str
    initials: str
    foreign: bool
    due: datetime
    minutes_left: int  # negative once overdue
    urgency: Urgency
    countdown_vi: str
    countdown_en: str

    @property
    def overdue(self) -> bool:
        return self.urgency == "overdue"

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "due": self.due.isoformat(), "overdue": self.overdue}


def pending_guests(
    register: PendingSource, now: datetime, *, due_soon: timedelta = timedelta(minutes=60)
) -> list[PendingGuest]:
    """The guests not yet declared, earliest deadline first, with their countdown at ``now``."""
    rows = []
    for entry in register.pending():
        due = entry.deadline.due
        status = entry.deadline.status(now, due_soon=due_soon)
        urgency: Urgency = "overdue" if status == "overdue" else "due-soon" if status == "due-soon" else "pending"
        vi, en = countdown(due, now)
        left = int((due - to_vietnam_time(now)).total_seconds() // 60)
        rows.append(PendingGuest(entry.id, entry.guest.room, initials(entry.guest.full_name), entry.guest.foreign,
                                 due, left, urgency, vi, en))
    return sorted(rows, key=lambda r: (r.due, r.room))


@dataclass(frozen=True)
class PendingSummary:
    """The owner's list at a glance: how many guests wait to be declared, how many are due soon and overdue, and
    the nearest deadline (the first row's) with its clock time."""

    pending: int
    due_soon: int
    overdue: int
    nearest: PendingGuest | None

    @property
    def urgency(self) -> Urgency | None:
        """The worst state of the list (``None``: nobody to declare)."""
        if self.overdue:
            return "overdue"
        if self.due_soon:
            return "due-soon"
        return "pending" if self.pending else None

    def nearest_line(self) -> tuple[str, str]:
        """``("Hạn gần nhất 14:30 · phòng 203", "Next deadline 14:30 · room 203")`` (the countdown itself is the
        nearest row's); or, when every guest is declared, that."""
        if self.nearest is None:
            return "Đã khai báo hết", "Every guest is declared"
        at = to_vietnam_time(self.nearest.due).strftime("%H:%M")
        room = self.nearest.room
        return f"Hạn gần nhất {at} · phòng {room}", f"Next deadline {at} · room {room}"


def summarize(rows: list[PendingGuest]) -> PendingSummary:
    """The counts of ``rows`` (earliest deadline first, as ``pending_guests`` returns them)."""
    return PendingSummary(
        pending=len(rows),
        due_soon=sum(1 for r in rows if r.urgency == "due-soon"),
        overdue=sum(1 for r in rows if r.overdue),
        nearest=rows[0] if rows else None,
    )
