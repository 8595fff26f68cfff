"""One-stop desk: a dossier (CT01 and the residence procedures) with its PDF form attached, and a queue ticket
for the procedure's counter once the dossier is saved."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from kiosk.forms.ct01_pdf import render_ct01
from kiosk.workflows.plugin import Document, Visit, WorkflowContext, WorkflowPlugin, issue_ticket

PDF_RENDERERS = {"ct01": render_ct01}


class OneStopPlugin(WorkflowPlugin):
    kind = "one-stop"

    def submission_extra(self, visit: Visit, ctx: WorkflowContext) -> dict[str, Any]:
        procedure = visit.form.procedure
        extra: dict[str, Any] = {"renderer": procedure.renderer}
        render = PDF_RENDERERS.get(procedure.renderer or "")
        if render is None:
            return extra
        pdf = render(visit.form, signed_on=visit.today)
        name = f"{procedure.renderer}.pdf"
        extra["attachments"] = [{"name": name, "media_type": "application/pdf",
                                 "sha256": hashlib.sha256(pdf).hexdigest(),
                                 "content_base64": base64.b64encode(pdf).decode("ascii")}]
        if ctx.documents is not None:
            ctx.documents.mkdir(parents=True, exist_ok=True, mode=0o700)
            path = ctx.documents / f"{procedure.renderer}-{visit.now.strftime('%Y%m%d-%H%M%S-%f')}.pdf"
            path.write_bytes(pdf)
            path.chmod(0o600)
            label = (procedure.renderer or "").upper()
            visit.state["documents"] = [Document(name, f"Tờ khai {label}", f"Form {label}", path)]
            visit.outputs[f"{procedure.renderer}_pdf"] = str(path)
        return extra

    def after_saved(self, visit: Visit, sid: str, ctx: WorkflowContext) -> None:
        issue_ticket(visit, ctx)


PLUGIN = OneStopPlugin()
