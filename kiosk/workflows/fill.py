"""Fills a procedure's form from an identity and typed values, and reports what still needs a person."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from kiosk.errors import KioskError
from kiosk.identity import Identity
from kiosk.text import clean
from kiosk.workflows.errors import FieldLockedError, UnknownFieldError
from kiosk.workflows.model import EvidenceSource, FieldSpec, Procedure
from kiosk.workflows.values import display, normalise

if TYPE_CHECKING:  # kiosk.address.confirm imports this module
    from kiosk.address.confirm import ConfirmedAddress


def evidence_source(identity: Identity) -> EvidenceSource:
    """How much a value read from this identity can be trusted."""
    if identity.source == "chip":
        passive = identity.verification.get("passive") or {}
        return "chip-verified" if passive.get("status") == "valid" else "chip-unverified"
    if identity.source in ("qr", "vneid-qr"):
        return "qr"
    return "typed"


def identity_value(identity: Identity, spec: FieldSpec) -> str | None:
    """The value an identity gives a field, in the field's stored form, or ``None``."""
    if not spec.identity:
        return None
    for attr in spec.identity.split("|"):
        value = getattr(identity, attr, None)
        if value is None or value == "":
            continue
        text = value.isoformat() if isinstance(value, date) else str(value)
        if spec.identity_map:
            mapped = dict(spec.identity_map).get(text)
            if mapped is None:
                continue
            text = mapped
        return text
    return None


@dataclass
class FieldValue:
    value: str
    source: EvidenceSource
    locked: bool = False


