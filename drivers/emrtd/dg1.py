"""DG1 (tag 61): the MRZ as stored on the chip (data element 5F1F).

The lines are split by document format (TD1 3 × 30, TD2 2 × 36, TD3 2 × 44) and the zone is parsed into its
fields with every check digit verified (``drivers/emrtd/mrz.py``). A zone that does not verify is kept as lines,
with the reason in ``fields_error``: the chip's text is never thrown away.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from drivers.emrtd import lds, tlv
from drivers.emrtd.errors import LdsError, TlvError
from drivers.emrtd.mrz import MrzError, MrzFields, parse_mrz_fields

TAG_DG1 = lds.dg_tag(1)
TAG_MRZ = 0x5F1F

MrzFormat = Literal["TD1", "TD2", "TD3", "unknown"]

_LAYOUTS: dict[int, tuple[MrzFormat, int]] = {90: ("TD1", 30), 72: ("TD2", 36), 88: ("TD3", 44)}


@dataclass(frozen=True)
class Dg1:
    mrz_format: MrzFormat
    lines: tuple[str, ...]  # one line holding everything when the format is unknown
    raw: bytes  # the MRZ data element value exactly as read
    fields: MrzFields | None = None  # None when the zone is not a valid MRZ
    fields_error: str | None = None  # the MrzError code then


def parse_dg1(data: bytes) -> Dg1:
    try:
        root = tlv.decode(data, expected_tag=TAG_DG1)
        mrz = root.find(TAG_MRZ)
    except TlvError as exc:
        raise LdsError(f"DG1 is malformed: {exc.message}") from exc
    if mrz is None:
        raise LdsError("DG1 has no MRZ data element (5F1F)")
    text = mrz.value.decode("ascii", errors="replace")
    layout = _LAYOUTS.get(len(text))
    if layout is None:
        return Dg1("unknown", (text,), mrz.value)
    fmt, width = layout
    lines = tuple(text[i : i + width] for i in range(0, len(text), width))
    try:
        return Dg1(fmt, lines, mrz.value, parse_mrz_fields(lines))
    except MrzError as exc:
        return Dg1(fmt, lines, mrz.value, None, exc.code)


def build_dg1(lines: list[str] | tuple[str, ...]) -> bytes:
    """DG1 from MRZ lines (TD1, TD2 or TD3)."""
    text = "".join(lines)
    layout = _LAYOUTS.get(len(text))
    if layout is None or any(len(line) != layout[1] for line in lines):
        raise LdsError("MRZ lines must be TD1 (3 × 30), TD2 (2 × 36) or TD3 (2 × 44)")
    if not text.isascii():
        raise LdsError("MRZ lines must be ASCII")
    return tlv.encode(TAG_DG1, tlv.encode(TAG_MRZ, text.encode("ascii")))
