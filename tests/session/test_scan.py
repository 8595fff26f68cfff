"""The scanner's two workers with stand-in devices (unit test: fakes for the camera, decoder and chip)."""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable

from kiosk.errors import KioskError
from kiosk.qr_payload import format_qr_payload
from kiosk.samples import sample_identity
from kiosk.scan import AccessKey, ChipEvent, ScanEvent, Scanner


class Camera:
    def __init__(self, frames: list[object]) -> None:
        self.frames = frames
        self.closed = False

    def read(self) -> object | None:
        return self.frames.pop(0) if self.frames else None

    def close(self) -> None:
        self.closed = True


class Decoder:
    """Frames are the payload bytes themselves (or None for a frame without a code)."""

    def decode(self, frame: object) -> bytes | None:
        return frame if isinstance(frame, bytes) else None


def collect(scanner_factory: Callable[[Callable[[ScanEvent], None]], Scanner], until: Callable[[list[ScanEvent]], bool],
            timeout: float = 5.0) -> list[ScanEvent]:
    tasks: queue.Queue[Callable[[], None]] = queue.Queue()
    events: list[ScanEvent] = []
    scanner = scanner_factory(events.append)
    scanner._post = tasks.put  # the UI thread is this test's loop
    scanner.start()
    deadline = time.monotonic() + timeout
    try:
        while not until(events):
            assert time.monotonic() < deadline, [e.kind for e in events]
            with contextlib.suppress(queue.Empty):
                tasks.get(timeout=0.05)()
    finally:
        scanner.stop()
    return events


def rekeyed(chip: Callable[..., None], first: str, then: str) -> Callable[[Callable[[ScanEvent], None]], Scanner]:
    """A chip-only scanner given the CAN ``first``; after a chip error the person types ``then``."""
    def factory(on: Callable[[ScanEvent], None]) -> Scanner:
        def on_event(event: ScanEvent) -> None:
            on(event)
            if event.kind == "chip-error":
                scanner.provide_key(AccessKey(can=then))

        scanner = Scanner(camera=None, decoder=None, chip=chip, post=lambda fn: fn(), on_event=on_event)
        scanner.provide_key(AccessKey(can=first))
        return scanner

    return factory


def test_qr_identity_and_its_can_opens_the_chip() -> None:
    identity = sample_identity(21)
    payload = format_qr_payload(identity).encode()
    keys: list[AccessKey] = []

    def chip(key: AccessKey, emit: Callable[[ChipEvent], None], cancel: threading.Event) -> None:
        keys.append(key)
        emit(ChipEvent("progress", 0.3))
        emit(ChipEvent("text", 0.5, identity=identity))
        emit(ChipEvent("done", 1.0))

    events = collect(lambda on: Scanner(camera=Camera([None, b"not a cccd", payload]), decoder=Decoder(), chip=chip,
                                        post=lambda fn: fn(), on_event=on, frame_interval=0.001),
                     lambda ev: any(e.kind == "chip-done" for e in ev))
    kinds = [e.kind for e in events]
    assert kinds.index("qr-error") < kinds.index("qr") < kinds.index("chip-text") < kinds.index("chip-done")
    qr = next(e for e in events if e.kind == "qr")
    assert qr.identity is not None and qr.identity.id_number == identity.id_number
    assert [k.can for k in keys] == [identity.pace_can]
    assert keys[0].qr_identity is not None and keys[0].qr_identity.id_number == identity.id_number


def test_card_lifted_is_reported_then_read_again_with_the_same_key() -> None:
    attempts: list[int] = []

    def chip(key: AccessKey, emit: Callable[[ChipEvent], None], cancel: threading.Event) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise KioskError("lifted", code="chip-card-removed", message_vi="Thẻ vừa bị nhấc ra — vui lòng đặt lại")
        emit(ChipEvent("done", 1.0))

    def factory(on: Callable[[ScanEvent], None]) -> Scanner:
        scanner = Scanner(camera=None, decoder=None, chip=chip, post=lambda fn: fn(), on_event=on)
        scanner.provide_key(AccessKey(can="123456"))
        return scanner

    events = collect(factory, lambda ev: any(e.kind == "chip-done" for e in ev))
    errors = [e.error for e in events if e.kind == "chip-error"]
    assert len(errors) == 1 and errors[0] is not None and errors[0].message_vi.startswith("Thẻ vừa bị nhấc ra")
    assert len(attempts) == 2


def test_wrong_key_waits_for_a_new_key() -> None:
    used: list[str | None] = []

    def chip(key: AccessKey, emit: Callable[[ChipEvent], None], cancel: threading.Event) -> None:
        used.append(key.can)
        if key.can == "000000":
            raise KioskError("wrong key", code="chip-wrong-key")
        emit(ChipEvent("done", 1.0))

    events = collect(rekeyed(chip, "000000", "654321"), lambda ev: any(e.kind == "chip-done" for e in ev))
    assert used == ["000000", "654321"]
    assert [e.error.code for e in events if e.error is not None] == ["chip-wrong-key"]


def test_stop_drops_late_events_and_the_frame() -> None:
    delivered: list[ScanEvent] = []
    scanner = Scanner(camera=Camera([None] * 1000), decoder=Decoder(), chip=None, post=lambda fn: fn(),
                      on_event=delivered.append, frame_interval=0.001)
    scanner.start()
    time.sleep(0.05)
    scanner.stop()
    assert scanner.latest_frame is None and scanner.stopped
    scanner._emit(ScanEvent("qr"))
    assert delivered == []


def test_access_key_never_prints_the_number() -> None:
    assert "123456" not in repr(AccessKey(can="123456"))
