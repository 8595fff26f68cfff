"""The person's answer about their address, and what the review screen shows them (a small view-model).

A converted address is never taken silently: the person confirms the single current commune (old → new), picks
one of the candidates (at most six), or types it (the typing path: the current two-level address, which the
service reads as ``already-new``). They may also keep only the card's text. Nothing here draws or imports a UI;
the conversion runs off the caller's thread and the result is handed back through ``post``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from kiosk.address.errors import AddressChoiceError, AddressError
from kiosk.address.service import AddressResult, AddressService
from kiosk.address.units import Place, Unit

Answer = Literal["unchanged", "confirmed", "picked", "typed", "card-text-kept"]
Post = Callable[[Callable[[], None]], None]


@dataclass(frozen=True)
class ConfirmedAddress:
    """The address as the forms use it: the card's raw text, and the current units when known."""

    raw: str
    street: str
    place: Place | None
    answer: Answer
    agreement: str
    confidence: float
    data_version: str
    old_commune: str | None = None

    @property
    def text(self) -> str:
        """The current address: street part as written, commune, province (or the card's text if kept)."""
        if self.place is None:
            return self.raw
        return f"{self.street}, {self.place.text}" if self.street else self.place.text

    @property
    def converted(self) -> bool:
        """The card named former units and the current ones replace them."""
        return self.place is not None and self.answer != "unchanged"

    def to_dict(self) -> dict[str, Any]:
        """The ``address`` block of a submission: raw text kept, the units with codes, the data version."""
        return {
            "raw": self.raw,
            "text": self.text,
            "street": self.street,
            "province": self.place.province.to_dict() if self.place else None,
            "commune": self.place.commune.to_dict() if self.place else None,
            "answer": self.answer,
            "agreement": self.agreement,
            "confidence": round(self.confidence, 2),
            "data_version": self.data_version,
            "old_commune": self.old_commune,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConfirmedAddress:
        """Back from ``to_dict`` (a register entry, a queued submission)."""
        province, commune = data.get("province"), data.get("commune")
        place = None
        if province and commune:
            place = Place(Unit(int(province["code"]), province["name"]),
                          Unit(int(commune["code"]), commune["name"], "commune"))
        return cls(str(data.get("raw") or ""), str(data.get("street") or ""), place, data.get("answer", "unchanged"),
                   str(data.get("agreement") or ""), float(data.get("confidence") or 0.0),
                   str(data.get("data_version") or ""), data.get("old_commune"))


def old_label(result: AddressResult) -> str:
    """"Xã Cẩm Châu (cũ)": the card's former commune."""
    return f"{result.old_commune or result.raw} (cũ)"


def new_label(result: AddressResult, place: Place) -> str:
    """"Xã Cẩm Vân", with the province when it changed too ("Phường Quy Nhơn, Gia Lai")."""
    if result.old_province and place.province.name.lower() not in result.old_province.lower():
        return f"{place.commune.name}, {place.province.name}"
    return place.commune.name


def old_to_new(result: AddressResult, place: Place) -> str:
    """"Xã Cẩm Châu (cũ) → Xã Cẩm Vân"."""
    return f"{old_label(result)} → {new_label(result, place)}"


class AddressConfirmation:
    """One visit's address question. ``on_change`` is called (through ``post``) when the conversion is done."""

    def __init__(self, service: AddressService, *, post: Post | None = None,
                 on_change: Callable[[], None] | None = None) -> None:
        self.service = service
        self.post: Post = post or (lambda fn: fn())
        self.on_change = on_change or (lambda: None)
        self.text: str | None = None  # the card's address being asked about
        self.result: AddressResult | None = None
        self.pending = False
        self.error: AddressError | None = None
        self._answer: ConfirmedAddress | None = None
        self._visit = 0

    # -- the visit -----------------------------------------------------------------------------------------------
    def start(self, text: str | None) -> None:
        """Convert the card's address in the background (nothing to ask when the card has none)."""
        self.wipe()
        self.text = text
        if not text:
            return
        self.pending = True
        visit = self._visit

        def work() -> None:
            result = self.service.convert(text)

            def done() -> None:
                if visit == self._visit:  # the visit may have ended meanwhile
                    self._set_result(result)

            self.post(done)

        threading.Thread(target=work, name="address-convert", daemon=True).start()

    def set_result(self, result: AddressResult) -> None:
        """Use a conversion done elsewhere (tests, the command line)."""
        self.wipe()
        self.text = result.raw
        self._set_result(result)

    def _set_result(self, result: AddressResult) -> None:
        self.result, self.pending = result, False
        self.error = result.error
        if result.agreement == "already-new" and result.place is not None:
            self._answer = self._confirmed(result.place, "unchanged")
        self.on_change()

    def wipe(self) -> None:
        self._visit += 1
        self.text = None
        self.result, self.pending, self.error, self._answer = None, False, None, None

    # -- what the screen shows -----------------------------------------------------------------------------------
    @property
    def shown(self) -> bool:
        """Whether the review screen shows the address question."""
        return self.pending or (self.result is not None and self.result.converted)

    @property
    def answered(self) -> bool:
        """Nothing is left to ask (no address, already current, or the person answered)."""
        return not self.pending and (self.result is None or self._answer is not None)

    @property
    def answer(self) -> ConfirmedAddress | None:
        return self._answer

    @property
    def candidates(self) -> tuple[Place, ...]:
        result = self.result
        if result is None or result.agreement in ("already-new",):
            return ()
        return result.candidates

    def lines(self) -> list[str]:
        """"old (cũ) → new" for each candidate, as the person reads them (Vietnamese: unit names)."""
        result = self.result
        return [old_to_new(result, place) for place in self.candidates] if result else []

    def old_label(self) -> str:
        return old_label(self.result) if self.result else ""

    def choice_labels(self) -> list[str]:
        """The candidates' current names, for the touch list under ``old_label() →``."""
        result = self.result
        return [new_label(result, place) for place in self.candidates] if result else []

    # -- the person's answer -------------------------------------------------------------------------------------
    def choose(self, commune_code: int) -> None:
        """Confirm the single result or pick a candidate (by its official commune code)."""
        result = self.result
        place = next((p for p in self.candidates if p.commune.code == commune_code), None)
        if result is None or place is None:
            raise AddressChoiceError()
        answer: Answer = "confirmed" if result.agreement == "agree" else "picked"
        self._answer, self.error = self._confirmed(place, answer), None
        self.on_change()

    def type_address(self, text: str) -> AddressError | None:
        """The typing path: the current address as the person types it ("Thôn 3, Xã Cẩm Vân, Thanh Hóa")."""
        typed = self.service.convert(text)
        if typed.agreement != "already-new" or typed.place is None:
            self.error = typed.error or AddressChoiceError()
            self.on_change()
            return self.error
        self._answer = ConfirmedAddress(
            raw=self.result.raw if self.result else text, street=typed.street, place=typed.place, answer="typed",
            agreement=self.result.agreement if self.result else "unknown", confidence=1.0,
            data_version=typed.data_version, old_commune=self.result.old_commune if self.result else None)
        self.error = None
        self.on_change()
        return None

    def keep_card_text(self) -> None:
        """The person keeps the card's text only: no current units are sent."""
        result = self.result
        if result is None:
            return
        self._answer = ConfirmedAddress(result.raw, result.street, None, "card-text-kept", result.agreement, 0.0,
                                        result.data_version, result.old_commune)
        self.error = None
        self.on_change()

    def reopen(self) -> None:
        """Ask again (the person wants to change their answer)."""
        if self.result is not None and self.result.converted:
            self._answer = None
            self.on_change()

    def _confirmed(self, place: Place, answer: Answer) -> ConfirmedAddress:
        result = self.result
        assert result is not None
        return ConfirmedAddress(result.raw, result.street, place, answer, result.agreement, result.confidence,
                                result.data_version, result.old_commune)
