"""The scan step: the QR camera and the chip reader, off the UI thread; the status line, the chip's progress and the
error to show, with the person's ways out (type a CAN or the MRZ, rescan the QR).

A procedure that accepts a passport (``Procedure.documents``) scans one by the passport route
(``kiosk.passport_scan``): from the start when it accepts nothing else, after "Use a passport" otherwise. There the
chip's identity and portrait are held until the read is complete, the chip's DG1 is held to the camera's MRZ, and a
verification problem (unknown or expired CSCA) is shown before the review; the person goes on only where
``problem_level`` allows it."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from kiosk.errors import KioskError
from kiosk.i18n import error_text
from kiosk.identity import Identity
from kiosk.mrz_entry import TypedMrz
from kiosk.mrz_entry import access_key as mrz_access_key
from kiosk.passport_scan import (
    MrzEvent,
    PassportScanner,
    ProblemLevel,
    bac_key,
    chip_mrz_mismatch,
    in_passport_words,
    problem_level,
    verification_problem_of,
)
from kiosk.presenters.core import Core
from kiosk.scan import RETRIED_CHIP_ERRORS, AccessKey, ScanEvent, Scanner
from kiosk.session import Step

PROGRESS_STEP = 0.1
TYPING_AFTER_S = 20.0  # the passport's details may be typed once the camera has had this long


@dataclass(frozen=True)
class VerificationProblem:
    """A chip read whose data could not be verified, as the scan screen shows it."""

    code: str
    level: ProblemLevel
    message_vi: str
    message_en: str


@dataclass
class ScanState:
    status_key: str = "scan.hint"
    chip_progress: float | None = None
    chip_busy: bool = False
    error: KioskError | None = None
    passport: bool = False  # the passport route (MRZ by camera, then the chip)
    mrz_lines: tuple[str, ...] | None = None  # the MRZ the camera read (to hold the chip's DG1 to)
    mrz_failed: bool = False  # the camera saw a zone it could not read: typing is offered at once
    started: float = field(default_factory=time.monotonic)
    held: dict[str, Any] = field(default_factory=dict)  # the passport chip's identity and portrait until accepted
    problem: VerificationProblem | None = None

    def __repr__(self) -> str:  # never print the holder's data
        return f"ScanState({self.status_key}, passport={self.passport}, problem={self.problem})"


class ScanPresenter:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.state = ScanState()
        self.scanner: Scanner | None = None

    def start(self, procedure_id: str) -> None:
        core = self.core
        core.session.start(procedure_id)
        procedure = core.procedure
        self._start_scanner(passport=procedure is not None and procedure.passport_only)

    def _start_scanner(self, *, passport: bool) -> None:
        core = self.core
        self.state = ScanState(passport=passport)
        self.stop()
        camera = core.devices.camera() if core.devices.camera else None
        if passport:
            self.scanner = PassportScanner(camera=camera, zones=core.devices.mrz_zones, chip=core.devices.chip,
                                           post=core.post, on_event=lambda event: self.on_event(event))
        else:
            self.scanner = Scanner(camera=camera, decoder=core.devices.decoder, chip=core.devices.chip,
                                   post=core.post, on_event=lambda event: self.on_event(event))
        self.scanner.start()
        core.changed()

    @property
    def passport_offered(self) -> bool:
        """Whether "Use a passport" is offered: the procedure accepts one and the scan is not on that route yet."""
        procedure = self.core.procedure
        return procedure is not None and procedure.accepts_passport and not self.state.passport

    def use_passport(self) -> None:
        """Scan a passport instead of the ID card (a procedure that accepts both)."""
        if self.passport_offered and self.core.session.step is Step.SCAN:
            self.core.touch()
            self._start_scanner(passport=True)

    def typing_offered(self) -> bool:
        """The passport's details may be typed: the camera failed on the page, or has had ``TYPING_AFTER_S``."""
        state = self.state
        return state.passport and state.problem is None and (
            state.mrz_failed or time.monotonic() - state.started >= TYPING_AFTER_S
            or (state.error is not None and state.error.code in ("chip-wrong-key", "camera-failed")))

    def accept_unverified(self) -> None:
        """The person goes on with a chip that could not be verified (only where ``problem_level`` allows it)."""
        problem = self.state.problem
        if problem is not None and problem.level == "warn" and self.core.session.step is Step.SCAN:
            self.state.problem = None
            self._accept_held()

    def reset(self) -> None:
        self.state = ScanState()

    def provide_key(self, key: AccessKey) -> None:
        """A CAN or MRZ typed by the person (after a wrong-key error, or without a readable QR)."""
        if self.scanner is not None:
            self.state.error = None
            self.scanner.provide_key(key)
            self.core.touch()
            self.core.changed()

    def provide_mrz(self, typed: TypedMrz) -> KioskError | None:
        """The card number and dates typed from the card (after a wrong key, or a passport page the camera cannot
        read): the chip is read again with that BAC key. Returns the first invalid field's error instead (nothing is
        tried then)."""
        try:
            key = mrz_access_key(typed)
        except KioskError as exc:
            self.core.touch()
            return exc
        if self.state.passport:
            self._start_scanner(passport=True)  # a fresh read: the chip may be tried again with the same key
        self.state.mrz_lines = None  # typed: no printed MRZ to hold the chip to
        self.provide_key(key)
        return None

    def rescan_qr(self) -> None:
        """Show the QR code (or the passport's photo page) to the camera again; its key is tried on the chip."""
        if self.state.passport:
            self.core.touch()
            self._start_scanner(passport=True)  # the page read again, the chip tried again (even with the same key)
        elif self.scanner is not None:
            self.state.error = None
            self.scanner.rescan_qr()
            self.core.touch()
            self.core.changed()

    def latest_frame(self) -> Any | None:
        return self.scanner.latest_frame if self.scanner is not None else None

    def stop(self) -> None:
        scanner, self.scanner = self.scanner, None
        if scanner is not None:
            scanner.stop(wait=0.0)  # workers notice the stop flag; never block the UI thread on them
            camera = getattr(scanner, "_camera", None)
            if camera is not None:
                threading.Thread(target=camera.close, name="camera-close", daemon=True).start()

    def on_event(self, event: ScanEvent) -> None:
        core, state = self.core, self.state
        if core.session.step not in (Step.SCAN, Step.REVIEW):
            return
        if state.passport and self._on_passport_event(event):
            core.changed()
            return
        if event.kind in ("qr", "chip-text") and event.identity is not None:
            core.session.offer_identity(event.identity)
            residence = core.session.identity.residence if core.session.identity else None
            if residence != core.address.text:
                core.address.start(residence)
            state.status_key = "scan.qr.found" if event.kind == "qr" else "scan.chip.text_ready"
            if event.kind == "chip-text":
                state.chip_progress = event.progress
        elif event.kind == "chip-portrait" and event.portrait is not None:
            core.session.offer_portrait(event.portrait)
            state.chip_progress = event.progress
        elif event.kind == "chip-waiting":
            if self._waiting_for_card_back():  # "put it back" stays on screen until the chip answers again
                return
            state.chip_busy, state.chip_progress, state.error = True, 0.0, None
            state.status_key = "scan.chip.reading"
        elif event.kind == "chip-progress":
            if self._waiting_for_card_back():  # the card is back: the read goes on
                state.chip_busy, state.chip_progress, state.error = True, event.progress, None
                state.status_key = "scan.chip.reading"
                core.changed()
                return
            # Each redraw costs a frame: move the bar in steps a person can see, not on every chunk read.
            if state.chip_progress is None or event.progress - state.chip_progress >= PROGRESS_STEP:
                state.chip_progress = event.progress
                core.changed(progress_only=True)
            return
        elif event.kind == "chip-done":
            state.chip_busy, state.chip_progress = False, 1.0
            state.status_key = "scan.chip.done"
        elif event.error is not None:
            state.error = event.error
            core.report_error(event.error.code)
            if event.kind == "chip-error":
                state.chip_busy, state.chip_progress = False, None
                state.status_key = "scan.hint"
        core.changed()

    def _waiting_for_card_back(self) -> bool:
        """The chip read stopped because the card was lifted or moved, and waits for it."""
        error = self.state.error
        return error is not None and error.code in RETRIED_CHIP_ERRORS

    def _on_passport_event(self, event: ScanEvent) -> bool:
        """The passport route's own handling of ``event``; False for what the ID card route handles alike."""
        state = self.state
        if isinstance(event, MrzEvent) and event.reading is not None:
            state.mrz_lines, state.error, state.mrz_failed = event.reading.lines, None, False
            state.status_key = "scan.mrz.found"
            if self.scanner is not None:
                self.scanner.provide_key(bac_key(event.reading.mrz))
        elif event.kind == "mrz-error" and event.error is not None:
            state.error, state.mrz_failed = event.error, True
            self.core.report_error(event.error.code)
        elif event.kind == "chip-text" and event.identity is not None:
            state.held["identity"] = event.identity
            state.chip_progress = event.progress
            state.status_key = "scan.chip.text_ready"
        elif event.kind == "chip-portrait" and event.portrait is not None:
            state.held["portrait"] = event.portrait
            state.chip_progress = event.progress
        elif event.kind == "chip-done":
            state.chip_busy, state.chip_progress = False, 1.0
            state.status_key = "scan.chip.done"
            self._conclude()
        elif event.kind == "chip-error" and event.error is not None:
            state.error = in_passport_words(event.error)
            state.chip_busy, state.chip_progress, state.status_key = False, None, "scan.hint"
            self.core.report_error(state.error.code)
        else:
            return False
        return True

    def _conclude(self) -> None:
        """A complete passport chip read: held to the camera's MRZ, then to its verification, then reviewed."""
        state = self.state
        identity = state.held.get("identity")
        if not isinstance(identity, Identity):
            return
        mismatch = chip_mrz_mismatch(state.mrz_lines, identity)
        if mismatch is not None:
            state.held.clear()
            state.error = mismatch
            self.core.report_error(mismatch.code)
            return
        problem = verification_problem_of(identity)
        if problem is not None:
            code = str(problem["code"])
            state.problem = VerificationProblem(code, problem_level(code), str(problem.get("message_vi") or ""),
                                                str(problem.get("message") or ""))
            self.core.report_error(code)
            return
        self._accept_held()

    def _accept_held(self) -> None:
        session, held = self.core.session, self.state.held
        identity, portrait = held.pop("identity", None), held.pop("portrait", None)
        if isinstance(portrait, bytes):
            session.offer_portrait(portrait)
        if isinstance(identity, Identity):
            session.offer_identity(identity)
        self.core.changed()

    def error_text(self) -> str | None:
        return error_text(self.state.error) if self.state.error is not None else None
