"""Machine-readable zone (ICAO 9303 parts 4–7): TD1 (ID cards, 3 × 30), TD2 (2 × 36), TD3 (passports, 2 × 44)
and machine-readable visas MRV-A (2 × 44) and MRV-B (2 × 36), told apart from TD3/TD2 by the document code ``V``.

Where the fields sit and their check digits are the LDS layer's rules (``drivers/emrtd/mrz.py``, which DG1 uses
too); here the fields become dates, a sex and an identity, and its errors the kiosk's typed errors naming the failing
field. The CCCD's TD1 specifics: the document number is the last 9 digits of the 12-digit ID, the full ID sits in the
optional data (a 12-digit overflow variant is accepted too), and a card without expiry carries ``991231``.

Also the access-key material: the BAC ``MRZ_information`` string, the PACE CAN, and the card's expiry derived from
the date of birth and issue date by the 14/25/40/60 rule — a heuristic, used only when no MRZ is available.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from drivers.emrtd.mrz import MrzError, MrzFields, check_digit, mrz_information, pad, parse_mrz_fields
from kiosk.dates import age_on, birthday_in_year, today_in_vietnam
from kiosk.errors import CheckDigitError, FieldValueError, PayloadError
from kiosk.identity import Identity, Sex
from kiosk.text import fold_diacritics

__all__ = ["check_digit"]  # re-exported: the LDS layer's rule, used by the core's callers

NO_EXPIRY = "991231"
MILESTONE_AGES = (14, 25, 40, 60)


@dataclass(frozen=True)
class Mrz:
    """A parsed MRZ. Dates are ``None`` when the MRZ holds unknown parts (``<``) or, for expiry, no expiry."""

    format: str  # "TD1", "TD2", "TD3", "MRV-A" or "MRV-B"
    document_code: str
    issuing_state: str
    document_number: str
    optional_data: str
    birth_date: date | None
    birth_raw: str
    sex: Sex | None
    expiry_date: date | None
    expiry_raw: str
    nationality: str
    surname: str
    given_names: str
    lines: tuple[str, ...] = field(default=())

    @property
    def no_expiry(self) -> bool:
        return self.expiry_raw == NO_EXPIRY and self.issuing_state == "VNM"

    @property
    def is_passport(self) -> bool:
        return self.document_code.startswith("P")

    @property
    def is_visa(self) -> bool:
        return self.format.startswith("MRV")

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.surname, self.given_names) if part)

    @property
    def id_number(self) -> str | None:
        """The 12-digit personal ID of a Vietnamese card (optional data), ``None`` for other documents."""
        if self.issuing_state != "VNM" or self.is_passport:
            return None
        for candidate in (self.optional_data[:12], self.document_number):
            if len(candidate) == 12 and candidate.isdigit():
                return candidate
        return None

    def to_identity(self) -> Identity:
        """The identity as the MRZ states it (names without diacritics, upper case)."""
        return Identity(
            id_number=self.id_number if not self.is_passport else self.document_number,
            full_name=self.full_name or None,
            date_of_birth=self.birth_date,
            sex=self.sex,
            nationality=self.nationality,
            expiry_date=None if self.no_expiry else self.expiry_date,
            no_expiry=self.no_expiry,
            document_number=self.document_number,
            card_type="passport" if self.is_passport else "unknown",
            source="manual",
            raw={"mrz": list(self.lines)},
        )


def _yymmdd(raw: str, *, field_name: str, past: bool) -> date | None:
    if "<" in raw:
        return None
    if not raw.isdigit() or len(raw) != 6:
        raise FieldValueError(f"{field_name} is not YYMMDD", field=field_name,
                              message_vi="Ngày trong mã MRZ không hợp lệ.")
    yy, mm, dd = int(raw[:2]), int(raw[2:4]), int(raw[4:])
    this_year = today_in_vietnam().year % 100
    century = (1900 if yy > this_year else 2000) if past else 2000
    try:
        return date(century + yy, mm, dd)
    except ValueError:
        raise FieldValueError(f"{field_name} is not a calendar date", field=field_name,
                              message_vi="Ngày trong mã MRZ không hợp lệ.") from None


def _sex(ch: str) -> Sex | None:
    return {"M": "M", "F": "F"}.get(ch)  # type: ignore[return-value]


def normalise_lines(lines: Sequence[str] | str) -> list[str]:
    """Split and tidy typed or OCR'd MRZ text: upper case, no spaces, one entry per line."""
    if isinstance(lines, str):
        lines = lines.splitlines()
    tidy = [re.sub(r"\s+", "", line).upper() for line in lines]
    return [line for line in tidy if line]


