"""The workflow model: procedures declare their form as data (fields, types, sources, locks, consent).

A procedure is a form plus what surrounds it (consent text, counter, receipt). Forms that are a plain
field list are configuration (``config/forms/*.toml``); only official layouts (the CT01 PDF, the QĐ 130
row, the police exports) are code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args

FieldType = Literal["text", "date", "datetime", "choice", "phone", "email", "id_number", "table"]
EvidenceSource = Literal["chip-verified", "chip-unverified", "qr", "typed"]
Kind = str  # a workflow kind: config/kinds/<kind>.toml names its plugin module
SHIPPED_KINDS = ("one-stop", "clinic", "lodging")
# Identity documents a procedure may accept: the Vietnamese ID card (QR and chip) and a passport (MRZ and chip).
DOCUMENTS = ("id-card", "passport")

FIELD_TYPES: tuple[str, ...] = get_args(FieldType)
KINDS: tuple[str, ...] = SHIPPED_KINDS  # the kinds of the shipped configuration (site profiles are named like them)


@dataclass(frozen=True)
class Choice:
    code: str
    label_vi: str
    label_en: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "label_vi": self.label_vi, "label_en": self.label_en}


@dataclass(frozen=True)
class CopyRule:
    """Fill a field from another one when a condition holds (CT01: the declarant is the household head)."""

    when_field: str
    equals: str
    copy_from: str


@dataclass(frozen=True)
class FieldSpec:
    """One form field.

    ``identity`` names the ``Identity`` attribute that fills it (``None``: typed by a person; ``a|b``:
    the first that is set); ``identity_map`` translates the attribute's value (card type → document type
    code); ``editable_if_verified`` false locks a value read from a verified chip; ``required_if`` makes
    the field required when another field has a given value; ``columns`` describe a table field's rows and
    ``max_rows`` how many the form has room for.
    """

    name: str
    label_vi: str
    label_en: str
    type: FieldType = "text"
    required: bool = False
    identity: str | None = None
    identity_map: tuple[tuple[str, str], ...] = ()
    editable_if_verified: bool = True
    choices: tuple[Choice, ...] = ()
    max_length: int | None = None
    columns: tuple[FieldSpec, ...] = ()
    max_rows: int | None = None
    copy: CopyRule | None = None
    required_if: tuple[str, str] | None = None
    hint_vi: str = ""

    def choice(self, code: str) -> Choice | None:
        return next((c for c in self.choices if c.code == code), None)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "label_vi": self.label_vi,
            "label_en": self.label_en,
            "type": self.type,
            "required": self.required,
            "identity": self.identity,
            "editable_if_verified": self.editable_if_verified,
        }
        if self.choices:
            out["choices"] = [c.to_dict() for c in self.choices]
        if self.max_length:
            out["max_length"] = self.max_length
        if self.columns:
            out["columns"] = [c.to_dict() for c in self.columns]
        if self.max_rows:
            out["max_rows"] = self.max_rows
        if self.required_if:
            out["required_if"] = {"field": self.required_if[0], "equals": self.required_if[1]}
        if self.hint_vi:
            out["hint_vi"] = self.hint_vi
        return out


@dataclass(frozen=True)
class Procedure:
    """What the citizen picks on screen: one form, its consent text and where the dossier goes."""

    id: str
    kind: Kind
    title_vi: str
    title_en: str
    form: str
    fields: tuple[FieldSpec, ...]
    consent_vi: str
    consent_en: str
    code: str | None = None
    counter: str | None = None
    renderer: str | None = None
    presets: dict[str, str] = field(default_factory=dict)
    # The identity documents the procedure accepts (``DOCUMENTS``): the scan screen offers the passport route only
    # where ``passport`` is listed, and starts with it where it is the only one.
    documents: tuple[str, ...] = ("id-card",)

    @property
    def accepts_passport(self) -> bool:
        return "passport" in self.documents

    @property
    def passport_only(self) -> bool:
        return self.documents == ("passport",)

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "title_vi": self.title_vi,
            "title_en": self.title_en,
            "code": self.code,
            "form": self.form,
            "renderer": self.renderer,
            "counter": self.counter,
            "documents": list(self.documents),
            "consent": {"vi": self.consent_vi, "en": self.consent_en},
            "fields": [f.to_dict() for f in self.fields],
        }


@dataclass(frozen=True)
class Counter:
    id: str
    number: int
    prefix: str
    label_vi: str
    label_en: str


@dataclass(frozen=True)
class Profile:
    """Which procedures a kiosk offers (one-stop desk, clinic, lodging) and its counters."""

    id: str
    title_vi: str
    title_en: str
    procedures: tuple[str, ...]
    counters: dict[str, Counter] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
