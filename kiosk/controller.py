"""What the kiosk does, independent of how it is drawn: the screens call this and render what it returns.

``KioskController`` is a thin façade over one presenter per step (``kiosk.presenters``): ``scanning`` (QR and chip,
off the UI thread), ``review`` (the form filled from the card), ``consent`` (the workflow's checks, the notice, the
one submit), ``done`` (receipt, ticket, printing) and ``operator``. They share one ``Core``: the session (one visit),
the workflows, the outbox (durable, signed queue) and the devices. ``post`` runs a callable on the UI thread;
listeners are called on that thread after every change. The façade keeps the home screen's few calls and forwards
the others, so that a screen talks to the presenter of its step.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from kiosk.address.confirm import AddressConfirmation
from kiosk.address.service import AddressService
from kiosk.device_enrolment import EnrolmentStatus
from kiosk.errors import KioskError
from kiosk.i18n import Lang, pick
from kiosk.identity import Identity
from kiosk.mrz_entry import TypedMrz
from kiosk.presenters.consent import ConsentPresenter
from kiosk.presenters.core import Core, Devices, Listener, Outbox, ReceiptPrinter
from kiosk.presenters.done import DonePresenter
from kiosk.presenters.operator import OperatorPresenter
from kiosk.presenters.review import FieldRow, ReviewPresenter, TableInfo
from kiosk.presenters.scan import ScanPresenter, ScanState
from kiosk.scan import AccessKey
from kiosk.session import DEFAULT_IDLE_SECONDS, Outcome, Session, Step
from kiosk.staff_call import StaffCall, command_setting
from kiosk.workflows.fill import FilledForm
from kiosk.workflows.model import Procedure, Profile
from kiosk.workflows.plugin import Document, Notice, Visit, WorkflowContext
from kiosk.workflows.registry import Registry
from kiosk.workflows.submit import Submitted
from kiosk.workflows.values import VN_TZ
from wire.errors import CodedError

__all__ = ["Devices", "FieldRow", "KioskController", "Outbox", "ReceiptPrinter", "ScanState", "TableInfo"]


class KioskController:
    def __init__(self, registry: Registry, profile_id: str, *, outbox: Outbox | None = None,
                 devices: Devices | None = None, post: Callable[[Callable[[], None]], None] | None = None,
                 clock: Callable[[], float] = time.monotonic, idle_seconds: float = DEFAULT_IDLE_SECONDS,
                 operator_pin: str | None = None, now: Callable[[], datetime] | None = None,
                 workflow: WorkflowContext | None = None, address_service: AddressService | None = None) -> None:
        self.core = Core(registry, profile_id, outbox=outbox, devices=devices or Devices(),
                         post=post or (lambda fn: fn()), session=Session(clock=clock, idle_seconds=idle_seconds),
                         now=now or (lambda: datetime.now(VN_TZ)), workflow=workflow or WorkflowContext(),
                         address_service=address_service)
        self.scanning = ScanPresenter(self.core)
        self.review = ReviewPresenter(self.core)
        self.done = DonePresenter(self.core)
        self.consent = ConsentPresenter(self.core, self.review, self.done)
        self.operator = OperatorPresenter(self.core, operator_pin)
        self.staff_call = StaffCall(profile_id=profile_id, now=self.core.now, post=self.core.post,
                                    on_change=self.core.changed,
                                    command=command_setting(dict(self.core.profile.settings)))
        self.session.subscribe(self._on_step)

    def _on_step(self, _session: Session, step: Step) -> None:
        if step in (Step.HOME, Step.CONSENT, Step.DONE):
            self.scanning.stop()
        if step in (Step.HOME, Step.REVIEW):
            self.consent.reset()
        if step is Step.HOME:
            self.scanning.reset()
            self.review.reset()
            self.done.reset()
            self.core.address.wipe()
            self.staff_call.clear()

    # -- what every screen shares --------------------------------------------------------------------------------
    @property
    def registry(self) -> Registry:
        return self.core.registry

    @property
    def profile_id(self) -> str:
        return self.core.profile_id

    @property
    def profile(self) -> Profile:
        return self.core.profile

    @property
    def session(self) -> Session:
        return self.core.session

    @property
    def devices(self) -> Devices:
        return self.core.devices

    @property
    def outbox(self) -> Outbox | None:
        return self.core.outbox

    @property
    def workflow(self) -> WorkflowContext:
        return self.core.workflow

    @property
    def address(self) -> AddressConfirmation:
        """The card's address in the current units, as the person confirms it on the review screen."""
        return self.core.address

    @property
    def lang(self) -> Lang:
        return self.core.lang

    @property
    def progress_only(self) -> bool:
        return self.core.progress_only

    @property
    def procedure(self) -> Procedure | None:
        return self.core.procedure

    def now(self) -> datetime:
        return self.core.now()

    def subscribe(self, listener: Listener) -> None:
        self.core.subscribe(listener)

    @property
    def step(self) -> Step:
        """The visit's step (which screen shows)."""
        return self.session.step

    def subscribe_steps(self, listener: Callable[[Step], None]) -> None:
        """``listener(step)`` after every step change (including wipes back home)."""
        self.session.subscribe(lambda _session, step: listener(step))

    def changed(self, *, progress_only: bool = False) -> None:
        self.core.changed(progress_only=progress_only)

    def touch(self) -> None:
        """The person did something (a touch, a key): restart the idle countdown."""
        self.core.touch()

    def t(self, key: str, **values: object) -> str:
        return self.core.t(key, **values)

    def other(self, key: str, **values: object) -> str:
        return self.core.other(key, **values)

    def toggle_language(self) -> None:
        self.core.lang = "en" if self.core.lang == "vi" else "vi"
        self.core.touch()
        self.core.changed()

    def call_staff(self) -> None:
        """"Gọi nhân viên / Call staff" (``kiosk.staff_call``)."""
        self.core.touch()
        self.staff_call.request()
        self.core.changed()

    def cancel(self) -> None:
        self.session.cancel()
        self.core.changed()

    def check_idle(self) -> bool:
        if self.session.check_idle():
            self.core.changed()
            return True
        return False

    # -- home ----------------------------------------------------------------------------------------------------
    def procedures(self) -> list[Procedure]:
        return self.registry.offered(self.profile_id)

    def title(self, procedure: Procedure) -> tuple[str, str]:
        main = pick(procedure.title_vi, procedure.title_en, self.lang)
        second = procedure.title_en if self.lang == "vi" else procedure.title_vi
        return main, second

    def queue_health(self) -> tuple[str, str]:
        """(level, text) for the home screen light: ok, pending, problem."""
        if self.outbox is None:
            return "problem", self.t("home.queue.problem", n="—")
        counts = self.outbox.status()["counts"]
        if counts.get("quarantined"):
            return "problem", self.t("home.queue.problem", n=counts["quarantined"])
        if counts.get("pending"):
            return "pending", self.t("home.queue.pending", n=counts["pending"])
        return "ok", self.t("home.queue.ok")

    # -- forwarded to the step presenters ------------------------------------------------------------------------
    @property
    def scan(self) -> ScanState:
        return self.scanning.state

    def start(self, procedure_id: str) -> None:
        self.scanning.start(procedure_id)

    def provide_key(self, key: AccessKey) -> None:
        self.scanning.provide_key(key)

    def provide_mrz(self, typed: TypedMrz) -> KioskError | None:
        return self.scanning.provide_mrz(typed)

    def rescan_qr(self) -> None:
        self.scanning.rescan_qr()

    def use_passport(self) -> None:
        self.scanning.use_passport()

    def accept_unverified(self) -> None:
        self.scanning.accept_unverified()

    def latest_frame(self) -> Any | None:
        return self.scanning.latest_frame()

    def scan_error_text(self) -> str | None:
        return self.scanning.error_text()

    def form(self) -> FilledForm | None:
        return self.review.form()

    def rows(self) -> list[FieldRow]:
        return self.review.rows()

    def tables(self) -> list[TableInfo]:
        return self.review.tables()

    def add_table_row(self, table: str) -> int | None:
        return self.review.add_table_row(table)

    def remove_table_row(self, table: str, index: int) -> None:
        self.review.remove_table_row(table, index)

    def blank_rows(self, procedure_id: str | None = None) -> list[FieldRow]:
        return self.review.blank_rows(procedure_id)

    def set_value(self, name: str, value: str) -> str | None:
        return self.review.set_value(name, value)

    def missing_labels(self) -> list[str]:
        return self.review.missing_labels()

    def can_continue(self) -> bool:
        return self.review.can_continue()

    @property
    def visit(self) -> Visit | None:
        return self.consent.visit

    @property
    def checking(self) -> bool:
        return self.consent.checking

    def to_consent(self) -> None:
        self.consent.to_consent()

    def notices(self) -> list[Notice]:
        return self.consent.notices()

    def continue_to_consent(self) -> None:
        self.consent.continue_to_consent()

    def back_to_review(self) -> None:
        self.consent.back_to_review()

    def notice(self) -> tuple[str, str]:
        return self.consent.notice()

    def decline(self) -> None:
        self.consent.decline()

    def submit(self) -> CodedError | None:
        return self.consent.submit()

    @property
    def submitted(self) -> Submitted | None:
        return self.done.submitted

    @property
    def outcome(self) -> Outcome | None:
        return self.done.outcome

    @property
    def printing(self) -> bool:
        return self.done.printing

    @property
    def print_result(self) -> str | None:
        return self.done.print_result

    @print_result.setter
    def print_result(self, value: str | None) -> None:
        self.done.print_result = value

    @property
    def printed_ticket(self) -> str | None:
        return self.done.printed_ticket

    def documents(self) -> list[Document]:
        return self.done.documents()

    def can_print(self) -> bool:
        return self.done.can_print()

    def delivered(self) -> bool:
        return self.done.delivered()

    def print_receipt(self) -> None:
        self.done.print_receipt()

    def print_ticket(self) -> None:
        self.done.print_ticket()

    def print_document(self, name: str) -> None:
        self.done.print_document(name)

    def finish(self) -> None:
        self.done.finish()

    def check_pin(self, pin: str) -> bool:
        return self.operator.check_pin(pin)

    def unlock_operator(self, pin: str) -> KioskError | None:
        """``None`` when ``pin`` opens the operator screen, else the typed reason (wrong, locked out, not set)."""
        return self.operator.unlock(pin)

    def outbox_summary(self) -> dict[str, Any]:
        return self.operator.outbox_summary()

    def enrolment_status(self) -> EnrolmentStatus | None:
        return self.operator.enrolment_status()

    @property
    def enrolling(self) -> bool:
        return self.operator.enrolling

    @property
    def enrol_error(self) -> KioskError | None:
        return self.operator.enrol_error

    @property
    def enrolled_now(self) -> bool:
        return self.operator.enrolled_now

    def enrol_device(self, intake_url: str, token: str) -> None:
        self.operator.enrol_device(intake_url, token)

    def forget_enrolment_result(self) -> None:
        self.operator.forget_enrolment_result()

    def retry_quarantined(self) -> int:
        return self.operator.retry_quarantined()


def identity_summary_values(identity: Identity | None) -> list[str]:
    """The identity's values as a screen could show them (for privacy checks)."""
    return identity.personal_values() if identity is not None else []
