"""The heartbeat payload: every field, codes only, and no personal value of a real-looking kiosk state in it."""

from __future__ import annotations

import json
import random
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from joserfc.jwk import OKPKey

from kiosk.device_key import load_or_create_device_key
from kiosk.heartbeat import (
    Collector,
    Health,
    HeartbeatError,
    HeartbeatSender,
    RecentErrors,
    build_heartbeat,
    error_code,
    lodging_health,
    outbox_health,
    sign_heartbeat,
    software_version,
)
from kiosk.lodging.guest import guest_from_form
from kiosk.lodging.register import GuestRegister
from kiosk.outbox import Outbox
from kiosk.samples import sample_identity
from kiosk.workflows.values import VN_TZ
from tests.fleet.conftest import SetClock, lodging_form, lodging_submission
from wire.envelope import HEARTBEAT_FIELDS as FIELDS
from wire.envelope import HEARTBEAT_JWS_TYPE as JWS_TYPE
from wire.envelope import seal, unverified_header, unverified_payload, verify_with

NOW = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # 20:00 in Vietnam


def test_error_codes_keep_codes_and_nothing_else() -> None:
    assert error_code("chip.unstable") == "chip.unstable"
    assert error_code("network: ConnectionError") == "network.connectionerror"
    assert error_code("held: device-revoked") == "held.device-revoked"
    assert error_code("Nguyễn Văn An 001090123456 not found") == "other"
    assert error_code("x" * 80) == "other"
    recent = RecentErrors(size=3)
    for code in ("a", "b", "c", "d"):
        recent.record(code)
    assert recent.codes() == ["b", "c", "d"]


def test_outbox_health_keeps_only_coded_alerts() -> None:
    status = {"counts": {"pending": 3, "quarantined": 1, "acked": 9}, "oldest_pending": "2026-11-23T12:58:20.000Z",
              "alert": "held: device-revoked"}
    assert outbox_health(status, NOW) == {"pending": 3, "quarantined": 1, "oldest_pending_age_seconds": 100,
                                          "alert": "held: device-revoked", "held": True}
    odd = outbox_health({"counts": {}, "oldest_pending": None, "alert": "held: Nguyễn Văn An"}, NOW)
    assert odd == {"pending": 0, "quarantined": 0, "oldest_pending_age_seconds": None, "alert": None, "held": False}


def test_lodging_health_counts_by_deadline_status(tmp_path: Path) -> None:
    register = GuestRegister(tmp_path / "lodging")
    local = NOW.astimezone(VN_TZ)
    register.add(guest_from_form(lodging_form(1, local - timedelta(minutes=30))))  # due 23:00: pending
    register.add(guest_from_form(lodging_form(2, local + timedelta(hours=2, minutes=30))))  # 22:30: due soon
    register.add(guest_from_form(lodging_form(3, local - timedelta(days=1))))  # yesterday: overdue
    counts = lodging_health(register.pending(), NOW.replace(hour=15, minute=30), remote_area=True)
    assert counts == {"pending": 3, "due_soon": 2, "overdue": 1, "remote_area": True}


def test_payload_has_every_field_and_is_signed_as_a_heartbeat(tmp_path: Path) -> None:
    key = load_or_create_device_key(tmp_path)
    health = Health("lodging", {"pending": 0}, reader="ok", camera="nonsense", lodging={"pending": 2},
                    errors=["chip.unstable", "network: Timeout"], establishment="CSLT-0001")
    payload = build_heartbeat(key.kid, health, NOW)
    assert tuple(sorted(payload)) == tuple(sorted(FIELDS))
    assert payload["sent_at"] == "2026-11-23T13:00:00Z"
    assert payload["version"] == software_version() == "0.2.0"
    assert payload["devices"] == {"reader": "ok", "camera": "unknown"}
    assert payload["lodging"] == {"pending": 2, "due_soon": 0, "overdue": 0, "remote_area": False}
    assert payload["errors"] == ["chip.unstable", "network.timeout"]
    signed = sign_heartbeat(payload, key)
    assert unverified_header(signed)["typ"] == JWS_TYPE
    assert verify_heartbeat_locally(signed, key) == payload
    with pytest.raises(HeartbeatError) as raised:
        build_heartbeat(key.kid, Health("lodging", {}, establishment="Nhà nghỉ Hoa Mai"), NOW)
    assert raised.value.field == "establishment"


