"""The scan step: the QR camera and the chip reader, off the UI thread; the status line, the chip's progress and the
error to show, with the person's ways out (type a CAN or the MRZ, rescan the QR)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from kiosk.errors import KioskError
from kiosk.i18n import error_text
from kiosk.mrz_entry import TypedMrz
from kiosk.mrz_entry import access_key as mrz_access_key
from kiosk.presenters.core import Core
from kiosk.scan import AccessKey, ScanEvent, Scanner
from kiosk.session import Step

PROGRESS_STEP = 0.1


@dataclass
class ScanState:
    status_key: str = "scan.hint"
    chip_progress: float | None = None
    chip_busy: bool = False
    error: KioskError | None = None


class ScanPresenter:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.state = ScanState()
        self.scanner: Scanner | None = None

    def start(self, procedure_id: str) -> None:
        core = self.core
        core.session.start(procedure_id)
        self.state = ScanState()
        self.stop()
        camera = core.devices.camera() if core.devices.camera else None
        self.scanner = Scanner(camera=camera, decoder=core.devices.decoder, chip=core.devices.chip,
                               post=core.post, on_event=lambda event: self.on_event(event))
        self.scanner.start()
        core.changed()

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
        """The card number and dates typed from the card (after a wrong key): the chip is read again with that BAC
        key. Returns the first invalid field's error instead (nothing is tried then)."""
        try:
            key = mrz_access_key(typed)
        except KioskError as exc:
            self.core.touch()
            return exc
        self.provide_key(key)
        return None

    def rescan_qr(self) -> None:
        """Show the QR code to the camera again; its CAN is tried on the chip."""
        if self.scanner is not None:
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
            state.chip_busy, state.chip_progress, state.error = True, 0.0, None
            state.status_key = "scan.chip.reading"
        elif event.kind == "chip-progress":
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

    def error_text(self) -> str | None:
        return error_text(self.state.error) if self.state.error is not None else None
