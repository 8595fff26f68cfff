"""The fleet view and the operator page's HTML, from stored heartbeats (unit tests: no server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from intake.fleet import kiosk_view, kiosk_views, lodging_compliance, notification_on_time
from intake.operator_page import ago, duration, render
from kiosk.device_key import DeviceKey, generate_key
from kiosk.heartbeat import Health, build_heartbeat
from kiosk.lodging.deadline import deadline
from wire.envelope import sign

NOW = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # 20:00 in Vietnam
STALE = timedelta(minutes=10)
KEY = DeviceKey(generate_key("Ed25519"), "Ed25519")


def status(kid: str, seen_minutes_ago: float | None, **health: Any) -> dict[str, Any]:
    if seen_minutes_ago is None:
        return {"kid": kid, "revoked_at": None, "received_at": None, "payload": None}
    seen = NOW - timedelta(minutes=seen_minutes_ago)
    payload = build_heartbeat(kid, Health(**{"profile": "clinic", "outbox": {}, **health}), seen)
    return {"kid": kid, "revoked_at": None, "received_at": seen.isoformat().replace("+00:00", "Z"),
            "payload": payload}


def test_states_and_their_reasons() -> None:
    assert kiosk_view(status("a", 1, reader="ok", camera="ok"), NOW, STALE).state == "ok"
    silent = kiosk_view(status("b", 11), NOW, STALE)
    assert (silent.state, silent.reasons, silent.silent_seconds) == ("stale", ("silent",), 660)
    never = kiosk_view(status("c", None), NOW, STALE)
    assert (never.state, never.reasons, never.last_seen) == ("stale", ("never-seen",), None)
    outbox = {"pending": 4, "quarantined": 2, "oldest_pending_age_seconds": 7200, "held": True}
    warned = kiosk_view(status("d", 1, outbox=outbox, reader="absent", camera="error",
                               lodging={"overdue": 1}), NOW, STALE)
    assert warned.state == "warning"
    assert warned.reasons == ("outbox-held", "quarantined", "old-pending", "reader", "camera", "lodging-overdue")
    views = kiosk_views([status("a", 1), status("b", 11), status("d", 1, reader="absent"),
                         {**status("e", 1), "revoked_at": "2026-11-01T00:00:00Z"}], NOW, 10)
    assert [(v.kid, v.state) for v in views] == [("b", "stale"), ("d", "warning"), ("a", "ok")]


def lodging_data(arrival: str, *, foreign: bool = False, remote: bool = False) -> dict[str, Any]:
    """A lodging submission's data as the kiosk's lodging plugin signs it: the arrival and its legal deadline."""
    due = deadline(datetime.fromisoformat(arrival), foreign=foreign, remote=remote)
    return {"form": {"arrival": arrival}, "arrival": arrival, "deadline": due.to_dict()}


def lodging_row(device: str, arrival: str, received: datetime) -> dict[str, Any]:
    jws = sign({"data": lodging_data(arrival)}, KEY)
    return {"device": device, "received_at": received.isoformat().replace("+00:00", "Z"), "jws": jws}


def test_notifications_are_judged_against_the_legal_deadlines() -> None:
    evening = NOW.replace(hour=15, minute=30)  # 22:30 in Vietnam
    late_evening = NOW.replace(hour=16, minute=30)  # 23:30 in Vietnam
    vietnamese = {"data": lodging_data("2026-11-23T21:00")}
    assert notification_on_time(vietnamese, evening) is True
    assert notification_on_time(vietnamese, late_evening) is False  # due 23:00
    foreign = {"data": lodging_data("2026-11-23T21:00", foreign=True)}
    assert notification_on_time(foreign, late_evening) is True  # 12 h: due 09:00
    next_day = NOW + timedelta(hours=13, minutes=30)  # 10:30 in Vietnam the next day
    assert notification_on_time(foreign, next_day) is False
    remote = {"data": lodging_data("2026-11-23T21:00", foreign=True, remote=True)}
    assert notification_on_time(remote, next_day) is True  # 24 h in remote areas
    assert notification_on_time({"data": {"form": {}}}, NOW) is None
    assert notification_on_time({"data": {"deadline": {"due": "2026-11-23T23:00"}}}, NOW) is None  # naive: refused

    statuses = [status("k1", 1, lodging={"pending": 2, "overdue": 1}, establishment="CSLT-1"),
                status("k2", 1, lodging={"pending": 1}, establishment="CSLT-1"),
                status("k3", 1)]
    rows = [lodging_row("k1", "2026-11-23T21:00", evening), lodging_row("k2", "2026-11-23T21:00", late_evening),
            lodging_row("k9", "2026-11-23T21:00", evening)]
    result = {c.establishment: (c.on_time, c.late, c.pending, c.overdue, sorted(c.kiosks))
              for c in lodging_compliance(statuses, rows)}
    assert result == {"CSLT-1": (1, 1, 3, 1, ["k1", "k2"]), "k9": (1, 0, 0, 0, ["k9"])}


def test_the_page_escapes_everything_and_labels_states_in_words() -> None:
    evil = status("k<script>", 20)
    evil["payload"]["version"] = "<img src=x onerror=alert(1)>"
    evil["payload"]["errors"] = ["</td><script>alert(1)</script>"]
    page = render(kiosk_views([evil, status("ok", 1)], NOW, 10), [], NOW, 10)
    assert "<script>" not in page and "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert '<tr class="stale" data-kid="k&lt;script&gt;">' in page and "Mất liên lạc / Stale" in page
    assert '<tr class="ok" data-kid="ok">' in page and "Chưa có cơ sở lưu trú / No lodging establishment" in page
    assert page.startswith("<!DOCTYPE html>") and '<html lang="vi">' in page
    assert (duration(None), duration(59), duration(3600), ago(7200)) == ("—", "59 giây / s", "1 giờ / h",
                                                                         "2 giờ trước / 2 h ago")