def verify_heartbeat_locally(signed: str, key: Any) -> dict[str, Any]:
    return verify_with(signed, lambda _h: (key.key, key.alg), typ=JWS_TYPE, fields=FIELDS)


def test_no_personal_value_of_the_kiosk_state_reaches_the_heartbeat(tmp_path: Path) -> None:
    """A lodging kiosk with guests in its register, a queued and a quarantined submission of the same citizens:
    no value of their identities (name, numbers, dates, places…) appears in the signed heartbeat."""
    key = load_or_create_device_key(tmp_path)
    intake_key = OKPKey.generate_key("X25519")
    outbox = Outbox(tmp_path / "outbox.db", lambda p: seal(p, key, intake_key), device=key.kid,
                    clock=SetClock(NOW - timedelta(minutes=5)))
    register = GuestRegister(tmp_path / "lodging")
    local = NOW.astimezone(VN_TZ)
    personal: list[str] = []
    for n in (1, 2, 3):
        personal += sample_identity(n).personal_values()
        register.add(guest_from_form(lodging_form(n, local - timedelta(hours=n))))
        outbox.submit(*lodging_submission(n, local - timedelta(hours=n)))
    outbox.mark_quarantined(outbox.heads()[0], 422, "invalid-field")
    outbox.set_sender_state(alert="quarantined: invalid-field")
    collector = Collector("lodging", outbox, device_states=lambda: ("ok", "absent"), register=register,
                          clock=SetClock(NOW), establishment="CSLT-0001",
                          error_codes=lambda: ["chip.unstable", f"lost {personal[0]}"])
    payload = build_heartbeat(key.kid, collector(), NOW)
    signed = sign_heartbeat(payload, key)
    text = json.dumps(unverified_payload(signed), ensure_ascii=False)
    assert payload["outbox"]["pending"] == 2 and payload["outbox"]["quarantined"] == 1
    assert payload["outbox"]["oldest_pending_age_seconds"] == 300
    assert payload["lodging"]["pending"] == 3
    assert payload["errors"] == ["invalid-field", "chip.unstable", "other"]
    leaked = [value for value in personal if len(value) >= 4 and value in text]
    assert leaked == []


def test_sender_thread_beats_until_stopped_and_never_raises(tmp_path: Path) -> None:
    key = load_or_create_device_key(tmp_path)
    beats: list[dict[str, Any]] = []
    done = threading.Event()

    class Session:
        def post(self, url: str, data: bytes, **_: Any) -> Any:
            beats.append(unverified_payload(data.decode()))
            if len(beats) == 3:
                done.set()
            raise requests.ConnectionError("down")

    sender = HeartbeatSender(key, "http://intake.invalid/", lambda: Health("clinic", {}), interval=0.02,
                             session=Session(), rng=random.Random(1))  # type: ignore[arg-type]
    sender.start_thread()
    assert done.wait(5)
    sender.stop()
    assert len(beats) >= 3 and all(beat["profile"] == "clinic" for beat in beats)
    assert sender.last is not None and sender.last.status is None
    assert sender.last.body == {"error": {"code": "network.connectionerror"}}
    assert 0.016 <= sender.next_delay() <= 0.024
    with pytest.raises(HeartbeatError):
        HeartbeatSender(key, "http://x/", lambda: Health("clinic", {}), interval=0)


def test_the_controller_reports_scan_errors_by_code() -> None:
    from kiosk.controller import Devices, KioskController
    from kiosk.errors import KioskError
    from kiosk.scan import ScanEvent
    from kiosk.workflows.registry import default_registry

    recent = RecentErrors()
    controller = KioskController(default_registry(), "one-stop", devices=Devices(report_error=recent.record))
    controller.start(controller.registry.offered("one-stop")[0].id)
    try:
        controller.scanning.on_event(ScanEvent("chip-error", error=KioskError("keep it still", code="chip-unstable")))
        controller.scanning.on_event(ScanEvent("qr-error", error=KioskError("bad QR", code="invalid-field-count")))
    finally:
        controller.scanning.stop()
    assert recent.codes() == ["chip-unstable", "invalid-field-count"]
