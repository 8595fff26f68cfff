"""Card addresses and the 2025 two-tier reorganisation (province + commune, no district).

Card addresses (QR, DG13) often name units that no longer exist. The original text is always kept. The
province maps unambiguously: every former province was merged whole into one current province (Nghị
quyết 202/2025/QH15, table in ``config/addresses/province-merger-2025.toml``); current units come from
the ``vietnam-provinces`` package. Communes do not map unambiguously in general: former communes were
merged, split and renamed, and the package has no former-to-current commune table. So the commune is:

- ``current``: the address is already in the two-tier form (no district) and names a current commune;
- ``suggested``: an old-form address whose commune name is still the name of exactly one current commune of
  the province; a person confirms it (a same-name commune may have come from another former district);
- ``ambiguous`` (several candidates) or ``unmapped`` (none): a person picks the current commune.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from vietnam_provinces import Province, Ward

from kiosk.text import clean, fold_diacritics
from kiosk.workflows.registry import default_config_dir

CommuneStatus = Literal["current", "suggested", "ambiguous", "unmapped", "absent"]

_COMMUNE = re.compile(r"^(phuong|xa|thi tran|dac khu)\b")
_DISTRICT = re.compile(r"^(quan|huyen|thi xa|thanh pho|tp\.?)\b")
_PROVINCE_PREFIX = re.compile(r"^(tinh|thanh pho|tp\.?)\s+")
_EMPTY_PART = re.compile(r"^[\s\-.]*$")
ALIASES = {
    "bac can": "bac kan",
    "dak lak": "dak lak",
    "thua thien hue": "thua thien hue",
    "ba ria vung tau": "ba ria vung tau",
    "hcm": "ho chi minh",
}


def _key(text: str) -> str:
    folded = fold_diacritics(clean(text)).lower().replace("-", " ")
    folded = re.sub(r"\s+", " ", re.sub(r"[^a-z0-9 ]", " ", folded)).strip()
    return ALIASES.get(folded, folded)


def _province_key(text: str) -> str:
    return _key(_PROVINCE_PREFIX.sub("", _key(text)))


@dataclass(frozen=True)
class Unit:
    code: int
    name: str

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name}


@dataclass(frozen=True)
class AddressMapping:
    original: str
    detail: str
    old_commune: str | None
    old_district: str | None
    old_province: str | None
    province: Unit | None
    province_status: Literal["current", "merged", "unknown"]
    commune: Unit | None
    commune_status: CommuneStatus
    candidates: list[Unit] = field(default_factory=list)

    @property
    def needs_person(self) -> bool:
        return self.province is None or self.commune_status not in ("current",)

    def to_dict(self) -> dict[str, Any]:
        return {
            "original": self.original,
            "detail": self.detail,
            "old_commune": self.old_commune,
            "old_district": self.old_district,
            "old_province": self.old_province,
            "province": self.province.to_dict() if self.province else None,
            "province_status": self.province_status,
            "commune": self.commune.to_dict() if self.commune else None,
            "commune_status": self.commune_status,
            "candidates": [c.to_dict() for c in self.candidates],
            "needs_person": self.needs_person,
        }


@cache
def _provinces() -> tuple[dict[str, Province], dict[str, Province]]:
    """(current province by key, current province by former-province key)."""
    path = default_config_dir() / "addresses" / "province-merger-2025.toml"
    with path.open("rb") as fh:
        merged = tomllib.load(fh)["merged"]
    current = {_province_key(p.name): p for p in Province.iter_all()}
    former: dict[str, Province] = {}
    for new_name, olds in merged.items():
        province = current[_province_key(new_name)]
        for old in olds:
            former[_province_key(old)] = province
    return current, former


@cache
def _wards(province_code: int) -> dict[str, list[Ward]]:
    out: dict[str, list[Ward]] = {}
    for ward in Ward.iter_by_province(province_code):  # type: ignore[arg-type]
        out.setdefault(_key(ward.name), []).append(ward)
    return out


def wards_of(province_code: int) -> list[Unit]:
    """Every current commune of a province, for the person who picks."""
    return sorted(
        (Unit(int(w.code), w.name) for ws in _wards(province_code).values() for w in ws),
        key=lambda u: _key(u.name),
    )


def map_address(text: str) -> AddressMapping:
    parts = [clean(p) for p in text.split(",")]
    parts = [p for p in parts if not _EMPTY_PART.match(p)]
    province_text = parts[-1] if parts else None
    rest = parts[:-1]
    commune_text = next((p for p in reversed(rest) if _COMMUNE.match(_key(p))), None)
    district_text = next((p for p in reversed(rest) if _DISTRICT.match(_key(p))), None)
    detail = ", ".join(p for p in rest if p not in (commune_text, district_text))

    current, former = _provinces()
    province: Province | None = None
    province_status: Literal["current", "merged", "unknown"] = "unknown"
    if province_text:
        pkey = _province_key(province_text)
        if district_text is None and pkey in current:
            province, province_status = current[pkey], "current"
        elif pkey in former:
            province = former[pkey]
            province_status = "current" if _province_key(province.name) == pkey else "merged"
    unit = Unit(int(province.code), province.name) if province else None

    status: CommuneStatus = "absent"
    commune: Unit | None = None
    candidates: list[Unit] = []
    if commune_text and province is not None:
        matches = _wards(int(province.code)).get(_key(commune_text), [])
        candidates = [Unit(int(w.code), w.name) for w in matches]
        if len(matches) == 1:
            commune = candidates[0]
            status = "current" if district_text is None else "suggested"
        else:
            status = "ambiguous" if matches else "unmapped"
    elif commune_text:
        status = "unmapped"
    return AddressMapping(
        text,
        detail,
        commune_text,
        district_text,
        province_text,
        unit,
        province_status,
        commune,
        status,
        candidates,
    )