@dataclass
class FilledForm:
    """The result of filling: values with their source, the fields still missing, the input errors."""

    procedure: Procedure
    identity: Identity
    values: dict[str, FieldValue] = field(default_factory=dict)
    tables: dict[str, list[dict[str, FieldValue]]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    errors: list[KioskError] = field(default_factory=list)
    address: ConfirmedAddress | None = None  # the residence in the current units, as the person confirmed it

    @property
    def complete(self) -> bool:
        return not self.missing and not self.errors

    def get(self, name: str) -> str | None:
        fv = self.values.get(name)
        return fv.value if fv else None

    def data(self) -> dict[str, Any]:
        """The form data as submitted: plain values, tables as lists of rows."""
        out: dict[str, Any] = {name: fv.value for name, fv in self.values.items()}
        for name, rows in self.tables.items():
            out[name] = [{col: fv.value for col, fv in row.items()} for row in rows]
        return out

    def evidence(self) -> dict[str, Any]:
        fields: dict[str, Any] = {name: fv.source for name, fv in self.values.items()}
        for name, rows in self.tables.items():
            fields[name] = [{col: fv.source for col, fv in row.items()} for row in rows]
        return {
            "fields": fields,
            "identity_source": self.identity.source,
            "verification": self.identity.verification,
        }

    def to_dict(self) -> dict[str, Any]:
        fields = []
        for spec in self.procedure.fields:
            entry: dict[str, Any] = {
                "name": spec.name,
                "label_vi": spec.label_vi,
                "label_en": spec.label_en,
                "type": spec.type,
                "required": spec.required,
            }
            if spec.type == "table":
                entry["rows"] = [
                    {
                        col: {"value": fv.value, "source": fv.source, "locked": fv.locked}
                        for col, fv in row.items()
                    }
                    for row in self.tables.get(spec.name, [])
                ]
            else:
                fv = self.values.get(spec.name)
                entry.update(
                    {
                        "value": fv.value if fv else None,
                        "source": fv.source if fv else None,
                        "locked": fv.locked if fv else False,
                        "display": display(spec, fv.value) if fv else None,
                    }
                )
            fields.append(entry)
        return {
            "ok": self.complete,
            "procedure": self.procedure.id,
            "kind": self.procedure.kind,
            "title_vi": self.procedure.title_vi,
            "title_en": self.procedure.title_en,
            "consent": {"vi": self.procedure.consent_vi, "en": self.procedure.consent_en},
            "fields": fields,
            "missing": list(self.missing),
            "errors": [e.to_dict() for e in self.errors],
        }


def _apply(
    target: dict[str, FieldValue], spec: FieldSpec, raw: str, errors: list[KioskError], key: str
) -> None:
    existing = target.get(spec.name)
    if not clean(raw):  # an empty value clears the field (a screen's erased input)
        if existing is not None and existing.locked:
            errors.append(FieldLockedError(key))
        else:
            target.pop(spec.name, None)
        return
    try:
        value = normalise(spec, raw)
    except KioskError as exc:
        exc.field = key
        errors.append(exc)
        return
    if existing is not None and existing.locked and existing.value != value:
        errors.append(FieldLockedError(key))
        return
    if existing is not None and existing.value == value:
        return
    target[spec.name] = FieldValue(value, "typed")


def _from_identity(identity: Identity, specs: Sequence[FieldSpec]) -> dict[str, FieldValue]:
    """Values the identity gives, checked like typed ones: a value of the wrong kind for the field (a passport
    number in a 12-digit ID field) is left out rather than carried into the form."""
    source = evidence_source(identity)
    out: dict[str, FieldValue] = {}
    for spec in specs:
        value = identity_value(identity, spec)
        if value is None:
            continue
        try:
            value = normalise(spec, value)
        except KioskError:
            continue
        out[spec.name] = FieldValue(value, source, source == "chip-verified" and not spec.editable_if_verified)
    return out


def _is_required(spec: FieldSpec, values: Mapping[str, FieldValue]) -> bool:
    if spec.required:
        return True
    if spec.required_if:
        other = values.get(spec.required_if[0])
        return other is not None and other.value == spec.required_if[1]
    return False


MAX_TABLE_ROWS = 20  # a table field without its own ``max_rows``


def fill(
    procedure: Procedure,
    identity: Identity,
    typed: Mapping[str, str] | None = None,
    members: Mapping[str, Sequence[Identity]] | None = None,
) -> FilledForm:
    """Fill ``procedure`` from ``identity``, then presets, then ``typed`` values
    (``table.N.column`` for rows).

    ``members`` gives, per table field, identities read from other cards (one row each).
    """
    form = FilledForm(procedure, identity)
    plain = [f for f in procedure.fields if f.type != "table"]
    form.values = _from_identity(identity, plain)
    for name, value in procedure.presets.items():
        spec = procedure.field(name)
        if spec is not None and name not in form.values:
            form.values[name] = FieldValue(normalise(spec, value), "typed")
    for spec in procedure.fields:
        if spec.type == "table":
            form.tables[spec.name] = [
                _from_identity(m, spec.columns) for m in (members or {}).get(spec.name, [])
            ]

    for key, raw in (typed or {}).items():
        name, _, rest = key.partition(".")
        spec = procedure.field(name)
        if spec is None:
            form.errors.append(UnknownFieldError(key))
        elif spec.type != "table":
            if rest:
                form.errors.append(UnknownFieldError(key))
            else:
                _apply(form.values, spec, raw, form.errors, key)
        else:
            index, _, column = rest.partition(".")
            col = next((c for c in spec.columns if c.name == column), None)
            limit = spec.max_rows or MAX_TABLE_ROWS
            if not index.isdigit() or int(index) < 1 or int(index) > limit or col is None:
                form.errors.append(UnknownFieldError(key))
                continue
            rows = form.tables[spec.name]
            while len(rows) < int(index):
                rows.append({})
            _apply(rows[int(index) - 1], col, raw, form.errors, key)

    for spec in plain:
        rule = spec.copy
        if rule and spec.name not in form.values:
            cond = form.values.get(rule.when_field)
            src = form.values.get(rule.copy_from)
            if cond is not None and cond.value == rule.equals and src is not None:
                form.values[spec.name] = FieldValue(src.value, src.source, src.locked)

    for spec in procedure.fields:
        if spec.type == "table":
            for i, row in enumerate(form.tables[spec.name], start=1):
                form.missing.extend(
                    f"{spec.name}.{i}.{c.name}"
                    for c in spec.columns
                    if _is_required(c, row) and c.name not in row
                )
        elif spec.name not in form.values and _is_required(spec, form.values):
            form.missing.append(spec.name)
    return form
