"""From the request body to a verified submission: decrypt the JWE, find the device, verify the JWS, check fields.

Each refusal is an ``IntakeError`` whose status the kiosk classifies: undecryptable or malformed body 400; unknown
device 401; revoked device 403; bad signature, inconsistent payload or invalid kind data 422.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from joserfc.jwk import KeySet

from intake import kinds
from intake.db import Store
from intake.errors import IntakeError, bad_request, unprocessable
from wire.envelope import (
    HEARTBEAT_FIELDS,
    HEARTBEAT_JWS_TYPE,
    JWS_TYPE,
    PAYLOAD_FIELDS,
    SubmissionError,
    decrypt,
    digest,
    verify_with,
)
from wire.errors import CodedError
from wire.keys import KeyFormatError, SigningKey, key_from_jwk


@dataclass(frozen=True)
class Verified:
    sid: str
    kind: str
    device: str
    created_at: str
    data: dict[str, Any]
    evidence: dict[str, Any]
    jws: str
    digest: str
    clock_flag: str | None = None


@dataclass(frozen=True)
class _DeviceKey:
    alg: str
    key: SigningKey


def _check_sid(value: Any) -> str:
    try:
        parsed = uuid.UUID(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.version != 7 or str(parsed) != value:
        raise unprocessable("invalid-sid", "sid must be a lowercase UUIDv7", field="sid")
    return value


MAX_AHEAD = timedelta(minutes=5)
MAX_AGE = timedelta(days=30)


def clock_flag(created_at: datetime, now: datetime) -> str | None:
    """Flag, never refuse, a ``created_at`` far from the intake's clock (a kiosk clock off, or a very old item)."""
    if created_at > now + MAX_AHEAD:
        return "created-in-future"
    if now - created_at > MAX_AGE:
        return "created-long-ago"
    return None


def _check_time(value: Any) -> datetime:
    try:
        if isinstance(value, str):
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is not None:
                return parsed
    except ValueError:
        pass
    raise unprocessable("invalid-created-at", "created_at must be an ISO 8601 time with a zone", field="created_at")


class Verifier:
    """Device key objects are kept for the life of the process (a key id is the key's thumbprint, so its key never
    changes); the set of revoked devices is read again after ``cache_seconds`` (a revocation takes effect within
    that time) with one query for all devices."""

    def __init__(
        self,
        store: Store,
        keys: KeySet,
        *,
        cache_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.keys = keys
        self.cache_seconds = cache_seconds
        self.clock = clock
        self._keys: dict[str, _DeviceKey] = {}
        self._revoked: frozenset[str] = frozenset()
        self._revoked_read: float | None = None
        self._lock = threading.Lock()

    def _is_revoked(self, kid: str) -> bool:
        now = self.clock()
        if self._revoked_read is None or now - self._revoked_read >= self.cache_seconds:
            revoked = self.store.revoked_devices()
            with self._lock:
                self._revoked, self._revoked_read = revoked, now
        return kid in self._revoked

    def _device_key(self, kid: str) -> _DeviceKey | None:
        cached = self._keys.get(kid)
        if cached is not None:
            return cached
        record = self.store.device(kid)
        if record is None:
            return None
        try:
            found = _DeviceKey(record.alg, key_from_jwk(record.public_key, record.alg))
        except KeyFormatError:
            return None
        with self._lock:
            self._keys[kid] = found
        return found

    def verified_payload(
        self, signed: str, typ: str = JWS_TYPE, fields: tuple[str, ...] = PAYLOAD_FIELDS
    ) -> tuple[str, dict[str, Any]]:
        """Verify a compact JWS with its enrolled, unrevoked device's key: ``(kid, payload)`` or a typed refusal."""
        found: dict[str, str] = {}

        def device_key(header: dict[str, Any]) -> tuple[SigningKey, str]:
            kid = header.get("kid")
            if not isinstance(kid, str):
                raise bad_request("malformed-jws", "the signed submission names no key id")
            device = self._device_key(kid)
            if device is None:
                raise IntakeError("unknown device", code="unknown-device", status=401)
            if self._is_revoked(kid):
                raise IntakeError("device revoked", code="device-revoked", status=403)
            found["kid"] = kid
            return device.key, device.alg

        try:
            payload = verify_with(signed, device_key, typ=typ, fields=fields)
        except SubmissionError as exc:
            refuse = bad_request if exc.code == "malformed-jws" else unprocessable
            raise refuse(exc.code, exc.message) from exc
        return found["kid"], payload

    def verify(self, body: bytes, idempotency_key: str | None = None) -> Verified:
        try:
            signed = decrypt(body, self.keys)
        except SubmissionError as exc:
            raise bad_request(exc.code, exc.message) from exc
        kid, payload = self.verified_payload(signed)
        sid = _check_sid(payload["sid"])
        if idempotency_key is not None and idempotency_key != sid:
            raise bad_request("idempotency-key-mismatch", "Idempotency-Key differs from the signed sid")
        if payload["device"] != kid:
            raise unprocessable("device-mismatch", "the payload names another device", field="device")
        if not isinstance(payload["kind"], str):
            raise unprocessable("unknown-kind", "unknown submission kind", field="kind")
        flag = clock_flag(_check_time(payload["created_at"]), datetime.now(UTC))
        try:
            kinds.validate(payload["kind"], payload["data"], payload["evidence"])
        except IntakeError:
            raise
        except CodedError as exc:  # a validator added by a workflow raised another typed error
            raise unprocessable(exc.code, exc.message, exc.field) from exc
        return Verified(
            sid,
            payload["kind"],
            kid,
            payload["created_at"],
            payload["data"],
            payload["evidence"],
            signed,
            digest(signed),
            flag,
        )


HEARTBEAT_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True)
class VerifiedHeartbeat:
    device: str
    sent_at: str  # UTC ISO 8601 with Z, as the kiosk signed it
    payload: dict[str, Any]


