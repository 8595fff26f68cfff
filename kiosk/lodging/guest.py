"""A lodging guest as the register keeps it, built from a filled lodging form, with the police's rules."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from typing import Any

from kiosk.errors import KioskError
from kiosk.text import fold_diacritics, printable
from kiosk.workflows.errors import FieldInputError
from kiosk.workflows.fill import FilledForm

# Document types only a Vietnamese citizen holds (catalog document-types): CCCD, CMND, notice, identity card.
VIETNAMESE_DOCUMENTS = frozenset({"1", "2", "7", "8"})
_VN_NAMES = {"viet nam", "vietnam", "vnm", "vn"}


def nationality_code(text: str | None, document_type: str | None) -> str | None:
    """ISO 3166 alpha-3 nationality: ``VNM`` for Vietnamese documents or "Việt Nam"; MRZ codes kept
    as they are."""
    if document_type in VIETNAMESE_DOCUMENTS:
        return "VNM"
    if not text:
        return None
    folded = fold_diacritics(text).strip().casefold()
    if folded in _VN_NAMES:
        return "VNM"
    if re.fullmatch(r"[A-Za-z]{1,3}", text.strip()):  # ICAO 9303 codes ("D" is Germany)
        return text.strip().upper()
    return None


def iso_alpha3(code: str | None) -> str | None:
    """ISO 3166 alpha-3 from an ICAO 9303 nationality code (the same, except Germany's ``D``)."""
    return {"D": "DEU"}.get(code or "", code)


@dataclass(frozen=True)
class Guest:
    full_name: str
    date_of_birth: str
    sex: str
    document_type: str
    document_number: str
    room: str
    arrival: str
    expected_departure: str
    reason: str
    nationality: str | None = None
    residence: str | None = None
    phone: str | None = None
    reason_detail: str | None = None
    visa_expiry: str | None = None
    # Foreign guests' entry details (paper form NA17; neither the XML nor API 4 carries them).
    visa_number: str | None = None
    entry_date: str | None = None
    port_of_entry: str | None = None
    document_expiry: str | None = None
    address: dict[str, Any] | None = None  # the residence in the current units (``ConfirmedAddress.to_dict``)

    def __post_init__(self) -> None:
        # Text typed or read with control characters (which XML and XLSX cannot hold) is cleaned here, at entry and
        # when an older record is read back, so that no export fails because of one guest.
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str):
                object.__setattr__(self, f.name, printable(value))

    @property
    def foreign(self) -> bool:
        return self.nationality not in (None, "VNM")

    @property
    def arrival_at(self) -> datetime:
        return datetime.fromisoformat(self.arrival)

    @property
    def departure_at(self) -> datetime:
        return datetime.fromisoformat(self.expected_departure)

    @property
    def birth_date(self) -> date:
        return date.fromisoformat(self.date_of_birth)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Guest:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def document_number_error(document_type: str, number: str) -> KioskError | None:
    """The police's rules for ``soGiayTo``: CCCD/căn cước 12 digits, CMND 9 or 12, passport ≤ 10
    alphanumerics."""
    if document_type in ("1", "8") and not re.fullmatch(r"\d{12}", number):
        return FieldInputError("document_number", "exactly 12 digits", "đúng 12 chữ số")
    if document_type == "2" and not re.fullmatch(r"\d{9}|\d{12}", number):
        return FieldInputError("document_number", "9 or 12 digits", "9 hoặc 12 chữ số")
    if document_type == "4" and not re.fullmatch(r"[A-Za-z0-9]{1,10}", number):
        return FieldInputError(
            "document_number",
            "at most 10 letters or digits",
            "tối đa 10 chữ cái hoặc chữ số, không có khoảng trắng",
        )
    if not re.fullmatch(r"[A-Za-z0-9]{1,20}", number):
        return FieldInputError("document_number", "letters and digits only", "chỉ gồm chữ cái và chữ số")
    return None


def check_lodging_form(form: FilledForm) -> None:
    """Adds to ``form`` what the generic engine cannot know: foreigners' extra fields and date order."""
    doc_type, number = form.get("document_type"), form.get("document_number")
    if doc_type and number:
        error = document_number_error(doc_type, number)
        if error:
            form.errors.append(error)
    nationality = nationality_code(form.get("nationality"), doc_type)
    if doc_type and nationality is None and "nationality" not in form.missing:
        form.missing.append("nationality")
    if nationality not in (None, "VNM") and form.get("visa_expiry") is None:
        form.missing.append("visa_expiry")
    arrival, departure = form.get("arrival"), form.get("expected_departure")
    if arrival and departure and datetime.fromisoformat(departure) < datetime.fromisoformat(arrival):
        form.errors.append(
            FieldInputError("expected_departure", "a time after the arrival", "thời gian sau thời gian đến")
        )
    if arrival:
        form.errors.extend(foreign_stay_errors(form, datetime.fromisoformat(arrival).date()))


def foreign_stay_errors(form: FilledForm, arrival: date) -> list[KioskError]:
    """A foreign guest's stay details against the arrival day: the passport and the visa (or permitted stay) must
    still be valid (the police system refuses a visa term before today), the entry into Vietnam cannot come after
    the arrival, and a visa number is letters and digits."""
    errors: list[KioskError] = []
    for name in ("document_expiry", "visa_expiry"):
        value = form.get(name)
        if value and date.fromisoformat(value[:10]) < arrival:
            errors.append(FieldInputError(name, "a date on or after the arrival (still valid on arrival)",
                                          "ngày từ ngày đến trở đi (còn hạn khi đến)"))
    entry = form.get("entry_date")
    if entry and date.fromisoformat(entry[:10]) > arrival:
        errors.append(FieldInputError("entry_date", "a date on or before the arrival",
                                      "ngày nhập cảnh không thể sau ngày đến"))
    visa_number = form.get("visa_number")
    if visa_number and not re.fullmatch(r"[A-Za-z0-9]{1,20}", visa_number):
        errors.append(FieldInputError("visa_number", "letters and digits only", "chỉ gồm chữ cái và chữ số"))
    return errors


def guest_from_form(form: FilledForm) -> Guest:
    data = form.data()
    return Guest(
        full_name=data["full_name"],
        date_of_birth=data["date_of_birth"],
        sex=data["sex"],
        document_type=data["document_type"],
        document_number=data["document_number"],
        room=data["room"],
        arrival=data["arrival"],
        expected_departure=data["expected_departure"],
        reason=data["reason"],
        nationality=nationality_code(data.get("nationality"), data["document_type"]),
        residence=data.get("residence"),
        phone=data.get("phone"),
        reason_detail=data.get("reason_detail"),
        visa_expiry=data.get("visa_expiry"),
        visa_number=data.get("visa_number"),
        entry_date=data.get("entry_date"),
        port_of_entry=data.get("port_of_entry"),
        document_expiry=data.get("document_expiry"),
        address=form.address.to_dict() if form.address is not None else None,
    )
