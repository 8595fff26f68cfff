"""Loads forms, procedures, catalogs and profiles from TOML configuration.

Layout of a configuration directory (default: the ``config`` package):

- ``forms/<id>.toml``: ``consent_vi``/``consent_en`` and ``[[fields]]`` (see ``FieldSpec``);
- ``procedures/<id>.toml``: ``id``, ``kind``, ``form``, titles, optional ``code``, ``counter``, ``renderer``,
  ``documents`` (the identity documents accepted: ``id-card``, ``passport``; default the ID card only),
  ``[presets]`` and consent overrides; a new procedure is a new file here;
- ``catalogs/<id>.toml``: ``[[items]] code/label_vi/label_en``, referenced by a field's ``choices_from``;
- ``profiles/<id>.toml``: the procedures a kiosk offers and its ``[counters.<id>]``;
- ``kinds/<kind>.toml``: the module implementing a workflow kind (``kiosk.workflows.plugins``).
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from kiosk.config_dir import default_config_dir
from kiosk.workflows.errors import ConfigError, UnknownProcedureError
from kiosk.workflows.model import (
    DOCUMENTS,
    FIELD_TYPES,
    Choice,
    CopyRule,
    Counter,
    FieldSpec,
    Procedure,
    Profile,
)
from kiosk.workflows.plugin import WorkflowPlugin
from kiosk.workflows.plugins import load_plugins

__all__ = ["Registry", "default_config_dir", "default_registry"]


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(path.name, str(exc)) from None


def _text(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise ConfigError(where, f"missing text {key!r}")
    return value


def catalog_toml(items: list[tuple[str, str]], note: str) -> str:
    """A catalog file (``catalogs/<id>.toml``) from ``(code, Vietnamese label)`` pairs."""
    lines = [f"note = {json.dumps(note, ensure_ascii=False)}"]
    for code, label in items:
        lines += [
            "[[items]]",
            f"code = {json.dumps(code)}",
            f"label_vi = {json.dumps(label, ensure_ascii=False)}",
            f"label_en = {json.dumps(label, ensure_ascii=False)}",
        ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Catalog:
    id: str
    items: tuple[Choice, ...]
    note: str = ""

    def label(self, code: str) -> str | None:
        return next((c.label_vi for c in self.items if c.code == code), None)


def _load_catalog(path: Path) -> Catalog:
    data = _read(path)
    items = tuple(
        Choice(str(i["code"]), str(i["label_vi"]), str(i.get("label_en", i["label_vi"])))
        for i in data.get("items", [])
    )
    if not items:
        raise ConfigError(path.name, "a catalog needs [[items]]")
    return Catalog(path.stem, items, str(data.get("note", "")))


class Registry:
    """All procedures and profiles of one configuration directory."""

    def __init__(self, root: Path | None = None, catalog_overrides: Path | None = None) -> None:
        self.root = root or default_config_dir()
        self.kinds = load_plugins(self.root / "kinds")
        self.catalogs = {p.stem: _load_catalog(p) for p in sorted((self.root / "catalogs").glob("*.toml"))}
        if catalog_overrides is not None and catalog_overrides.is_dir():
            # Catalogs synced from the receiving systems replace the shipped ones of the same name.
            self.catalogs.update({p.stem: _load_catalog(p) for p in sorted(catalog_overrides.glob("*.toml"))})
        self.forms = {p.stem: _read(p) for p in sorted((self.root / "forms").glob("*.toml"))}
        self.procedures: dict[str, Procedure] = {}
        for path in sorted((self.root / "procedures").glob("*.toml")):
            proc = self._procedure(_read(path), path.name)
            self.procedures[proc.id] = proc
        self.profiles = {
            p.stem: self._profile(_read(p), p.name) for p in sorted((self.root / "profiles").glob("*.toml"))
        }

    # -- building -----------------------------------------------------------------------------------------
    def _field(self, data: dict[str, Any], where: str) -> FieldSpec:
        name = _text(data, "name", where)
        where = f"{where} field {name}"
        ftype = data.get("type", "text")
        if ftype not in FIELD_TYPES:
            raise ConfigError(where, f"type must be one of {FIELD_TYPES}")
        choices: tuple[Choice, ...] = ()
        if "choices_from" in data:
            catalog = self.catalogs.get(data["choices_from"])
            if catalog is None:
                raise ConfigError(where, f"unknown catalog {data['choices_from']!r}")
            choices = catalog.items
        elif "choices" in data:
            choices = tuple(Choice(str(c[0]), str(c[1]), str(c[2])) for c in data["choices"])
        if ftype == "choice" and not choices:
            raise ConfigError(where, "a choice field needs choices or choices_from")
        copy = None
        if "copy" in data:
            c = data["copy"]
            copy = CopyRule(str(c["when_field"]), str(c["equals"]), str(c["copy_from"]))
        required_if = None
        if "required_if" in data:
            required_if = (str(data["required_if"]["field"]), str(data["required_if"]["equals"]))
        columns = tuple(self._field(c, where) for c in data.get("columns", []))
        if ftype == "table" and not columns:
            raise ConfigError(where, "a table field needs columns")
        return FieldSpec(
            name=name,
            label_vi=_text(data, "label_vi", where),
            label_en=_text(data, "label_en", where),
            type=ftype,
            required=bool(data.get("required", False)),
            identity=data.get("identity"),
            identity_map=tuple((str(k), str(v)) for k, v in data.get("identity_map", {}).items()),
            editable_if_verified=bool(data.get("editable_if_verified", True)),
            choices=choices,
            max_length=data.get("max_length"),
            columns=columns,
            max_rows=data.get("max_rows"),
            copy=copy,
            required_if=required_if,
            hint_vi=str(data.get("hint_vi", "")),
        )

    def _procedure(self, data: dict[str, Any], where: str) -> Procedure:
        pid = _text(data, "id", where)
        kind = _text(data, "kind", where)
        if kind not in self.kinds:
            raise ConfigError(where, f"kind must be one of {sorted(self.kinds)}")
        form_id = _text(data, "form", where)
        form = self.forms.get(form_id)
        if form is None:
            raise ConfigError(where, f"unknown form {form_id!r}")
        fields = tuple(self._field(f, f"form {form_id}") for f in form.get("fields", []))
        fields += tuple(self._field(f, where) for f in data.get("fields", []))
        names = [f.name for f in fields]
        if len(set(names)) != len(names):
            raise ConfigError(where, "duplicate field names")
        presets = {str(k): str(v) for k, v in data.get("presets", {}).items()}
        for key in presets:
            if key not in names:
                raise ConfigError(where, f"preset for unknown field {key!r}")
        documents = tuple(str(d) for d in data.get("documents", ["id-card"]))
        if not documents or any(d not in DOCUMENTS for d in documents):
            raise ConfigError(where, f"documents must be a non-empty list of {sorted(DOCUMENTS)}")
        return Procedure(
            id=pid,
            kind=kind,
            title_vi=_text(data, "title_vi", where),
            title_en=_text(data, "title_en", where),
            form=form_id,
            fields=fields,
            consent_vi=data.get("consent_vi") or _text(form, "consent_vi", form_id),
            consent_en=data.get("consent_en") or _text(form, "consent_en", form_id),
            code=data.get("code"),
            counter=data.get("counter"),
            renderer=data.get("renderer"),
            presets=presets,
            documents=documents,
        )

    def _profile(self, data: dict[str, Any], where: str) -> Profile:
        procs = tuple(str(p) for p in data.get("procedures", []))
        for p in procs:
            if p not in self.procedures:
                raise ConfigError(where, f"unknown procedure {p!r}")
        counters = {
            cid: Counter(cid, int(c["number"]), str(c.get("prefix", "")), str(c["label_vi"]), str(c["label_en"]))
            for cid, c in data.get("counters", {}).items()
        }
        return Profile(
            _text(data, "id", where),
            _text(data, "title_vi", where),
            _text(data, "title_en", where),
            procs,
            counters,
            dict(data.get("settings", {})),
        )

    # -- queries ------------------------------------------------------------------------------------------
    def procedure(self, procedure_id: str) -> Procedure:
        try:
            return self.procedures[procedure_id]
        except KeyError:
            raise UnknownProcedureError(procedure_id, sorted(self.procedures)) from None

    def plugin(self, kind: str) -> WorkflowPlugin:
        """The plugin of a workflow kind."""
        try:
            return self.kinds[kind]
        except KeyError:
            raise UnknownProcedureError(kind, sorted(self.kinds)) from None

    def for_kind(self, kind: str, procedure_id: str | None = None) -> Procedure:
        """The procedure asked for, or the only/first one of a workflow kind when none is named (one that accepts
        the ID card first: a passport-only procedure such as the foreign guest's is chosen by name)."""
        if procedure_id:
            proc = self.procedure(procedure_id)
            if proc.kind != kind:
                known = sorted(p.id for p in self.procedures.values() if p.kind == kind)
                raise UnknownProcedureError(procedure_id, known)
            return proc
        candidates = [p for p in self.procedures.values() if p.kind == kind]
        if not candidates:
            raise UnknownProcedureError(kind, sorted(self.procedures))
        return next((p for p in candidates if "id-card" in p.documents), candidates[0])

    def offered(self, profile_id: str) -> list[Procedure]:
        profile = self.profiles.get(profile_id)
        if profile is None:
            raise UnknownProcedureError(profile_id, sorted(self.profiles))
        return [self.procedures[p] for p in profile.procedures]


def catalog_override_dir() -> Path | None:
    """``$KIOSK_STATE_DIR/catalogs``: catalogs synced from the police system (``kiosk lodging catalogs``)."""
    state = os.environ.get("KIOSK_STATE_DIR")
    return Path(state) / "catalogs" if state else None


@cache
def default_registry() -> Registry:
    return Registry(catalog_overrides=catalog_override_dir())