def heartbeat_time(value: Any, now: datetime, window: timedelta = HEARTBEAT_WINDOW) -> str:
    """A heartbeat's ``sent_at`` as UTC ``…Z`` text, refused when it is outside ``now ± window``: a replayed or
    delayed heartbeat must not make a silent kiosk look alive (``heartbeat-too-old``, ``heartbeat-in-future``)."""
    try:
        sent = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else None
    except ValueError:
        sent = None
    if sent is None or sent.tzinfo is None:
        raise unprocessable("invalid-sent-at", "sent_at must be an ISO 8601 time with a zone", field="sent_at")
    if sent < now - window:
        raise unprocessable("heartbeat-too-old", "sent_at is older than the replay window", field="sent_at")
    if sent > now + window:
        raise unprocessable("heartbeat-in-future", "sent_at is ahead of the intake's clock", field="sent_at")
    return sent.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def verify_heartbeat(
    verifier: Verifier, body: bytes, now: datetime, window: timedelta = HEARTBEAT_WINDOW
) -> VerifiedHeartbeat:
    """A heartbeat: a compact JWS (not encrypted: it holds no personal data) from an enrolled, unrevoked device."""
    try:
        signed = body.decode("ascii").strip()
    except UnicodeDecodeError as exc:
        raise bad_request("malformed-jws", "a heartbeat is a compact JWS") from exc
    kid, payload = verifier.verified_payload(signed, HEARTBEAT_JWS_TYPE, HEARTBEAT_FIELDS)
    if payload["device"] != kid:
        raise unprocessable("device-mismatch", "the payload names another device", field="device")
    sent_at = heartbeat_time(payload["sent_at"], now, window)
    check_heartbeat_shape(payload)
    return VerifiedHeartbeat(kid, sent_at, payload)


def check_heartbeat_shape(payload: dict[str, Any]) -> None:
    """The types ``kiosk.heartbeat.build_heartbeat`` produces (the operator page shows nothing else); a field of
    another shape is refused by name (``invalid-field``), its value never echoed."""
    texts = {"version": 32, "profile": 32, "establishment": 64}
    for name, longest in texts.items():
        value = payload[name]
        if not (value is None and name == "establishment") and (not isinstance(value, str) or len(value) > longest):
            raise unprocessable("invalid-field", f"{name} must be text of at most {longest} characters", field=name)
    for name in ("outbox", "devices"):
        if not isinstance(payload[name], dict):
            raise unprocessable("invalid-field", f"{name} must be an object", field=name)
    if payload["lodging"] is not None and not isinstance(payload["lodging"], dict):
        raise unprocessable("invalid-field", "lodging must be an object or null", field="lodging")
    errors = payload["errors"]
    if not isinstance(errors, list) or len(errors) > 20 or not all(isinstance(e, str) and len(e) <= 64 for e in errors):
        raise unprocessable("invalid-field", "errors must be a short list of codes", field="errors")
