"""Submitting a complete form: queue it durably, then give the queue ticket and the receipt.

Used by every workflow: the one-stop desk (CT01 dossiers), the clinic (check-in with its QĐ 130 row and FHIR
resources as ``extra``) and, where an establishment sends its register to the intake, lodging.
"""

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
    dispenser: TicketDispenser | None,
    profile: Profile,
    now: datetime | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Queue the form (plus ``extra`` workflow outputs), then give a queue ticket and the receipt.

    The ticket is issued only once the outbox has committed the submission, so a ticket always matches a
    dossier that will reach the intake. No ticket when the procedure names no counter or no dispenser is given.
    """
    now = (now or datetime.now(VN_TZ)).astimezone(VN_TZ)
    submission = build_submission(form, {"renderer": form.procedure.renderer, **(extra or {})})
    saved = outbox.submit(submission.kind, submission.data, submission.evidence)
    sid = str(getattr(saved, "sid", saved))
    counter = form.procedure.counter
    ticket = dispenser.issue(profile, counter, now) if counter and dispenser is not None else None
    return build_receipt(form.procedure, sid, now, ticket)
