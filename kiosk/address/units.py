"""The current (2025) units and how a card's address text is split into them.

Current provinces and communes, with their official codes (Tổng cục Thống kê / NSO codes as decided in
Quyết định 19/2025/QĐ-TTg), come from the ``vietnam-provinces`` package. Every former province was merged whole
into one current province (Nghị quyết 202/2025/QH15, table in ``config/addresses/province-merger-2025.toml``), so
the province always maps; the commune needs the conversion engines (``kiosk.address.engines``).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from vietnam_provinces import Province, Ward

from kiosk.config_dir import default_config_dir
from kiosk.text import clean, fold_diacritics

_COMMUNE = re.compile(r"^(phuong|xa|thi tran|dac khu|p|x|tt)\b")
_DISTRICT = re.compile(r"^(quan|huyen|thi xa|thanh pho|tp|q|h|tx)\b")
_PROVINCE_PREFIX = re.compile(r"^(tinh|thanh pho|tp)\s+")
_UNIT_PREFIX = re.compile(r"^(phuong|xa|thi tran|dac khu|tinh|thanh pho|tp)\s+")
_EMPTY_PART = re.compile(r"^[\s\-.]*$")
ALIASES = {"bac can": "bac kan", "hcm": "ho chi minh", "tphcm": "ho chi minh", "hn": "ha noi"}


def key(text: str) -> str:
    """A name folded for comparison: no diacritics, lower case, punctuation and extra spaces removed."""
    folded = fold_diacritics(clean(text)).lower().replace("-", " ")
    folded = re.sub(r"\s+", " ", re.sub(r"[^a-z0-9 ]", " ", folded)).strip()
    return ALIASES.get(folded, folded)


def province_key(text: str) -> str:
    return key(_PROVINCE_PREFIX.sub("", key(text)))


def short_key(text: str) -> str:
    """A unit name without its type word ("Xã Cẩm Vân" → "cam van")."""
    return _UNIT_PREFIX.sub("", key(text))


@dataclass(frozen=True)
class Unit:
    """A current province or commune with its official code."""

    code: int
    name: str
    kind: Literal["province", "commune"] = "province"

    @property
    def code_text(self) -> str:
        """The code as the official catalogues write it: 2 digits for a province, 5 for a commune."""
        return f"{self.code:05d}" if self.kind == "commune" else f"{self.code:02d}"

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code_text, "name": self.name}


@dataclass(frozen=True)
class Place:
    """A current commune and its province."""

    province: Unit
    commune: Unit

    @property
    def text(self) -> str:
        return f"{self.commune.name}, {self.province.name}"

    def to_dict(self) -> dict[str, Any]:
        return {"province": self.province.to_dict(), "commune": self.commune.to_dict()}


@dataclass(frozen=True)
class SplitAddress:
    """The parts of an address text: the street part (verbatim), commune, district and province parts."""

    street: str
    commune: str | None
    district: str | None
    province: str | None


def split_address(text: str) -> SplitAddress:
    """Split on commas: the last part is the province, the last commune-like and district-like parts before it
    are the commune and district; what comes before the commune is the street part, kept as written."""
    raw_parts = [p.strip() for p in clean(text).split(",")]
    parts = [p for p in raw_parts if not _EMPTY_PART.match(p)]
    if not parts:
        return SplitAddress("", None, None, None)
    province, rest = parts[-1], parts[:-1]
    commune_i = next((i for i in range(len(rest) - 1, -1, -1) if _COMMUNE.match(key(rest[i]))), None)
    district_i = next((i for i in range(len(rest) - 1, -1, -1) if _DISTRICT.match(key(rest[i]))), None)
    first_unit = min((i for i in (commune_i, district_i) if i is not None), default=len(rest))
    return SplitAddress(
        ", ".join(rest[:first_unit]),
        rest[commune_i] if commune_i is not None else None,
        rest[district_i] if district_i is not None else None,
        province,
    )


@cache
def _provinces() -> tuple[dict[str, Province], dict[str, Province]]:
    """(current province by key, current province by former-province key)."""
    path = default_config_dir() / "addresses" / "province-merger-2025.toml"
    with path.open("rb") as fh:
        merged = tomllib.load(fh)["merged"]
    current = {province_key(p.name): p for p in Province.iter_all()}
    former: dict[str, Province] = {}
    for new_name, olds in merged.items():
        province = current[province_key(new_name)]
        for old in olds:
            former[province_key(old)] = province
    return current, former


@cache
def _wards(province_code: int) -> tuple[dict[str, list[Ward]], dict[str, list[Ward]]]:
    """(communes by full key, communes by key without the type word) of a current province."""
    full: dict[str, list[Ward]] = {}
    short: dict[str, list[Ward]] = {}
    for ward in Ward.iter_by_province(province_code):  # type: ignore[arg-type]
        full.setdefault(key(ward.name), []).append(ward)
        short.setdefault(short_key(ward.name), []).append(ward)
    return full, short


def current_province(name: str) -> Unit | None:
    """The current province named ``name`` (with or without "Tỉnh"/"Thành phố"), or ``None``."""
    found = _provinces()[0].get(province_key(name))
    return Unit(int(found.code), found.name) if found else None


def province_after_merger(name: str) -> Unit | None:
    """The current province a former (or current) province belongs to, or ``None`` if unknown."""
    found = _provinces()[1].get(province_key(name))
    return Unit(int(found.code), found.name) if found else None


def province_by_code(code: int) -> Unit | None:
    found = next((p for p in _provinces()[0].values() if int(p.code) == code), None)
    return Unit(int(found.code), found.name) if found else None


def current_commune(province: Unit, name: str) -> Unit | None:
    """The current commune of ``province`` named ``name`` (the type word may be left out when that is
    unambiguous), or ``None``."""
    full, short = _wards(province.code)
    matches = full.get(key(name)) or short.get(short_key(name)) or []
    return _commune(matches[0]) if len(matches) == 1 else None


def current_provinces() -> list[Unit]:
    """The 34 current provinces by code (for catalogue sheets such as the lodging template's TINH_THANH)."""
    return sorted((Unit(int(p.code), p.name) for p in _provinces()[0].values()), key=lambda u: u.code)


def communes_of(province_code: int) -> list[Unit]:
    """Every current commune of a province, sorted by name, for the person who picks."""
    full, _short = _wards(province_code)
    return sorted((_commune(w) for ws in full.values() for w in ws), key=lambda u: short_key(u.name))


def listed_communes(province_code: int) -> list[Unit]:
    """Every current commune of a province in the official list's order (as ``vietnam-provinces`` ships it), for
    catalogue sheets such as the lodging template's PHUONG_XA."""
    return [_commune(w) for w in Ward.iter_by_province(province_code)]  # type: ignore[arg-type]


def same_name_communes(province: Unit, name: str) -> list[Unit]:
    """Current communes of ``province`` that still carry the old commune's name (the naive guess)."""
    full, _short = _wards(province.code)
    return [_commune(w) for w in full.get(key(name), [])]


def _commune(ward: Ward) -> Unit:
    return Unit(int(ward.code), ward.name, "commune")
