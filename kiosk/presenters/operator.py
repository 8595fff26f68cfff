"""The operator step (behind the PIN): the queue's state and its quarantined items, enrolling with an intake (off
the UI thread), retrying."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from kiosk.device_enrolment import EnrolmentStatus
from kiosk.errors import KioskError
from kiosk.operator_pin import OperatorPin, PinError
from kiosk.presenters.core import Core


class OperatorPresenter:
    def __init__(self, core: Core, pin: str | None) -> None:
        self.core = core
        self._pin = OperatorPin(pin)
        self.enrolling = False
        self.enrol_error: KioskError | None = None
        self.enrolled_now = False

    def check_pin(self, pin: str) -> bool:
        return self.unlock(pin) is None

    def unlock(self, pin: str) -> KioskError | None:
        """``None`` when ``pin`` opens the operator screen, else the typed reason (wrong, locked out, not set)."""
        try:
            self._pin.check(pin)
        except PinError as exc:
            return exc
        return None

    def outbox_summary(self) -> dict[str, Any]:
        outbox = self.core.outbox
        if outbox is None:
            return {"counts": {}, "oldest_pending_minutes": None, "quarantined": []}
        status = outbox.status()
        oldest = status.get("oldest_pending")
        minutes = None
        if oldest:
            created = datetime.fromisoformat(str(oldest).replace("Z", "+00:00"))
            minutes = max(0, int((self.core.now() - created).total_seconds() // 60))
        quarantined = [{"sid": i["sid"], "kind": i["kind"], "reason": i.get("last_error") or ""}
                       for i in outbox.items("quarantined", limit=20)]
        return {"counts": status["counts"], "oldest_pending_minutes": minutes, "quarantined": quarantined}

    def enrolment_status(self) -> EnrolmentStatus | None:
        enrolment = self.core.devices.enrolment
        return enrolment.status() if enrolment is not None else None

    def enrol_device(self, intake_url: str, token: str) -> None:
        """Enrol (again) with the intake, off the UI thread; ``enrolling`` until done, then ``enrolled_now`` or
        ``enrol_error`` (the field to correct and what to do)."""
        core, enrolment = self.core, self.core.devices.enrolment
        if enrolment is None or self.enrolling:
            return
        self.enrolling, self.enrol_error, self.enrolled_now = True, None, False

        def work() -> None:
            error: KioskError | None = None
            try:
                enrolment.enrol(intake_url, token)
            except KioskError as exc:
                error = exc

            def finish() -> None:
                self.enrolling, self.enrol_error, self.enrolled_now = False, error, error is None
                core.changed()

            core.post(finish)

        threading.Thread(target=work, name="enrol", daemon=True).start()
        core.changed()

    def forget_enrolment_result(self) -> None:
        self.enrol_error, self.enrolled_now = None, False

    def retry_quarantined(self) -> int:
        core = self.core
        if core.outbox is None:
            return 0
        count = core.outbox.retry()
        if core.devices.wake_sender is not None:
            core.devices.wake_sender()
        return count
