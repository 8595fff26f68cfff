"""The review step: the form filled from the card, row by row (value, where it came from, locked or not, the
error under it), the table fields (the CT01 household members) and what is still missing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk.errors import KioskError
from kiosk.i18n import Lang, error_text, pick
from kiosk.presenters.core import Core
from kiosk.workflows.fill import MAX_TABLE_ROWS, FilledForm
from kiosk.workflows.model import FieldSpec
from kiosk.workflows.service import fill_workflow
from kiosk.workflows.table_rows import typed_rows, without_row
from kiosk.workflows.values import display


@dataclass(frozen=True)
class FieldRow:
    """One field of the review screen."""

    name: str
    label: str
    type: str
    value: str  # as typed/edited (dates dd/mm/yyyy, choices by code)
    shown: str  # as displayed (choices by label)
    source: str | None
    locked: bool
    required: bool
    missing: bool
    error: str | None
    choices: tuple[tuple[str, str], ...]
    max_length: int | None
    table: str | None = None  # a cell of this table field (the CT01 household members) …
    row_index: int | None = None  # … in this row (from 1)


@dataclass(frozen=True)
class TableInfo:
    """A table field of the form: its label, how many rows are shown and how many the form allows."""

    name: str
    label: str
    other_label: str  # the label in the other language
    rows: int
    max_rows: int


class ReviewPresenter:
    def __init__(self, core: Core) -> None:
        self.core = core
        self._table_sizes: dict[str, int] = {}  # rows shown per table field (a row just added is still empty)
        self._form_cache: tuple[tuple[Any, ...], FilledForm] | None = None

    def reset(self) -> None:
        self._form_cache = None
        self._table_sizes = {}

    @property
    def procedure_id(self) -> str | None:
        return self.core.session.procedure_id

    @property
    def portrait(self) -> bytes | None:
        """The chip portrait (in memory only, for this screen)."""
        return self.core.session.portrait

    def form(self) -> FilledForm | None:
        procedure, identity = self.core.procedure, self.core.session.identity
        if procedure is None or identity is None:
            self._form_cache = None
            return None
        address = self.core.address.answer
        key = (procedure.id, id(identity), tuple(sorted(self.core.session.typed.items())), id(address))
        if self._form_cache is not None and self._form_cache[0] == key:
            return self._form_cache[1]
        form = fill_workflow(self.core.registry, procedure.kind, identity, self.core.session.typed,
                             procedure_id=procedure.id, address=address)
        self._form_cache = (key, form)
        return form

    def rows(self) -> list[FieldRow]:
        form = self.form()
        if form is None:
            return self.blank_rows()
        errors = {e.field: e for e in form.errors if e.field}
        rows = []
        for spec in form.procedure.fields:
            if spec.type == "table":
                continue  # the tables' rows follow the plain fields
            fv = form.values.get(spec.name)
            typed = self.core.session.typed.get(spec.name)
            value = typed if typed is not None and spec.name in errors else (self._editable(spec, fv.value)
                                                                            if fv else (typed or ""))
            rows.append(FieldRow(
                name=spec.name, label=pick(spec.label_vi, spec.label_en, self.core.lang), type=spec.type, value=value,
                shown=display(spec, fv.value) if fv else (typed or ""),
                source=fv.source if fv else None, locked=bool(fv and fv.locked),
                required=spec.required or spec.name in form.missing, missing=spec.name in form.missing,
                error=self._field_error(spec, errors[spec.name]) if spec.name in errors else None,
                choices=tuple((c.code, pick(c.label_vi, c.label_en, self.core.lang)) for c in spec.choices),
                max_length=spec.max_length))
        for spec in form.procedure.fields:
            if spec.type == "table":
                rows.extend(self._table_rows(form, spec, errors))
        return rows

    def _table_rows(self, form: FilledForm, spec: FieldSpec, errors: dict[str, KioskError]) -> list[FieldRow]:
        """The cells of a table field, row by row (typed by the person: nothing is locked)."""
        rows = []
        filled = form.tables.get(spec.name, [])
        for index in range(1, self._table_size(spec, form) + 1):
            values = filled[index - 1] if index <= len(filled) else {}
            for col in spec.columns:
                key = f"{spec.name}.{index}.{col.name}"
                fv = values.get(col.name)
                typed = self.core.session.typed.get(key)
                value = typed if typed is not None and key in errors else (
                    self._editable(col, fv.value) if fv else (typed or ""))
                rows.append(FieldRow(
                    name=key, label=pick(col.label_vi, col.label_en, self.core.lang), type=col.type, value=value,
                    shown=display(col, fv.value) if fv else (typed or ""), source=fv.source if fv else None,
                    locked=False, required=col.required, missing=key in form.missing,
                    error=self._field_error(col, errors[key]) if key in errors else None,
                    choices=tuple((c.code, pick(c.label_vi, c.label_en, self.core.lang)) for c in col.choices),
                    max_length=col.max_length, table=spec.name, row_index=index))
        return rows

    def _table_size(self, spec: FieldSpec, form: FilledForm | None) -> int:
        filled = len(form.tables.get(spec.name, [])) if form is not None else 0
        return max(self._table_sizes.get(spec.name, 0), filled, typed_rows(self.core.session.typed, spec.name))

    def tables(self) -> list[TableInfo]:
        """The form's table fields (the CT01 household members), for the review screen's add/remove controls."""
        procedure, form = self.core.procedure, self.form()
        if procedure is None or form is None:
            return []
        other: Lang = "en" if self.core.lang == "vi" else "vi"
        return [TableInfo(spec.name, pick(spec.label_vi, spec.label_en, self.core.lang),
                          pick(spec.label_vi, spec.label_en, other), self._table_size(spec, form),
                          spec.max_rows or MAX_TABLE_ROWS) for spec in procedure.fields if spec.type == "table"]

    def add_table_row(self, table: str) -> int | None:
        """Show one more (empty) row of ``table``; returns its number, ``None`` when the form has no room."""
        info = next((t for t in self.tables() if t.name == table), None)
        if info is None or info.rows >= info.max_rows:
            return None
        self._table_sizes[table] = info.rows + 1
        self.core.session.touch()
        self.core.changed()
        return info.rows + 1

    def remove_table_row(self, table: str, index: int) -> None:
        """Drop row ``index`` of ``table`` (what was typed in it too); the rows below move up."""
        info = next((t for t in self.tables() if t.name == table), None)
        if info is None or not 1 <= index <= info.rows:
            return
        self.core.session.typed = without_row(self.core.session.typed, table, index)
        self._table_sizes[table] = info.rows - 1
        self.core.session.touch()
        self.core.changed()

    def blank_rows(self, procedure_id: str | None = None) -> list[FieldRow]:
        """A procedure's rows (default: the session's) before anything is read, so that the screen can lay the
        form out ahead of the card."""
        procedure = self.core.registry.procedure(procedure_id) if procedure_id else self.core.procedure
        if procedure is None:
            return []
        return [FieldRow(name=spec.name, label=pick(spec.label_vi, spec.label_en, self.core.lang), type=spec.type,
                         value="", shown="", source=None, locked=False, required=spec.required,
                         missing=False, error=None,
                         choices=tuple((c.code, pick(c.label_vi, c.label_en, self.core.lang)) for c in spec.choices),
                         max_length=spec.max_length)
                for spec in procedure.fields if spec.type != "table"]

    @staticmethod
    def _field_error(spec: FieldSpec, error: KioskError) -> str:
        """The error as shown under its field: the field named by its label, not its internal name."""
        return (error_text(error).replace(f"«{spec.name}»", f"«{spec.label_vi}»")
                .replace(f"'{spec.name}'", f"'{spec.label_en}'"))

    @staticmethod
    def _editable(spec: FieldSpec, value: str) -> str:
        """A stored value as the person edits it (dates as dd/mm/yyyy, times as dd/mm/yyyy HH:MM)."""
        if spec.type in ("date", "datetime"):
            return display(spec, value)
        return value

    def set_value(self, name: str, value: str) -> str | None:
        """Type a value; returns the field's error text (or ``None``) at once, for inline validation."""
        if value.strip():
            self.core.session.set_value(name, value)
        else:
            self.core.session.typed.pop(name, None)
            self.core.session.touch()
        row = next((r for r in self.rows() if r.name == name), None)
        self.core.changed()
        return row.error if row else None

    def missing_labels(self) -> list[str]:
        """Fields to correct (a wrong value) first, then fields still empty."""
        return [self.core.t("review.member", n=r.row_index) + f": {r.label}" if r.row_index else r.label
                for r in sorted(self.rows(), key=lambda r: r.error is None) if r.missing or r.error]

    def can_continue(self) -> bool:
        form = self.form()
        return form is not None and form.complete
