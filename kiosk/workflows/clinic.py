"""Clinic check-in: card check through the clinic's system, QĐ 130 check-in row, FHIR R4B resources."""

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
    """A visit with a kiosk-assigned key (``MA_LK``). ``MA_BN`` stays blank: the clinic's HIS assigns it."""
    settings = profile.settings
    return VisitInfo(
        visit_key=uuid.uuid4().hex,
        patient_id="",
        facility_code=str(settings.get("facility_code", "")),
        visit_kind=str(settings.get("visit_kind", "01")),
        patient_category=str(settings.get("patient_category", "")),
        arrived_at=(now or datetime.now(VN_TZ)).astimezone(VN_TZ),
    )


@dataclass
class CardCheck:
    """The card check's answer, or why there is none (``error``; ``None`` with no answer: not attempted)."""

    card: CardCheckResult | None
    error: CardCheckUnavailableError | None


def check_card(form: FilledForm, adapter: CardCheckAdapter | None) -> CardCheck:
    """Check the card (if an adapter is configured and the form has what the lookup needs).

    A failed lookup never blocks the visit (CV 931/BYT-BH): it is reported and the visit goes on without BHYT.
    """
    request = card_request(form)
    if adapter is None or request is None:
        return CardCheck(None, None)
    try:
        return CardCheck(adapter.check(request), None)
    except CardCheckUnavailableError as exc:
        return CardCheck(None, exc)


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
            "qd130_xml": checkin_xml([self.row]).decode(),
            "fhir": {"patient": self.patient, "coverage": self.coverage},
            "card_check": self.card.to_dict() if self.card else None,
            "card_check_raw": raw,
        }


def build_check_in(form: FilledForm, checked: CardCheck, visit: VisitInfo) -> CheckIn:
    """The check-in records of a visit whose card was checked (or could not be)."""
    card = checked.card
    patient = patient_resource(form, patient_id=visit.visit_key)
    coverage = coverage_resource(card, patient["id"]) if card is not None and card.card_number else None
    return CheckIn(card, checked.error, checkin_row(form, visit, card), patient, coverage)


def check_in(form: FilledForm, adapter: CardCheckAdapter | None, visit: VisitInfo) -> CheckIn:
    """Check the card, then build the check-in records."""
    return build_check_in(form, check_card(form, adapter), visit)
