"""Wiring the kiosk to its devices: the real ones (OpenCV camera, PC/SC reader, ESC/POS printer) or their
simulated twins (a virtual camera playing a clip of a card being presented, an emulated CCCD on a simulated
424 kbit/s contactless link, a printer writing PNG files), plus the outbox, its sender and, when simulating, an
embedded intake service."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from kiosk.controller import Devices
from kiosk.private_file import write_private
from kiosk.receipt_image import render_receipt

log = logging.getLogger(__name__)

SIM_FRAME_SIZE = (960, 540)
SIM_FPS = 15.0


# -- camera ------------------------------------------------------------------------------------------------------

class CameraFrames:
    """``kiosk.scan.FrameSource`` over a driver camera (``open``/``latest``/``close``): the newest frame only."""

    def __init__(self, camera: Any) -> None:
        self._camera = camera
        self._opened = False
        self._last = -1

    def read(self) -> np.ndarray | None:
        if not self._opened:
            self._camera.open()
            self._opened = True
        frame = self._camera.latest(newer_than=self._last, timeout=0.2)
        if frame is None:
            return None
        self._last = frame.index
        return frame.image

    def close(self) -> None:
        if self._opened:
            self._camera.close()
            self._opened = False


class PipelineDecoder:
    """``kiosk.scan.QrDecoder`` over the QR pipeline (one pipeline per calling thread)."""

    def decode(self, frame: Any) -> bytes | None:
        from drivers.qr.pipeline import thread_pipeline

        result = thread_pipeline().decode(frame)
        return result.payload if result is not None else None


class ImageReceiptPrinter:
    """``kiosk.controller.ReceiptPrinter``: renders the receipt as a 1-bit image and prints it."""

    def __init__(self, printer: Any) -> None:
        self.printer = printer

    def print_receipt(self, receipt: dict[str, Any]) -> str:
        from drivers.printer import PrinterError
        from kiosk.errors import KioskError

        try:
            return str(self.printer.print_image(render_receipt(receipt)))
        except PrinterError as exc:
            raise KioskError(str(exc), code="printer-failed",
                             message_vi="Máy in không hoạt động. Hãy ghi lại mã biên nhận.") from None


# -- the simulated world -------------------------------------------------------------------------------------------

class SimulatedWorld:
    """The person in front of the simulated kiosk: which sample card is under the camera and on the reader.

    ``present(n)`` pre-renders the clip of card ``n`` sliding under the camera (the simulation's cost, before
    the card "appears"), starts playing it and, with ``chip``, puts the emulated card on the reader.
    ``card_shown_at`` is when the first frame showing the card is due.
    """

    def __init__(self, state_dir: Path, *, bit_rate: int = 424_000, fps: float = SIM_FPS,
                 dg2_size: int = 20_000, behind_pcscd: bool | None = None) -> None:
        from drivers.emrtd.pki import TrustStore, make_test_pki
        from drivers.sim.card_service import CardService, simulated_reader_free
        from drivers.sim.link import LinkModel, TimedTransport
        from drivers.transport import CardTransport, InProcessTransport

        pki_dir = state_dir / "sim-pki"
        self.pki = make_test_pki(pki_dir)
        self.trust = TrustStore.from_directory(pki_dir)
        self.reader = InProcessTransport()
        # The emulated card sits behind the real pcscd, in its own process, when the simulated reader is free;
        # otherwise in this process behind a timed link.
        if behind_pcscd is None:
            behind_pcscd = simulated_reader_free()
        self.service: CardService | None = CardService(pki_dir, bit_rate=bit_rate) if behind_pcscd else None
        if self.service is not None:
            from drivers.pcsc import PcscTransport

            self.link: CardTransport = PcscTransport(self.service.reader)
        else:
            self.link = TimedTransport(self.reader, LinkModel(bit_rate), sleep=True)
        self._served: set[int] = set()
        self._bit_rate = bit_rate
        self.fps = fps
        self.dg2_size = dg2_size
        self._clips: dict[int, list[np.ndarray]] = {}
        self._cards: dict[int, Any] = {}
        self._empty: np.ndarray | None = None
        self._lock = threading.Lock()
        self.clip: list[np.ndarray] | None = None
        self.clip_started = 0.0
        self.card_shown_at: float | None = None
        self.empty_frames, self.slide_frames, self.held_frames = 2, 3, 6

    def _camera(self, card: Any) -> Any:
        from drivers.sim.virtual_camera import VirtualCamera

        return VirtualCamera(card, size=SIM_FRAME_SIZE, empty_frames=self.empty_frames,
                             slide_frames=self.slide_frames, held_frames=self.held_frames)

    def empty_frame(self) -> np.ndarray:
        if self._empty is None:
            self._empty = self._camera(None).frame(0).image
        return self._empty

    def prepare(self, n: int, *, chip: bool = False) -> None:
        """Render card ``n``'s clip ahead of time and, with ``chip``, build its emulated chip (both cached)."""
        if n not in self._clips:
            from cli.qr_samples import sample_card

            camera = self._camera(sample_card(n))
            self._clips[n] = [camera.frame(i).image for i in range(camera.clip_length)]
        if chip:
            self._chip(n)

    def _chip(self, n: int) -> Any:
        if self.service is not None:
            if n not in self._served:
                from kiosk.mrz import format_td1
                from kiosk.samples import sample_identity

                identity = sample_identity(n)
                self.service.prepare(n, identity.to_dict(), format_td1(identity), self.dg2_size)
                self._served.add(n)
            return n
        if n not in self._cards:
            from drivers.sim.emulated_card import emulated_card_from_record
            from kiosk.mrz import format_td1
            from kiosk.samples import sample_identity

            identity = sample_identity(n)
            self._cards[n] = emulated_card_from_record(identity.to_dict(), self.pki, format_td1(identity),
                                                       dg2_size=self.dg2_size)
        return self._cards[n]

    def use_card(self, n: int, card: Any) -> None:
        """Put ``card`` (built in this process) on the reader when card ``n`` is presented: an unusual chip for the
        same sample card. The world then keeps its cards in this process, behind the timed link."""
        if self.service is not None:
            from drivers.sim.link import LinkModel, TimedTransport

            self.service.close()
            self.service = None
            self.link = TimedTransport(self.reader, LinkModel(self._bit_rate), sleep=True)
        self._cards[n] = card

    def present(self, n: int, *, qr: bool = True, chip: bool = True) -> None:
        if qr:
            self.prepare(n)
        if chip:
            card = self._chip(n)
        with self._lock:
            now = time.monotonic()
            if qr:
                self.clip, self.clip_started = self._clips[n], now
                self.card_shown_at = now + self.empty_frames / self.fps
            if chip:
                if self.service is not None:
                    self.service.insert(card)
                else:
                    self.reader.insert(card)
                if not qr:
                    self.card_shown_at = now

    def take_away(self) -> None:
        with self._lock:
            self.clip, self.card_shown_at = None, None
            if self.service is not None:
                self.service.remove()
            else:
                self.reader.remove()

    def close(self) -> None:
        if self.service is not None:
            self.service.close()

    def frame(self) -> np.ndarray:
        with self._lock:
            clip, started = self.clip, self.clip_started
        if clip is None:
            return self.empty_frame()
        index = int((time.monotonic() - started) * self.fps)
        if index >= len(clip):  # the card stays under the camera: loop over the held frames
            held = len(clip) - self.empty_frames - self.slide_frames
            index = len(clip) - held + (index - len(clip)) % held
        return clip[index]


