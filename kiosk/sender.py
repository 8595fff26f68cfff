"""Delivering the outbox to the intake: one request at a time, in order per kind, retried for as long as it takes. The
outbox scheduler is the only retry authority (engineering notes §3): no retries inside ``requests`` or urllib3.

- Backoff: full jitter ``uniform(0, min(cap, base * 2**attempts))`` stored as ``next_attempt_at`` in the row, so it
  survives restarts; ``Retry-After`` (seconds or HTTP date, clamped to [1 s, 1 h]) is honoured as a minimum.
- Circuit breaker: after ``breaker_threshold`` consecutive transient failures nothing is sent until ``open_until``
  (persisted); then a single half-open probe closes it, or opens it again for longer.
- Outcomes: 2xx acknowledged (receipt kept, ciphertext deleted); 408/409/425/429/5xx, network errors and timeouts
  retried with the same sid; 400/404/405/413/415/422 (and other 4xx) quarantined with the reason; 401/403, TLS
  failures and redirects held with a long delay and an alert, never dropped.
"""

from __future__ import annotations

import email.utils
import fcntl
import logging
import os
import random
import sqlite3
import threading
from collections import Counter, deque
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import requests

from kiosk.clock import Clock, SystemClock
from kiosk.errors import KioskError
from kiosk.outbox import Item, Outbox
from wire.http import JOSE_MEDIA_TYPE, SUBMISSIONS_PATH

log = logging.getLogger(__name__)

CHECKPOINT_EVERY = 100
RECENT_ATTEMPTS = 1000


class Outcome(StrEnum):
    DONE = "done"
    RETRY = "retry"
    QUARANTINE = "quarantine"
    HOLD = "hold"


class SenderBusyError(KioskError):
    """Another sender is already delivering this outbox."""

    code = "sender-busy"


@dataclass(frozen=True)
class RetryPolicy:
    base: float = 2.0
    cap: float = 900.0
    retry_after_min: float = 1.0
    retry_after_max: float = 3600.0
    hold_delay: float = 3600.0
    breaker_threshold: int = 5
    startup_jitter: float = 60.0
    idle_poll: float = 30.0
    connect_timeout: float = 5.0
    read_timeout: float = 30.0


@dataclass(frozen=True)
class Attempt:
    sid: str
    outcome: Outcome
    status: int | None
    reason: str
    delay: float


def classify_status(status: int) -> Outcome:
    if 200 <= status < 300:
        return Outcome.DONE
    if status in (408, 409, 425, 429) or status >= 500:
        return Outcome.RETRY
    if status in (401, 403) or status < 200 or 300 <= status < 400:
        return Outcome.HOLD
    return Outcome.QUARANTINE


def backoff_delay(attempts: int, policy: RetryPolicy, rng: random.Random) -> float:
    """Full jitter: uniform between 0 and the capped exponential bound for this attempt number."""
    return rng.uniform(0.0, min(policy.cap, policy.base * 2.0 ** min(attempts, 60)))


def retry_after_seconds(value: str | None, now: float, policy: RetryPolicy) -> float | None:
    """``Retry-After`` as seconds from ``now`` (delta-seconds or HTTP date), clamped; ``None`` if absent/invalid."""
    if not value:
        return None
    value = value.strip()
    seconds: float
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when is None or when.tzinfo is None:
            return None
        seconds = when.timestamp() - now
    return min(policy.retry_after_max, max(policy.retry_after_min, seconds))


def _error_code(response: requests.Response) -> str:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return f"http-{response.status_code}"


