"""What each workflow takes from a confirmed address: the CT01 line, the lodging XLSX cells, the clinic's address.

One function per output so that every form carries the same units, codes and data version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.address.confirm import ConfirmedAddress


def ct01_residence_line(address: ConfirmedAddress) -> str:
    """The line the CT01 printout carries under item 10: the current address, and the card's former one."""
    if address.converted:
        return f"Nơi cư trú (đơn vị hành chính mới): {address.text} — theo thẻ: {address.raw}"
    return f"Nơi cư trú: {address.text}"


@dataclass(frozen=True)
class LodgingAddress:
    """Columns K (province), L (commune) and M (detail) of the police XLSX template, and the codes alone."""

    province_code: str
    commune_code: str
    province_cell: str
    commune_cell: str
    detail: str


def lodging_address(address: ConfirmedAddress | Mapping[str, Any] | None) -> LodgingAddress | None:
    """The province and commune codes for the lodging export (``code - name`` like the template's enums),
    or ``None`` when the current units are not known (the address then goes raw into column M). Takes the
    confirmed address or its stored form (``Guest.address``)."""
    if isinstance(address, Mapping):
        address = ConfirmedAddress.from_dict(address)
    if address is None or address.place is None:
        return None
    place = address.place
    return LodgingAddress(
        place.province.code_text,
        place.commune.code_text,
        f"{place.province.code_text} - {place.province.name}",
        f"{place.commune.code_text} - {place.commune.name}",
        address.street or address.text,
    )


def fhir_address(address: ConfirmedAddress) -> dict[str, Any]:
    """A FHIR ``Address`` in the current units (commune as ``city``, province as ``state``; no district)."""
    data: dict[str, Any] = {"use": "home", "text": address.text, "country": "VN"}
    if address.place is not None:
        if address.street:
            data["line"] = [address.street]
        data["city"] = address.place.commune.name
        data["state"] = address.place.province.name
    return data
