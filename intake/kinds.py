"""Minimal structural validation of each kind's payload (the workflows add their own rules here).

Each validator gets the ``data`` and ``evidence`` objects of a verified submission and raises ``IntakeError``
(422) naming the field, never echoing its value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from intake.errors import unprocessable

Validator = Callable[[dict[str, Any], dict[str, Any]], None]


def _require_object(container: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = container.get(key)
    if not isinstance(value, dict):
        raise unprocessable("invalid-field", f"{where}.{key} must be an object", field=f"{where}.{key}")
    return value


def _require_text(container: dict[str, Any], key: str, where: str) -> str:
    value = container.get(key)
    if not isinstance(value, str) or not value.strip():
        raise unprocessable("invalid-field", f"{where}.{key} must be non-empty text", field=f"{where}.{key}")
    return value


def _form(data: dict[str, Any]) -> dict[str, Any]:
    """What ``kiosk.workflows.submission.build_submission`` produces for every kind: ``data.procedure`` (the
    procedure id) and ``data.form`` (the form's values) naming a person by full name and ID or document number."""
    _require_text(data, "procedure", "data")
    form = _require_object(data, "form", "data")
    _require_text(form, "full_name", "data.form")
    if not any(isinstance(form.get(k), str) and form[k].strip() for k in ("id_number", "document_number")):
        raise unprocessable(
            "invalid-field", "data.form needs id_number or document_number", field="data.form.id_number"
        )
    return form


def validate_one_stop(data: dict[str, Any], evidence: dict[str, Any]) -> None:
    _form(data)


def validate_clinic(data: dict[str, Any], evidence: dict[str, Any]) -> None:
    _form(data)


def validate_lodging(data: dict[str, Any], evidence: dict[str, Any]) -> None:
    _require_text(_form(data), "arrival", "data.form")


VALIDATORS: dict[str, Validator] = {
    "one-stop": validate_one_stop,
    "clinic": validate_clinic,
    "lodging": validate_lodging,
}


def validate(kind: str, data: Any, evidence: Any) -> None:
    validator = VALIDATORS.get(kind)
    if validator is None:
        raise unprocessable("unknown-kind", "unknown submission kind", field="kind")
    if not isinstance(data, dict):
        raise unprocessable("invalid-field", "data must be an object", field="data")
    if not isinstance(evidence, dict):
        raise unprocessable("invalid-field", "evidence must be an object", field="evidence")
    validator(data, evidence)
