"""Fleet health: a signed heartbeat the kiosk sends to its intake, with no personal data in it.

The heartbeat is a compact JWS (the device key, ``typ`` ``kiosk-heartbeat+jws``) over canonical JSON:

``{"device", "sent_at", "version", "profile", "establishment", "outbox", "devices", "lodging", "errors"}``

- ``outbox``: pending and quarantined counts, the age of the oldest pending submission in seconds, the sender's
  alert (``held: device-revoked``, ``quarantined: invalid-field``…) and whether delivery is held;
- ``devices``: the reader's and the camera's status, one of ``DEVICE_STATES``;
- ``lodging``: how many guests of the register are not notified yet, due within the "due soon" margin, overdue
  (counts only) or ``None`` outside the lodging profile;
- ``errors``: the latest error codes (``chip.unstable``, ``network.connectionerror``…), codes only.

It is not encrypted (nothing in it is personal) and never queued: ``HeartbeatSender`` posts it every
``interval_seconds`` (jittered) from its own thread, independently of the outbox; a failure is logged by its code
and the next beat simply tries again.
"""

from __future__ import annotations

import importlib.metadata
import logging
import random
import re
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import requests

from kiosk.clock import Clock, SystemClock
from kiosk.device_key import DeviceKey
from kiosk.errors import KioskError
from wire.envelope import HEARTBEAT_JWS_TYPE, sign
from wire.http import HEARTBEATS_PATH, JOSE_MEDIA_TYPE

log = logging.getLogger(__name__)

DISTRIBUTION = "cccd-kiosk"
DEFAULT_INTERVAL = 60.0
JITTER = 0.2  # each interval is drawn from [interval · (1 - JITTER), interval · (1 + JITTER)]
MAX_ERRORS = 10
TIMEOUT = (5.0, 10.0)
CODE_PATTERN = re.compile(r"^(?!.*\d{4})[a-z0-9][a-z0-9._-]{0,63}$")  # no run of 4 digits: no number, no date
ALERT_PATTERN = re.compile(r"^(held|quarantined): ((?!.*\d{4})[a-z0-9][a-z0-9._-]{0,63})$")
ESTABLISHMENT_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class DeviceState(StrEnum):
    """What the kiosk knows about one of its devices, without naming anything about a person."""

    OK = "ok"
    ABSENT = "absent"
    ERROR = "error"
    SIMULATED = "simulated"
    UNKNOWN = "unknown"


DEVICE_STATES = tuple(state.value for state in DeviceState)


class HeartbeatError(KioskError):
    """A heartbeat could not be built or the intake refused it."""

    code = "heartbeat"


def software_version() -> str:
    """The installed ``cccd-kiosk`` version (``unknown`` when running from a tree that is not installed)."""
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def error_code(text: str) -> str:
    """A stable code from a reason: ``network: ConnectionError`` → ``network.connectionerror``. Reasons come from
    the software's own vocabulary (intake error codes, exception class names); as a safety net anything that is not
    code-like (ASCII, at most 64 characters, no run of four digits) becomes ``other``."""
    code = re.sub(r"[:\s]+", ".", text.strip().lower()).strip(".")
    return code if CODE_PATTERN.match(code) else "other"


class RecentErrors:
    """The latest error codes, newest last, thread-safe; ``record`` takes codes only."""

    def __init__(self, size: int = MAX_ERRORS) -> None:
        self._codes: deque[str] = deque(maxlen=size)
        self._lock = threading.Lock()

    def record(self, code: str) -> None:
        with self._lock:
            self._codes.append(error_code(code))

    def codes(self) -> list[str]:
        with self._lock:
            return list(self._codes)


