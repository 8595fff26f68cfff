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


def _identity(data: dict[str, Any]) -> dict[str, Any]:
    """Every kind concerns a person: ``data.identity`` with a full name and an ID or document number."""
    identity = _require_object(data, "identity", "data")
    _require_text(identity, "full_name", "data.identity")
    if not any(
        isinstance(identity.get(k), str) and identity[k].strip() for k in ("id_number", "document_number")
    ):
        raise unprocessable(
            "invalid-field",
            "data.identity needs id_number or document_number",
            field="data.identity.id_number",
        )
    return identity


def validate_one_stop(data: dict[str, Any], evidence: dict[str, Any]) -> None:
    _identity(data)
    _require_text(data, "procedure", "data")


def validate_clinic(data: dict[str, Any], evidence: dict[str, Any]) -> None:
    _identity(data)


def validate_lodging(data: dict[str, Any], evidence: dict[str, Any]) -> None:
    _identity(data)
    _require_text(data, "arrival", "data")


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
