"""Lodging: a guest checks in; the guest is kept in the establishment's register until declared to the police,
with the legal deadline for that declaration."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.lodging.deadline import deadline, deadline_lines
from kiosk.lodging.guest import check_lodging_form, guest_from_form
from kiosk.lodging.register import GuestRegister
from kiosk.workflows.fill import FilledForm
from kiosk.workflows.plugin import Visit, WorkflowContext, WorkflowPlugin


class LodgingPlugin(WorkflowPlugin):
    kind = "lodging"

    def open_services(self, ctx: WorkflowContext, state_dir: Path, settings: dict[str, Any]) -> None:
        if ctx.guests is None:
            ctx.guests = GuestRegister(state_dir / "lodging", remote_area=bool(settings.get("remote_area", False)))

    def check_form(self, form: FilledForm) -> None:
        check_lodging_form(form)

    def submission_extra(self, visit: Visit, ctx: WorkflowContext) -> dict[str, Any]:
        guest = guest_from_form(visit.form)
        remote = bool(visit.profile.settings.get("remote_area", False))
        due = deadline(datetime.fromisoformat(guest.arrival), foreign=guest.foreign, remote=remote)
        visit.state["guest"] = guest
        visit.outputs["deadline"] = due.to_dict(visit.now)
        visit.outputs["foreign"] = guest.foreign
        return {"arrival": guest.arrival, "deadline": due.to_dict()}

    def receipt(self, visit: Visit, sid: str, ctx: WorkflowContext) -> dict[str, Any]:
        """The receipt, with the legal deadline by which the establishment declares the guest (a foreigner's is
        12 hours from arrival, 24 hours in remote areas)."""
        receipt = super().receipt(visit, sid, ctx)
        due = visit.outputs.get("deadline")
        if isinstance(due, dict) and due.get("due"):
            vi, en = deadline_lines(str(due["rule"]), datetime.fromisoformat(str(due["due"])))
            receipt["lines_vi"].insert(-1, vi)
            receipt["lines_en"].insert(-1, en)
            receipt["deadline"] = {"due": due["due"], "rule": due["rule"], "foreign": bool(visit.outputs["foreign"])}
        return receipt

    def after_saved(self, visit: Visit, sid: str, ctx: WorkflowContext) -> None:
        guest = visit.state.get("guest")
        if ctx.guests is not None and guest is not None:
            ctx.guests.add(guest)


PLUGIN = LodgingPlugin()
