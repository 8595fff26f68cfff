"""Clinic check-in: card check through the clinic's system, QĐ 130 check-in row, FHIR R4 resources."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from kiosk.clinic.fhir import coverage_resource, patient_resource
from kiosk.clinic.insurance import (
    CardCheckAdapter,
    CardCheckRequest,
    CardCheckResult,
    CardCheckUnavailableError,
)
from kiosk.clinic.qd130 import VisitInfo, checkin_row, checkin_xml
from kiosk.workflows.fill import FilledForm
from kiosk.workflows.model import Profile
from kiosk.workflows.values import VN_TZ


def card_request(form: FilledForm) -> CardCheckRequest | None:
    """The lookup for this patient: the paper card number if typed, else the 12-digit ID number."""
    number = form.get("insurance_card") or form.get("id_number")
    name, born = form.get("full_name"), form.get("date_of_birth")
    if not (number and name and born):
        return None
    return CardCheckRequest(number, name, date.fromisoformat(born))


def new_visit(profile: Profile, now: datetime | None = None) -> VisitInfo:
    """A visit with kiosk-assigned keys; the clinic system may replace ``MA_BN`` with its own patient id."""
    key = uuid.uuid4().hex
    settings = profile.settings
    return VisitInfo(
        visit_key=key,
        patient_id="KIOSK" + key[:10].upper(),
        facility_code=str(settings.get("facility_code", "")),
        visit_kind=str(settings.get("visit_kind", "01")),
        patient_category=str(settings.get("patient_category", "")),
        arrived_at=(now or datetime.now(VN_TZ)).astimezone(VN_TZ),
    )


@dataclass
class CheckIn:
    card: CardCheckResult | None
    card_error: CardCheckUnavailableError | None
    row: dict[str, str]
    patient: dict[str, Any]
    coverage: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "card_check": self.card.to_dict() if self.card else None,
            "card_check_error": self.card_error.to_dict() if self.card_error else None,
            "qd130": self.row,
            "qd130_xml": checkin_xml([self.row]).decode(),
            "fhir": {"version": "4.3.0 (R4B)", "patient": self.patient, "coverage": self.coverage},
        }

    def submission_extra(self) -> dict[str, Any]:
        raw = dict(self.card.raw) if self.card else None
        if raw is not None:
            raw.pop("dsLichSuKT2018", None)  # the gateway's staff lookup log is not the patient's data
        return {
            "qd130": self.row,
            "fhir": {"patient": self.patient, "coverage": self.coverage},
            "card_check": self.card.to_dict() if self.card else None,
            "card_check_raw": raw,
        }


def check_in(form: FilledForm, adapter: CardCheckAdapter | None, visit: VisitInfo) -> CheckIn:
    """Check the card (if an adapter is configured and the form has what the lookup needs), then
    build outputs.

    A failed lookup never blocks the visit (CV 931/BYT-BH): it is reported and the visit goes on without BHYT.
    """
    card: CardCheckResult | None = None
    error: CardCheckUnavailableError | None = None
    request = card_request(form)
    if adapter is not None and request is not None:
        try:
            card = adapter.check(request)
        except CardCheckUnavailableError as exc:
            error = exc
    patient = patient_resource(form, patient_id=visit.patient_id)
    coverage = coverage_resource(card, patient["id"]) if card is not None and card.card_number else None
    return CheckIn(card, error, checkin_row(form, visit, card), patient, coverage)
