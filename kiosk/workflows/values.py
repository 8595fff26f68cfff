"""Parsing and normalising typed field values by field type."""

from __future__ import annotations

import re
from datetime import date, datetime

from kiosk.dates import VIETNAM as VN_TZ
from kiosk.text import clean, fold_diacritics
from kiosk.workflows.errors import FieldInputError
from kiosk.workflows.model import FieldSpec

_PHONE = re.compile(r"^0\d{9}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ID12 = re.compile(r"^\d{12}$")


def parse_date(text: str) -> date:
    """``yyyy-mm-dd``, ``dd/mm/yyyy`` or ``ddmmyyyy`` (as on the card QR)."""
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d%m%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def parse_datetime(text: str) -> datetime:
    """ISO 8601 or ``dd/mm/yyyy HH:MM``; a time without a zone is Vietnam time. Returns an aware datetime."""
    text = text.strip()
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = datetime.strptime(text, "%d/%m/%Y %H:%M")
    if value.tzinfo is None:
        value = value.replace(tzinfo=VN_TZ)
    return value


def _fold_key(text: str) -> str:
    return fold_diacritics(clean(text)).casefold()


def normalise(spec: FieldSpec, raw: str) -> str:
    """The canonical stored form of a typed value, or ``FieldInputError`` saying what was expected."""
    text = clean(raw)
    if spec.type == "date":
        try:
            return parse_date(text).isoformat()
        except ValueError:
            raise FieldInputError(spec.name, "a date dd/mm/yyyy", "ngày dạng ngày/tháng/năm") from None
    if spec.type == "datetime":
        try:
            return parse_datetime(text).isoformat()
        except ValueError:
            raise FieldInputError(
                spec.name, "a date and time dd/mm/yyyy HH:MM", "ngày giờ dạng ngày/tháng/năm giờ:phút"
            ) from None
    if spec.type == "choice":
        key = _fold_key(text)
        for choice in spec.choices:
            if key in (choice.code.casefold(), _fold_key(choice.label_vi), _fold_key(choice.label_en)):
                return choice.code
        codes = ", ".join(f"{c.code} ({c.label_en})" for c in spec.choices[:25])
        codes_vi = ", ".join(f"{c.code} ({c.label_vi})" for c in spec.choices[:25])
        raise FieldInputError(spec.name, f"one of {codes}", f"một trong các lựa chọn {codes_vi}")
    if spec.type == "phone":
        digits = re.sub(r"[\s.\-()]", "", text)
        if digits.startswith("+84"):
            digits = "0" + digits[3:]
        if not _PHONE.match(digits):
            raise FieldInputError(
                spec.name,
                "a 10-digit phone number starting with 0",
                "số điện thoại 10 chữ số bắt đầu bằng 0",
            )
        return digits
    if spec.type == "email":
        if not _EMAIL.match(text):
            raise FieldInputError(spec.name, "an e-mail address", "địa chỉ thư điện tử")
        return text
    if spec.type == "id_number":
        if not _ID12.match(text):
            raise FieldInputError(
                spec.name, "a 12-digit personal ID number", "số định danh cá nhân gồm 12 chữ số"
            )
        return text
    if not text:
        raise FieldInputError(spec.name, "some text", "nội dung")
    if spec.max_length and len(text) > spec.max_length:
        raise FieldInputError(
            spec.name, f"at most {spec.max_length} characters", f"tối đa {spec.max_length} ký tự"
        )
    return text


def display(spec: FieldSpec, value: str) -> str:
    """How a stored value is shown on screen and printed (dates dd/mm/yyyy, choices by label)."""
    if spec.type == "date":
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    if spec.type == "datetime":
        return datetime.fromisoformat(value).astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")
    if spec.type == "choice":
        choice = spec.choice(value)
        return choice.label_vi if choice else value
    return value
