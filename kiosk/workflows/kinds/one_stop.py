"""One-stop desk: a dossier (CT01 and the residence procedures) with its PDF form attached, and a queue ticket
for the procedure's counter once the dossier is saved (printed at once, shown on the done screen)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from kiosk.workflows.fill import FilledForm
from kiosk.workflows.plugin import Document, Visit, WorkflowContext, WorkflowPlugin, issue_ticket

if TYPE_CHECKING:
    from kiosk.forms.ct01_pdf import Attachment



def _ct01(form: FilledForm, *, signed_on: date) -> Attachment:
    # fpdf2 and its fonts load at the first dossier (or in the background once the kiosk is up,
    # ``kiosk.workflows.kinds.preload``), not while the kiosk starts.
    from kiosk.forms.ct01_pdf import ct01_attachment

    return ct01_attachment(form, signed_on=signed_on)


# The procedures' ``renderer`` → the official form it renders (attached to the dossier, printed on request).
RENDERERS: dict[str, Callable[..., Attachment]] = {"ct01": _ct01}


def attachment_json(attachment: Attachment) -> dict[str, Any]:
    """An attachment as the submission carries it (``wire.schemas.Attachment``)."""
    return {"name": attachment.filename, "media_type": attachment.media_type,
            "sha256": hashlib.sha256(attachment.content).hexdigest(),
            "content_base64": base64.b64encode(attachment.content).decode("ascii")}


def render(form: FilledForm, signed_on: date) -> Attachment | None:
    renderer = RENDERERS.get(form.procedure.renderer or "")
    return renderer(form, signed_on=signed_on) if renderer is not None else None


class OneStopPlugin(WorkflowPlugin):
    kind = "one-stop"

    def submission_extra(self, visit: Visit, ctx: WorkflowContext) -> dict[str, Any]:
        procedure = visit.form.procedure
        extra: dict[str, Any] = {"renderer": procedure.renderer}
        attachment = render(visit.form, visit.today)
        if attachment is None:
            return extra
        extra["attachments"] = [attachment_json(attachment)]
        if ctx.documents is not None:
            ctx.documents.mkdir(parents=True, exist_ok=True, mode=0o700)
            path = ctx.documents / attachment.filename
            path.write_bytes(attachment.content)
            path.chmod(0o600)
            label = (procedure.renderer or "").upper()
            visit.state["documents"] = [Document(procedure.renderer or "form", f"Tờ khai {label}", f"Form {label}",
                                                 path, attachment.media_type)]
            visit.outputs[f"{procedure.renderer}_pdf"] = str(path)
        return extra

    def after_saved(self, visit: Visit, sid: str, ctx: WorkflowContext) -> None:
        issue_ticket(visit, ctx)


PLUGIN = OneStopPlugin()
