"""Clinic check-in records: the card check through the clinic relay, its next step, the QĐ 130 check-in row and the
FHIR R4B Bundle (used by the clinic workflow plugin, ``kiosk.workflows.kinds.clinic``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from kiosk.clinic.insurance import (
    CardCheckAdapter,
    CardCheckRequest,
    CardCheckResult,
    CardCheckUnavailableError,
)
from kiosk.clinic.next_step import NO_CARD_STEP, NextStep, next_step
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
    requested: bool = True  # False: nothing to look up (no BHYT card number and no Vietnamese ID number)


def check_card(form: FilledForm, adapter: CardCheckAdapter | None) -> CardCheck:
    """Check the card (if an adapter is configured and the form has what the lookup needs).

    A failed lookup never blocks the visit (CV 931/BYT-BH): it is reported and the visit goes on without BHYT.
    """
    request = card_request(form)
    if request is None:
        return CardCheck(None, None, requested=False)
    if adapter is None:
        return CardCheck(None, None)
    try:
        return CardCheck(adapter.check(request), None)
    except CardCheckUnavailableError as exc:
        return CardCheck(None, exc)


@dataclass
class CheckIn:
    """The check-in records of one visit: the card check and its next step, the QĐ 130 row, the FHIR Bundle."""

    checked: CardCheck
    step: NextStep
    row: dict[str, str]
    bundle: dict[str, Any]

    @property
    def card(self) -> CardCheckResult | None:
        return self.checked.card

    @property
    def card_error(self) -> CardCheckUnavailableError | None:
        return self.checked.error

    def resource(self, resource_type: str) -> dict[str, Any] | None:
        """The Bundle's first resource of a type (``Patient``, ``Coverage``, ``Encounter``)."""
        return next((e["resource"] for e in self.bundle["entry"] if e["resource"]["resourceType"] == resource_type),
                    None)

    def card_output(self) -> dict[str, Any]:
        """The card check as the submission and the demo carry it: the answer (if any) and the next step."""
        out: dict[str, Any] = self.card.to_dict() if self.card is not None else {"usable": False}
        out.update({"code": self.step.notice()["code"], "checked": self.card is not None, "flag": self.step.flag,
                    "next_step": self.step.to_dict()})
        if self.card_error is not None:
            out["error"] = self.card_error.code
        return out

    def to_dict(self) -> dict[str, Any]:
        """What the clinic submission carries besides the form (``wire.schemas.ClinicPayload``)."""
        raw = dict(self.card.raw) if self.card else None
        if raw is not None:
            raw.pop("dsLichSuKT2018", None)  # the gateway's staff lookup log is not the patient's data
        return {
            "card_check": self.card_output(),
            "card_check_raw": raw,
            "flags": [self.step.flag] if self.step.flag else [],
            "qd130": self.row,
            "qd130_xml": checkin_xml([self.row]).decode(),
            "fhir": self.bundle,
        }


def card_step(checked: CardCheck, profile: Profile) -> NextStep:
    """What the patient does next after this card check."""
    if not checked.requested:
        return NO_CARD_STEP
    return next_step(checked.card, facility_code=str(profile.settings.get("facility_code", "")))


def build_check_in(form: FilledForm, checked: CardCheck, step: NextStep, visit: VisitInfo) -> CheckIn:
    """The check-in records of a visit whose card was checked (or could not be). ``MA_BN`` is the one the
    clinic's HIS returned through the relay, else blank."""
    if checked.card is not None and checked.card.his_patient_id:
        visit = replace(visit, patient_id=checked.card.his_patient_id)
    # fhir.resources' models take about a second of CPU to import: they load at the first check-in (or in the
    # background once the kiosk is up, ``kiosk.workflows.kinds.preload``), not while the kiosk starts.
    from kiosk.clinic.fhir import checkin_bundle

    return CheckIn(checked, step, checkin_row(form, visit, checked.card), checkin_bundle(form, checked.card, visit))


def check_in(form: FilledForm, adapter: CardCheckAdapter | None, visit: VisitInfo, profile: Profile) -> CheckIn:
    """Check the card, then build the check-in records."""
    checked = check_card(form, adapter)
    return build_check_in(form, checked, card_step(checked, profile), visit)
