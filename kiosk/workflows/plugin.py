"""The workflow plugin interface: what one kind of visit (one-stop, clinic, lodging, …) adds to the generic form.

A kind is one module exposing ``PLUGIN`` (a ``WorkflowPlugin``), named by ``config/kinds/<kind>.toml``
(``module = "…"``); ``kiosk.workflows.plugins`` loads them, and a kiosk opens the services of the kinds it offers
with ``open_services`` (the lodging guest register). Every caller — the touch UI, the command line and the
headless demo — runs a visit through the same steps, in this order:

1. ``check_form(form)``: the kind's own rules on the filled form (adds to ``form.errors`` / ``form.missing``);
2. ``before_consent(visit, ctx)``: extra steps before the consent screen (the clinic's insurance card check). It may
   block on the network (callers run it off the UI thread), records its results in ``visit.outputs`` and returns
   the ``Notice``s a screen shows (a result code and the next step, in plain Vietnamese);
3. ``submission_extra(visit, ctx)``: what the submission carries besides the form (QĐ 130 row, FHIR, CT01 PDF…);
4. ``after_saved(visit, sid, ctx)``: once the outbox has committed (a queue ticket, the guest register);
5. ``receipt(visit, sid, ctx)``: the receipt or ticket shown on the done screen and printed;
   ``documents(visit)`` lists what else the person may print on request (the CT01 PDF).

``outputs(visit)`` is the kind's result for a caller (the ``--json`` demo): JSON values only.
``kiosk.workflows.submit.submit`` is the one road from a complete form to the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from kiosk.workflows.fill import FilledForm
from kiosk.workflows.model import Profile
from kiosk.workflows.receipt import Ticket, build_receipt
from wire.schemas import FormPayload

NoticeLevel = Literal["ok", "warn", "stop"]


@dataclass(frozen=True)
class Notice:
    """What an extra step found, as a screen shows it: a stable ``code`` (e.g. the BHXH result code), how serious
    it is (``ok`` continue, ``warn`` continue but read this, ``stop`` see the staff) and the next step in both
    languages. ``flag`` is the short mark reception sees on the check-in (e.g. "chưa kiểm tra thẻ")."""

    code: str
    level: NoticeLevel
    title_vi: str
    title_en: str
    text_vi: str
    text_en: str
    flag: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class TicketIssuer(Protocol):
    """Queue numbers per counter and day (``kiosk.workflows.tickets.TicketDispenser``)."""

    def issue(self, profile: Profile, counter_id: str, now: datetime | None = None) -> Ticket: ...


class GuestBook(Protocol):
    """Where a lodging guest is kept until declared (``kiosk.lodging.register.GuestRegister``)."""

    def add(self, guest: Any) -> Any: ...


@dataclass(frozen=True)
class Document:
    """A rendered document of the visit that the person may print on request (e.g. the CT01 PDF)."""

    name: str
    title_vi: str
    title_en: str
    path: Path
    media_type: str = "application/pdf"


@dataclass(frozen=True)
class Staff:
    """The staff member a clinic's card lookups are made under (CV 1923/BHXH-CNTT): from the site configuration."""

    name: str
    id_number: str


@dataclass
class WorkflowContext:
    """The services a kind may use; any may be missing (``None``), and a kind does without it.

    ``card_check``: the clinic relay (``kiosk.clinic.insurance.CardCheckAdapter``); ``tickets``: queue numbers;
    ``guests``: the lodging register; ``documents``: where rendered documents (the CT01 PDF) are written.
    """

    card_check: Any | None = None
    tickets: TicketIssuer | None = None
    guests: GuestBook | None = None
    documents: Path | None = None
    staff: Staff | None = None


@dataclass
class Visit:
    """One person's visit from the complete form to the receipt: what the kind's steps found and produced."""

    form: FilledForm
    profile: Profile
    now: datetime
    outputs: dict[str, Any] = field(default_factory=dict)
    notices: list[Notice] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)  # the kind's own objects between steps (not JSON)

    @property
    def kind(self) -> str:
        return self.form.procedure.kind

    @property
    def today(self) -> date:
        return self.now.date()


def issue_ticket(visit: Visit, ctx: WorkflowContext) -> None:
    """A queue number for the procedure's counter (none when it names no counter or the kiosk has no issuer)."""
    counter = visit.form.procedure.counter
    if counter and ctx.tickets is not None:
        ticket = ctx.tickets.issue(visit.profile, counter, visit.now)
        visit.state["ticket"] = ticket
        visit.outputs["ticket"] = ticket.to_dict()


class WorkflowPlugin:
    """Base of every kind: each step does nothing by default, so a kind overrides only what it adds."""

    kind: str = ""
    # The wire schema of the kind's submissions; ``None``: the contract's own (``wire.schemas.SCHEMAS``). A site's own
    # kind names one (at least ``wire.schemas.FormPayload``), and its intake must accept the kind too.
    payload_schema: type[FormPayload] | None = None

    @property
    def has_steps_before_consent(self) -> bool:
        """Whether the kind adds steps before consent (the UI then shows their results on a screen)."""
        return type(self).before_consent is not WorkflowPlugin.before_consent

    def open_services(self, ctx: WorkflowContext, state_dir: Path, settings: dict[str, Any]) -> None:
        """Open the kind's own services in ``ctx`` when a kiosk offering it starts (the lodging guest register, kept
        in ``state_dir``); ``settings`` are the kiosk profile's."""

    def check_form(self, form: FilledForm) -> None:
        """The kind's own rules on a filled form: append to ``form.errors`` or ``form.missing``."""

    def before_consent(self, visit: Visit, ctx: WorkflowContext) -> list[Notice]:
        """Extra steps before consent; may block on the network. Never raises for an unreachable service: the visit
        goes on, with a notice saying so."""
        return []

    def submission_extra(self, visit: Visit, ctx: WorkflowContext) -> dict[str, Any]:
        """What ``data`` carries besides the form (validated against the kind's wire schema before queueing)."""
        return {}

    def after_saved(self, visit: Visit, sid: str, ctx: WorkflowContext) -> None:
        """Once the outbox committed ``sid``: hand out what must match a saved submission (a ticket)."""

    def receipt(self, visit: Visit, sid: str, ctx: WorkflowContext) -> dict[str, Any]:
        """The receipt the done screen shows and the printer prints (no personal data: slips get left behind)."""
        ticket = visit.state.get("ticket")
        return build_receipt(visit.form.procedure, sid, visit.now, ticket if isinstance(ticket, Ticket) else None)

    def documents(self, visit: Visit) -> list[Document]:
        """Documents of this visit the person may print on request."""
        docs = visit.state.get("documents", [])
        return [d for d in docs if isinstance(d, Document)]

    def outputs(self, visit: Visit) -> dict[str, Any]:
        """The kind's outputs for a caller (JSON values)."""
        return dict(visit.outputs)
