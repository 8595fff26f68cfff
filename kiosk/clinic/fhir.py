"""FHIR R4B ``Patient``, ``Coverage``, ``Encounter`` and the check-in ``Bundle``, validated with ``fhir.resources``.

``fhir.resources`` 8 defaults to FHIR R5; its ``R4B`` package holds the R4-compatible models (Patient
and Coverage are unchanged between R4 and R4B), so the resources are built and validated with those. No
Vietnamese authority publishes identifier systems for the personal ID number, the BHYT card, the HIS patient id
or the visit key (UNCONFIRMED): the kiosk's own URNs below are stable (documented in docs/workflows.md) and are
parameters (``IdentifierSystems``) so a clinic can map them to its HIS's.

A clinic workflow plugin calls ``checkin_bundle(form, card, visit)`` once the card check is done and puts the
result in the submission: a ``collection`` Bundle with Patient, Coverage (when a card number is known) and an
``arrived`` ambulatory Encounter for the QĐ 130 visit (``MA_LK``).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.coverage import Coverage
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.patient import Patient
from pydantic import ValidationError

from kiosk.address.outputs import fhir_address
from kiosk.clinic.insurance import CardCheckResult
from kiosk.clinic.qd130 import VisitInfo
from kiosk.errors import KioskError
from kiosk.mrz_states import ISO_3166_1
from kiosk.workflows.fill import FilledForm

GENDERS = {"M": "male", "F": "female"}
# fhir.resources checks structure, cardinality and datatypes but not value-set bindings: the required bindings
# used here are checked by this module.
ADMINISTRATIVE_GENDER = frozenset({"male", "female", "other", "unknown"})
COVERAGE_STATUS = frozenset({"active", "cancelled", "draft", "entered-in-error"})
NATIONALITY_EXT = "http://hl7.org/fhir/StructureDefinition/patient-nationality"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
PASSPORT_SYSTEM = "http://hl7.org/fhir/sid/passport"
ISO_ALPHA3 = {"D": "DEU"}  # ICAO 9303-3's one code that is not ISO 3166-1 alpha-3 in form (Germany)


V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"


@dataclass(frozen=True)
class IdentifierSystems:
    """The identifier systems of the check-in resources; ``{facility}`` is the clinic's ``MA_CSKCB``."""

    personal_id: str = "urn:vn:cccd-kiosk:so-dinh-danh-ca-nhan"
    bhyt_card: str = "urn:vn:cccd-kiosk:ma-the-bhyt"
    facility: str = "urn:vn:cccd-kiosk:ma-cskcb"
    his_patient: str = "urn:vn:cccd-kiosk:cskcb:{facility}:ma-bn"
    visit: str = "urn:vn:cccd-kiosk:cskcb:{facility}:ma-lk"
    payor_name: str = "Bảo hiểm xã hội Việt Nam"


class FhirValidationError(KioskError):
    code = "fhir-invalid"

    def __init__(self, resource: str, errors: int) -> None:
        super().__init__(
            f"The {resource} resource failed FHIR R4 validation ({errors} error(s))",
            field=resource,
            message_vi="Dữ liệu không đúng chuẩn FHIR. Hãy báo cho nhân viên kỹ thuật.",
        )


def _validated(model: type[Patient] | type[Coverage] | type[Encounter] | type[Bundle],
               data: dict[str, Any]) -> dict[str, Any]:
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


def passport_identifier(number: str, issuer: str) -> dict[str, Any]:
    """A passport as a Patient identifier: type PPN, in HL7's namespace for the issuing State's passport numbers
    (``http://hl7.org/fhir/sid/passport-XXX``, XXX its ISO 3166 alpha-3 code); no system when the State is
    unknown or not a country (ICAO's codes for organisations and refugees' documents)."""
    identifier: dict[str, Any] = {"use": "official", "value": number,
                                  "type": {"coding": [{"system": V2_0203, "code": "PPN"}], "text": "Số hộ chiếu"}}
    state = ISO_ALPHA3.get(issuer, issuer)
    if state in ISO_3166_1:
        identifier["system"] = f"{PASSPORT_SYSTEM}-{state}"
    return identifier


