"""The conversion engines: old three-level address text → current province and commune, with official codes.

Each engine answers with the current places it finds (resolved to the official ``vietnam-provinces`` units and
codes), whether the old commune itself was recognised, and a confidence. Measured side by side in
``bench/address.py``; how the service combines them is in ``kiosk.address.service``.

- ``ConverterEngine``: ``vietnam-address-converter`` (Apache-2.0). Free-text parser plus an old→new mapping table
  ("mapping_version" in its data). Its own unit codes are not the official ones: places are resolved by name.
- ``AdminUnitsEngine``: ``vietnamadminunits`` (MIT). Legacy parser plus an old→new table with the official codes.
  For an old commune split between several new ones, its ``convert_address`` picks one by geocoding the street
  over the network, or silently takes a "default" one. The kiosk does neither: it reads the package's split table
  and returns every new commune as a candidate.
- ``SameNameEngine``: the baseline the kiosk used before, from ``vietnam-provinces`` only: a current commune of the
  merged province that still carries the old commune's name.

The two package engines are imported when first loaded, not at module import: loading them costs CPU time and
memory (measured in ``bench/address.py``), which the kiosk spends in the background at start-up.
"""

from __future__ import annotations

import importlib
import logging
import os
import pickle
import sys
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any, Literal, Protocol

from kiosk.address.units import (
    Place,
    Unit,
    current_commune,
    current_province,
    province_after_merger,
    province_by_code,
    same_name_communes,
    split_address,
)
from kiosk.state_dir import state_dir

log = logging.getLogger(__name__)

# Where the converter's index is kept, if not in the state directory's ``cache/``: it depends only on the pinned
# package data, so kiosks (or test runs) on one machine may share one copy.
CACHE_ENV = "KIOSK_ADDRESS_CACHE"

EngineStatus = Literal["matched", "ambiguous", "failed"]


@dataclass(frozen=True)
class EngineAnswer:
    """What one engine made of an address."""

    engine: str
    places: tuple[Place, ...] = ()
    exact: bool = False  # the old commune itself was recognised (not only its district or province)
    confidence: float = 0.0
    province: Unit | None = None  # the current province recognised, even without a commune
    new_format: bool = False  # the text already named current units
    unresolved: int = 0  # places the engine named that are not in the official list
    notes: tuple[str, ...] = field(default=())

    @property
    def status(self) -> EngineStatus:
        if not self.places:
            return "failed"
        return "matched" if len(self.places) == 1 and self.exact else "ambiguous"


class Engine(Protocol):
    name: str

    @property
    def version(self) -> str: ...

    def load(self) -> None:
        """Load the data and build the indexes (slow; call once, off the UI thread)."""

    def convert(self, text: str) -> EngineAnswer: ...


def _dedupe(places: list[Place]) -> tuple[Place, ...]:
    seen: dict[int, Place] = {}
    for place in places:
        seen.setdefault(place.commune.code, place)
    return tuple(seen.values())


