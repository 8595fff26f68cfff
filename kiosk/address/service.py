"""The address service: a card's address text → the current province and commune, for a person to confirm.

Input is the address text as read (QR or chip DG13), kept raw. Output (``AddressResult``): the street part
verbatim, the current province and commune with their official codes, the confidence, the agreement class, up to
``MAX_CANDIDATES`` candidates and the data version. Two engines convert (``kiosk.address.engines``); the result
is combined so that the kiosk never picks silently:

| class | when | the person |
|---|---|---|
| ``already-new`` | the text already names a current commune of a current province, no district | nothing to do |
| ``agree`` | both engines recognise the old commune and give the same one current commune | confirms old → new |
| ``disagree`` | each engine gives one commune, not the same (or only one engine answers) | picks one |
| ``ambiguous`` | the old commune was split, or an engine has several candidates | picks one (≤ 6) |
| ``unknown`` | no engine recognises the old commune (unknown, misspelled, no province, garbled) | types it |

Bad input never raises: ``unknown`` results carry a typed ``AddressError``. The engines' data costs seconds of
CPU to load: ``start_loading()`` does it once in a background thread when the kiosk starts, and ``convert``
(called off the UI thread) waits for it.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import version
from typing import Any, Literal

import vietnam_provinces

from kiosk.address.engines import AdminUnitsEngine, ConverterEngine, Engine, EngineAnswer
from kiosk.address.errors import (
    AddressEmptyError,
    AddressError,
    AddressMojibakeError,
    AddressNoProvinceError,
    AddressNotReadyError,
    AddressUnknownUnitError,
)
from kiosk.address.units import Place, Unit, current_commune, current_province, province_after_merger, split_address
from kiosk.text import clean, looks_vietnamese

log = logging.getLogger(__name__)

Agreement = Literal["agree", "disagree", "ambiguous", "unknown", "already-new"]
MAX_CANDIDATES = 6
DISAGREE_CONFIDENCE = 0.5
AMBIGUOUS_CONFIDENCE = 0.4
SINGLE_ENGINE_FACTOR = 0.7


@dataclass(frozen=True)
class AddressResult:
    raw: str
    street: str
    old_commune: str | None
    old_district: str | None
    old_province: str | None
    agreement: Agreement
    place: Place | None  # the current commune when certain (already-new) or agreed
    candidates: tuple[Place, ...]
    confidence: float
    province: Unit | None  # the current province recognised, for the typing path
    data_version: str
    error: AddressError | None = None
    engines: dict[str, str] = field(default_factory=dict)  # engine name → its status, for the record

    @property
    def converted(self) -> bool:
        """The card's address named former units (something for the person to confirm or pick)."""
        return self.agreement != "already-new"

    @property
    def needs_choice(self) -> bool:
        return self.agreement in ("disagree", "ambiguous")

    def full_text(self, place: Place) -> str:
        """The address in the current units: the street part as written, then commune and province."""
        return f"{self.street}, {place.text}" if self.street else place.text

    def to_dict(self) -> dict[str, Any]:
        return {
            "raw": self.raw,
            "street": self.street,
            "old": {"commune": self.old_commune, "district": self.old_district, "province": self.old_province},
            "agreement": self.agreement,
            "place": self.place.to_dict() if self.place else None,
            "candidates": [c.to_dict() for c in self.candidates],
            "confidence": round(self.confidence, 2),
            "province": self.province.to_dict() if self.province else None,
            "data_version": self.data_version,
            "error": self.error.to_dict() if self.error else None,
            "engines": dict(self.engines),
        }


def is_garbled(text: str) -> bool:
    """Text decoded with the wrong character set: characters no card carries, or UTF-8 read as Latin-1/CP1252
    ("XÃ£ Cáº©m" for "Xã Cẩm")."""
    if not looks_vietnamese(text):
        return True
    for charset in ("cp1252", "latin-1"):
        try:
            fixed = text.encode(charset).decode("utf-8")
        except UnicodeError:
            continue
        if fixed != text:
            return True
    return False


def _ordered_union(*groups: tuple[Place, ...]) -> tuple[Place, ...]:
    """Places named by every group first, then the others in engine order; no duplicates."""
    codes = [{p.commune.code for p in g} for g in groups if g]
    common = set.intersection(*codes) if codes else set()
    ordered = [p for g in groups for p in g if p.commune.code in common]
    ordered += [p for g in groups for p in g if p.commune.code not in common]
    seen: dict[int, Place] = {}
    for place in ordered:
        seen.setdefault(place.commune.code, place)
    return tuple(seen.values())


