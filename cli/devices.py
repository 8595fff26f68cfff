"""Wiring the kiosk to its devices: the real ones (OpenCV camera, PC/SC reader, ESC/POS printer) or their
simulated twins (a virtual camera playing a clip of a card being presented, an emulated CCCD on a simulated
424 kbit/s contactless link, a printer writing PNG files), plus the outbox, its sender and, when simulating, an
embedded intake service."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from drivers.camera import OpenCvCamera
from drivers.mrz_ocr import MrzZoneReader
from drivers.pcsc import PcscTransport, reader_names
from drivers.printer import EscposPrinter, PrinterError
from drivers.qr.stream import StreamReader
from kiosk.chip_scan import ChipScan
from kiosk.clinic.relay import clinic_relay
from kiosk.controller import Devices
from kiosk.device_enrolment import DeviceEnrolment
from kiosk.device_key import load_device_key, load_or_create_device_key
from kiosk.enrolment import enrol, load_enrolment, save_enrolment
from kiosk.errors import KioskError
from kiosk.heartbeat import MAX_ERRORS, Collector, DeviceState, HeartbeatSender, RecentErrors, error_code
from kiosk.lodging.cslt_client import configured_client
from kiosk.lodging.day_export import operator_export
from kiosk.lodging.pending import pending_guests
from kiosk.lodging.register import GuestRegister
from kiosk.onestop.ticket_slip import print_ticket
from kiosk.outbox import Outbox, open_outbox
from kiosk.qr_payload import is_card_payload
from kiosk.receipt_image import render_receipt
from kiosk.samples import sample_identity
from kiosk.sender import RetryPolicy, Sender
from kiosk.site_config import ClinicSettings
from kiosk.workflows.model import Procedure
from kiosk.workflows.plugin import Document, WorkflowContext
from kiosk.workflows.receipt import Ticket
from kiosk.workflows.registry import default_registry
from kiosk.workflows.tickets import TicketDispenser
from kiosk.workflows.values import VN_TZ
from wire.envelope import seal
from wire.http import SUBMISSIONS_PATH

log = logging.getLogger(__name__)

SIMULATED_CITIZENS = 100  # the sample citizens the simulated clinic relay holds a BHYT card for


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


class LazyZoneReader:
    """``kiosk.mrz_camera.ZoneSource`` over ``drivers.mrz_ocr.MrzZoneReader``, made on the first passport page (its
    glyph model loads from the cache, or is trained once on Debian's OCR-B font): no cost for kiosks that never
    see a passport."""

    def __init__(self) -> None:
        self._reader: MrzZoneReader | None = None

    def zones(self, image: Any) -> Iterable[Any]:
        if self._reader is None:
            self._reader = MrzZoneReader()
        return self._reader.zones(image)


class ImageReceiptPrinter:
    """``kiosk.controller.ReceiptPrinter``: renders the receipt as a 1-bit image and prints it."""

    def __init__(self, printer: Any) -> None:
        self.printer = printer

    def print_receipt(self, receipt: dict[str, Any]) -> str:
        try:
            return str(self.printer.print_image(render_receipt(receipt)))
        except PrinterError as exc:
            raise KioskError(str(exc), code="printer-failed",
                             message_vi="Máy in không hoạt động. Hãy ghi lại mã biên nhận.") from None

    def print_ticket(self, ticket: Ticket, procedure: Procedure | None, issued_at: datetime) -> str:
        """The queue ticket slip (the number in large type, the counter, what to do next)."""
        try:
            return print_ticket(ticket, self.printer, issued_at=issued_at, procedure=procedure)
        except PrinterError as exc:
            raise KioskError(str(exc), code="printer-failed",
                             message_vi="Máy in không hoạt động. Hãy ghi lại số thứ tự trên màn hình.") from None

    def print_document(self, document: Document) -> str:
        """A document (the CT01 PDF) on a printer that takes files; a receipt printer cannot print an A4 form."""
        print_file = getattr(self.printer, "print_file", None)
        if print_file is None:
            raise KioskError("this printer cannot print documents", code="printer-no-documents",
                             message_vi="Máy in này không in được tờ khai. Nhân viên sẽ in tại quầy.")
        try:
            return str(print_file(document.path))
        except (PrinterError, OSError) as exc:
            raise KioskError(type(exc).__name__, code="printer-failed",
                             message_vi="Máy in không hoạt động. Nhân viên sẽ in tờ khai tại quầy.") from None


# -- assembling --------------------------------------------------------------------------------------------------

@dataclass
class KioskServices:
    devices: Devices
    outbox: Any
    state_dir: Path
    world: Any = None  # drivers.sim.world.SimulatedWorld when simulating
    intake: Any = None
    sender: Any = None
    heartbeat: Any = None
    workflow: WorkflowContext = field(default_factory=WorkflowContext)
    closers: list[Callable[[], None]] = field(default_factory=list)

    @property
    def register(self) -> GuestRegister | None:
        """The lodging guest register, when the kiosk keeps guests."""
        return guest_register(self.workflow)

    def close(self) -> None:
        close_all(self.closers)


def close_all(closers: list[Callable[[], None]]) -> None:
    """Run the closers, the last started first."""
    for close in reversed(closers):
        try:
            close()
        except Exception as exc:  # closing must go on whatever one part does
            log.warning("closing failed: %s", type(exc).__name__)


def _enrolled_outbox(state_dir: Path, intake_url: str | None, token: Callable[[], str] | None) -> Outbox:
    try:
        load_enrolment(state_dir)
    except KioskError:
        if intake_url is None or token is None:
            raise
        save_enrolment(state_dir, enrol(intake_url, token(), load_or_create_device_key(state_dir)))
    return open_outbox(state_dir)


def _rebind(state_dir: Path, outbox: Any, sender: Any, enrolment: Any) -> None:
    """After an enrolment from the operator screen: seal for the new intake's key and deliver to it."""
    key, intake_key = load_or_create_device_key(state_dir), enrolment.intake_key()
    outbox.sealer = lambda payload: seal(payload, key, intake_key)
    if sender is not None:
        sender.url = enrolment.intake_url.rstrip("/") + SUBMISSIONS_PATH
        sender.wake()


def device_states(*, simulate: bool, camera: str = "0", reader: str | None = None) -> tuple[str, str]:
    """``(reader, camera)`` for the heartbeat (``kiosk.heartbeat.DeviceState`` values), without opening either: the
    PC/SC reader is listed by the PC/SC service, the camera's device node must exist."""
    if simulate:
        return DeviceState.SIMULATED.value, DeviceState.SIMULATED.value
    try:
        names = reader_names()
        found = any(reader in name for name in names) if reader else bool(names)
        reader_state = DeviceState.OK if found else DeviceState.ABSENT
    except Exception:  # the PC/SC service may be absent or failing
        reader_state = DeviceState.ERROR
    node = Path(f"/dev/video{camera}") if camera.isdigit() else Path(camera)
    camera_state = DeviceState.OK if camera and node.exists() else DeviceState.ABSENT
    return reader_state.value, camera_state.value


def profile_settings(profile: str) -> dict[str, Any]:
    """The ``[settings]`` of a kiosk profile (``config/profiles/<profile>.toml``)."""
    found = default_registry().profiles.get(profile)
    return dict(found.settings) if found else {}


def workflow_context(state_dir: Path, profile: str, *, card_check: Any = None) -> WorkflowContext:
    """The services the kinds a profile offers use: queue tickets, rendered documents, and each kind's own (the
    lodging guest register), opened by the kinds' plugins."""
    registry = default_registry()
    ctx = WorkflowContext(card_check=card_check, tickets=TicketDispenser(state_dir / "tickets.sqlite3"),
                          documents=state_dir / "documents")
    offered = registry.offered(profile) if profile in registry.profiles else []
    settings = profile_settings(profile)
    for kind in dict.fromkeys(procedure.kind for procedure in offered):
        registry.plugin(kind).open_services(ctx, state_dir, settings)
    return ctx


def guest_register(ctx: WorkflowContext) -> GuestRegister | None:
    return ctx.guests if isinstance(ctx.guests, GuestRegister) else None


def start_heartbeat(services: KioskServices, intake_url: str, profile: str, *, interval: float,
                    device_states: Callable[[], tuple[str, str]], establishment: str | None = None) -> Any:
    """The heartbeat thread of a running kiosk (``kiosk.heartbeat``), stopped by ``services.close``."""
    settings = profile_settings(profile)
    sender = services.sender
    recent = RecentErrors()
    services.devices.report_error = recent.record  # the controller's scan and save errors

    def error_codes() -> list[str]:
        """The outbox sender's latest failed attempts (their reasons, as codes), then the controller's."""
        attempts = list(sender.attempts)[-MAX_ERRORS:] if sender is not None else []
        return [error_code(attempt.reason) for attempt in attempts if attempt.reason] + recent.codes()

    collector = Collector(
        profile, services.outbox, device_states=device_states, register=guest_register(services.workflow),
        remote_area=bool(settings.get("remote_area", False)),
        due_soon=timedelta(minutes=int(settings.get("due_soon_minutes", 60))), error_codes=error_codes,
        establishment=establishment,
    )
    heartbeat = HeartbeatSender(load_device_key(services.state_dir), intake_url, collector, interval=interval)
    heartbeat.start_thread()
    services.closers.append(heartbeat.stop)
    services.heartbeat = heartbeat
    return heartbeat


@contextmanager
def simulated_clinic_relay(citizens: int = SIMULATED_CITIZENS) -> Iterator[str]:
    """The simulated BHXH gateway and clinic relay, holding a valid BHYT card for each of the first ``citizens``
    sample citizens (the simulated visitors); yields the relay's URL."""
    # Simulation only: FastAPI, uvicorn and the simulated gateway load when a simulated kiosk needs them.
    from cli.clinic import sim_card
    from intake.sims.bhxh import simulated_relay

    today = datetime.now(VN_TZ).date()
    cards = []
    for n in range(1, citizens + 1):
        identity = sample_identity(n)
        if identity.full_name and identity.date_of_birth:
            card, _ = sim_card("000", id_number=identity.id_number, full_name=identity.full_name,
                               date_of_birth=identity.date_of_birth, sex=identity.sex, today=today)
            cards.append(card)
    with simulated_relay([c for c in cards if c is not None], today=today) as url:
        yield url


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
                    heartbeat_seconds: float | None = 60.0, establishment: str | None = None,
                    clinic: ClinicSettings | None = None, realistic_camera: bool = False) -> KioskServices:
    """``simulate`` swaps in the simulated twins (and, for a profile that checks insurance cards, the simulated
    clinic relay). Without ``intake_url`` an embedded intake is started when ``embedded_intake`` (default: when
    simulating). An empty ``camera`` means there is none (the chip reader only). ``heartbeat_seconds``: the
    fleet-health interval (``[heartbeat] interval_seconds``), ``None`` for none. ``clinic``: the site's ``[clinic]``
    settings (the relay and the staff member named in each card check). ``realistic_camera``: when simulating, the
    camera plays the hard presentations ``bench/qr_stream.py`` measures instead of a mild clip."""
    if embedded_intake is None:
        embedded_intake = simulate
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    stack = ExitStack()
    closers.append(stack.close)
    intake = None
    token: Callable[[], str] | None = None
    if embedded_intake and intake_url is None:
        # Simulation only: the embedded intake (SQLAlchemy, FastAPI, uvicorn) loads when it is started.
        from intake.devserver import IntakeServer

        intake = IntakeServer(state_dir / "intake").start()
        closers.append(intake.stop)
        intake_url, token = intake.url, intake.token
    outbox = _enrolled_outbox(state_dir, intake_url, token)
    closers.append(outbox.close)

    sender = None
    if intake_url:
        # A simulated kiosk starts sending at once; a fleet spreads its restarts (the policy's start-up jitter).
        sender = Sender(outbox, intake_url, policy=RetryPolicy(startup_jitter=0.0) if simulate else None)
        thread = sender.start_thread()

        def stop_sender() -> None:
            sender.stop()
            thread.join(10)

        closers.append(stop_sender)

    world = None
    devices = Devices()
    clinic = clinic or ClinicSettings()
    relay_url = str(profile_settings(profile).get("card_check_url", ""))
    if simulate:
        # Simulation only: the simulated devices (card images, emulated chips, PNG printer) load when simulating.
        from cli.qr_samples import SampleCitizens
        from drivers.sim.png_printer import PngPrinter
        from drivers.sim.world import SimulatedCamera, SimulatedWorld

        world = SimulatedWorld(state_dir, SampleCitizens(), bit_rate=bit_rate, realistic=realistic_camera)
        closers.append(world.close)
        sim = world
        devices.camera = lambda: SimulatedCamera(sim)
        devices.chip = ChipScan(lambda: sim.link, trust=world.trust)
        devices.printer = ImageReceiptPrinter(PngPrinter(state_dir / "receipts"))
        chip = "thẻ mô phỏng qua pcscd / emulated card via pcscd" if world.service else "thẻ mô phỏng / emulated card"
        devices.status = lambda: {"Camera": "mô phỏng / simulated", "Chip": chip,
                                  "Printer": "PNG (receipts/)",
                                  "Intake": intake_url or "—"}
        if relay_url or clinic.relay_url:  # a profile that checks insurance cards: the simulated relay
            clinic = replace(clinic, relay_url=stack.enter_context(simulated_clinic_relay()))
    else:
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
    devices.decoder = StreamReader(accept=is_card_payload)  # what bench/qr_stream.py measures
    devices.mrz_zones = LazyZoneReader()
    devices.enrolment = DeviceEnrolment(state_dir, on_enrolled=partial(_rebind, state_dir, outbox, sender))
    if sender is not None:
        devices.wake_sender = sender.wake

    workflow = workflow_context(state_dir, profile, card_check=clinic_relay(clinic, relay_url))
    register = guest_register(workflow)
    if register is not None:  # a kiosk that keeps guests: the owner's countdown list and the day's export
        devices.deadlines = lambda: [entry.to_dict() for entry in register.pending()]
        devices.pending_guests = lambda: pending_guests(register, datetime.now(VN_TZ))

        def export() -> str:
            """Today's police files onto the removable drive (0600), then the police API if it is enabled."""
            client = configured_client(profile_settings(profile))
            vi, en = operator_export(register, default_registry(), datetime.now(VN_TZ), client=client).message()
            return f"{vi} · {en}"

        devices.export = export
    services = KioskServices(devices=devices, outbox=outbox, state_dir=state_dir, world=world, intake=intake,
                             sender=sender, workflow=workflow, closers=closers)
    if intake_url and heartbeat_seconds:
        start_heartbeat(services, intake_url, profile, interval=heartbeat_seconds, establishment=establishment,
                        device_states=lambda: device_states(simulate=simulate, camera=camera, reader=reader))
    return services
