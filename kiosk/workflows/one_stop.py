"""One-stop desk: CT01 residence procedures, queue ticket and receipt after the dossier is durably queued."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kiosk.workflows.fill import FilledForm
from kiosk.workflows.model import Profile
from kiosk.workflows.receipt import build_receipt
from kiosk.workflows.submission import Outbox, build_submission
from kiosk.workflows.tickets import TicketDispenser
from kiosk.workflows.values import VN_TZ


def submit_dossier(
    form: FilledForm,
    outbox: Outbox,
    dispenser: TicketDispenser,
    profile: Profile,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Queue the dossier, then give a queue ticket and the receipt.

    The ticket is issued only once the outbox has committed the submission, so a ticket always matches a
    dossier that will reach the intake.
    """
    now = (now or datetime.now(VN_TZ)).astimezone(VN_TZ)
    submission = build_submission(form, {"renderer": form.procedure.renderer})
    saved = outbox.submit(submission.kind, submission.data, submission.evidence)
    sid = str(getattr(saved, "sid", saved))
    ticket = dispenser.issue(profile, form.procedure.counter, now) if form.procedure.counter else None
    return build_receipt(form.procedure, sid, now, ticket)
