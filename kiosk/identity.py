"""The citizen identity model shared by every part of the kiosk.

One typed record whatever the source (QR, chip, typed by staff): NFC-normalised text, ISO 8601 dates in JSON,
``None``/``null`` for unknown values, and the raw source data kept alongside what was parsed from it.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, get_args

from kiosk.errors import PayloadError
from kiosk.text import nfc
from wire.json_input import JsonInputError, loads

Sex = Literal["M", "F"]
CardType = Literal["cccd-2021", "can-cuoc-2024", "passport", "unknown"]
Source = Literal["qr", "vneid-qr", "chip", "manual"]  # vneid-qr: a CCCD payload shown in the VNeID app

CARD_TYPES: tuple[str, ...] = get_args(CardType)
SOURCES: tuple[str, ...] = get_args(Source)

_DATE_FIELDS = ("date_of_birth", "issue_date", "expiry_date")


class IdentityFormatError(PayloadError, ValueError):
    """An identity document that is not a JSON object (a ``ValueError`` too, as a malformed document is)."""

    code = "invalid-identity"


@dataclass(frozen=True)
class Identity:
    """A person's identity as read from a document.

    ``expiry_date`` ``None`` means "no expiry" when ``no_expiry`` is true, otherwise "unknown".
    ``raw`` keeps the source data exactly as read (QR payload text, DG13 raw values, MRZ lines).
    ``verification`` is filled by the chip reader (access method, passive/active/chip authentication results).
    """

    id_number: str | None = None
    old_id_number: str | None = None
    full_name: str | None = None
    date_of_birth: date | None = None
    sex: Sex | None = None
    nationality: str | None = None
    ethnicity: str | None = None
    religion: str | None = None
    place_of_origin: str | None = None
    residence: str | None = None
    identifying_marks: str | None = None
    issue_date: date | None = None
    expiry_date: date | None = None
    father_name: str | None = None
    mother_name: str | None = None
    spouse_name: str | None = None
    card_type: CardType = "unknown"
    source: Source = "manual"
    document_number: str | None = None
    no_expiry: bool = False
    verification: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str):
                normalised = nfc(value)
                if normalised != value:
                    object.__setattr__(self, f.name, normalised)
        if self.card_type not in CARD_TYPES:
            raise ValueError(f"card_type must be one of {CARD_TYPES}")
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}")
        if self.sex not in (None, "M", "F"):
            raise ValueError("sex must be 'M', 'F' or None")

    @property
    def pace_can(self) -> str | None:
        """The PACE card access number of a CCCD: the last 6 digits of the 12-digit ID."""
        if self.id_number and len(self.id_number) == 12 and self.id_number.isdigit():
            return self.id_number[-6:]
        return None

    @property
    def issuing_state(self) -> str | None:
        """The issuing State's code of a document read with its MRZ (ICAO 9303: characters 3–5 of the first line
        in every format), ``None`` without one."""
        lines = self.raw.get("mrz")
        first = str(lines[0]) if isinstance(lines, list | tuple) and lines else ""
        return first[2:5].replace("<", "") or None

    @property
    def is_foreign_document(self) -> bool:
        """A passport (of any State) or another State's identity card: its ``id_number`` is the document's number,
        not a Vietnamese personal ID number."""
        return self.card_type == "passport" or self.issuing_state not in (None, "VNM")

    @property
    def personal_id_number(self) -> str | None:
        """The Vietnamese personal ID number (số định danh cá nhân), ``None`` for a foreign document."""
        return None if self.is_foreign_document else self.id_number

    @property
    def passport_number(self) -> str | None:
        """A passport's number (from its MRZ), ``None`` for any other document."""
        return (self.document_number or self.id_number) if self.card_type == "passport" else None

    @property
    def passport_issuer(self) -> str | None:
        """A passport's issuing State (ICAO code), ``None`` for any other document."""
        return self.issuing_state if self.card_type == "passport" else None

    def replace(self, **changes: Any) -> Identity:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: dates as ISO 8601 strings, ``None`` for unknown."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.isoformat() if isinstance(value, date) else value
        return out

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Identity:
        """Build from the JSON form; unknown keys are kept under ``raw["extra"]`` rather than dropped.

        Anything but an object raises ``PayloadError`` (``invalid-identity``)."""
        if not isinstance(data, dict):
            raise IdentityFormatError(
                f"an identity must be a JSON object, not {type(data).__name__}", code="invalid-identity",
                field="identity", message_vi="Thông tin nhân thân phải là một đối tượng JSON.",
            )
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for key, value in data.items():
            if key not in names:
                extra[key] = value
            elif key in _DATE_FIELDS and isinstance(value, str):
                kwargs[key] = date.fromisoformat(value)
            else:
                kwargs[key] = value
        if extra:
            kwargs["raw"] = {**kwargs.get("raw", {}), "extra": extra}
        return cls(**kwargs)

    @classmethod
    def from_json(cls, text: str) -> Identity:
        """Parse an identity document; malformed or too deeply nested JSON raises ``IdentityFormatError`` with the
        JSON reader's code (``invalid-payload``, ``json-too-deep``)."""
        try:
            data = loads(text, "the identity")
        except JsonInputError as exc:
            raise IdentityFormatError(exc.message, code=exc.code, message_vi=exc.message_vi) from None
        return cls.from_dict(data)

    def personal_values(self) -> list[str]:
        """Every personal text value, for checks that nothing personal is left on screen or in logs."""
        values: list[str] = []
        for f in dataclasses.fields(self):
            if f.name in ("card_type", "source", "verification", "raw", "no_expiry", "sex"):
                continue
            value = getattr(self, f.name)
            if isinstance(value, date):
                values.extend([value.isoformat(), value.strftime("%d/%m/%Y")])
            elif isinstance(value, str) and value:
                values.append(value)
        return values