def parse_mrz(lines: Sequence[str] | str) -> Mrz:
    """Parse a TD1, TD2 or TD3 MRZ, verifying every check digit; typed errors name the field."""
    try:
        fields = parse_mrz_fields(normalise_lines(lines))
    except MrzError as exc:
        raise _kiosk_error(exc) from None
    return mrz_from_fields(fields)


def _kiosk_error(exc: MrzError) -> PayloadError:
    if exc.code == "mrz-check-digit":
        return CheckDigitError(exc.message, field=exc.field,
                               message_vi="Mã MRZ không khớp số kiểm tra. Vui lòng kiểm tra lại từng ký tự.")
    if exc.code == "mrz-characters":
        return PayloadError(exc.message, field="mrz", code="invalid-mrz-characters",
                            message_vi="Mã MRZ chỉ gồm chữ in hoa A–Z, số 0–9 và dấu <.")
    return PayloadError(exc.message, field="mrz", code="invalid-mrz-shape",
                        message_vi="Mã MRZ phải gồm 3 dòng 30 ký tự (thẻ) hoặc 2 dòng 36 hay 44 ký tự (hộ chiếu).")


def mrz_from_fields(fields: MrzFields) -> Mrz:
    """The core's ``Mrz`` of fields the LDS layer has split and checked (dates as calendar dates)."""
    return Mrz(
        format=fields.format, document_code=fields.document_code, issuing_state=fields.issuing_state,
        document_number=fields.document_number, optional_data=fields.optional_data,
        birth_date=_yymmdd(fields.birth, field_name="date_of_birth", past=True), birth_raw=fields.birth,
        sex=_sex(fields.sex),
        expiry_date=None if fields.expiry == NO_EXPIRY and fields.format == "TD1" else _yymmdd(
            fields.expiry, field_name="expiry_date", past=False),
        expiry_raw=fields.expiry, nationality=fields.nationality, surname=fields.surname,
        given_names=fields.given_names, lines=fields.lines,
    )


# --- building MRZ lines (emulated cards, tests, typed-in passports) -------------------------------------------

_field = pad


def _mrz_name(full_name: str, width: int) -> str:
    words = re.sub(r"[^A-Z ]", " ", fold_diacritics(full_name).upper()).split()
    zone = words[0] + "<<" + "<".join(words[1:]) if words else ""
    return _field(zone, width)


def yymmdd(value: date | None) -> str:
    return value.strftime("%y%m%d") if value else NO_EXPIRY


def format_td1(identity: Identity, *, expiry: date | None = None, document_code: str = "ID",
               state: str = "VNM", optional: str | None = None) -> list[str]:
    """The TD1 MRZ of a CCCD for ``identity`` (``expiry`` overrides; ``None`` with no_expiry gives 991231).

    ``optional``: the optional data of another state's card (default: the CCCD's 12-digit ID and its check digit).
    """
    if not identity.id_number or identity.date_of_birth is None:
        raise ValueError("a TD1 MRZ needs the ID number and the date of birth")
    number = identity.document_number or identity.id_number[-9:]
    if optional is None:
        optional = identity.id_number + "<<" + check_digit(identity.id_number)
    optional = _field(optional, 15)
    line1 = _field(document_code, 2) + state + _field(number, 9) + check_digit(_field(number, 9)) + optional
    birth = yymmdd(identity.date_of_birth)
    exp = yymmdd(expiry if expiry is not None else identity.expiry_date)
    line2_head = birth + check_digit(birth) + (identity.sex or "<") + exp + check_digit(exp) + state + "<" * 11
    composite = check_digit(line1[5:30] + line2_head[0:7] + line2_head[8:15] + line2_head[18:29])
    return [line1, line2_head + composite, _mrz_name(identity.full_name or "", 30)]


