"""The fleet as the operator page shows it: each kiosk's state from its latest heartbeat, and each establishment's
lodging compliance. Counts, states and codes only: nothing here is personal.

A kiosk is **stale** when the intake has received no heartbeat from it for ``stale_minutes`` (or never); else
**warning** when its heartbeat reports something to act on (``WARNING_REASONS``); else **ok**.

Lodging compliance, per establishment (the ``establishment`` code its kiosks report, else the kiosk itself):

- **on time**: lodging notifications the intake received before their legal deadline, as the kiosk computed it
  for the guest and signed it in the submission (``data.deadline.due``: 23:00 the arrival day, 08:00 the next day
  after 23:00, 12 h for foreigners or 24 h in remote areas);
- **late**: received at or after it;
- **pending**: guests the establishment's kiosks report as not notified yet (their latest heartbeats), of which
  **overdue** are past their deadline.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from wire.envelope import SubmissionError, unverified_payload
from wire.zones import VIETNAM

OLD_PENDING_SECONDS = 3600  # a submission waiting longer than this makes the kiosk a warning
DEVICE_PROBLEMS = ("absent", "error")
WARNING_REASONS = ("outbox-held", "quarantined", "old-pending", "reader", "camera", "lodging-overdue")


def parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class KioskView:
    kid: str
    establishment: str
    state: str  # ok / warning / stale
    reasons: tuple[str, ...]
    last_seen: datetime | None
    silent_seconds: int | None
    profile: str | None = None
    version: str | None = None
    pending: int | None = None
    oldest_pending_seconds: int | None = None
    quarantined: int | None = None
    alert: str | None = None
    reader: str | None = None
    camera: str | None = None
    lodging_due_soon: int | None = None
    lodging_overdue: int | None = None
    errors: tuple[str, ...] = ()


def kiosk_view(status: Mapping[str, Any], now: datetime, stale_after: timedelta) -> KioskView:
    """One row of ``Store.kiosk_statuses()`` as the page shows it."""
    kid = str(status["kid"])
    payload = status.get("payload")
    if not isinstance(payload, dict) or not status.get("received_at"):
        return KioskView(kid, kid, "stale", ("never-seen",), None, None)
    last_seen = parse_utc(str(status["received_at"]))
    silent = max(0, int((now - last_seen).total_seconds()))
    outbox = _object(payload.get("outbox"))
    devices = _object(payload.get("devices"))
    lodging = _object(payload.get("lodging"))
    errors = payload.get("errors")
    errors = errors if isinstance(errors, list) else []
    view = KioskView(
        kid=kid,
        establishment=_text(payload.get("establishment")) or kid,
        state="ok",
        reasons=(),
        last_seen=last_seen,
        silent_seconds=silent,
        profile=_text(payload.get("profile")),
        version=_text(payload.get("version")),
        pending=_int(outbox.get("pending")),
        oldest_pending_seconds=_int(outbox.get("oldest_pending_age_seconds")),
        quarantined=_int(outbox.get("quarantined")),
        alert=_text(outbox.get("alert")),
        reader=_text(devices.get("reader")),
        camera=_text(devices.get("camera")),
        lodging_due_soon=_int(lodging.get("due_soon")),
        lodging_overdue=_int(lodging.get("overdue")),
        errors=tuple(str(code) for code in errors if isinstance(code, str)),
    )
    reasons: list[str] = []
    if now - last_seen > stale_after:
        reasons.append("silent")
    if outbox.get("held") is True:
        reasons.append("outbox-held")
    if view.quarantined:
        reasons.append("quarantined")
    if (view.oldest_pending_seconds or 0) > OLD_PENDING_SECONDS:
        reasons.append("old-pending")
    if view.reader in DEVICE_PROBLEMS:
        reasons.append("reader")
    if view.camera in DEVICE_PROBLEMS:
        reasons.append("camera")
    if view.lodging_overdue:
        reasons.append("lodging-overdue")
    state = "stale" if "silent" in reasons else "warning" if reasons else "ok"
    return KioskView(**{**view.__dict__, "state": state, "reasons": tuple(reasons)})


def kiosk_views(statuses: Iterable[Mapping[str, Any]], now: datetime, stale_minutes: float) -> list[KioskView]:
    """Enrolled, unrevoked kiosks: stale first, then warnings, then the others; by establishment within."""
    order = {"stale": 0, "warning": 1, "ok": 2}
    stale_after = timedelta(minutes=stale_minutes)
    views = [kiosk_view(status, now, stale_after) for status in statuses if not status.get("revoked_at")]
    return sorted(views, key=lambda v: (order[v.state], v.establishment, v.kid))


@dataclass
class Compliance:
    establishment: str
    on_time: int = 0
    late: int = 0
    pending: int = 0
    overdue: int = 0
    kiosks: set[str] = field(default_factory=set)


def notification_on_time(payload: Mapping[str, Any], received_at: datetime) -> bool | None:
    """Whether a lodging submission reached the intake before its legal deadline (``data.deadline.due``, an aware
    ISO time); ``None`` if it names none."""
    data = payload.get("data")
    due_text = _object(data.get("deadline")).get("due") if isinstance(data, dict) else None
    if not isinstance(due_text, str):
        return None
    try:
        due = datetime.fromisoformat(due_text)
    except ValueError:
        return None
    return received_at < due if due.tzinfo is not None else None


def lodging_compliance(
    statuses: Iterable[Mapping[str, Any]], lodging_submissions: Iterable[Mapping[str, Any]]
) -> list[Compliance]:
    """Per establishment: notifications received on time and late (``lodging_submissions``: rows with ``device``,
    ``received_at`` and the stored ``jws``) and what its kiosks report pending. Only establishments with a lodging
    kiosk or a lodging submission are listed."""
    by_kiosk: dict[str, str] = {}
    result: dict[str, Compliance] = {}
    for kid, establishment, lodging in _kiosk_places(statuses):
        by_kiosk[kid] = establishment
        if isinstance(lodging, dict):
            entry = result.setdefault(establishment, Compliance(establishment))
            entry.kiosks.add(kid)
            entry.pending += _int(lodging.get("pending")) or 0
            entry.overdue += _int(lodging.get("overdue")) or 0
    for kid, establishment, _received, on_time in _notifications(by_kiosk, lodging_submissions):
        entry = result.setdefault(establishment, Compliance(establishment))
        entry.kiosks.add(kid)
        if on_time:
            entry.on_time += 1
        else:
            entry.late += 1
    return sorted(result.values(), key=lambda c: c.establishment)


def _kiosk_places(statuses: Iterable[Mapping[str, Any]]) -> Iterable[tuple[str, str, Any]]:
    """``(kid, establishment, lodging counts)`` of each kiosk that has sent a heartbeat."""
    for status in statuses:
        payload = status.get("payload")
        if isinstance(payload, dict):
            kid = str(status["kid"])
            yield kid, _text(payload.get("establishment")) or kid, payload.get("lodging")


def _notifications(by_kiosk: Mapping[str, str], lodging_submissions: Iterable[Mapping[str, Any]]
                   ) -> Iterable[tuple[str, str, datetime, bool]]:
    """``(kid, establishment, received_at, on_time)`` of each lodging submission that names an arrival."""
    for row in lodging_submissions:
        kid = str(row["device"])
        establishment = by_kiosk.get(kid, kid)
        try:
            payload = unverified_payload(str(row["jws"]))
        except SubmissionError:  # stored only once verified: cannot happen short of a damaged database
            continue
        received = parse_utc(str(row["received_at"]))
        on_time = notification_on_time(payload, received)
        if on_time is not None:
            yield kid, establishment, received, on_time


def recent_days(today: date, count: int) -> list[date]:
    return [today - timedelta(days=n) for n in range(count - 1, -1, -1)]


def on_time_by_day(statuses: Iterable[Mapping[str, Any]], lodging_submissions: Iterable[Mapping[str, Any]],
                   days: list[date]) -> list[tuple[date, int, int]]:
    """``(day, on_time, late)`` for each of ``days`` (Vietnam dates of receipt), over every establishment."""
    by_kiosk = {kid: establishment for kid, establishment, _ in _kiosk_places(statuses)}
    counts = {day: [0, 0] for day in days}
    for _kid, _establishment, received, on_time in _notifications(by_kiosk, lodging_submissions):
        day = received.astimezone(VIETNAM).date()
        if day in counts:
            counts[day][0 if on_time else 1] += 1
    return [(day, on, late) for day, (on, late) in counts.items()]


def backlog_by_establishment(rows: Iterable[Mapping[str, Any]], days: list[date]
                             ) -> dict[str, list[tuple[date, int, int]]]:
    """``lodging_days`` rows summed over each establishment's kiosks: ``(day, pending, overdue)`` for the days an
    establishment reported (a kiosk switched off on a day leaves that day out rather than counting zero)."""
    wanted = set(days)
    sums: dict[str, dict[date, list[int]]] = {}
    for row in rows:
        day = date.fromisoformat(str(row["day"]))
        if day in wanted:
            entry = sums.setdefault(str(row["establishment"]), {}).setdefault(day, [0, 0])
            entry[0] += int(row["pending"])
            entry[1] += int(row["overdue"])
    return {name: [(d, p, o) for d, (p, o) in sorted(by_day.items())] for name, by_day in sorted(sums.items())}
