from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from intake.devserver import IntakeServer, free_port
from kiosk.outbox import Outbox, open_outbox
from kiosk.sender import (
    Outcome,
    RetryPolicy,
    Sender,
    SenderBusyError,
    SenderLock,
    backoff_delay,
    classify_status,
    retry_after_seconds,
)

POLICY = RetryPolicy(startup_jitter=0)
LODGING = {
    "procedure": "lodging-guest",
    "form": {"full_name": "Phạm Minh Tuấn", "document_number": "001203004567", "arrival": "2026-11-23T09:00"},
}


class FakeClock:
    """Simulated time: sleeping advances it instantly; ``on_sleep`` lets a test act as time passes."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self.on_sleep: Any = None

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float, stop: threading.Event | None = None) -> bool:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
        if self.on_sleep is not None:
            self.on_sleep()
        return False


class StubResponse:
    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        self.status_code = status
        self._body = body
        self.headers = headers or {}

    def json(self) -> Any:
        if self._body is None:
            raise ValueError("no body")
        return self._body


class StubSession:
    """Answers from a script of responses/exceptions; records the sids it was sent."""

    def __init__(self, *script: Any) -> None:
        self.script = list(script)
        self.sent: list[str] = []

    def post(self, url: str, **kwargs: Any) -> Any:
        self.sent.append(kwargs["headers"]["Idempotency-Key"])
        answer = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def _sealer(payload: Any) -> tuple[str, str]:
    return f"sealed-{payload['sid']}", f"digest-{payload['sid']}"


def _ack(outbox: Outbox) -> Any:
    def answer_for_head() -> StubResponse:
        item = outbox.heads()[0]
        return StubResponse(
            201, {"sid": item.sid, "digest": item.digest, "received_at": "2026-01-01T00:00:00Z"}
        )

    return answer_for_head


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, Outcome.DONE),
        (201, Outcome.DONE),
        (409, Outcome.RETRY),
        (408, Outcome.RETRY),
        (425, Outcome.RETRY),
        (429, Outcome.RETRY),
        (500, Outcome.RETRY),
        (503, Outcome.RETRY),
        (400, Outcome.QUARANTINE),
        (413, Outcome.QUARANTINE),
        (415, Outcome.QUARANTINE),
        (422, Outcome.QUARANTINE),
        (404, Outcome.QUARANTINE),
        (401, Outcome.HOLD),
        (403, Outcome.HOLD),
        (302, Outcome.HOLD),
    ],
)
def test_http_outcomes_are_classified(status: int, outcome: Outcome) -> None:
    assert classify_status(status) is outcome


def test_retry_after_accepts_seconds_and_dates_and_is_clamped() -> None:
    now = 1_800_000_000.0
    assert retry_after_seconds("120", now, POLICY) == 120
    assert retry_after_seconds("0", now, POLICY) == 1
    assert retry_after_seconds("999999", now, POLICY) == 3600
    date = email.utils.formatdate(now + 600, usegmt=True)
    assert retry_after_seconds(date, now, POLICY) == pytest.approx(600)
    assert retry_after_seconds("soon", now, POLICY) is None
    assert retry_after_seconds(None, now, POLICY) is None


def test_backoff_is_full_jitter_under_a_capped_exponential() -> None:
    rng = random.Random(7)
    for attempts in range(0, 30):
        bound = min(POLICY.cap, POLICY.base * 2**attempts)
        delays = [backoff_delay(attempts, POLICY, rng) for _ in range(200)]
        assert all(0 <= d <= bound for d in delays)
        assert max(delays) > bound * 0.8  # jitter spans the range, it is not a fixed delay


def test_transient_failures_retry_the_same_sid_then_acknowledge(tmp_path: Path) -> None:
    clock = FakeClock()
    outbox = Outbox(tmp_path / "o.db", _sealer, clock=clock)
    saved = outbox.submit("clinic", {}, {})
    session = StubSession(
        StubResponse(503), requests.ConnectionError("refused"), requests.ReadTimeout("slow"), None
    )
    sender = Sender(
        outbox,
        "http://intake",
        clock=clock,
        policy=POLICY,
        session=session,  # type: ignore[arg-type]
        rng=random.Random(1),
    )
    session.script[-1] = _ack(outbox)()
    sender.run(timeout=3600)
    assert session.sent == [saved.sid] * 4
    assert outbox.counts() == {"pending": 0, "quarantined": 0, "acked": 1}
    assert [a.outcome for a in sender.attempts] == [Outcome.RETRY] * 3 + [Outcome.DONE]


def test_retry_after_is_honoured_and_persisted_across_restarts(tmp_path: Path) -> None:
    clock = FakeClock()
    outbox = Outbox(tmp_path / "o.db", _sealer, clock=clock)
    outbox.submit("clinic", {}, {})
    session = StubSession(StubResponse(429, {"error": {"code": "rate-limited"}}, {"Retry-After": "300"}))
    sender = Sender(outbox, "http://intake", clock=clock, policy=POLICY, session=session)  # type: ignore[arg-type]
    assert sender.step() == 0.0
    outbox.close()
    reopened = Outbox(tmp_path / "o.db", _sealer, clock=clock)
    head = reopened.heads()[0]
    assert head.attempts == 1 and head.next_attempt_at >= clock.now + 300
    assert reopened.items()[0]["last_error"] == "rate-limited"
    again = Sender(reopened, "http://intake", clock=clock, policy=POLICY, session=session)  # type: ignore[arg-type]
    assert again.step() == pytest.approx(head.next_attempt_at - clock.now)
    assert len(session.sent) == 1


def test_circuit_breaker_opens_after_consecutive_failures_and_survives_restart(tmp_path: Path) -> None:
    clock = FakeClock()
    outbox = Outbox(tmp_path / "o.db", _sealer, clock=clock)
    for kind in ("clinic", "lodging", "one-stop", "a", "b", "c"):
        outbox.submit(kind, {}, {})
    session = StubSession(requests.ConnectionError("refused"))
    sender = Sender(outbox, "http://intake", clock=clock, policy=POLICY, session=session)  # type: ignore[arg-type]
    for _ in range(POLICY.breaker_threshold):
        assert sender.step() == 0.0
    assert len(session.sent) == 5
    wait = Sender(
        Outbox(tmp_path / "o.db", _sealer, clock=clock),
        "http://intake",
        clock=clock,
        policy=POLICY,
        session=session,
    ).step()  # type: ignore[arg-type]
    assert wait is not None and wait > 0 and len(session.sent) == 5
    assert outbox.status()["breaker"]["failures"] == 5
    clock.now += wait
    session.script = [_ack(outbox)()]
    assert sender.step() == 0.0  # the half-open probe succeeds and closes the breaker
    assert outbox.status()["breaker"] == {"failures": 0, "open_until": None}


def test_permanent_refusal_quarantines_with_the_reason_and_the_rest_flows(
    kiosk_dir: Path, intake: IntakeServer
) -> None:
    outbox = open_outbox(kiosk_dir)
    bad = outbox.submit("lodging", {"procedure": "lodging-guest", "form": {"full_name": "Phạm Minh Tuấn"}}, {})
    good = outbox.submit("lodging", LODGING, {})
    report = Sender(outbox, intake.url, policy=POLICY).run(timeout=30)
    assert report["outcomes"]["quarantine"] == 1 and report["outcomes"]["done"] == 1
    [item] = outbox.items("quarantined")
    assert item["sid"] == bad.sid and item["last_status"] == 422 and item["last_error"] == "invalid-field"
    assert outbox.receipts()[0]["sid"] == good.sid
    assert outbox.status()["alert"] == "quarantined: invalid-field"


def test_revoked_device_is_held_with_an_alert_never_dropped(kiosk_dir: Path, intake: IntakeServer) -> None:
    from kiosk.device_key import load_device_key

    outbox = open_outbox(kiosk_dir)
    saved = outbox.submit("lodging", LODGING, {})
    store = intake.store()
    assert store.revoke(load_device_key(kiosk_dir).kid)
    store.dispose()
    clock = FakeClock()
    sender = Sender(outbox, intake.url, clock=clock, policy=POLICY)
    assert sender.step() == 0.0
    [item] = outbox.items()
    assert item["sid"] == saved.sid and item["state"] == "pending" and item["last_status"] == 403
    assert outbox.status()["alert"] == "held: device-revoked"
    assert outbox.heads()[0].next_attempt_at >= clock.now + POLICY.hold_delay / 2


def test_only_one_sender_per_outbox(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.db", _sealer)
    with SenderLock(outbox.path), pytest.raises(SenderBusyError):
        Sender(outbox, "http://intake", policy=POLICY).run()


def test_intake_down_72_hours_then_back_delivers_everything_in_order_without_busy_looping(
    tmp_path: Path,
) -> None:
    from kiosk.device_key import load_or_create_device_key
    from kiosk.enrolment import enrol, save_enrolment

    port = free_port()
    server = IntakeServer(tmp_path / "intake", port=port)
    kiosk = tmp_path / "kiosk"
    kiosk.mkdir()
    with server:
        save_enrolment(kiosk, enrol(server.url, server.token(), load_or_create_device_key(kiosk)))
    clock = FakeClock()
    start = clock.now
    outbox = open_outbox(kiosk, clock=clock)
    kinds = ("lodging", "clinic", "one-stop")
    submitted: dict[str, list[str]] = {k: [] for k in kinds}

    def save(n: int) -> None:
        kind = kinds[n % 3]
        form = {"full_name": f"Khách {n}", "id_number": f"{n:012d}", "arrival": "2026-11-23T09:00"}
        data = {"procedure": f"{kind}-procedure", "form": form}
        submitted[kind].append(outbox.submit(kind, data, {"fields": {"full_name": "chip"}}).sid)

    for n in range(30):
        save(n)
    outage_end = start + 72 * 3600
    state = {"next_save": start + 7200, "n": 30, "up": False, "attempts_in_outage": 0}

    def as_time_passes() -> None:
        while clock.now < outage_end and clock.now >= state["next_save"]:
            save(int(state["n"]))
            state["n"] += 1
            state["next_save"] += 7200
        if clock.now >= outage_end and not state["up"]:
            state["attempts_in_outage"] = sum(sender.outcome_counts.values())
            server.start()
            state["up"] = True

    clock.on_sleep = as_time_passes
    sender = Sender(outbox, server.url, clock=clock, policy=POLICY)
    try:
        report = sender.run(timeout=80 * 3600)
        store = server.store()
        received = list(store.submissions())
        store.dispose()
    finally:
        server.stop()
    total = sum(len(v) for v in submitted.values())
    assert total == 30 + 35
    assert report["queue"] == {"pending": 0, "quarantined": 0, "acked": total}
    assert len(received) == total and len({r["sid"] for r in received}) == total
    for kind in kinds:
        assert [r["sid"] for r in received if r["kind"] == kind] == submitted[kind]
    # No busy loop: during 72 h the sender tried at most every few minutes on average, and never gave up.
    outage_attempts = state["attempts_in_outage"]
    assert 72 <= outage_attempts <= 72 * 60 / 3
    assert sum(1 for s in clock.sleeps if s < 0.001) <= report["attempts"]
    assert clock.now - outage_end <= 2 * POLICY.cap + 60  # delivered soon after the intake came back
    print(f"72 h outage: {outage_attempts} attempts, all {total} delivered {clock.now - outage_end:.0f} s after")


def test_background_thread_delivers_after_wake_and_stops(kiosk_dir: Path, intake: IntakeServer) -> None:
    outbox = open_outbox(kiosk_dir)
    sender = Sender(outbox, intake.url, policy=RetryPolicy(startup_jitter=0, idle_poll=3600))
    thread = sender.start_thread()
    saved = outbox.submit("lodging", LODGING, {})
    sender.wake()
    deadline = time.monotonic() + 30
    while outbox.counts()["acked"] == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert outbox.receipts()[0]["sid"] == saved.sid
    sender.stop()
    thread.join(10)
    assert not thread.is_alive()


def test_nothing_personal_is_logged(kiosk_dir: Path, intake: IntakeServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    outbox = open_outbox(kiosk_dir)
    person = {"full_name": "Trịnh Công Sơn", "id_number": "040199005566", "residence": "Phố Huế, Hà Nội"}
    form = {**person, "arrival": "2026-11-23T09:00"}
    outbox.submit("lodging", {"procedure": "lodging-guest", "form": form}, {"fields": {"full_name": "chip"}})
    outbox.submit("lodging", {"procedure": "lodging-guest", "form": {"full_name": person["full_name"]}}, {})
    Sender(outbox, intake.url, policy=POLICY).run(timeout=30)
    assert "quarantine" in caplog.text and "done" in caplog.text  # the sender did log its outcomes
    for value in person.values():
        assert value not in caplog.text