class SimulatedCamera:
    """``kiosk.scan.FrameSource`` of the simulated world, paced at the world's frame rate."""

    def __init__(self, world: SimulatedWorld) -> None:
        self.world = world
        self._next = 0.0

    def read(self) -> np.ndarray:
        wait = self._next - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._next = time.monotonic() + 1 / self.world.fps
        return self.world.frame()

    def close(self) -> None:
        pass


# -- assembling --------------------------------------------------------------------------------------------------

@dataclass
class KioskServices:
    devices: Devices
    outbox: Any
    state_dir: Path
    world: SimulatedWorld | None = None
    intake: Any = None
    sender: Any = None
    register: Any = None
    heartbeat: Any = None
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        close_all(self.closers)


def close_all(closers: list[Callable[[], None]]) -> None:
    """Run the closers, the last started first."""
    for close in reversed(closers):
        try:
            close()
        except Exception as exc:  # closing must go on whatever one part does
            log.warning("closing failed: %s", type(exc).__name__)


def _enrolled_outbox(state_dir: Path, intake_url: str | None, token: Callable[[], str] | None) -> Any:
    from kiosk.device_key import load_or_create_device_key
    from kiosk.enrolment import enrol, load_enrolment, save_enrolment
    from kiosk.errors import KioskError
    from kiosk.outbox import open_outbox

    try:
        load_enrolment(state_dir)
    except KioskError:
        if intake_url is None or token is None:
            raise
        save_enrolment(state_dir, enrol(intake_url, token(), load_or_create_device_key(state_dir)))
    return open_outbox(state_dir)