class ConverterEngine:
    """``vietnam-address-converter``: every candidate of its mapping table, never only the first.

    The package builds its text indexes on first use (≈ 13 s of CPU). They depend only on the pinned package data, so
    the first load keeps them in ``cache_dir`` (default ``$KIOSK_ADDRESS_CACHE``, else ``cache/`` in the kiosk's own
    state directory, 0700) and later loads read them back in a fraction of a second; the package's index builders
    are then answered from that copy.
    """

    name = "vietnam-address-converter"
    PINNED_MAPPING = "10_25"  # the mapping data of the pinned package version (checked when loaded)

    def __init__(self, cache_dir: Path | None = None) -> None:
        self._module: Any = None
        self.mapping_version = self.PINNED_MAPPING
        self.cache_dir = cache_dir
        self.cache_used = False

    @property
    def cache_path(self) -> Path | None:
        try:
            folder = self.cache_dir or (Path(os.environ[CACHE_ENV]) if os.environ.get(CACHE_ENV)
                                        else state_dir() / "cache")
        except OSError:
            return None
        python = "".join(map(str, sys.version_info[:2]))
        return folder / f"{self.name}-{version(self.name)}-{self.mapping_version}-py{python}.pickle"

    def read_cache(self) -> tuple[dict[str, Any], dict[str, Any]] | None:
        path = self.cache_path
        if path is None or not path.is_file():
            return None
        try:
            old_index, new_index = pickle.loads(path.read_bytes())  # written by this kiosk only (its state dir)
        except Exception as exc:  # a damaged cache is rebuilt, whatever unpickling raised
            log.warning("address index cache unreadable (%s): rebuilding", type(exc).__name__)
            return None
        return old_index, new_index

    def _indexes(self, text: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        cached = self.read_cache()
        if cached is not None:
            self.cache_used = True
            return cached
        started = time.process_time()
        built = (text._text_candidate_index(), text._new_text_candidate_index())
        log.info("address index built in %.1f s of CPU", time.process_time() - started)
        path = self.cache_path
        if path is not None:
            try:
                path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                partial = path.with_suffix(f".{os.getpid()}.partial")  # two processes may build at once
                partial.write_bytes(pickle.dumps(built, protocol=pickle.HIGHEST_PROTOCOL))
                os.replace(partial, path)
            except OSError as exc:
                log.warning("address index cache not written: %s", type(exc).__name__)
        return built

    @property
    def version(self) -> str:
        return f"{version(self.name)} (mapping {self.mapping_version})"

    def load(self) -> None:
        if self._module is not None:
            return
        module = importlib.import_module("vietnam_address_converter")
        data = importlib.import_module("vietnam_address_converter.data").DEFAULT_DATA
        self.mapping_version = str(data.get("mapping", {}).get("meta", {}).get("version", ""))
        if self.mapping_version != self.PINNED_MAPPING:
            log.warning("%s mapping data %s, expected %s", self.name, self.mapping_version, self.PINNED_MAPPING)
        text: Any = importlib.import_module("vietnam_address_converter.text")
        old_index, new_index = self._indexes(text)
        text._text_candidate_index = lambda: old_index
        text._text_candidates = lambda: old_index["candidates"]
        text._new_text_candidate_index = lambda: new_index
        text._new_text_candidates = lambda: new_index["candidates"]
        module.convert_address_text("Xã Cẩm Châu, Huyện Cẩm Thủy, Tỉnh Thanh Hóa", {"multiple": "all"})
        self._module = module

    def convert(self, text: str) -> EngineAnswer:
        self.load()
        try:
            result = self._module.convert_address_text(text, {"multiple": "all"})
        except Exception as exc:  # a third-party parser must not take the kiosk down with it
            log.warning("%s failed on an address: %s", self.name, type(exc).__name__)
            return EngineAnswer(self.name, notes=("engine-error",))
        conversion = result.get("conversion") or {}
        level = str(conversion.get("match_level") or result.get("match_level") or "")
        raw: list[tuple[dict[str, Any], dict[str, Any]]] = []
        if result.get("input_type") == "new" and result.get("converted"):
            converted = result["converted"]
            raw.append((converted["province"], converted["ward"]))
        elif conversion.get("status") == "matched" and conversion.get("result"):
            raw.append((conversion["result"]["new_province"], conversion["result"]["new_ward"]))
        elif conversion.get("status") == "ambiguous":
            raw.extend((c["new_province"], c["new_ward"]) for c in conversion.get("candidates", []))
        places, unresolved = [], 0
        for province_data, ward_data in raw:
            province = current_province(province_data.get("name_with_type") or province_data.get("name", ""))
            commune = current_commune(province, ward_data.get("name_with_type", "")) if province else None
            if province and commune:
                places.append(Place(province, commune))
            else:
                unresolved += 1
        province_name = (result.get("parsed") or {}).get("province_name") or ""
        province = places[0].province if places else (province_after_merger(province_name) if province_name
                                                      else None)
        return EngineAnswer(
            self.name,
            _dedupe(places),
            exact="ward" in level,
            confidence=float(conversion.get("confidence") or 0.0),
            province=province,
            new_format=result.get("input_type") == "new",
            unresolved=unresolved,
        )


class AdminUnitsEngine:
    """``vietnamadminunits``, offline only: a split old commune gives every new commune as a candidate."""

    name = "vietnamadminunits"
    SPLIT_CONFIDENCE = 0.6

    def __init__(self) -> None:
        self._parse: Any = None
        self._tables: Any = None

    @property
    def version(self) -> str:
        return version(self.name)

    def load(self) -> None:
        if self._parse is not None:
            return
        self._tables = importlib.import_module("vietnamadminunits.converter.converter_2025")
        parser = importlib.import_module("vietnamadminunits.parser")
        parser.parse_address("Xã Cẩm Châu, Huyện Cẩm Thủy, Tỉnh Thanh Hóa", mode="LEGACY", level=3)
        self._parse = parser.parse_address

    def _new_place(self, ward_key: str, province_key: str) -> Place | None:
        unit = self._parse(f"{ward_key},{province_key}", mode="FROM_2025", keep_street=False, level=2)
        if not unit.ward_code or not unit.province_code:
            return None
        province = province_by_code(int(unit.province_code))
        commune = current_commune(province, unit.ward) if province else None
        return Place(province, commune) if province and commune and commune.code == int(unit.ward_code) else None

    def convert(self, text: str) -> EngineAnswer:
        self.load()
        try:
            return self._convert(text)
        except Exception as exc:  # a third-party parser must not take the kiosk down with it
            log.warning("%s failed on an address: %s", self.name, type(exc).__name__)
            return EngineAnswer(self.name, notes=("engine-error",))

    def _convert(self, text: str) -> EngineAnswer:
        tables = self._tables
        old = self._parse(text, mode="LEGACY", keep_street=True, level=3)
        new_province_key = next((k for k, olds in tables.DICT_PROVINCE.items()
                                 if old.province_key and old.province_key in olds), None)
        if new_province_key is None:
            return EngineAnswer(self.name)
        province_unit = self._parse(new_province_key, mode="FROM_2025", keep_street=False, level=1)
        province = province_by_code(int(province_unit.province_code)) if province_unit.province_code else None
        if not old.ward_key:
            return EngineAnswer(self.name, province=province)
        old_key = f"{old.province_key}_{old.district_key}_{old.ward_key}"
        whole = tables.DICT_PROVINCE_WARD_NO_DIVIDED.get(new_province_key, {})
        new_keys = [k for k, olds in whole.items() if old_key in olds]
        split = not new_keys
        if split:
            new_keys = [w["newWardKey"] for w in tables.DICT_PROVINCE_WARD_DIVIDED.get(new_province_key, {})
                        .get(old_key, [])]
        places = [self._new_place(k, new_province_key) for k in new_keys]
        found = [p for p in places if p is not None]
        confidence = 0.0 if not found else (self.SPLIT_CONFIDENCE if split and len(found) > 1 else 0.95)
        return EngineAnswer(self.name, _dedupe(found), exact=bool(found), confidence=confidence,
                            province=province, unresolved=len(places) - len(found))


class SameNameEngine:
    """The baseline: the merged province, and a current commune of it with the old commune's name."""

    name = "vietnam-provinces (same name)"

    @property
    def version(self) -> str:
        return version("vietnam-provinces")

    def load(self) -> None:
        province_after_merger("Hà Nội")

    def convert(self, text: str) -> EngineAnswer:
        parts = split_address(text)
        province = province_after_merger(parts.province) if parts.province else None
        if province is None or parts.commune is None:
            return EngineAnswer(self.name, province=province)
        places = tuple(Place(province, c) for c in same_name_communes(province, parts.commune))
        return EngineAnswer(self.name, places, exact=bool(places), confidence=0.5 if places else 0.0,
                            province=province)
