"""DG13 (tag 6D): the Vietnamese data group of the CCCD chip.

No official specification exists (see the card reference, §8). The parser walks real BER and keys every
value by the INTEGER field number in front of it, so it tolerates every known variant: parents in one nested
SEQUENCE or in two, the old ID number in field 15 or 16, long-form lengths, missing or empty fields,
UTF8String or PrintableString values, and the SET present or absent. Every field's raw encoding is kept
next to its decoded text.

Layout (as seen on cards)::

    6D L  30 L  02 01 01  06 06 28 D3 16 01 00 08  31 L  { 30 L 02 01 nn <value> }...
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from drivers.emrtd import lds, tlv
from drivers.emrtd.errors import LdsError, TlvError

TAG_DG13 = lds.dg_tag(13)
DG13_OID = "1.0.10646.1.0.8"

FIELD_ID_NUMBER = 1
FIELD_FULL_NAME = 2
FIELD_DATE_OF_BIRTH = 3
FIELD_SEX = 4
FIELD_NATIONALITY = 5
FIELD_ETHNICITY = 6
FIELD_RELIGION = 7
FIELD_PLACE_OF_ORIGIN = 8
FIELD_RESIDENCE = 9
FIELD_IDENTIFYING_MARKS = 10
FIELD_ISSUE_DATE = 11
FIELD_EXPIRY_DATE = 12
FIELD_PARENTS = 13
FIELD_SPOUSE = 14
FIELD_OLD_ID = 15
FIELD_EXTRA_ID = 16

NO_EXPIRY_TEXT = "Không thời hạn"

FieldValue = str | list[str] | None


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@dataclass(frozen=True)
class Dg13:
    """Decoded DG13.

    ``fields`` maps each field number found to its text: a ``str``, a ``list[str]`` when the field holds
    several strings (always a list for the parents, field 13), or ``None`` when the field is present but
    empty. ``raw`` maps each field number to the exact encoding of its element(s); ``unparsed`` keeps
    elements that carry no field number.
    """

    version: int | None
    oid: str | None
    fields: dict[int, FieldValue]
    raw: dict[int, bytes]
    unparsed: tuple[bytes, ...] = ()

    def text(self, number: int) -> str | None:
        """The field as one string: ``None`` when absent or empty, the first string of a list."""
        value = self.fields.get(number)
        if isinstance(value, list):
            value = next((v for v in value if v), None)
        return value or None

    @property
    def parents(self) -> list[str]:
        value = self.fields.get(FIELD_PARENTS)
        if value is None:
            return []
        return value if isinstance(value, list) else [value]

    @property
    def father_name(self) -> str | None:
        parents = self.parents
        return parents[0] or None if parents else None

    @property
    def mother_name(self) -> str | None:
        parents = self.parents
        return parents[1] or None if len(parents) > 1 else None

    def _extra_ids(self) -> list[str]:
        return [v.strip() for n in (FIELD_OLD_ID, FIELD_EXTRA_ID) if (v := self.text(n))]

    @property
    def old_id_number(self) -> str | None:
        """The old 9-digit CMND number, from field 15 or 16 (whichever holds a 9-digit string)."""
        return next((v for v in self._extra_ids() if re.fullmatch(r"\d{9}", v)), None)

    @property
    def card_serial(self) -> str | None:
        """The 16-character value seen in field 15 or 16 (meaning unconfirmed; maybe a card serial)."""
        return next((v for v in self._extra_ids() if len(v) == 16), None)

    def to_record(self) -> dict[str, Any]:
        """The identity fields in the JSON form of the identity model (ISO dates, sex ``M``/``F``).

        Values that cannot be interpreted (an unknown date format, an unexpected sex text) come out as
        ``None``; the caller keeps ``fields``/``raw`` for them.
        """
        expiry_text = self.text(FIELD_EXPIRY_DATE)
        expiry = parse_dg13_date(expiry_text)
        no_expiry = expiry_text is not None and expiry is None and _looks_like_no_expiry(expiry_text)
        sex_text = (self.text(FIELD_SEX) or "").strip().casefold()
        return {
            "id_number": self.text(FIELD_ID_NUMBER),
            "full_name": self.text(FIELD_FULL_NAME),
            "date_of_birth": _iso(parse_dg13_date(self.text(FIELD_DATE_OF_BIRTH))),
            "sex": {"nam": "M", "nữ": "F", "nu": "F"}.get(sex_text),
            "nationality": self.text(FIELD_NATIONALITY),
            "ethnicity": self.text(FIELD_ETHNICITY),
            "religion": self.text(FIELD_RELIGION),
            "place_of_origin": self.text(FIELD_PLACE_OF_ORIGIN),
            "residence": self.text(FIELD_RESIDENCE),
            "identifying_marks": self.text(FIELD_IDENTIFYING_MARKS),
            "issue_date": _iso(parse_dg13_date(self.text(FIELD_ISSUE_DATE))),
            "expiry_date": _iso(expiry),
            "no_expiry": no_expiry,
            "father_name": self.father_name,
            "mother_name": self.mother_name,
            "spouse_name": self.text(FIELD_SPOUSE),
            "old_id_number": self.old_id_number,
        }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _looks_like_no_expiry(text: str) -> bool:
    folded = _nfc(text).casefold()
    return "không" in folded or "khong" in folded or folded.strip() in ("31/12/9999", "99991231")


_DATE_PATTERNS = (
    (re.compile(r"(\d{2})[/.\- ](\d{2})[/.\- ](\d{4})"), ("d", "m", "y")),
    (re.compile(r"(\d{4})-(\d{2})-(\d{2})"), ("y", "m", "d")),
    (re.compile(r"(\d{2})(\d{2})(\d{4})"), ("d", "m", "y")),
)


def parse_dg13_date(text: str | None) -> date | None:
    """A DG13 date (``dd/mm/yyyy`` seen; ``ddmmyyyy``, ``dd-mm-yyyy``, ``yyyy-mm-dd`` accepted), else
    ``None``."""
    if not text:
        return None
    text = text.strip()
    for pattern, order in _DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            parts = dict(zip(order, (int(g) for g in match.groups()), strict=True))
            try:
                return date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                return None
    return None


# ---------------------------------------------------------------- parsing


def _strings(nodes: list[tlv.Tlv]) -> list[str]:
    """Every string in ``nodes`` (walking nested constructed elements), in order."""
    found: list[str] = []
    for node in nodes:
        for item in node.walk():
            if item.tag in tlv.STRING_TAGS:
                found.append(_nfc(tlv.decode_string(item)))
            elif not item.constructed and item.tag not in (tlv.INTEGER, tlv.NULL):
                found.append(_nfc(item.value.decode("utf-8", errors="replace")))
    return found


def _is_header(node: tlv.Tlv) -> bool:
    """The SEQUENCE right under 6D holding version, OID and the SET of fields."""
    return node.tag == tlv.SEQUENCE and any(c.tag in (tlv.OBJECT_IDENTIFIER, tlv.SET) for c in node.children)


def _layout(root: tlv.Tlv) -> tuple[int | None, str | None, list[tlv.Tlv]]:
    """Version, OID and field elements, with or without the header SEQUENCE and the SET.

    Only the top two levels are structure; anything inside a field element belongs to that field.
    """
    version: int | None = None
    oid: str | None = None
    elements: list[tlv.Tlv] = []
    level: list[tlv.Tlv] = []
    for child in root.children:
        level.extend(child.children if _is_header(child) else [child])
    for child in level:
        if child.tag == tlv.SET:
            elements.extend(child.children)
        elif child.tag == tlv.INTEGER and version is None and not elements:
            version = tlv.decode_integer(child)
        elif child.tag == tlv.OBJECT_IDENTIFIER and oid is None:
            oid = tlv.decode_oid(child)
        else:
            elements.append(child)
    return version, oid, elements


def parse_dg13(data: bytes) -> Dg13:
    """Parse DG13; raises ``LdsError`` only when the outer structure is not a DG13 at all."""
    try:
        version, oid, elements = _layout(tlv.decode(data, expected_tag=TAG_DG13))
    except TlvError as exc:
        raise LdsError(f"DG13 is malformed: {exc.message}") from exc

    strings: dict[int, list[str]] = {}
    raw: dict[int, bytes] = {}
    unparsed: list[bytes] = []
    for element in elements:
        try:
            parts = element.children
            if not parts or parts[0].tag != tlv.INTEGER:
                raise TlvError("element has no field number")
            number = tlv.decode_integer(parts[0])
            values = _strings(parts[1:])
        except TlvError:
            unparsed.append(element.encoded)
            continue
        strings.setdefault(number, []).extend(values)
        raw[number] = raw.get(number, b"") + element.encoded

    fields: dict[int, FieldValue] = {}
    for number, values in strings.items():
        if not values:
            fields[number] = None
        elif number == FIELD_PARENTS or len(values) > 1:
            fields[number] = values
        else:
            fields[number] = values[0]
    return Dg13(version, oid, fields, raw, tuple(unparsed))


# ---------------------------------------------------------------- building


@dataclass(frozen=True)
class Dg13Layout:
    """How the simulated card lays out DG13 (each option is a variant seen in public sources)."""

    parents: Literal["one-sequence", "two-sequences"] = "two-sequences"
    old_id_field: int = FIELD_OLD_ID
    serial_field: int | None = None
    long_lengths: bool = False
    omit_empty: bool = False
    printable_fields: frozenset[int] = frozenset({1, 3, 11, 15, 16})


DG13_VARIANTS: dict[str, Dg13Layout] = {
    "cccd-2021": Dg13Layout(),
    "nested-parents": Dg13Layout(parents="one-sequence"),
    "can-cuoc-2024": Dg13Layout(
        parents="one-sequence", old_id_field=FIELD_EXTRA_ID, serial_field=FIELD_OLD_ID
    ),
    "long-form": Dg13Layout(long_lengths=True),
    "sparse": Dg13Layout(omit_empty=True),
    "utf8-only": Dg13Layout(printable_fields=frozenset()),
}


def _date_text(value: Any) -> str | None:
    if not value:
        return None
    parsed = value if isinstance(value, date) else date.fromisoformat(str(value))
    return f"{parsed.day:02d}/{parsed.month:02d}/{parsed.year:04d}"


def card_serial_for(id_number: str) -> str:
    """A deterministic 16-digit stand-in for the unconfirmed field-16 value of a simulated card."""
    digest = hashlib.sha256(id_number.encode("ascii", errors="replace")).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**16:016d}"


def dg13_values(record: dict[str, Any], layout: Dg13Layout) -> dict[int, FieldValue]:
    """The DG13 field texts for an identity in JSON form."""
    sex = {"M": "Nam", "F": "Nữ"}.get(record.get("sex") or "")
    expiry = NO_EXPIRY_TEXT if record.get("no_expiry") else _date_text(record.get("expiry_date"))
    values: dict[int, FieldValue] = {
        FIELD_ID_NUMBER: record.get("id_number"),
        FIELD_FULL_NAME: record.get("full_name"),
        FIELD_DATE_OF_BIRTH: _date_text(record.get("date_of_birth")),
        FIELD_SEX: sex,
        FIELD_NATIONALITY: record.get("nationality"),
        FIELD_ETHNICITY: record.get("ethnicity"),
        FIELD_RELIGION: record.get("religion"),
        FIELD_PLACE_OF_ORIGIN: record.get("place_of_origin"),
        FIELD_RESIDENCE: record.get("residence"),
        FIELD_IDENTIFYING_MARKS: record.get("identifying_marks"),
        FIELD_ISSUE_DATE: _date_text(record.get("issue_date")),
        FIELD_EXPIRY_DATE: expiry,
        FIELD_PARENTS: [record.get("father_name") or "", record.get("mother_name") or ""],
        FIELD_SPOUSE: record.get("spouse_name"),
        layout.old_id_field: record.get("old_id_number"),
    }
    if layout.serial_field is not None:
        values[layout.serial_field] = card_serial_for(record.get("id_number") or "")
    return values


def build_dg13(record: dict[str, Any], variant: str | Dg13Layout = "cccd-2021") -> bytes:
    """DG13 for an identity in JSON form (the identity model's ``to_dict()`` keys).

    ``variant`` names one of ``DG13_VARIANTS`` or gives a layout.
    """
    if isinstance(variant, str):
        if variant not in DG13_VARIANTS:
            raise LdsError(f"unknown DG13 variant {variant!r}; known: {sorted(DG13_VARIANTS)}")
        layout = DG13_VARIANTS[variant]
    else:
        layout = variant
    width = 2 if layout.long_lengths else 0

    def enc(tag: int, value: bytes) -> bytes:
        return tlv.encode(tag, value, min_length_bytes=width)

    def string(number: int, text: str) -> bytes:
        tag = (
            tlv.PRINTABLE_STRING if number in layout.printable_fields and text.isascii() else tlv.UTF8_STRING
        )
        codec = "ascii" if tag == tlv.PRINTABLE_STRING else "utf-8"
        return enc(tag, _nfc(text).encode(codec))

    def field_number(number: int) -> bytes:
        return enc(tlv.INTEGER, number.to_bytes(1, "big"))

    elements: list[bytes] = []
    for number, value in sorted(dg13_values(record, layout).items()):
        if number == FIELD_PARENTS:
            names = value if isinstance(value, list) else []
            if layout.omit_empty and not any(names):
                continue
            if layout.parents == "one-sequence":
                body = enc(tlv.SEQUENCE, b"".join(string(number, n) for n in names))
            else:
                body = b"".join(enc(tlv.SEQUENCE, string(number, n)) for n in names)
        elif value is None or value == "":
            if layout.omit_empty:
                continue
            body = b""
        else:
            body = string(number, str(value))
        elements.append(enc(tlv.SEQUENCE, field_number(number) + body))
    version = enc(tlv.INTEGER, b"\x01")
    oid = tlv.encode_oid(DG13_OID)
    if width:
        oid = enc(tlv.OBJECT_IDENTIFIER, tlv.decode(oid).value)
    header = enc(tlv.SEQUENCE, version + oid + enc(tlv.SET, b"".join(elements)))
    return enc(TAG_DG13, header)
