"""The machine-readable zone as text, ICAO Doc 9303 parts 3–7: TD1 (3 × 30), TD2 (2 × 36) and TD3 (2 × 44), and
the machine-readable visas MRV-A (2 × 44) and MRV-B (2 × 36), told apart from TD3 and TD2 by the document code ``V``.

Where every field sits, its check digit (weights 7-3-1), the document-number overflow of TD1 and TD2, and the
``MRZ_information`` that BAC and PACE-MRZ derive their keys from (9303-11 §4.3.2). Fields stay text exactly as
printed (``<`` fillers removed at the ends); turning dates into calendar dates and names into a person is the
core's business (``kiosk/mrz.py``). DG1 parses its MRZ with this module, and so does the core, so the rules live
once.

The CCCD's TD1 specifics: the optional data starts with the 12-digit personal ID, ``<<`` and its check digit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from drivers.emrtd.errors import EmrtdError

MrzFormat = Literal["TD1", "TD2", "TD3", "MRV-A", "MRV-B"]
SHAPES: dict[tuple[int, int], MrzFormat] = {(3, 30): "TD1", (2, 36): "TD2", (2, 44): "TD3"}
_WEIGHTS = (7, 3, 1)
_MRZ_CHARS = re.compile(r"^[A-Z0-9<]+$")


class MrzError(EmrtdError):
    """MRZ text that is not a TD1, TD2 or TD3 zone (``mrz-shape``), has other characters (``mrz-characters``), or
    whose check digit for ``field`` does not match (``mrz-check-digit``)."""

    code = "mrz-malformed"

    def __init__(self, message: str, *, code: str, field: str = "mrz") -> None:
        super().__init__(message, code=code)
        self.field = field


@dataclass(frozen=True)
class MrzFields:
    """Every field of a zone as printed; dates as ``YYMMDD`` text (``<`` where unknown)."""

    format: MrzFormat
    document_code: str
    issuing_state: str
    document_number: str  # the whole number, overflow included
    document_number_check: str
    optional_data: str
    birth: str
    sex: str  # "M", "F" or "<"
    expiry: str
    nationality: str
    surname: str
    given_names: str
    lines: tuple[str, ...]

    @property
    def mrz_information(self) -> str:
        """``MRZ_information`` for BAC and PACE-MRZ: document number ‖ its check digit ‖ birth ‖ cd ‖ expiry ‖ cd."""
        return mrz_information(self.document_number, self.birth, self.expiry)


def check_digit(data: str) -> str:
    """ICAO 9303 check digit (weights 7-3-1, letters A=10…Z=35, filler 0)."""
    return str(sum(_char_value(ch) * _WEIGHTS[i % 3] for i, ch in enumerate(data)) % 10)


def _char_value(ch: str) -> int:
    if ch.isdigit():
        return int(ch)
    if "A" <= ch <= "Z":
        return ord(ch) - ord("A") + 10
    if ch == "<":
        return 0
    raise ValueError(f"not an MRZ character: {ch!r}")


def pad(text: str, width: int) -> str:
    """``text`` filled with ``<`` (or cut) to ``width`` characters."""
    return (text + "<" * width)[:width]


def mrz_information(document_number: str, birth: str, expiry: str) -> str:
    """ICAO 9303-11 ``MRZ_information``: document number (≥ 9, ``<``-padded) ‖ cd ‖ birth ‖ cd ‖ expiry ‖ cd."""
    number = pad(document_number, max(9, len(document_number)))
    return number + check_digit(number) + birth + check_digit(birth) + expiry + check_digit(expiry)


def zone_format(lines: Sequence[str]) -> MrzFormat:
    """The format of MRZ lines (``MrzError`` when they are no TD1, TD2 or TD3 zone)."""
    shape = (len(lines), len(lines[0]) if lines else 0)
    if shape not in SHAPES or any(len(line) != shape[1] for line in lines):
        raise MrzError(f"MRZ must be 3 lines of 30 or 2 lines of 36 or 44 characters; got {len(lines)} lines",
                       code="mrz-shape")
    for line in lines:
        if not _MRZ_CHARS.match(line):
            raise MrzError("MRZ contains characters other than A–Z, 0–9 and <", code="mrz-characters")
    return SHAPES[shape]


def parse_mrz_fields(lines: Sequence[str]) -> MrzFields:
    """Split a zone into its fields, verifying every check digit; ``MrzError`` names the failing field."""
    fmt = zone_format(lines)
    if fmt == "TD1":
        return _td1(tuple(lines))
    if lines[0].startswith("V"):
        return _visa(tuple(lines), "MRV-A" if fmt == "TD3" else "MRV-B")
    return _two_lines(tuple(lines), fmt)


def _verify(data: str, digit: str, field: str) -> None:
    if digit == "<" and set(data) <= {"<"}:
        return  # an empty optional field may carry a filler check digit
    if check_digit(data) != digit:
        raise MrzError(f"MRZ check digit for {field} does not match", code="mrz-check-digit", field=field)


def _overflow(number: str, number_cd: str, optional: str) -> tuple[str, str, str]:
    """A document number of more than 9 characters continues in the optional data, its check digit last
    (9303-5 §4.2.4, 9303-6 §4.2.2): (whole number, its check digit, remaining optional data)."""
    if number_cd == "<" and optional.rstrip("<"):
        rest = optional.rstrip("<")
        return number + rest[:-1], rest[-1], ""
    return number, number_cd, optional


def _names(zone: str) -> tuple[str, str]:
    surname, _, given = zone.partition("<<")
    return surname.replace("<", " ").strip(), given.replace("<", " ").strip()


def _td1(lines: tuple[str, ...]) -> MrzFields:
    l1, l2, l3 = lines
    number, number_cd, optional = _overflow(l1[5:14], l1[14], l1[15:30])
    _verify(number, number_cd, "document_number")
    _verify(l2[0:6], l2[6], "date_of_birth")
    _verify(l2[8:14], l2[14], "expiry_date")
    if optional[:12].isdigit() and optional[14].isdigit():  # CCCD: 12-digit ID, "<<", its check digit
        _verify(optional[:12], optional[14], "id_number")
    _verify(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29], l2[29], "composite")
    surname, given = _names(l3)
    return MrzFields("TD1", l1[0:2].rstrip("<"), l1[2:5].rstrip("<"), number.rstrip("<"), number_cd,
                     optional.rstrip("<"), l2[0:6], l2[7], l2[8:14], l2[15:18].rstrip("<"), surname, given, lines)


def _two_lines(lines: tuple[str, ...], fmt: MrzFormat) -> MrzFields:
    """TD3 and TD2 second lines agree up to the expiry date's check digit; TD2's optional data (7 characters) has
    no check digit of its own and takes the document number's overflow."""
    l1, l2 = lines
    td3 = fmt == "TD3"
    end = 42 if td3 else 35
    number, number_cd, optional = l2[0:9], l2[9], l2[28:end]
    if not td3:
        number, number_cd, optional = _overflow(number, number_cd, optional)
    _verify(number, number_cd, "document_number")
    _verify(l2[13:19], l2[19], "date_of_birth")
    _verify(l2[21:27], l2[27], "expiry_date")
    if td3:
        _verify(l2[28:42], l2[42], "optional_data")
    _verify(l2[0:10] + l2[13:20] + l2[21:end + (1 if td3 else 0)], l2[-1], "composite")
    surname, given = _names(l1[5:])
    return MrzFields(fmt, l1[0:2].rstrip("<"), l1[2:5].rstrip("<"), number.rstrip("<"), number_cd,
                     optional.rstrip("<"), l2[13:19], l2[20], l2[21:27], l2[10:13].rstrip("<"), surname, given,
                     lines)


def _visa(lines: tuple[str, ...], fmt: MrzFormat) -> MrzFields:
    """MRV-A and MRV-B (9303-7): line 2 as TD3's up to the expiry date's check digit, then optional data without a
    check digit of its own, and no composite check digit."""
    l1, l2 = lines
    number, number_cd = l2[0:9], l2[9]
    _verify(number, number_cd, "document_number")
    _verify(l2[13:19], l2[19], "date_of_birth")
    _verify(l2[21:27], l2[27], "expiry_date")
    surname, given = _names(l1[5:])
    return MrzFields(fmt, l1[0:2].rstrip("<"), l1[2:5].rstrip("<"), number.rstrip("<"), number_cd,
                     l2[28:].rstrip("<"), l2[13:19], l2[20], l2[21:27], l2[10:13].rstrip("<"), surname, given, lines)
