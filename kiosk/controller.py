"""What the kiosk does, independent of how it is drawn: the screens call this and render what it returns.

``KioskController`` ties together the session (one visit), the workflows (forms, validation, consent, receipts),
the scanner (QR and chip, off the UI thread), the outbox (durable, signed queue) and the receipt printer.
``post`` runs a callable on the UI thread; listeners are called on that thread after every change.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from kiosk.device_enrolment import DeviceEnrolment, EnrolmentStatus
from kiosk.errors import KioskError
from kiosk.i18n import Lang, error_text, pick, tr
from kiosk.identity import Identity
from kiosk.mrz_entry import TypedMrz
from kiosk.mrz_entry import access_key as mrz_access_key
from kiosk.scan import AccessKey, ChipReading, FrameSource, QrDecoder, ScanEvent, Scanner
from kiosk.session import DEFAULT_IDLE_SECONDS, Outcome, Session, Step
from kiosk.workflows.fill import MAX_TABLE_ROWS, FilledForm
from kiosk.workflows.model import FieldSpec, Procedure
from kiosk.workflows.receipt import build_receipt
from kiosk.workflows.registry import Registry
from kiosk.workflows.service import fill_workflow
from kiosk.workflows.submission import build_submission
from kiosk.workflows.table_rows import typed_rows, without_row
from kiosk.workflows.values import VN_TZ, display

log = logging.getLogger(__name__)


class Outbox(Protocol):
    def submit(self, kind: str, data: dict[str, Any], evidence: dict[str, Any]) -> Any: ...

    def status(self) -> dict[str, Any]: ...

    def items(self, state: str | None = None, limit: int = 100) -> list[dict[str, Any]]: ...

    def receipts(self, limit: int = 100) -> list[dict[str, Any]]: ...

    def retry(self, sids: list[str] | None = None) -> int: ...


class ReceiptPrinter(Protocol):
    def print_receipt(self, receipt: dict[str, Any]) -> str: ...


@dataclass
class Devices:
    """What the composition root wires in; any of them may be missing (``None``)."""

    camera: Callable[[], FrameSource] | None = None
    decoder: QrDecoder | None = None
    chip: ChipReading | None = None
    printer: ReceiptPrinter | None = None
    wake_sender: Callable[[], None] | None = None
    report_error: Callable[[str], None] | None = None  # error codes for the fleet heartbeat (codes only)
    status: Callable[[], dict[str, str]] = field(default=lambda: {})
    deadlines: Callable[[], list[dict[str, Any]]] | None = None
    export: Callable[[], str] | None = None
    enrolment: DeviceEnrolment | None = None


@dataclass(frozen=True)
class FieldRow:
    """One field of the review screen."""

    name: str
    label: str
    type: str
    value: str  # as typed/edited (dates dd/mm/yyyy, choices by code)
    shown: str  # as displayed (choices by label)
    source: str | None
    locked: bool
    required: bool
    missing: bool
    error: str | None
    choices: tuple[tuple[str, str], ...]
    max_length: int | None
    table: str | None = None  # a cell of this table field (the CT01 household members) …
    row_index: int | None = None  # … in this row (from 1)


@dataclass(frozen=True)
class TableInfo:
    """A table field of the form: its label, how many rows are shown and how many the form allows."""

    name: str
    label: str
    other_label: str  # the label in the other language
    rows: int
    max_rows: int


@dataclass
class ScanState:
    status_key: str = "scan.hint"
    chip_progress: float | None = None
    chip_busy: bool = False
    error: KioskError | None = None


Listener = Callable[[], None]
PROGRESS_STEP = 0.1


class KioskController:
    def __init__(self, registry: Registry, profile_id: str, *, outbox: Outbox | None = None,
                 devices: Devices | None = None, post: Callable[[Callable[[], None]], None] | None = None,
                 clock: Callable[[], float] = time.monotonic, idle_seconds: float = DEFAULT_IDLE_SECONDS,
                 operator_pin: str = "1234", now: Callable[[], datetime] | None = None,
                 on_lodging_guest: Callable[[FilledForm], None] | None = None) -> None:
        self.registry = registry
        self.profile_id = profile_id
        self.profile = registry.profiles[profile_id]
        self.outbox = outbox
        self.devices = devices or Devices()
        self.post = post or (lambda fn: fn())
        self.now = now or (lambda: datetime.now(VN_TZ))
        self.session = Session(clock=clock, idle_seconds=idle_seconds)
        self.lang: Lang = "vi"
        self.scan = ScanState()
        self.scanner: Scanner | None = None
        self._pin = operator_pin
        self._listeners: list[Listener] = []
        self._on_lodging_guest = on_lodging_guest
        self.printing = False
        self.print_result: str | None = None
        self.progress_only = False
        self.enrolling = False
        self.enrol_error: KioskError | None = None
        self.enrolled_now = False
        self._table_sizes: dict[str, int] = {}  # rows shown per table field (a row just added is still empty)
        self._form_cache: tuple[tuple[Any, ...], FilledForm] | None = None
        self.session.subscribe(self._on_step)

    # -- listeners -----------------------------------------------------------------------------------------------
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

    def _on_step(self, _session: Session, step: Step) -> None:
        if step in (Step.HOME, Step.CONSENT, Step.DONE):
            self._stop_scanner()
        if step is Step.HOME:
            self.scan = ScanState()
            self.print_result = None
            self._form_cache = None
            self._table_sizes = {}

    # -- language and text ---------------------------------------------------------------------------------------
    def t(self, key: str, **values: object) -> str:
        return tr(key, self.lang, **values)

    def other(self, key: str, **values: object) -> str:
        """The same string in the other language (the smaller second line on buttons)."""
        return tr(key, "en" if self.lang == "vi" else "vi", **values)

    def toggle_language(self) -> None:
        self.lang = "en" if self.lang == "vi" else "vi"
        self.session.touch()
        self.changed()

    # -- home ----------------------------------------------------------------------------------------------------
    def procedures(self) -> list[Procedure]:
        return self.registry.offered(self.profile_id)

    def title(self, procedure: Procedure) -> tuple[str, str]:
        main = pick(procedure.title_vi, procedure.title_en, self.lang)
        second = procedure.title_en if self.lang == "vi" else procedure.title_vi
        return main, second

    @property
    def procedure(self) -> Procedure | None:
        pid = self.session.procedure_id
        return self.registry.procedure(pid) if pid else None

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

    # -- scan ----------------------------------------------------------------------------------------------------
    def start(self, procedure_id: str) -> None:
        self.session.start(procedure_id)
        self.scan = ScanState()
        self._stop_scanner()
        camera = self.devices.camera() if self.devices.camera else None
        self.scanner = Scanner(camera=camera, decoder=self.devices.decoder, chip=self.devices.chip,
                               post=self.post, on_event=self._on_scan_event)
        self.scanner.start()
        self.changed()

    def provide_key(self, key: AccessKey) -> None:
        """A CAN or MRZ typed by the person (after a wrong-key error, or without a readable QR)."""
        if self.scanner is not None:
            self.scan.error = None
            self.scanner.provide_key(key)
            self.session.touch()
            self.changed()

    def provide_mrz(self, typed: TypedMrz) -> KioskError | None:
        """The card number and dates typed from the card (after a wrong key): the chip is read again with that BAC
        key. Returns the first invalid field's error instead (nothing is tried then)."""
        try:
            key = mrz_access_key(typed)
        except KioskError as exc:
            self.session.touch()
            return exc
        self.provide_key(key)
        return None

    def rescan_qr(self) -> None:
        """Show the QR code to the camera again; its CAN is tried on the chip."""
        if self.scanner is not None:
            self.scan.error = None
            self.scanner.rescan_qr()
            self.session.touch()
            self.changed()

    def latest_frame(self) -> Any | None:
        return self.scanner.latest_frame if self.scanner is not None else None

    def _stop_scanner(self) -> None:
        scanner, self.scanner = self.scanner, None
        if scanner is not None:
            scanner.stop(wait=0.0)  # workers notice the stop flag; never block the UI thread on them
            camera = getattr(scanner, "_camera", None)
            if camera is not None:
                threading.Thread(target=camera.close, name="camera-close", daemon=True).start()

    def _on_scan_event(self, event: ScanEvent) -> None:
        if self.session.step not in (Step.SCAN, Step.REVIEW):
            return
        if event.kind in ("qr", "chip-text") and event.identity is not None:
            self.session.offer_identity(event.identity)
            self.scan.status_key = "scan.qr.found" if event.kind == "qr" else "scan.chip.text_ready"
            if event.kind == "chip-text":
                self.scan.chip_progress = event.progress
        elif event.kind == "chip-portrait" and event.portrait is not None:
            self.session.offer_portrait(event.portrait)
            self.scan.chip_progress = event.progress
        elif event.kind == "chip-waiting":
            self.scan.chip_busy, self.scan.chip_progress, self.scan.error = True, 0.0, None
            self.scan.status_key = "scan.chip.reading"
        elif event.kind == "chip-progress":
            # Each redraw costs a frame: move the bar in steps a person can see, not on every chunk read.
            if self.scan.chip_progress is None or event.progress - self.scan.chip_progress >= PROGRESS_STEP:
                self.scan.chip_progress = event.progress
                self.changed(progress_only=True)
            return
        elif event.kind == "chip-done":
            self.scan.chip_busy, self.scan.chip_progress = False, 1.0
            self.scan.status_key = "scan.chip.done"
        elif event.error is not None:
            self.scan.error = event.error
            if self.devices.report_error is not None:
                self.devices.report_error(event.error.code)
            if event.kind == "chip-error":
                self.scan.chip_busy, self.scan.chip_progress = False, None
                self.scan.status_key = "scan.hint"
        self.changed()

    def scan_error_text(self) -> str | None:
        return error_text(self.scan.error) if self.scan.error is not None else None

    # -- review --------------------------------------------------------------------------------------------------
    def form(self) -> FilledForm | None:
        procedure, identity = self.procedure, self.session.identity
        if procedure is None or identity is None:
            self._form_cache = None
            return None
        key = (procedure.id, id(identity), tuple(sorted(self.session.typed.items())))
        if self._form_cache is not None and self._form_cache[0] == key:
            return self._form_cache[1]
        form = fill_workflow(self.registry, procedure.kind, identity, self.session.typed, procedure_id=procedure.id)
        self._form_cache = (key, form)
        return form

    def rows(self) -> list[FieldRow]:
        form = self.form()
        if form is None:
            return self.blank_rows()
        errors = {e.field: e for e in form.errors if e.field}
        rows = []
        for spec in form.procedure.fields:
            if spec.type == "table":
                continue  # the tables' rows follow the plain fields
            fv = form.values.get(spec.name)
            typed = self.session.typed.get(spec.name)
            value = typed if typed is not None and spec.name in errors else (self._editable(spec, fv.value)
                                                                            if fv else (typed or ""))
            rows.append(FieldRow(
                name=spec.name, label=pick(spec.label_vi, spec.label_en, self.lang), type=spec.type, value=value,
                shown=display(spec, fv.value) if fv else (typed or ""),
                source=fv.source if fv else None, locked=bool(fv and fv.locked),
                required=spec.required or spec.name in form.missing, missing=spec.name in form.missing,
                error=self._field_error(spec, errors[spec.name]) if spec.name in errors else None,
                choices=tuple((c.code, pick(c.label_vi, c.label_en, self.lang)) for c in spec.choices),
                max_length=spec.max_length))
        for spec in form.procedure.fields:
            if spec.type == "table":
                rows.extend(self._table_rows(form, spec, errors))
        return rows

    def _table_rows(self, form: FilledForm, spec: FieldSpec, errors: dict[str, KioskError]) -> list[FieldRow]:
        """The cells of a table field, row by row (typed by the person: nothing is locked)."""
        rows = []
        filled = form.tables.get(spec.name, [])
        for index in range(1, self._table_size(spec, form) + 1):
            values = filled[index - 1] if index <= len(filled) else {}
            for col in spec.columns:
                key = f"{spec.name}.{index}.{col.name}"
                fv = values.get(col.name)
                typed = self.session.typed.get(key)
                value = typed if typed is not None and key in errors else (
                    self._editable(col, fv.value) if fv else (typed or ""))
                rows.append(FieldRow(
                    name=key, label=pick(col.label_vi, col.label_en, self.lang), type=col.type, value=value,
                    shown=display(col, fv.value) if fv else (typed or ""), source=fv.source if fv else None,
                    locked=False, required=col.required, missing=key in form.missing,
                    error=self._field_error(col, errors[key]) if key in errors else None,
                    choices=tuple((c.code, pick(c.label_vi, c.label_en, self.lang)) for c in col.choices),
                    max_length=col.max_length, table=spec.name, row_index=index))
        return rows

    def _table_size(self, spec: FieldSpec, form: FilledForm | None) -> int:
        filled = len(form.tables.get(spec.name, [])) if form is not None else 0
        return max(self._table_sizes.get(spec.name, 0), filled, typed_rows(self.session.typed, spec.name))

    def tables(self) -> list[TableInfo]:
        """The form's table fields (the CT01 household members), for the review screen's add/remove controls."""
        procedure, form = self.procedure, self.form()
        if procedure is None or form is None:
            return []
        other: Lang = "en" if self.lang == "vi" else "vi"
        return [TableInfo(spec.name, pick(spec.label_vi, spec.label_en, self.lang),
                          pick(spec.label_vi, spec.label_en, other), self._table_size(spec, form),
                          spec.max_rows or MAX_TABLE_ROWS) for spec in procedure.fields if spec.type == "table"]

    def add_table_row(self, table: str) -> int | None:
        """Show one more (empty) row of ``table``; returns its number, ``None`` when the form has no room."""
        info = next((t for t in self.tables() if t.name == table), None)
        if info is None or info.rows >= info.max_rows:
            return None
        self._table_sizes[table] = info.rows + 1
        self.session.touch()
        self.changed()
        return info.rows + 1

    def remove_table_row(self, table: str, index: int) -> None:
        """Drop row ``index`` of ``table`` (what was typed in it too); the rows below move up."""
        info = next((t for t in self.tables() if t.name == table), None)
        if info is None or not 1 <= index <= info.rows:
            return
        self.session.typed = without_row(self.session.typed, table, index)
        self._table_sizes[table] = info.rows - 1
        self.session.touch()
        self.changed()

    def blank_rows(self, procedure_id: str | None = None) -> list[FieldRow]:
        """A procedure's rows (default: the session's) before anything is read, so that the screen can lay the
        form out ahead of the card."""
        procedure = self.registry.procedure(procedure_id) if procedure_id else self.procedure
        if procedure is None:
            return []
        return [FieldRow(name=spec.name, label=pick(spec.label_vi, spec.label_en, self.lang), type=spec.type,
                         value="", shown="", source=None, locked=False, required=spec.required,
                         missing=False, error=None,
                         choices=tuple((c.code, pick(c.label_vi, c.label_en, self.lang)) for c in spec.choices),
                         max_length=spec.max_length)
                for spec in procedure.fields if spec.type != "table"]

    @staticmethod
    def _field_error(spec: FieldSpec, error: KioskError) -> str:
        """The error as shown under its field: the field named by its label, not its internal name."""
        return (error_text(error).replace(f"«{spec.name}»", f"«{spec.label_vi}»")
                .replace(f"'{spec.name}'", f"'{spec.label_en}'"))

    @staticmethod
    def _editable(spec: FieldSpec, value: str) -> str:
        """A stored value as the person edits it (dates as dd/mm/yyyy, times as dd/mm/yyyy HH:MM)."""
        if spec.type in ("date", "datetime"):
            return display(spec, value)
        return value

    def set_value(self, name: str, value: str) -> str | None:
        """Type a value; returns the field's error text (or ``None``) at once, for inline validation."""
        if value.strip():
            self.session.set_value(name, value)
        else:
            self.session.typed.pop(name, None)
            self.session.touch()
        row = next((r for r in self.rows() if r.name == name), None)
        self.changed()
        return row.error if row else None

    def missing_labels(self) -> list[str]:
        """Fields to correct (a wrong value) first, then fields still empty."""
        return [self.t("review.member", n=r.row_index) + f": {r.label}" if r.row_index else r.label
                for r in sorted(self.rows(), key=lambda r: r.error is None) if r.missing or r.error]

    def can_continue(self) -> bool:
        form = self.form()
        return form is not None and form.complete

    def to_consent(self) -> None:
        if self.can_continue():
            self.session.to_consent()
            self.changed()

    # -- consent and submission ----------------------------------------------------------------------------------
    def notice(self) -> tuple[str, str]:
        """(main, other language) text of the workflow's personal-data notice."""
        procedure = self.procedure
        if procedure is None:
            return "", ""
        vi = f"{procedure.consent_vi}\n\n{tr('consent.retention_text', 'vi')}"
        en = f"{procedure.consent_en}\n\n{tr('consent.retention_text', 'en')}"
        return (vi, en) if self.lang == "vi" else (en, vi)

    def decline(self) -> None:
        self.session.decline()
        self.changed()

    def accept(self) -> KioskError | None:
        """Queue the submission durably; returns the error to show if it could not be saved."""
        form, procedure = self.form(), self.procedure
        if form is None or procedure is None or self.outbox is None:
            return KioskError("no outbox", code="not-saved",
                              message_vi="Chưa lưu được hồ sơ. Vui lòng báo nhân viên.")
        try:
            submission = build_submission(form, intake_envelope(form))
            self.session.accept()
            saved = self.outbox.submit(submission.kind, submission.data, submission.evidence)
        except KioskError as exc:
            log.warning("submission not saved: %s", exc.code)
            if self.devices.report_error is not None:
                self.devices.report_error(exc.code)
            return exc
        if procedure.kind == "lodging" and self._on_lodging_guest is not None:
            try:
                self._on_lodging_guest(form)
            except KioskError as exc:
                log.warning("guest register: %s", exc.code)
        receipt = build_receipt(procedure, saved.sid, self.now(), None)
        self.session.done(Outcome(sid=saved.sid, receipt_code=receipt["receipt_code"], delivered=False,
                                  receipt=receipt))
        if self.devices.wake_sender is not None:
            self.devices.wake_sender()
        self.changed()
        return None

    def delivered(self) -> bool:
        """Whether the intake acknowledged this visit's submission (polled by the done screen)."""
        outcome = self.session.outcome
        if outcome is None or self.outbox is None:
            return False
        if outcome.delivered:
            return True
        if any(r["sid"] == outcome.sid for r in self.outbox.receipts(limit=20)):
            self.session.outcome = Outcome(outcome.sid, outcome.receipt_code, True, outcome.receipt)
            return True
        return False

    def print_receipt(self) -> None:
        """Print off the UI thread; ``print_result`` holds the text to show when done."""
        outcome, printer = self.session.outcome, self.devices.printer
        if outcome is None or printer is None or self.printing:
            return
        self.printing = True
        receipt = dict(outcome.receipt)

        def work() -> None:
            try:
                printer.print_receipt(receipt)
                result = self.t("done.printed")
            except KioskError as exc:
                result = error_text(exc)
            except OSError:
                result = self.t("error.printer")

            def finish() -> None:
                self.printing = False
                self.print_result = result
                self.changed()

            self.post(finish)

        threading.Thread(target=work, name="print", daemon=True).start()
        self.session.touch()
        self.changed()

    def finish(self) -> None:
        self.session.finish()
        self.changed()

    def cancel(self) -> None:
        self.session.cancel()
        self.changed()

    def check_idle(self) -> bool:
        if self.session.check_idle():
            self.changed()
            return True
        return False

    # -- operator ------------------------------------------------------------------------------------------------
    def check_pin(self, pin: str) -> bool:
        return bool(pin) and pin == self._pin

    def outbox_summary(self) -> dict[str, Any]:
        if self.outbox is None:
            return {"counts": {}, "oldest_pending_minutes": None, "quarantined": []}
        status = self.outbox.status()
        oldest = status.get("oldest_pending")
        minutes = None
        if oldest:
            created = datetime.fromisoformat(str(oldest).replace("Z", "+00:00"))
            minutes = max(0, int((self.now() - created).total_seconds() // 60))
        quarantined = [{"sid": i["sid"], "kind": i["kind"], "reason": i.get("last_error") or ""}
                       for i in self.outbox.items("quarantined", limit=20)]
        return {"counts": status["counts"], "oldest_pending_minutes": minutes, "quarantined": quarantined}

    def enrolment_status(self) -> EnrolmentStatus | None:
        enrolment = self.devices.enrolment
        return enrolment.status() if enrolment is not None else None

    def enrol_device(self, intake_url: str, token: str) -> None:
        """Enrol (again) with the intake, off the UI thread; ``enrolling`` until done, then ``enrolled_now`` or
        ``enrol_error`` (the field to correct and what to do)."""
        enrolment = self.devices.enrolment
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
                self.changed()

            self.post(finish)

        threading.Thread(target=work, name="enrol", daemon=True).start()
        self.changed()

    def forget_enrolment_result(self) -> None:
        self.enrol_error, self.enrolled_now = None, False

    def retry_quarantined(self) -> int:
        if self.outbox is None:
            return 0
        count = self.outbox.retry()
        if self.devices.wake_sender is not None:
            self.devices.wake_sender()
        return count


def intake_envelope(form: FilledForm) -> dict[str, Any]:
    """What the intake's structural check reads besides the form: who (name, ID or document number) and, for
    lodging, the arrival time. Values come from the form, so nothing beyond the form is sent."""
    number = form.get("id_number") or form.get("document_number")
    identity = {"full_name": form.get("full_name"), "id_number": form.get("id_number") or number,
                "document_number": form.get("document_number")}
    extra: dict[str, Any] = {"identity": {k: v for k, v in identity.items() if v}}
    if form.get("arrival"):
        extra["arrival"] = form.get("arrival")
    return extra


def identity_summary_values(identity: Identity | None) -> list[str]:
    """The identity's values as a screen could show them (for privacy checks)."""
    return identity.personal_values() if identity is not None else []
