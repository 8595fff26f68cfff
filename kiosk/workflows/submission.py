"""Turns a complete filled form into what the outbox queues (``kind``, ``data``, ``evidence``); the workflow's
own additions come from its plugin (``kiosk.workflows.submit`` is the one road to the outbox)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk.workflows.errors import FormError
from kiosk.workflows.fill import FilledForm


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