def format_td3(*, document_number: str, state: str, nationality: str, full_name: str, birth: date,
               sex: Sex | None, expiry: date, optional: str = "", document_code: str = "P") -> list[str]:
    """A TD3 (passport) MRZ; ``full_name`` as ``SURNAME GIVEN NAMES``."""
    line1 = _field(document_code, 2) + _field(state, 3) + _mrz_name(full_name, 39)
    num = _field(document_number, 9)
    opt = _field(optional, 14)
    b, e = yymmdd(birth), yymmdd(expiry)
    body = num + check_digit(num) + _field(nationality, 3) + b + check_digit(b) + (sex or "<") + e + \
        check_digit(e) + opt + check_digit(opt)
    composite = check_digit(body[0:10] + body[13:20] + body[21:43])
    return [line1, body + composite]


def format_mrv(*, document_number: str, state: str, nationality: str, full_name: str, birth: date,
               sex: Sex | None, expiry: date, optional: str = "", width: int = 44) -> list[str]:
    """A machine-readable visa's MRZ: MRV-A (``width`` 44) or MRV-B (36); ``full_name`` as ``SURNAME GIVEN``."""
    line1 = "V<" + _field(state, 3) + _mrz_name(full_name, width - 5)
    num = _field(document_number, 9)
    b, e = yymmdd(birth), yymmdd(expiry)
    body = num + check_digit(num) + _field(nationality, 3) + b + check_digit(b) + (sex or "<") + e + check_digit(e)
    return [line1, body + _field(optional, width - 28)]


# --- access-key material ------------------------------------------------------------------------------------

def bac_mrz_information(document_number: str, birth_yymmdd: str, expiry_yymmdd: str) -> str:
    """ICAO 9303-11 ``MRZ_information``: document number (≥ 9, ``<``-padded) ‖ cd ‖ birth ‖ cd ‖ expiry ‖ cd."""
    return mrz_information(document_number, birth_yymmdd, expiry_yymmdd)


@dataclass(frozen=True)
class BacKey:
    document_number: str
    birth: str
    expiry: str
    derived: bool  # True when the expiry was derived by the age rule (a guess to confirm)

    @property
    def mrz_information(self) -> str:
        return bac_mrz_information(self.document_number, self.birth, self.expiry)


def expiry_candidates(birth: date, issue: date) -> list[date | None]:
    """Possible expiry dates of a card issued on ``issue`` to someone born on ``birth``, most likely first.

    The card expires on the birthday in the year of the next milestone age (14, 25, 40, 60); issued at 60 or
    later it never expires (``None``). A card issued within two years before a milestone may instead stay valid
    until the following one (the law's grace rule; how cards apply it is unconfirmed), so that date comes second.
    """
    age = age_on(birth, issue)
    upcoming = [m for m in MILESTONE_AGES if m > age]
    if not upcoming:
        return [None]
    first = birthday_in_year(birth, birth.year + upcoming[0])
    candidates: list[date | None] = [first]
    within_grace = issue >= birthday_in_year(birth, birth.year + upcoming[0] - 2)
    if within_grace and age >= 14:
        candidates.append(birthday_in_year(birth, birth.year + upcoming[1]) if len(upcoming) > 1 else None)
    return candidates


def expiry_from_rule(birth: date, issue: date) -> date | None:
    """The most likely expiry date by the age rule; ``None`` means no expiry. A heuristic fallback for BAC."""
    return expiry_candidates(birth, issue)[0]


def bac_keys(identity: Identity) -> list[BacKey]:
    """BAC keys to try for ``identity``, best first: its stated expiry, else the rule's candidates."""
    if not identity.date_of_birth or not (identity.document_number or identity.id_number):
        return []
    number = identity.document_number or (identity.id_number or "")[-9:]
    birth = yymmdd(identity.date_of_birth)
    if identity.expiry_date is not None or identity.no_expiry:
        return [BacKey(number, birth, yymmdd(identity.expiry_date), derived=False)]
    if identity.issue_date is None:
        return []
    return [BacKey(number, birth, yymmdd(exp), derived=True)
            for exp in expiry_candidates(identity.date_of_birth, identity.issue_date)]