def combine(a: EngineAnswer, b: EngineAnswer) -> tuple[Agreement, Place | None, tuple[Place, ...], float]:
    """The agreement class, the agreed place, the candidates and the confidence from two engines' answers."""
    exact = [x for x in (a, b) if x.exact and x.places]
    if not exact:
        hints = _ordered_union(a.places, b.places)
        return "unknown", None, hints if len(hints) <= MAX_CANDIDATES else (), 0.0
    singles = [x for x in (a, b) if x.status == "matched"]
    if len(singles) == 2:
        if a.places[0].commune.code == b.places[0].commune.code:
            return "agree", a.places[0], a.places, max(a.confidence, b.confidence)
        return "disagree", None, (a.places[0], b.places[0]), DISAGREE_CONFIDENCE
    if len(singles) == 1 and not any(x.places for x in (a, b) if x is not singles[0]):
        only = singles[0]
        return "disagree", None, only.places, only.confidence * SINGLE_ENGINE_FACTOR
    candidates = _ordered_union(*(x.places for x in exact), *(x.places for x in (a, b) if x not in exact))
    return "ambiguous", None, candidates[:MAX_CANDIDATES], AMBIGUOUS_CONFIDENCE


class AddressService:
    """One per process (``default_service()``); thread-safe."""

    def __init__(self, engines: tuple[Engine, Engine] | None = None) -> None:
        self.engines: tuple[Engine, Engine] = engines or (ConverterEngine(), AdminUnitsEngine())
        self._loaded = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.load_seconds: dict[str, float] = {}
        self.load_error: str | None = None

    # -- loading ---------------------------------------------------------------------------------------------------
    def start_loading(self) -> None:
        """Load the engines' data in a background thread (once); returns at once."""
        with self._lock:
            if self._thread is None and not self._loaded.is_set():
                self._thread = threading.Thread(target=self.load, name="address-data", daemon=True)
                self._thread.start()

    def load(self) -> None:
        """Load every engine now (in the calling thread) unless already loaded."""
        with self._lock:
            if self._loaded.is_set():
                return
            try:
                for engine in self.engines:
                    started = time.perf_counter()
                    engine.load()
                    self.load_seconds[engine.name] = time.perf_counter() - started
            except Exception as exc:  # a broken data package leaves the typing path, never a dead thread
                self.load_error = type(exc).__name__
                log.error("address data could not be loaded: %s", self.load_error)
            finally:
                self._loaded.set()

    @property
    def ready(self) -> bool:
        return self._loaded.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._loaded.wait(timeout)

    @property
    def data_version(self) -> str:
        return data_version(self.engines)

    # -- converting ------------------------------------------------------------------------------------------------
    def convert(self, text: str, *, timeout: float | None = None) -> AddressResult:
        """Convert ``text`` (waits for the data to load: call it off the UI thread). Never raises on bad input."""
        raw = text
        parts = split_address(text or "")
        base: dict[str, Any] = {"raw": raw, "street": parts.street, "old_commune": parts.commune,
                                "old_district": parts.district, "old_province": parts.province}
        if not any(ch.isalnum() for ch in text or ""):
            return self._unknown(base, AddressEmptyError())
        if is_garbled(text):
            return self._unknown(base, AddressMojibakeError())
        new = self._already_new(parts.commune, parts.district, parts.province)
        if new is not None:
            return AddressResult(**base, agreement="already-new", place=new, candidates=(new,), confidence=1.0,
                                 province=new.province, data_version=self.data_version)
        if not self.ready:
            self.start_loading()
            if not self.wait(timeout):
                return self._unknown(base, AddressNotReadyError())
        if self.load_error is not None:
            return self._unknown(base, AddressNotReadyError())
        a, b = (engine.convert(clean(text)) for engine in self.engines)
        agreement, place, candidates, confidence = combine(a, b)
        province = a.province or b.province or (province_after_merger(parts.province) if parts.province else None)
        engines: dict[str, str] = {a.engine: a.status, b.engine: b.status}
        if agreement == "unknown":
            error: AddressError = AddressUnknownUnitError() if province else AddressNoProvinceError()
            return AddressResult(**base, agreement="unknown", place=None, candidates=candidates, confidence=0.0,
                                 province=province, data_version=self.data_version, error=error, engines=engines)
        return AddressResult(**base, agreement=agreement, place=place, candidates=candidates,
                             confidence=confidence, province=province, data_version=self.data_version,
                             engines=engines)

    def _unknown(self, base: dict[str, Any], error: AddressError) -> AddressResult:
        province = province_after_merger(base["old_province"]) if base["old_province"] else None
        return AddressResult(**base, agreement="unknown", place=None, candidates=(), confidence=0.0,
                             province=province, data_version=self.data_version, error=error)

    @staticmethod
    def _already_new(commune: str | None, district: str | None, province_text: str | None) -> Place | None:
        """The place when the text is already in the two-level form: no district, a current province and one of
        its current communes."""
        if district is not None or commune is None or province_text is None:
            return None
        province = current_province(province_text)
        found = current_commune(province, commune) if province else None
        return Place(province, found) if province and found else None


def data_version(engines: tuple[Engine, ...]) -> str:
    """Which data converted an address: every engine's package version, and the official units' data date."""
    units = f"vietnam-provinces {version('vietnam-provinces')} (data {vietnam_provinces.__data_version__})"
    return "; ".join([*(f"{e.name} {e.version}" for e in engines), units])


@cache
def default_service() -> AddressService:
    """The process's address service (its data is loaded once)."""
    return AddressService()