def _rebind(state_dir: Path, outbox: Any, sender: Any, enrolment: Any) -> None:
    """After an enrolment from the operator screen: seal for the new intake's key and deliver to it."""
    from kiosk.device_key import load_or_create_device_key
    from kiosk.sender import SUBMIT_PATH
    from kiosk.signing import seal

    key, intake_key = load_or_create_device_key(state_dir), enrolment.intake_key()
    outbox.sealer = lambda payload: seal(payload, key, intake_key)
    if sender is not None:
        sender.url = enrolment.intake_url.rstrip("/") + SUBMIT_PATH
        sender.wake()


def device_states(*, simulate: bool, camera: str = "0", reader: str | None = None) -> tuple[str, str]:
    """``(reader, camera)`` for the heartbeat (``kiosk.heartbeat.DeviceState`` values), without opening either: the
    PC/SC reader is listed by the PC/SC service, the camera's device node must exist."""
    from kiosk.heartbeat import DeviceState

    if simulate:
        return DeviceState.SIMULATED.value, DeviceState.SIMULATED.value
    try:
        from drivers.pcsc import reader_names

        names = reader_names()
        found = any(reader in name for name in names) if reader else bool(names)
        reader_state = DeviceState.OK if found else DeviceState.ABSENT
    except Exception:  # the PC/SC service may be absent or failing
        reader_state = DeviceState.ERROR
    node = Path(f"/dev/video{camera}") if camera.isdigit() else Path(camera)
    camera_state = DeviceState.OK if camera and node.exists() else DeviceState.ABSENT
    return reader_state.value, camera_state.value


def start_heartbeat(services: KioskServices, intake_url: str, profile: str, *, interval: float,
                    device_states: Callable[[], tuple[str, str]], establishment: str | None = None) -> Any:
    """The heartbeat thread of a running kiosk (``kiosk.heartbeat``), stopped by ``services.close``."""
    from datetime import timedelta

    from kiosk.device_key import load_device_key
    from kiosk.heartbeat import MAX_ERRORS, Collector, HeartbeatSender, RecentErrors, error_code

    settings = lodging_settings() if profile == "lodging" else {}
    sender = services.sender
    recent = RecentErrors()
    services.devices.report_error = recent.record  # the controller's scan and save errors

    def error_codes() -> list[str]:
        """The outbox sender's latest failed attempts (their reasons, as codes), then the controller's."""
        attempts = list(sender.attempts)[-MAX_ERRORS:] if sender is not None else []
        return [error_code(attempt.reason) for attempt in attempts if attempt.reason] + recent.codes()

    collector = Collector(
        profile, services.outbox, device_states=device_states, register=services.register,
        remote_area=bool(settings.get("remote_area", False)),
        due_soon=timedelta(minutes=int(settings.get("due_soon_minutes", 60))), error_codes=error_codes,
        establishment=establishment,
    )
    heartbeat = HeartbeatSender(load_device_key(services.state_dir), intake_url, collector, interval=interval)
    heartbeat.start_thread()
    services.closers.append(heartbeat.stop)
    services.heartbeat = heartbeat
    return heartbeat


def lodging_settings() -> dict[str, Any]:
    from kiosk.workflows.registry import default_registry

    lodging = default_registry().profiles.get("lodging")
    return dict(lodging.settings) if lodging else {}


def build_services(state_dir: Path, **options: Any) -> KioskServices:
    """Everything the controller needs (options: see ``_build_services``). Interrupted half-way (Ctrl-C, SIGTERM,
    an error), whatever was already started is stopped: no embedded intake outlives the run."""
    closers: list[Callable[[], None]] = []
    try:
        return _build_services(state_dir, closers, **options)
    except BaseException:
        close_all(closers)
        raise


