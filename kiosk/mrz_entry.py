"""The chip's BAC key typed by the person from what is printed on the card, when the CAN did not open the chip.

Three fields an elderly person can find and type on a numeric pad, instead of 90 MRZ characters: the card number
(the 12-digit ID number, or the 9-digit document number of the MRZ), the date of birth and the expiry date as
printed on the card (dd/mm/yyyy), or "no expiry". They become the ICAO ``MRZ_information`` fields (document number
and YYMMDD dates); the check digits are added by ``kiosk.mrz.bac_mrz_information`` when the key is built.
"""

from __future__ import annotations

import re
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import date

from kiosk.dates import parse_ddmmyyyy, today_in_vietnam
from kiosk.errors import FieldValueError
from kiosk.input_format import digits_only
from kiosk.mrz import NO_EXPIRY, yymmdd
from kiosk.scan import AccessKey

FIELDS = ("document_number", "date_of_birth", "date_of_expiry")
FIELD_TYPES = {"document_number": "id_number", "date_of_birth": "date", "date_of_expiry": "date"}
DOCUMENT_NUMBER_LENGTH = 9  # a CCCD's MRZ document number: the last 9 digits of the ID number
ID_NUMBER_LENGTH = 12


@dataclass(frozen=True)
class TypedMrz:
    """What the person typed: the card number and two dates as shown (dd/mm/yyyy); ``no_expiry`` for cards
    valid without limit."""

    document_number: str = ""
    date_of_birth: str = ""
    date_of_expiry: str = ""
    no_expiry: bool = False
    passport: bool = False  # a passport or another State's card: the document number as printed (letters, digits)

    def __repr__(self) -> str:  # never print what was typed
        return "TypedMrz(…)"

    def with_value(self, name: str, text: str) -> TypedMrz:
        """A copy with field ``name`` (one of ``FIELDS``) set to ``text``."""
        if name not in FIELDS:
            raise KeyError(name)
        return replace(self, **{name: text})  # type: ignore[arg-type]


PASSPORT_NUMBER = re.compile(r"[A-Z0-9]{1,9}")  # the MRZ's document number field (BAC uses its 9 characters)


def passport_number(text: str) -> str:
    """A passport's document number as printed: 1–9 letters and digits (spaces and dashes dropped)."""
    number = re.sub(r"[\s\-<]", "", text).upper()
    if not PASSPORT_NUMBER.fullmatch(number):
        raise FieldValueError(
            "Type the passport number: 1 to 9 letters and digits.",
            field="document_number", code="invalid-document-number",
            message_vi="Số hộ chiếu gồm 1 đến 9 chữ cái và chữ số.")
    return number


def document_number(text: str, *, passport: bool = False) -> str:
    """The 9-digit MRZ document number from 9 typed digits or from the 12-digit ID number (``passport``: the
    passport number as printed)."""
    if passport:
        return passport_number(text)
    digits = digits_only(text)
    if len(digits) == ID_NUMBER_LENGTH:
        return digits[-DOCUMENT_NUMBER_LENGTH:]
    if len(digits) == DOCUMENT_NUMBER_LENGTH:
        return digits
    raise FieldValueError(
        "Type the 12-digit ID number or the 9-digit card number.",
        field="document_number", code="invalid-document-number",
        message_vi="Cần 12 số định danh hoặc 9 số thẻ.")


def _date(text: str, field: str) -> date:
    try:
        return parse_ddmmyyyy(text, slashes=True)
    except ValueError:
        raise FieldValueError(
            "Not a valid date. Type day/month/year.",
            field=field, code="invalid-date",
            message_vi="Ngày không đúng. Nhập ngày/tháng/năm.") from None


def date_of_birth(text: str, *, today: date | None = None) -> date:
    birth = _date(text, "date_of_birth")
    if birth > (today or today_in_vietnam()):
        raise FieldValueError("The date of birth cannot be in the future.", field="date_of_birth",
                              code="invalid-date", message_vi="Ngày sinh không thể ở tương lai.")
    return birth


def date_of_expiry(text: str, birth: date | None) -> date:
    expiry = _date(text, "date_of_expiry")
    if birth is not None and expiry <= birth:
        raise FieldValueError("The expiry date must come after the date of birth.", field="date_of_expiry",
                              code="invalid-date", message_vi="Ngày hết hạn phải sau ngày sinh.")
    return expiry


def check_field(name: str, typed: TypedMrz, *, today: date | None = None) -> None:
    """Validate one field as soon as it is typed (``FieldValueError`` naming it)."""
    if name == "document_number":
        document_number(typed.document_number, passport=typed.passport)
    elif name == "date_of_birth":
        date_of_birth(typed.date_of_birth, today=today)
    elif name == "date_of_expiry" and not typed.no_expiry:
        birth: date | None = None
        with suppress(FieldValueError):  # a wrong date of birth is reported on its own field
            birth = date_of_birth(typed.date_of_birth, today=today)
        date_of_expiry(typed.date_of_expiry, birth)


def access_key(typed: TypedMrz, *, today: date | None = None) -> AccessKey:
    """The BAC key for the chip; the first invalid field raises ``FieldValueError`` naming it."""
    number = document_number(typed.document_number, passport=typed.passport)
    birth = date_of_birth(typed.date_of_birth, today=today)
    expiry = NO_EXPIRY if typed.no_expiry else yymmdd(date_of_expiry(typed.date_of_expiry, birth))
    return AccessKey(document_number=number, date_of_birth=yymmdd(birth), date_of_expiry=expiry)
