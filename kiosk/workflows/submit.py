"""The one road from a complete form to the outbox, used by the touch UI, the command line and the headless demo.

``start_visit`` opens a visit on a filled form; ``before_consent`` runs the kind's extra steps (they may block on
the network: the UI runs them off its thread); ``submit`` builds the submission with the kind's additions, checks
it against the wire schema the intake uses (nothing is queued that the intake would refuse), queues it durably,
then lets the kind hand out what must match a saved submission (a ticket) and builds the receipt.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from kiosk.workflows.fill import FilledForm
from kiosk.workflows.plugin import Document, Notice, Visit, WorkflowContext
from kiosk.workflows.receipt import Ticket
from kiosk.workflows.registry import Registry
from kiosk.workflows.submission import build_submission
from kiosk.workflows.values import VN_TZ
from wire.errors import CodedError
from wire.schemas import check_submission

log = logging.getLogger(__name__)


class Outbox(Protocol):
    def submit(self, kind: str, data: dict[str, Any], evidence: dict[str, Any]) -> Any: ...


@dataclass(frozen=True)
class Submitted:
    """A queued submission: its ``sid``, the receipt to show and print, the kind's outputs and documents."""

    sid: str
    receipt: dict[str, Any]
    outputs: dict[str, Any]
    notices: list[Notice] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    ticket: Ticket | None = None  # the queue number handed out once saved (printed at once)


def start_visit(registry: Registry, form: FilledForm, now: datetime | None = None,
                profile_id: str | None = None) -> Visit:
    """A visit on ``form`` under the kiosk's profile (default: the profile named like the kind)."""
    kind = form.procedure.kind
    profile = registry.profiles.get(profile_id or kind) or registry.profiles.get(kind)
    if profile is None:
        profile = next(iter(registry.profiles.values()))
    return Visit(form=form, profile=profile, now=(now or datetime.now(VN_TZ)).astimezone(VN_TZ))


def before_consent(registry: Registry, visit: Visit, ctx: WorkflowContext) -> list[Notice]:
    """The kind's extra steps before consent; their notices are kept on the visit."""
    visit.notices = registry.plugin(visit.kind).before_consent(visit, ctx)
    return visit.notices


def envelope(form: FilledForm) -> dict[str, Any]:
    """What the intake's structural check reads besides the form: who (name, ID or document number). Values come
    from the form, so nothing beyond the form is sent."""
    number = form.get("id_number") or form.get("document_number")
    identity = {"full_name": form.get("full_name"), "id_number": form.get("id_number") or number,
                "document_number": form.get("document_number")}
    return {"identity": {k: v for k, v in identity.items() if v}}


def submit(registry: Registry, visit: Visit, outbox: Outbox, ctx: WorkflowContext) -> Submitted:
    """Queue the visit's submission durably, then the kind's after-save step and receipt.

    Raises the ``CodedError`` that says why nothing was queued (an incomplete form, a payload the intake would
    refuse, a queue that did not commit). A failing after-save step is logged: the submission is saved already.
    """
    plugin = registry.plugin(visit.kind)
    extra = {**envelope(visit.form), **plugin.submission_extra(visit, ctx)}
    submission = build_submission(visit.form, extra)
    check_submission(submission.kind, submission.data, submission.evidence, plugin.payload_schema)
    saved = outbox.submit(submission.kind, submission.data, submission.evidence)
    sid = str(getattr(saved, "sid", saved))
    try:
        plugin.after_saved(visit, sid, ctx)
    except CodedError as exc:
        log.warning("%s after-save step failed: %s", visit.kind, exc.code)
    ticket = visit.state.get("ticket")
    return Submitted(sid, plugin.receipt(visit, sid, ctx), plugin.outputs(visit), list(visit.notices),
                     plugin.documents(visit), ticket if isinstance(ticket, Ticket) else None)
