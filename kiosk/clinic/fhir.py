"""FHIR R4 ``Patient`` and ``Coverage`` for a clinic check-in, validated with ``fhir.resources``.

``fhir.resources`` 8 defaults to FHIR R5; its ``R4B`` package holds the R4-compatible models (Patient
and Coverage are unchanged between R4 and R4B), so the resources are built and validated with those. The
identifier systems for the personal ID number and the BHYT card are not published by a Vietnamese
authority (UNCONFIRMED): they are parameters, with kiosk defaults.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B.coverage import Coverage
from fhir.resources.R4B.patient import Patient
from pydantic import ValidationError

from kiosk.address.outputs import fhir_address
from kiosk.clinic.insurance import CardCheckResult
from kiosk.errors import KioskError
from kiosk.workflows.fill import FilledForm

GENDERS = {"M": "male", "F": "female"}
# fhir.resources checks structure, cardinality and datatypes but not value-set bindings: the required bindings
# used here are checked by this module.
ADMINISTRATIVE_GENDER = frozenset({"male", "female", "other", "unknown"})
COVERAGE_STATUS = frozenset({"active", "cancelled", "draft", "entered-in-error"})
NATIONALITY_EXT = "http://hl7.org/fhir/StructureDefinition/patient-nationality"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"


@dataclass(frozen=True)
class IdentifierSystems:
    personal_id: str = "urn:vn:cccd-kiosk:so-dinh-danh-ca-nhan"
    bhyt_card: str = "urn:vn:cccd-kiosk:ma-the-bhyt"
    payor_name: str = "Bảo hiểm xã hội Việt Nam"


class FhirValidationError(KioskError):
    code = "fhir-invalid"

    def __init__(self, resource: str, errors: int) -> None:
        super().__init__(
            f"The {resource} resource failed FHIR R4 validation ({errors} error(s))",
            field=resource,
            message_vi="Dữ liệu không đúng chuẩn FHIR. Hãy báo cho nhân viên kỹ thuật.",
        )


def _validated(model: type[Patient] | type[Coverage], data: dict[str, Any]) -> dict[str, Any]:
    if data.get("gender", "unknown") not in ADMINISTRATIVE_GENDER:
        raise FhirValidationError(data["resourceType"], 1)
    if data["resourceType"] == "Coverage" and data.get("status") not in COVERAGE_STATUS:
        raise FhirValidationError(data["resourceType"], 1)
    try:
        resource = model.model_validate(data)
    except ValidationError as exc:
        raise FhirValidationError(data["resourceType"], exc.error_count()) from None
    out: dict[str, Any] = json.loads(resource.model_dump_json(exclude_none=True))
    return out


def patient_resource(
    form: FilledForm, systems: IdentifierSystems | None = None, patient_id: str | None = None
) -> dict[str, Any]:
    systems = systems or IdentifierSystems()
    name = form.get("full_name") or ""
    parts = name.split()
    data: dict[str, Any] = {
        "resourceType": "Patient",
        "id": patient_id or uuid.uuid4().hex,
        "identifier": [
            {
                "use": "official",
                "system": systems.personal_id,
                "value": form.get("id_number"),
                "type": {"coding": [{"system": V2_0203, "code": "NI"}], "text": "Số định danh cá nhân"},
            }
        ],
        "name": [
            {
                "use": "official",
                "text": name,
                "family": parts[0] if parts else None,
                "given": parts[1:] or None,
            }
        ],
        "gender": GENDERS.get(form.get("sex") or "", "unknown"),
        "birthDate": form.get("date_of_birth"),
    }
    if form.address is not None:  # in the current units, as the person confirmed it
        data["address"] = [fhir_address(form.address)]
    elif form.get("residence"):
        data["address"] = [{"use": "home", "text": form.get("residence"), "country": "VN"}]
    if form.get("phone"):
        data["telecom"] = [{"system": "phone", "value": form.get("phone"), "use": "mobile"}]
    if form.get("nationality"):
        data["extension"] = [
            {
                "url": NATIONALITY_EXT,
                "extension": [{"url": "code", "valueCodeableConcept": {"text": form.get("nationality")}}],
            }
        ]
    return _validated(Patient, data)


def coverage_resource(
    card: CardCheckResult, patient_id: str, systems: IdentifierSystems | None = None
) -> dict[str, Any]:
    """The BHYT coverage found by the card check; ``status`` active only when the card is usable."""
    systems = systems or IdentifierSystems()
    data: dict[str, Any] = {
        "resourceType": "Coverage",
        "id": uuid.uuid4().hex,
        "status": "active" if card.usable else "cancelled",
        "beneficiary": {"reference": f"Patient/{patient_id}"},
        "payor": [{"display": systems.payor_name}],
        "type": {"text": "Bảo hiểm y tế"},
    }
    if card.card_number:
        data["identifier"] = [{"system": systems.bhyt_card, "value": card.card_number}]
        data["subscriberId"] = card.card_number
    period = {}
    if card.valid_from:
        period["start"] = card.valid_from.isoformat()
    if card.valid_to:
        period["end"] = card.valid_to.isoformat()
    if period:
        data["period"] = period
    if card.registered_facility:
        # The registered primary-care facility (MA_DKBD) is the plan's network in FHIR terms.
        data["network"] = card.registered_facility
    return _validated(Coverage, data)
