"""The kiosk session: one person's visit, from choosing a service to the receipt, independent of any UI.

Steps: ``home → scan → review → [check →] consent → done → home`` (``check``: a workflow's extra steps before
consent, such as the clinic's insurance card check). Cancel, decline and inactivity wipe the session and go
home. The session holds the identity read from the card, the chip portrait, the values typed by the person and the
outcome; ``wipe()`` drops every reference to them. Time comes from an injectable clock so idle expiry is testable.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from kiosk.errors import KioskError
from kiosk.identity import Identity
from kiosk.text import nfc

DEFAULT_IDLE_SECONDS = 60.0


class Step(StrEnum):
    HOME = "home"
    SCAN = "scan"
    REVIEW = "review"
    CHECK = "check"
    CONSENT = "consent"
    DONE = "done"


class TransitionError(KioskError):
    """An action that is not allowed in the current step (a double tap, a late device event)."""

    code = "invalid-transition"

    def __init__(self, action: str, step: Step) -> None:
        super().__init__(f"{action} is not allowed in step {step.value}",
                         message_vi="Thao tác không hợp lệ ở bước này.")


@dataclass(frozen=True)
class Outcome:
    """What happened to the submission: ``delivered`` true when the intake acknowledged it already."""

    sid: str
    receipt_code: str
    delivered: bool
    receipt: dict[str, Any]


_SOURCE_RANK = {"manual": 0, "qr": 1, "vneid-qr": 1, "chip": 2}

Listener = Callable[["Session", Step], None]


class Session:
    def __init__(self, *, clock: Callable[[], float] = time.monotonic,
                 idle_seconds: float = DEFAULT_IDLE_SECONDS) -> None:
        self._clock = clock
        self.idle_seconds = idle_seconds
        self.step = Step.HOME
        self.procedure_id: str | None = None
        self.identity: Identity | None = None
        self.portrait: bytes | None = None
        self.typed: dict[str, str] = {}
        self.consented = False
        self.outcome: Outcome | None = None
        self.sessions_completed = 0
        self._last_activity = clock()
        self._listeners: list[Listener] = []

    # -- observation ---------------------------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        """``listener(session, step)`` after every step change (including wipes back home)."""
        self._listeners.append(listener)

    def _go(self, step: Step) -> None:
        self.step = step
        self.touch()
        for listener in list(self._listeners):
            listener(self, step)

    def _require(self, action: str, *steps: Step) -> None:
        if self.step not in steps:
            raise TransitionError(action, self.step)

    # -- activity and idle ---------------------------------------------------------------------------------------
    def touch(self) -> None:
        """The person did something (a touch, a key): restart the idle countdown."""
        self._last_activity = self._clock()

    def idle_for(self) -> float:
        return self._clock() - self._last_activity

    def idle_remaining(self) -> float:
        return max(0.0, self.idle_seconds - self.idle_for())

    def check_idle(self) -> bool:
        """Wipe and go home when the person has left; True when that happened."""
        if self.step is Step.HOME or self.idle_for() < self.idle_seconds:
            return False
        self.wipe()
        return True

    # -- the steps -----------------------------------------------------------------------------------------------
    def start(self, procedure_id: str) -> None:
        self._require("start", Step.HOME)
        self._drop_personal_data()
        self.procedure_id = procedure_id
        self._go(Step.SCAN)

    def offer_identity(self, identity: Identity) -> bool:
        """An identity from a device. Accepted when it is the first or from as good a source (chip over QR; a
        completed chip read over its early text).

        The first accepted identity moves the session to review; a later better one replaces it there (the chip
        finishing after the QR). Returns whether it was accepted.
        """
        self._require("offer_identity", Step.SCAN, Step.REVIEW)
        if self.identity is not None and _SOURCE_RANK[identity.source] < _SOURCE_RANK[self.identity.source]:
            return False
        if self.step is Step.REVIEW and self.identity is not None and self.identity.id_number != identity.id_number:
            return False  # another card: never mix two people's data
        self.identity = identity
        if self.step is Step.SCAN:
            self._go(Step.REVIEW)
        else:
            self.touch()
        return True

    def offer_portrait(self, portrait: bytes) -> None:
        """The chip portrait, read after the text; kept in memory only for the review screen."""
        self._require("offer_portrait", Step.SCAN, Step.REVIEW)
        self.portrait = portrait

    def set_value(self, name: str, value: str) -> None:
        """A value typed or corrected by the person (the workflow validates it)."""
        self._require("set_value", Step.REVIEW)
        self.typed[name] = nfc(value)
        self.touch()

    def to_check(self) -> None:
        """The workflow's extra steps before consent (the clinic's card check)."""
        self._require("to_check", Step.REVIEW)
        if self.identity is None:
            raise TransitionError("to_check without an identity", self.step)
        self._go(Step.CHECK)

    def to_consent(self) -> None:
        self._require("to_consent", Step.REVIEW, Step.CHECK)
        if self.identity is None:
            raise TransitionError("to_consent without an identity", self.step)
        self._go(Step.CONSENT)

    def back_to_review(self) -> None:
        self._require("back_to_review", Step.CHECK, Step.CONSENT)
        self._go(Step.REVIEW)

    def accept(self) -> None:
        """The person agreed to the notice; the caller submits, then calls ``done()``."""
        self._require("accept", Step.CONSENT)
        self.consented = True
        self.touch()

    def done(self, outcome: Outcome) -> None:
        self._require("done", Step.CONSENT)
        if not self.consented:
            raise TransitionError("done before consent", self.step)
        self.outcome = outcome
        self.sessions_completed += 1
        self._go(Step.DONE)

    def decline(self) -> None:
        self._require("decline", Step.CONSENT)
        self.wipe()

    def cancel(self) -> None:
        """The person gave up (any step): wipe and go home."""
        self.wipe()

    def finish(self) -> None:
        self._require("finish", Step.DONE)
        self.wipe()

    def wipe(self) -> None:
        """Drop every reference to the person's data and go home."""
        self._drop_personal_data()
        self._go(Step.HOME)

    def _drop_personal_data(self) -> None:
        self.procedure_id = None
        self.identity = None
        self.portrait = None
        self.typed = {}
        self.consented = False
        self.outcome = None

    def holds_personal_data(self) -> bool:
        return any((self.identity, self.portrait, self.typed, self.outcome))
