"""Validation of each kind's payload: the contract's schema (``wire.schemas``), the same one the kiosk checks a
submission against before queueing it.

``validate`` gets the ``data`` and ``evidence`` objects of a verified submission and raises ``IntakeError`` (422)
naming the field, never echoing its value. A kind the contract has no schema for is held to the part every kind
shares (the procedure and a form naming the person).
"""

from __future__ import annotations

from typing import Any

from intake.errors import unprocessable
from wire.errors import PayloadSchemaError
from wire.schemas import check_submission

KIND_MAX_LENGTH = 32


def validate(kind: str, data: Any, evidence: Any) -> None:
    if not isinstance(kind, str) or not kind or len(kind) > KIND_MAX_LENGTH:
        raise unprocessable("unknown-kind", "unknown submission kind", field="kind")
    try:
        check_submission(kind, data, evidence)
    except PayloadSchemaError as exc:
        raise unprocessable(exc.code, exc.message, exc.field) from exc
