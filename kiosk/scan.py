"""Reading the card by its QR code and its chip at the same time, off the UI thread.

Two worker threads: the camera loop decodes frames until a CCCD QR parses; the chip loop waits for an access key
(the CAN from the QR, or typed by the person) and reads the chip, reporting progress, the text (as soon as it is
ready) and the portrait last. Every result goes through ``post`` (the UI's "run this on the UI thread"). The latest
camera frame is kept for the live preview only: it is replaced, never stored or recorded.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from kiosk.errors import KioskError
from kiosk.identity import Identity
from kiosk.qr_payload import parse_qr_payload

log = logging.getLogger(__name__)

EventKind = Literal["qr", "qr-error", "chip-waiting", "chip-progress", "chip-text", "chip-portrait", "chip-done",
                    "chip-error", "camera-error", "mrz", "mrz-error"]  # mrz: kiosk.passport_scan


class FrameSource(Protocol):
    """A camera: ``read()`` returns the newest frame (or ``None`` when there is none yet)."""

    def read(self) -> Any | None: ...

    def close(self) -> None: ...


class QrDecoder(Protocol):
    """Reads the frames of one camera stream in order: ``decode`` returns the payload found so far (it may use
    earlier frames) or ``None``; raises on a frame it cannot read. A decoder with a ``reset()`` method has it
    called at the start of each presentation (a new scan, or the QR code shown again)."""

    def decode(self, frame: Any) -> bytes | None: ...


@dataclass(frozen=True)
class AccessKey:
    """What opens the chip: the 6-digit CAN (PACE) or the MRZ fields (BAC/PACE-MRZ)."""

    can: str | None = None
    document_number: str | None = None
    date_of_birth: str | None = None  # YYMMDD
    date_of_expiry: str | None = None  # YYMMDD
    qr_identity: Identity | None = None  # the QR's data: MRZ keys derived from it are tried after the CAN

    def __repr__(self) -> str:  # never print key material
        return "AccessKey(can)" if self.can else "AccessKey(mrz)"


@dataclass(frozen=True)
class ChipEvent:
    """What a chip reading reports: ``progress`` 0..1, ``text`` identity ready, ``portrait``, or ``done``."""

    kind: Literal["progress", "text", "portrait", "done"]
    progress: float = 0.0
    identity: Identity | None = None
    portrait: bytes | None = None


class ChipReading(Protocol):
    """Reads one card with ``key``; calls ``emit`` from the worker thread; raises ``KioskError`` on failure."""

    def __call__(self, key: AccessKey, emit: Callable[[ChipEvent], None], cancel: threading.Event) -> None: ...


@dataclass(frozen=True)
class ScanEvent:
    kind: EventKind
    identity: Identity | None = None
    portrait: bytes | None = None
    progress: float = 0.0
    error: KioskError | None = None


Post = Callable[[Callable[[], None]], None]


def qr_failed() -> KioskError:
    return KioskError("The QR code could not be read. Hold the card still, or place it on the chip reader.",
                      code="qr-failed",
                      message_vi="Không đọc được mã QR. Giữ yên thẻ, hoặc đặt thẻ lên đầu đọc chip.")


# Chip errors after which the scanner reads again with the same key as soon as the card is back, or still.
RETRIED_CHIP_ERRORS = frozenset({"chip-card-removed", "chip-unstable"})


def chip_failed() -> KioskError:
    return KioskError("The chip could not be read. Place the card on the reader again, or use the QR code.",
                      code="chip-failed",
                      message_vi="Không đọc được chip. Vui lòng đặt lại thẻ lên đầu đọc, hoặc dùng mã QR.")


class Scanner:
    """One scan: start() launches the workers, stop() ends them (idempotent). Events go to ``on_event`` via post."""

    def __init__(self, *, camera: FrameSource | None, decoder: QrDecoder | None, chip: ChipReading | None,
                 post: Post, on_event: Callable[[ScanEvent], None], frame_interval: float = 0.03) -> None:
        self._camera, self._decoder, self._chip = camera, decoder, chip
        self._post, self._on_event = post, on_event
        self._interval = frame_interval
        self._stop = threading.Event()
        self._qr_done = threading.Event()
        self._new_presentation = threading.Event()
        self._key_ready = threading.Condition()
        self._key: AccessKey | None = None
        self._threads: list[threading.Thread] = []
        self.latest_frame: Any | None = None
        self.chip_busy = False

    # -- control -------------------------------------------------------------------------------------------------
    def start(self) -> None:
        if self._camera is not None and self._decoder is not None:
            self._spawn(self._camera_loop, "scan-camera")
        if self._chip is not None:
            self._spawn(self._chip_loop, "scan-chip")

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def provide_key(self, key: AccessKey) -> None:
        """The access key for the chip (from the QR or typed); a new key restarts a failed chip read."""
        with self._key_ready:
            self._key = key
            self._key_ready.notify_all()

    def rescan_qr(self) -> None:
        """Read the QR code again: its CAN becomes the chip's next key (the one typed before did not open it)."""
        with self._key_ready:
            self._key = None
        self._new_presentation.set()
        self._qr_done.clear()

    def stop(self, wait: float = 1.0) -> None:
        self._stop.set()
        with self._key_ready:
            self._key_ready.notify_all()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(wait)
        self._threads.clear()
        self.latest_frame = None

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def _emit(self, event: ScanEvent) -> None:
        if self._stop.is_set():
            return

        def deliver() -> None:
            if not self._stop.is_set():
                self._on_event(event)

        self._post(deliver)

    # -- the camera ----------------------------------------------------------------------------------------------
    def _read_frame(self, message_vi: str) -> tuple[bool, Any]:
        """The camera's newest frame, kept for the preview; ``(False, None)`` once the camera has failed, reported as
        ``camera-failed`` with ``message_vi`` (the person's way on without it)."""
        assert self._camera is not None
        try:
            frame = self._camera.read()
        except Exception as exc:  # a camera that fails must not take the chip path down with it
            log.warning("camera failed: %s", type(exc).__name__)
            self._emit(ScanEvent("camera-error", error=KioskError(
                "the camera stopped working", code="camera-failed", message_vi=message_vi)))
            return False, None
        self.latest_frame = frame
        return True, frame

    def _camera_loop(self) -> None:
        """Decode the newest frame, then the next newest: the camera delivers frames at its own rate and the
        decoder gets the latest one when it is free (``FrameSource.read`` blocks until a new frame is due), as
        ``bench/qr_stream.py`` measures it. A frame that cannot be read is skipped: nothing stops the loop but
        ``stop()`` or a camera that fails. Payloads never reach the log."""
        assert self._camera is not None and self._decoder is not None
        reset = getattr(self._decoder, "reset", None)
        self._new_presentation.set()
        last_error: str | None = None
        previous: Any | None = None
        while not self._stop.is_set():
            working, frame = self._read_frame("Camera không hoạt động. Vui lòng đặt thẻ lên đầu đọc chip.")
            if not working:
                return
            if frame is None or frame is previous or self._qr_done.is_set():
                self._stop.wait(self._interval)  # no new frame, or nothing to decode
                continue
            previous = frame
            if self._new_presentation.is_set():
                self._new_presentation.clear()
                last_error = None
                if reset is not None:
                    reset()
            try:
                payload = self._decoder.decode(frame)
                identity = None if payload is None else parse_qr_payload(payload)
            except KioskError as exc:
                if exc.code != last_error:  # the same bad code seen on every frame is reported once
                    log.info("QR code refused: %s", exc.code)
                    self._emit(ScanEvent("qr-error", error=exc))
                last_error = exc.code
                continue
            except Exception as exc:  # an unreadable frame, a decoder or parser fault: reported once, the loop goes on
                log.warning("QR decoding failed: %s", type(exc).__name__)
                if last_error != "qr-failed":
                    self._emit(ScanEvent("qr-error", error=qr_failed()))
                last_error = "qr-failed"
                continue
            if identity is None:
                continue
            self._qr_done.set()
            if identity.pace_can and self._key is None:
                self.provide_key(AccessKey(can=identity.pace_can, qr_identity=identity))
            self._emit(ScanEvent("qr", identity=identity))

    # -- the chip ------------------------------------------------------------------------------------------------
    def _chip_loop(self) -> None:
        assert self._chip is not None
        used: AccessKey | None = None
        while not self._stop.is_set():
            with self._key_ready:
                while not self._stop.is_set() and (self._key is None or self._key == used):
                    self._key_ready.wait(0.5)
                key = self._key
            if self._stop.is_set() or key is None:
                return
            used = key
            self.chip_busy = True
            self._emit(ScanEvent("chip-waiting"))
            try:
                self._chip(key, self._chip_event, self._stop)
            except KioskError as exc:
                self._emit(ScanEvent("chip-error", error=exc))
                if exc.code in RETRIED_CHIP_ERRORS:
                    used = None  # the same key is fine: read again when the card is back or still
                continue
            except Exception as exc:  # a fault in the reader or a parser: a typed event, the chip loop lives on
                log.warning("chip read failed unexpectedly: %s", type(exc).__name__)
                self._emit(ScanEvent("chip-error", error=chip_failed()))
                continue
            finally:
                self.chip_busy = False
            return

    def _chip_event(self, event: ChipEvent) -> None:
        if event.kind == "progress":
            self._emit(ScanEvent("chip-progress", progress=event.progress))
        elif event.kind == "text":
            self._emit(ScanEvent("chip-text", identity=event.identity, progress=event.progress))
        elif event.kind == "portrait":
            self._emit(ScanEvent("chip-portrait", portrait=event.portrait, progress=event.progress))
        else:
            self._emit(ScanEvent("chip-done", progress=1.0))