class Sender:
    """Delivers one outbox to one intake. ``run`` loops; ``step`` makes at most one attempt (for tests)."""

    def __init__(
        self,
        outbox: Outbox,
        intake_url: str,
        *,
        clock: Clock | None = None,
        policy: RetryPolicy | None = None,
        session: requests.Session | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.outbox = outbox
        self.url = intake_url.rstrip("/") + SUBMISSIONS_PATH
        self.clock: Clock = clock or outbox.clock or SystemClock()
        self.policy = policy or RetryPolicy()
        self.session = session or requests.Session()
        self.rng = rng or random.SystemRandom()
        self._signal = threading.Event()
        self._stopping = False
        self.attempts: deque[Attempt] = deque(maxlen=RECENT_ATTEMPTS)  # the latest, for a staff screen
        self.outcome_counts: Counter[Outcome] = Counter()
        self._acks_since_checkpoint = 0

    # -- one attempt --------------------------------------------------------------------------------------

    def _post(self, item: Item) -> tuple[Outcome, int | None, str, requests.Response | None]:
        try:
            response = self.session.post(
                self.url,
                data=item.blob.encode("ascii"),
                headers={"Content-Type": JOSE_MEDIA_TYPE, "Idempotency-Key": item.sid},
                timeout=(self.policy.connect_timeout, self.policy.read_timeout),
                allow_redirects=False,
            )
        except requests.exceptions.SSLError:
            return Outcome.HOLD, None, "tls-error", None
        except requests.RequestException as exc:
            return Outcome.RETRY, None, f"network: {type(exc).__name__}", None
        outcome = classify_status(response.status_code)
        if outcome is Outcome.DONE:
            return Outcome.DONE, response.status_code, "", response
        return outcome, response.status_code, _error_code(response), response

    def deliver(self, item: Item) -> Attempt:
        """One HTTP attempt for ``item``, and its consequence recorded in the outbox."""
        outcome, status, reason, response = self._post(item)
        now = self.clock.time()
        delay = 0.0
        if outcome is Outcome.DONE and response is not None:
            try:
                ack: dict[str, Any] = response.json()
                matches = ack.get("sid") == item.sid and ack.get("digest") == item.digest
                received_at = str(ack.get("received_at", ""))
            except ValueError:
                matches, received_at = False, ""
            if matches:
                self.outbox.mark_acked(item, received_at)
                self._breaker_success(clear_alert=True)
                self._acks_since_checkpoint += 1
                if self._acks_since_checkpoint >= CHECKPOINT_EVERY:
                    self.checkpoint()
            else:
                outcome, reason = Outcome.QUARANTINE, "acknowledgement-mismatch"
        if outcome is Outcome.QUARANTINE:
            self.outbox.mark_quarantined(item, status, reason)
            self.outbox.set_sender_state(alert=f"quarantined: {reason}")
            self._breaker_success(clear_alert=False)
        elif outcome is Outcome.RETRY:
            delay = backoff_delay(item.attempts, self.policy, self.rng)
            retry_after = retry_after_seconds(
                response.headers.get("Retry-After") if response is not None else None, now, self.policy
            )
            if retry_after is not None:
                delay = max(delay, retry_after)
            self.outbox.mark_retry(item, now + delay, status, reason)
            self._breaker_failure(now)
        elif outcome is Outcome.HOLD:
            delay = self.policy.hold_delay * self.rng.uniform(0.5, 1.0)
            self.outbox.mark_retry(item, now + delay, status, f"held: {reason}")
            self.outbox.set_sender_state(alert=f"held: {reason}")
        attempt = Attempt(item.sid, outcome, status, reason, delay)
        self.attempts.append(attempt)
        self.outcome_counts[outcome] += 1
        log.info(
            "submission %s: %s (status %s%s)",
            item.sid,
            outcome.value,
            status,
            f", {reason}" if reason else "",
        )
        return attempt

    def _breaker_success(self, *, clear_alert: bool) -> None:
        """Close the breaker; a delivery also ends a "held" alert (a quarantine alert waits for an operator)."""
        state = self.outbox.sender_state()
        clear_hold = clear_alert and state.get("alert", "").startswith("held:")
        if "failures" in state or "open_until" in state or clear_hold:
            changes: dict[str, str | None] = {"failures": None, "open_until": None}
            if clear_hold:
                changes["alert"] = None
            self.outbox.set_sender_state(**changes)

    def _breaker_failure(self, now: float) -> None:
        failures = int(self.outbox.sender_state().get("failures", "0")) + 1
        open_until: str | None = None
        if failures >= self.policy.breaker_threshold:
            cooldown = max(self.policy.base, backoff_delay(failures, self.policy, self.rng))
            open_until = repr(now + cooldown)
            log.warning("circuit breaker open for %.0f s after %d consecutive failures", cooldown, failures)
        self.outbox.set_sender_state(failures=str(failures), open_until=open_until)

    # -- scheduling ---------------------------------------------------------------------------------------

    def step(self) -> float | None:
        """Attempt the next due submission, if any. Returns seconds to wait (0: more may be due) or ``None``."""
        heads = self.outbox.heads()
        if not heads:
            return None
        now = self.clock.time()
        open_until = self.outbox.sender_state().get("open_until")
        if open_until is not None and now < float(open_until):
            return float(open_until) - now
        item = heads[0]
        if item.next_attempt_at > now:
            return item.next_attempt_at - now
        self.deliver(item)
        return 0.0

    def checkpoint(self) -> None:
        self._acks_since_checkpoint = 0
        self.outbox.checkpoint()

    def wake(self) -> None:
        """Tell a running sender that a new submission was saved."""
        self._signal.set()

    def stop(self) -> None:
        """Ask a running sender to return after its current attempt."""
        self._stopping = True
        self._signal.set()

    def run(self, *, until_empty: bool = True, timeout: float | None = None) -> dict[str, Any]:
        """Deliver until the queue is empty (or forever), ``timeout`` seconds elapse, or ``stop`` is called."""
        with SenderLock(self.outbox.path):
            start = self.clock.time()
            deadline = None if timeout is None else start + timeout
            if self.policy.startup_jitter > 0 and self._sleep(
                self.rng.uniform(0, self.policy.startup_jitter), deadline
            ):
                return self._report(start)
            while not self._stopping:
                try:
                    wait = self.step()
                except sqlite3.Error as exc:  # e.g. disk full: keep the process alive and try again later
                    log.error("outbox database error while sending: %s", type(exc).__name__)
                    wait = self.policy.idle_poll
                if wait is None:
                    self.checkpoint()
                    if until_empty:
                        break
                    wait = self.policy.idle_poll
                if wait > 0 and self._sleep(wait, deadline):
                    break
                if deadline is not None and self.clock.time() >= deadline:
                    break
            if self._acks_since_checkpoint:
                self.checkpoint()
            return self._report(start)

    def start_thread(self) -> threading.Thread:
        """Run forever in a daemon thread (the kiosk UI); call ``wake`` after each save, ``stop`` at exit."""
        thread = threading.Thread(
            target=self.run, kwargs={"until_empty": False}, name="outbox-sender", daemon=True
        )
        thread.start()
        return thread

    def _sleep(self, seconds: float, deadline: float | None) -> bool:
        """Sleep (cut short by ``wake``/``stop``); return ``True`` when the run must end."""
        if deadline is not None:
            seconds = min(seconds, deadline - self.clock.time())
            if seconds <= 0:
                return True
        self.clock.sleep(seconds, self._signal)
        self._signal.clear()
        return self._stopping

    def _report(self, start: float) -> dict[str, Any]:
        outcomes = {o.value: self.outcome_counts[o] for o in Outcome}
        return {
            "attempts": sum(self.outcome_counts.values()),
            "outcomes": outcomes,
            "elapsed": round(self.clock.time() - start, 3),
            "queue": self.outbox.counts(),
        }


class SenderLock:
    """An exclusive ``flock`` next to the database: one sender per outbox, released even on SIGKILL."""

    def __init__(self, db_path: os.PathLike[str] | str) -> None:
        self.path = f"{os.fspath(db_path)}.sender-lock"
        self.fd = -1

    def __enter__(self) -> SenderLock:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            os.close(self.fd)
            raise SenderBusyError(
                "another sender is already delivering this outbox",
                message_vi="Một tiến trình khác đang gửi hồ sơ.",
            ) from exc
        return self

    def __exit__(self, *exc: object) -> None:
        os.close(self.fd)
