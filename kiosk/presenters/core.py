"""What every presenter shares: the configuration, the session (one visit), the devices and the outbox, the
language, the clock, the address confirmation, and the listeners told after every change (on the UI thread:
``post`` runs a callable there)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from kiosk.address.confirm import AddressConfirmation
from kiosk.address.service import AddressService, default_service
from kiosk.device_enrolment import DeviceEnrolment
from kiosk.i18n import Lang, tr
from kiosk.mrz_camera import ZoneSource
from kiosk.scan import ChipReading, FrameSource, QrDecoder
from kiosk.session import Session
from kiosk.workflows.model import Procedure
from kiosk.workflows.plugin import Document, WorkflowContext
from kiosk.workflows.receipt import Ticket
from kiosk.workflows.registry import Registry

Listener = Callable[[], None]


class Outbox(Protocol):
    def submit(self, kind: str, data: dict[str, Any], evidence: dict[str, Any]) -> Any: ...

    def status(self) -> dict[str, Any]: ...

    def items(self, state: str | None = None, limit: int = 100) -> list[dict[str, Any]]: ...

    def receipts(self, limit: int = 100) -> list[dict[str, Any]]: ...

    def retry(self, sids: list[str] | None = None) -> int: ...


class ReceiptPrinter(Protocol):
    def print_receipt(self, receipt: dict[str, Any]) -> str: ...

    def print_ticket(self, ticket: Ticket, procedure: Procedure | None, issued_at: datetime) -> str: ...

    def print_document(self, document: Document) -> str: ...


@dataclass
class Devices:
    """What the composition root wires in; any of them may be missing (``None``)."""

    camera: Callable[[], FrameSource] | None = None
    decoder: QrDecoder | None = None
    mrz_zones: ZoneSource | None = None  # the MRZ recogniser (``drivers.mrz_ocr.MrzZoneReader``): the passport route
    chip: ChipReading | None = None
    printer: ReceiptPrinter | None = None
    wake_sender: Callable[[], None] | None = None
    report_error: Callable[[str], None] | None = None  # error codes for the fleet heartbeat (codes only)
    status: Callable[[], dict[str, str]] = field(default=lambda: {})
    deadlines: Callable[[], list[dict[str, Any]]] | None = None
    pending_guests: Callable[[], list[Any]] | None = None  # lodging: kiosk.lodging.pending.PendingGuest rows
    export: Callable[[], str] | None = None  # the day's files to a removable drive; raises a KioskError
    enrolment: DeviceEnrolment | None = None


class Core:
    def __init__(self, registry: Registry, profile_id: str, *, outbox: Outbox | None, devices: Devices,
                 post: Callable[[Callable[[], None]], None], session: Session, now: Callable[[], datetime],
                 workflow: WorkflowContext, address_service: AddressService | None = None) -> None:
        self.registry = registry
        self.profile_id = profile_id
        self.profile = registry.profiles[profile_id]
        self.outbox = outbox
        self.devices = devices
        self.post = post
        self.session = session
        self.now = now
        self.workflow = workflow
        self.lang: Lang = "vi"
        self.progress_only = False
        self._listeners: list[Listener] = []
        # The card's address in the current units, as the person confirms it on the review screen.
        self.address = AddressConfirmation(address_service or default_service(), post=post, on_change=self.changed)

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def changed(self, *, progress_only: bool = False) -> None:
        """Tell the listeners; ``progress_only`` when only the chip progress moved (a cheap redraw suffices)."""
        self.progress_only = progress_only
        try:
            for listener in list(self._listeners):
                listener()
        finally:
            self.progress_only = False

    def touch(self) -> None:
        """The person did something: restart the idle countdown."""
        self.session.touch()

    def t(self, key: str, **values: object) -> str:
        return tr(key, self.lang, **values)

    def other(self, key: str, **values: object) -> str:
        """The same string in the other language (the smaller second line on buttons)."""
        return tr(key, "en" if self.lang == "vi" else "vi", **values)

    @property
    def procedure(self) -> Procedure | None:
        pid = self.session.procedure_id
        return self.registry.procedure(pid) if pid else None

    def report_error(self, code: str) -> None:
        if self.devices.report_error is not None:
            self.devices.report_error(code)