def patient_resource(
    form: FilledForm,
    systems: IdentifierSystems | None = None,
    patient_id: str | None = None,
    *,
    his_patient_id: str = "",
    facility_code: str = "",
) -> dict[str, Any]:
    """The patient; ``his_patient_id`` (``MA_BN`` from the clinic's HIS) is added as a second identifier when known."""
    systems = systems or IdentifierSystems()
    name = form.get("full_name") or ""
    parts = name.split()
    data: dict[str, Any] = {
        "resourceType": "Patient",
        "id": patient_id or str(uuid.uuid4()),
        "identifier": [],
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
    if form.get("id_number"):
        data["identifier"].append({"use": "official", "system": systems.personal_id, "value": form.get("id_number"),
                                   "type": {"coding": [{"system": V2_0203, "code": "NI"}],
                                            "text": "Số định danh cá nhân"}})
    if form.get("passport_number"):
        data["identifier"].append(passport_identifier(str(form.get("passport_number")),
                                                      str(form.get("passport_issuer") or "")))
    if his_patient_id:
        data["identifier"].append({"use": "usual", "system": systems.his_patient.format(facility=facility_code),
                                   "value": his_patient_id,
                                   "type": {"coding": [{"system": V2_0203, "code": "MR"}], "text": "Mã bệnh nhân"}})
    if not data["identifier"]:
        del data["identifier"]
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
    card: CardCheckResult, patient_id: str, systems: IdentifierSystems | None = None, *, patient_ref: str = ""
) -> dict[str, Any]:
    """The BHYT coverage found by the card check; ``status`` active only when the card is usable."""
    systems = systems or IdentifierSystems()
    data: dict[str, Any] = {
        "resourceType": "Coverage",
        "id": str(uuid.uuid4()),
        "status": "active" if card.usable else "cancelled",
        "beneficiary": {"reference": patient_ref or f"Patient/{patient_id}"},
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


def encounter_resource(
    visit: VisitInfo, patient_id: str, systems: IdentifierSystems | None = None, *, patient_ref: str = ""
) -> dict[str, Any]:
    """The visit as an ambulatory Encounter that has ``arrived``: ``MA_LK`` as identifier, ``NGAY_VAO`` as start."""
    systems = systems or IdentifierSystems()
    data: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": str(uuid.uuid4()),
        "identifier": [{"system": systems.visit.format(facility=visit.facility_code), "value": visit.visit_key}],
        "status": "arrived",
        "class": {"system": V3_ACT_CODE, "code": "AMB", "display": "ambulatory"},
        "subject": {"reference": patient_ref or f"Patient/{patient_id}"},
        "period": {"start": visit.arrived_at.isoformat()},
    }
    if visit.facility_code:
        data["serviceProvider"] = {"identifier": {"system": systems.facility, "value": visit.facility_code}}
    return _validated(Encounter, data)


def checkin_bundle(
    form: FilledForm, card: CardCheckResult | None, visit: VisitInfo, systems: IdentifierSystems | None = None
) -> dict[str, Any]:
    """The check-in as one FHIR R4B ``collection`` Bundle: Patient, Coverage (when a card number is known) and
    Encounter, each with a ``urn:uuid:`` full URL. ``MA_BN`` comes from the relay's answer, never from the kiosk."""
    systems = systems or IdentifierSystems()
    his_id = (card.his_patient_id if card is not None else "") or visit.patient_id
    patient = patient_resource(form, systems, his_patient_id=his_id, facility_code=visit.facility_code)
    ref = f"urn:uuid:{patient['id']}"  # references resolve inside the Bundle by full URL
    resources = [patient]
    if card is not None and card.card_number:
        resources.append(coverage_resource(card, patient["id"], systems, patient_ref=ref))
    resources.append(encounter_resource(visit, patient["id"], systems, patient_ref=ref))
    bundle = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "collection",
        "timestamp": visit.arrived_at.isoformat(),
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }
    return _validated(Bundle, bundle)