def outbox_health(status: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """The heartbeat's ``outbox`` object from ``Outbox.status()``: counts, the oldest pending age and the alert
    (kept only when it is ``held: CODE`` or ``quarantined: CODE``)."""
    counts = status.get("counts", {})
    oldest = status.get("oldest_pending")
    age = None
    if oldest:
        age = max(0, round((now - datetime.fromisoformat(str(oldest).replace("Z", "+00:00"))).total_seconds()))
    alert = status.get("alert")
    match = ALERT_PATTERN.match(alert) if isinstance(alert, str) else None
    return {
        "pending": int(counts.get("pending", 0)),
        "quarantined": int(counts.get("quarantined", 0)),
        "oldest_pending_age_seconds": age,
        "alert": match.group(0) if match else None,
        "held": bool(match and match.group(1) == "held"),
    }


def lodging_health(
    deadlines: Iterable[Any], now: datetime, due_soon: timedelta = timedelta(minutes=60), remote_area: bool = False
) -> dict[str, Any]:
    """Counts of the register's guests not notified yet (``kiosk.lodging.register.Entry``), by deadline status:
    ``pending`` (all of them), ``due_soon`` and ``overdue``, and the establishment's ``remote_area`` setting (the
    intake needs it to judge foreigners' deadlines). Counts only: no room, no name, no time."""
    counts: dict[str, Any] = {"pending": 0, "due_soon": 0, "overdue": 0, "remote_area": remote_area}
    for entry in deadlines:
        status = entry.deadline.status(now, due_soon=due_soon)
        counts["pending"] += 1
        if status == "due-soon":
            counts["due_soon"] += 1
        elif status == "overdue":
            counts["overdue"] += 1
    return counts


def _device_state(value: str | DeviceState | None) -> str:
    return DeviceState(value).value if value in DEVICE_STATES else DeviceState.UNKNOWN.value


@dataclass(frozen=True)
class Health:
    """What the kiosk reports besides its identity and the time; every part is a count, a state or a code."""

    profile: str
    outbox: Mapping[str, Any]
    reader: str | DeviceState | None = None
    camera: str | DeviceState | None = None
    lodging: Mapping[str, Any] | None = None
    errors: list[str] = field(default_factory=list)
    establishment: str | None = None


def build_heartbeat(device: str, health: Health, now: datetime) -> dict[str, Any]:
    """The heartbeat payload (see the module documentation)."""
    establishment = health.establishment
    if establishment is not None and not ESTABLISHMENT_PATTERN.match(establishment):
        raise HeartbeatError(
            "the establishment code must be 1-64 letters, digits, dots, dashes or underscores",
            field="establishment",
            message_vi="Mã cơ sở không hợp lệ.",
        )
    lodging: dict[str, Any] | None = None
    if health.lodging is not None:
        lodging = {name: int(health.lodging.get(name, 0)) for name in ("pending", "due_soon", "overdue")}
        lodging["remote_area"] = bool(health.lodging.get("remote_area", False))
    return {
        "device": device,
        "sent_at": utc_iso(now),
        "version": software_version(),
        "profile": health.profile,
        "establishment": establishment,
        "outbox": dict(health.outbox),
        "devices": {"reader": _device_state(health.reader), "camera": _device_state(health.camera)},
        "lodging": lodging,
        "errors": [error_code(code) for code in health.errors][-MAX_ERRORS:],
    }


class Collector:
    """Gathers a kiosk's ``Health`` at each beat: the outbox's status and its items' last error codes, the devices'
    states (``device_states`` returns ``(reader, camera)``), the lodging register's pending guests (counts), and
    the latest codes ``error_codes`` returns (e.g. ``RecentErrors.codes``)."""

    def __init__(
        self,
        profile: str,
        outbox: Any,
        *,
        device_states: Callable[[], tuple[str, str]] | None = None,
        register: Any = None,
        remote_area: bool = False,
        due_soon: timedelta = timedelta(minutes=60),
        error_codes: Callable[[], list[str]] | None = None,
        establishment: str | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.profile = profile
        self.outbox = outbox
        self.device_states = device_states or (lambda: (DeviceState.UNKNOWN.value, DeviceState.UNKNOWN.value))
        self.register = register
        self.remote_area = remote_area
        self.due_soon = due_soon
        self.error_codes = error_codes or RecentErrors().codes
        self.establishment = establishment
        self.clock: Clock = clock or SystemClock()

    def __call__(self) -> Health:
        now = datetime.fromtimestamp(self.clock.time(), UTC)
        errors = [str(item["last_error"]) for item in self.outbox.items(limit=MAX_ERRORS) if item["last_error"]]
        try:
            reader, camera = self.device_states()
        except Exception as exc:  # a device probe must never stop the heartbeat
            log.warning("device status failed: %s", type(exc).__name__)
            reader, camera = DeviceState.ERROR.value, DeviceState.ERROR.value
        lodging = None
        if self.register is not None:
            lodging = lodging_health(self.register.pending(), now, self.due_soon, self.remote_area)
        return Health(
            profile=self.profile,
            outbox=outbox_health(self.outbox.status(), now),
            reader=reader,
            camera=camera,
            lodging=lodging,
            errors=(errors + self.error_codes())[-MAX_ERRORS:],
            establishment=self.establishment,
        )


def sign_heartbeat(payload: Mapping[str, Any], key: DeviceKey) -> str:
    return sign(payload, key, typ=HEARTBEAT_JWS_TYPE)


@dataclass(frozen=True)
class Answer:
    """The intake's answer to one heartbeat: ``status`` (``None`` when unreachable) and its JSON or an error code."""

    status: int | None
    body: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class HeartbeatSender:
    """Posts a heartbeat every ``interval`` seconds (jittered) in a daemon thread; ``send_once`` for one now."""

    def __init__(
        self,
        key: DeviceKey,
        intake_url: str,
        collect: Callable[[], Health],
        *,
        interval: float = DEFAULT_INTERVAL,
        clock: Clock | None = None,
        session: requests.Session | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if interval <= 0:
            raise HeartbeatError("the heartbeat interval must be positive", field="interval_seconds")
        self.key = key
        self.url = intake_url.rstrip("/") + HEARTBEATS_PATH
        self.collect = collect
        self.interval = interval
        self.clock: Clock = clock or SystemClock()
        self.session = session or requests.Session()
        self.rng = rng or random.SystemRandom()
        self.last: Answer | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def payload(self) -> dict[str, Any]:
        return build_heartbeat(self.key.kid, self.collect(), datetime.fromtimestamp(self.clock.time(), UTC))

    def send_once(self) -> Answer:
        """Build, sign and post one heartbeat; never raises for network or intake failures (see ``Answer``)."""
        signed = sign_heartbeat(self.payload(), self.key)
        try:
            response = self.session.post(
                self.url,
                data=signed.encode("ascii"),
                headers={"Content-Type": JOSE_MEDIA_TYPE},
                timeout=TIMEOUT,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            answer = Answer(None, {"error": {"code": error_code(f"network: {type(exc).__name__}")}})
        else:
            try:
                body = response.json()
            except ValueError:
                body = {}
            answer = Answer(response.status_code, body if isinstance(body, dict) else {})
        if not answer.ok:
            log.warning("heartbeat not accepted: %s", _answer_code(answer))
        self.last = answer
        return answer

    def next_delay(self) -> float:
        return self.interval * self.rng.uniform(1 - JITTER, 1 + JITTER)

    def run(self) -> None:
        """Beat until ``stop``: the first one after a random part of an interval (a fleet restarting together
        spreads out), then every jittered interval."""
        delay = self.rng.uniform(0, min(self.interval, 10.0))
        while not self.clock.sleep(delay, self._stop):
            try:
                self.send_once()
            except KioskError as exc:  # e.g. a bad establishment code: report it, keep the thread alive
                log.warning("heartbeat not built: %s", exc.code)
            delay = self.next_delay()

    def start_thread(self) -> threading.Thread:
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name="heartbeat", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None


def _answer_code(answer: Answer) -> str:
    error = answer.body.get("error")
    if isinstance(error, dict) and isinstance(error.get("code"), str):
        return error_code(error["code"])
    return f"http-{answer.status}"

