"""Clinic check-in: the BHYT card is checked through the clinic's relay before consent, and the submission
carries the QĐ 130 check-in row and XML and a FHIR R4B Bundle (Patient, Coverage)."""

from __future__ import annotations

from typing import Any

from kiosk.clinic.insurance import CardCheckResult
from kiosk.workflows.clinic import CardCheck, build_check_in, check_card, new_visit
from kiosk.workflows.plugin import Notice, NoticeLevel, Visit, WorkflowContext, WorkflowPlugin, issue_ticket

NOT_CHECKED = "chưa kiểm tra thẻ"  # the flag reception sees when the card could not be checked
# By the outcome of the card check: how serious, and the next step for the patient (Vietnamese, English).
NEXT_STEPS: dict[str, tuple[NoticeLevel, str, str]] = {
    "valid": ("ok", "Mời bạn tiếp tục đăng ký khám.", "Please continue your check-in."),
    "valid-new-card": ("ok", "Bạn đã có thẻ BHYT mới; kiosk dùng mã thẻ mới. Mời bạn tiếp tục.",
                       "A new BHYT card was issued to you; the kiosk uses its number. Please continue."),
    "invalid": ("warn", "Lần khám này có thể không được BHYT chi trả. Bạn vẫn tiếp tục đăng ký; "
                        "quầy tiếp đón sẽ giải thích.",
                "This visit may not be covered by BHYT. You can still check in; reception will explain."),
    "mismatch": ("stop", "Thông tin thẻ không khớp. Sau khi đăng ký, mời bạn đến quầy tiếp đón để đối chiếu.",
                 "The card details do not match. After checking in, please go to reception to compare them."),
    "retry": ("warn", "Chưa kiểm tra được thẻ lúc này. Bạn vẫn tiếp tục đăng ký; quầy tiếp đón sẽ kiểm tra sau.",
              "The card could not be checked now. You can still check in; reception will check it later."),
    "unknown": ("warn", "Kết quả kiểm tra thẻ chưa rõ. Mời bạn tiếp tục; quầy tiếp đón sẽ kiểm tra lại.",
                "The card check result is unclear. Please continue; reception will check again."),
}


def card_notice(checked: CardCheck) -> Notice:
    """The card check as the patient reads it: the result code and the next step."""
    card = checked.card
    if card is None:
        reason = checked.error.code if checked.error is not None else "card-check-skipped"
        return Notice(reason, "warn", "Chưa kiểm tra được thẻ BHYT", "The BHYT card could not be checked",
                      "Bạn vẫn tiếp tục đăng ký khám; quầy tiếp đón sẽ kiểm tra thẻ sau.",
                      "You can still check in; reception will check the card later.", flag=NOT_CHECKED)
    level, next_vi, next_en = NEXT_STEPS[card.info.outcome]
    return Notice(card.code, level, f"Kết quả kiểm tra thẻ BHYT: {card.code}",
                  f"BHYT card check result: {card.code}", f"{card.info.message_vi}\n{next_vi}",
                  f"{card.info.message_en}.\n{next_en}",
                  flag=None if card.usable else ("cần đối chiếu thẻ" if level == "stop" else None))


class ClinicPlugin(WorkflowPlugin):
    kind = "clinic"

    def before_consent(self, visit: Visit, ctx: WorkflowContext) -> list[Notice]:
        checked = check_card(visit.form, ctx.card_check)
        visit.state["card_check"] = checked
        notice = card_notice(checked)
        visit.outputs["card_check"] = _card_output(checked.card, notice)
        return [notice]

    def submission_extra(self, visit: Visit, ctx: WorkflowContext) -> dict[str, Any]:
        checked = visit.state.get("card_check")
        if not isinstance(checked, CardCheck):  # a caller that skipped the step: check now
            self.before_consent(visit, ctx)
            checked = visit.state["card_check"]
        check_in = build_check_in(visit.form, checked, new_visit(visit.profile, visit.now))
        extra = check_in.submission_extra()
        notice = card_notice(checked)
        extra["card_check"] = _card_output(checked.card, notice)
        extra["flags"] = [notice.flag] if notice.flag else []
        visit.outputs.update({"qd130_xml": extra["qd130_xml"], "fhir": extra["fhir"]})
        return extra

    def after_saved(self, visit: Visit, sid: str, ctx: WorkflowContext) -> None:
        issue_ticket(visit, ctx)


def _card_output(card: CardCheckResult | None, notice: Notice) -> dict[str, Any]:
    out = card.to_dict() if card is not None else {"code": notice.code, "usable": False}
    out["checked"] = card is not None
    out["flag"] = notice.flag
    return out


PLUGIN = ClinicPlugin()