def _build_services(state_dir: Path, closers: list[Callable[[], None]], *, simulate: bool, profile: str,
                    intake_url: str | None = None, camera: str = "0", reader: str | None = None,
                    printer: str | None = None, embedded_intake: bool | None = None, bit_rate: int = 424_000,
                    heartbeat_seconds: float | None = 60.0, establishment: str | None = None) -> KioskServices:
    """``simulate`` swaps in the simulated twins. Without ``intake_url`` an embedded intake is started when
    ``embedded_intake`` (default: when simulating). An empty ``camera`` means there is none (the chip reader only).
    ``heartbeat_seconds``: the fleet-health interval (``[heartbeat] interval_seconds``), ``None`` for none."""
    if embedded_intake is None:
        embedded_intake = simulate
    from kiosk.chip_scan import ChipScan
    from kiosk.device_enrolment import DeviceEnrolment
    from kiosk.sender import Sender

    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    intake = None
    token: Callable[[], str] | None = None
    if embedded_intake and intake_url is None:
        from intake.devserver import IntakeServer

        intake = IntakeServer(state_dir / "intake").start()
        closers.append(intake.stop)
        intake_url, token = intake.url, intake.token
    outbox = _enrolled_outbox(state_dir, intake_url, token)
    closers.append(outbox.close)

    sender = None
    if intake_url:
        from kiosk.sender import RetryPolicy

        # A simulated kiosk starts sending at once; a fleet spreads its restarts (the policy's start-up jitter).
        sender = Sender(outbox, intake_url, policy=RetryPolicy(startup_jitter=0.0) if simulate else None)
        thread = sender.start_thread()

        def stop_sender() -> None:
            sender.stop()
            thread.join(10)

        closers.append(stop_sender)

    world = None
    devices = Devices()
    if simulate:
        from drivers.sim.png_printer import PngPrinter

        world = SimulatedWorld(state_dir, bit_rate=bit_rate)
        closers.append(world.close)
        sim = world
        devices.camera = lambda: SimulatedCamera(sim)
        devices.chip = ChipScan(lambda: sim.link, trust=world.trust)
        devices.printer = ImageReceiptPrinter(PngPrinter(state_dir / "receipts"))
        chip = "thẻ mô phỏng qua pcscd / emulated card via pcscd" if world.service else "thẻ mô phỏng / emulated card"
        devices.status = lambda: {"Camera": "mô phỏng / simulated", "Chip": chip,
                                  "Printer": "PNG (receipts/)",
                                  "Intake": intake_url or "—"}
    else:
        from drivers.camera import OpenCvCamera
        from drivers.pcsc import PcscTransport, reader_names
        from drivers.printer import EscposPrinter

        device: int | str = int(camera) if camera.isdigit() else camera
        if camera:
            devices.camera = lambda: CameraFrames(OpenCvCamera(device))
        pcsc = PcscTransport(reader)
        devices.chip = ChipScan(lambda: pcsc)
        if printer:
            devices.printer = ImageReceiptPrinter(EscposPrinter(printer))

        def status() -> dict[str, str]:
            try:
                readers = ", ".join(reader_names()) or "—"
            except Exception as exc:  # the PC/SC service may be absent
                readers = type(exc).__name__
            return {"Camera": str(device) or "—", "Chip": readers, "Printer": printer or "—",
                    "Intake": intake_url or "—"}

        devices.status = status
    devices.decoder = PipelineDecoder()
    devices.enrolment = DeviceEnrolment(state_dir, on_enrolled=partial(_rebind, state_dir, outbox, sender))
    if sender is not None:
        devices.wake_sender = sender.wake

    register = None
    if profile == "lodging":
        from kiosk.lodging.register import GuestRegister

        register = GuestRegister(state_dir / "lodging")

        def deadlines() -> list[dict[str, Any]]:
            return [entry.to_dict() for entry in register.pending()]

        devices.deadlines = deadlines

        def export() -> str:
            """Today's arrivals as the police XLSX template, into the state directory (0600)."""
            from datetime import datetime

            from kiosk.lodging.xlsx_export import export_xlsx
            from kiosk.workflows.registry import default_registry
            from kiosk.workflows.values import VN_TZ

            day = datetime.now(VN_TZ).date()
            path = state_dir / "exports" / f"luu-tru-{day.isoformat()}.xlsx"
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_private(path, export_xlsx(register.arrivals(day), default_registry(), day=day))
            return f"{len(register.arrivals(day))}: {path}"

        devices.export = export
    services = KioskServices(devices=devices, outbox=outbox, state_dir=state_dir, world=world, intake=intake,
                             sender=sender, register=register, closers=closers)
    if intake_url and heartbeat_seconds:
        start_heartbeat(services, intake_url, profile, interval=heartbeat_seconds, establishment=establishment,
                        device_states=lambda: device_states(simulate=simulate, camera=camera, reader=reader))
    return services
