"""Clinic check-in: the BHYT card is checked through the clinic's relay before consent (its result code and the
next step are shown on a screen; offline or timed out, check-in goes on flagged "chưa kiểm tra thẻ"), and the
submission carries the QĐ 130 check-in row and XML and a FHIR R4B Bundle (Patient, Coverage, Encounter)."""

from __future__ import annotations

from typing import Any

from kiosk.workflows.clinic import CardCheck, build_check_in, card_step, check_card, new_visit
from kiosk.workflows.plugin import Notice, Visit, WorkflowContext, WorkflowPlugin, issue_ticket


class ClinicPlugin(WorkflowPlugin):
    kind = "clinic"

    def before_consent(self, visit: Visit, ctx: WorkflowContext) -> list[Notice]:
        checked = check_card(visit.form, ctx.card_check)
        step = card_step(checked, visit.profile)
        visit.state["card_check"], visit.state["next_step"] = checked, step
        visit.outputs["card_check"] = {"code": step.notice()["code"], "checked": checked.card is not None,
                                       "flag": step.flag, "action": step.action}
        return [Notice(**step.notice())]

    def submission_extra(self, visit: Visit, ctx: WorkflowContext) -> dict[str, Any]:
        checked = visit.state.get("card_check")
        if not isinstance(checked, CardCheck):  # a caller that skipped the step
            self.before_consent(visit, ctx)
            checked = visit.state["card_check"]
        check_in = build_check_in(visit.form, checked, visit.state["next_step"], new_visit(visit.profile, visit.now))
        extra = check_in.to_dict()
        visit.outputs.update({"card_check": extra["card_check"], "qd130_xml": extra["qd130_xml"],
                              "fhir": extra["fhir"]})
        return extra

    def after_saved(self, visit: Visit, sid: str, ctx: WorkflowContext) -> None:
        issue_ticket(visit, ctx)


PLUGIN = ClinicPlugin()
