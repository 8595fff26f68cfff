"""Turns a complete filled form into what the outbox queues (``kind``, ``data``, ``evidence``) and queues it.

``submit_dossier`` is used by every workflow: the one-stop desk (CT01 dossiers), the clinic (check-in with its
QĐ 130 row and FHIR resources as ``extra``) and lodging where an establishment sends its register to the intake.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from kiosk.workflows.errors import FormError
from kiosk.workflows.fill import FilledForm
from kiosk.workflows.model import Profile
from kiosk.workflows.receipt import build_receipt
from kiosk.workflows.tickets import TicketDispenser
from kiosk.workflows.values import VN_TZ


class IncompleteFormError(FormError):
    code = "form-incomplete"

    def __init__(self, missing: list[str], errors: int) -> None:
        super().__init__(
            f"The form cannot be submitted: {len(missing)} field(s) missing ({', '.join(missing)}), "
            f"{errors} invalid value(s)",
            field=missing[0] if missing else None,
            message_vi="Tờ khai chưa đầy đủ hoặc có thông tin chưa hợp lệ. "
            "Hãy hoàn thành các trường được đánh dấu.",
        )


@dataclass(frozen=True)
class Submission:
    kind: str
    data: dict[str, Any]
    evidence: dict[str, Any]


class Outbox(Protocol):
    def submit(self, kind: str, data: dict[str, Any], evidence: dict[str, Any]) -> Any: ...


def build_submission(form: FilledForm, extra: dict[str, Any] | None = None) -> Submission:
    """The submission of a complete form; ``extra`` adds workflow outputs (QĐ 130 row, deadline...)."""
    if not form.complete:
        raise IncompleteFormError(form.missing, len(form.errors))
    proc = form.procedure
    data: dict[str, Any] = {
        "procedure": proc.id,
        "procedure_code": proc.code,
        "form_id": proc.form,
        "form": form.data(),
    }
    if form.address is not None:  # raw text, current units with codes, and the data version that converted it
        data["address"] = form.address.to_dict()
    if extra:
        data.update(extra)
    return Submission(proc.kind, data, form.evidence())


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
