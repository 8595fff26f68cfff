"""The LDS1 file table (ICAO 9303-10) and EF.COM.

Every elementary file of the eMRTD application: its file identifier (FID), short file identifier (SFI)
and the tag its
content starts with. Data groups are numbered 1..16.
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.emrtd import tlv
from drivers.emrtd.errors import LdsError, TlvError

AID_LDS1 = bytes.fromhex("A0000002471001")

FID_CARD_ACCESS = 0x011C
FID_COM = 0x011E
FID_SOD = 0x011D

TAG_COM = 0x60
TAG_SOD = 0x77

_DG_TAGS = {
    1: 0x61,
    2: 0x75,
    3: 0x63,
    4: 0x76,
    5: 0x65,
    6: 0x66,
    7: 0x67,
    8: 0x68,
    9: 0x69,
    10: 0x6A,
    11: 0x6B,
    12: 0x6C,
    13: 0x6D,
    14: 0x6E,
    15: 0x6F,
    16: 0x70,
}
_TAG_TO_DG = {tag: number for number, tag in _DG_TAGS.items()}
DG_NUMBERS = tuple(_DG_TAGS)


@dataclass(frozen=True)
class ElementaryFile:
    name: str
    fid: int
    sfi: int
    tag: int | None  # None for EF.CardAccess (a bare SET, tag 31)


CARD_ACCESS = ElementaryFile("EF.CardAccess", FID_CARD_ACCESS, 0x1C, None)
COM = ElementaryFile("EF.COM", FID_COM, 0x1E, TAG_COM)
SOD = ElementaryFile("EF.SOD", FID_SOD, 0x1D, TAG_SOD)


def _check_dg(number: int) -> None:
    if number not in _DG_TAGS:
        raise LdsError(f"data group number must be 1..16, got {number}")


def dg_fid(number: int) -> int:
    """File identifier of DG``number`` (0101..0110)."""
    _check_dg(number)
    return 0x0100 + number


def dg_sfi(number: int) -> int:
    _check_dg(number)
    return number


def dg_tag(number: int) -> int:
    _check_dg(number)
    return _DG_TAGS[number]


def dg_file(number: int) -> ElementaryFile:
    return ElementaryFile(f"DG{number}", dg_fid(number), dg_sfi(number), dg_tag(number))


def dg_number_for_tag(tag: int) -> int | None:
    return _TAG_TO_DG.get(tag)


def dg_number_for_fid(fid: int) -> int | None:
    number = fid - 0x0100
    return number if number in _DG_TAGS else None


def file_for_fid(fid: int) -> ElementaryFile | None:
    """The table entry for a FID, or ``None`` for a file outside LDS1."""
    for ef in (CARD_ACCESS, COM, SOD):
        if ef.fid == fid:
            return ef
    number = dg_number_for_fid(fid)
    return dg_file(number) if number is not None else None


def file_for_sfi(sfi: int) -> ElementaryFile | None:
    for ef in (CARD_ACCESS, COM, SOD):
        if ef.sfi == sfi:
            return ef
    return dg_file(sfi) if sfi in _DG_TAGS else None


# ---------------------------------------------------------------- EF.COM

_TAG_LDS_VERSION = 0x5F01
_TAG_UNICODE_VERSION = 0x5F36
_TAG_TAG_LIST = 0x5C


@dataclass(frozen=True)
class EfCom:
    lds_version: str | None
    unicode_version: str | None
    data_groups: tuple[int, ...]
    unknown_tags: tuple[int, ...] = ()


def build_ef_com(
    data_groups: list[int] | tuple[int, ...], *, lds_version: str = "0107", unicode_version: str = "040000"
) -> bytes:
    """EF.COM listing ``data_groups`` (LDS version ``aabb`` = 1.7, Unicode version ``aabbcc`` = 4.0.0)."""
    tag_list = b"".join(tlv.encode_tag(dg_tag(n)) for n in data_groups)
    return tlv.encode_constructed(
        TAG_COM,
        tlv.encode(_TAG_LDS_VERSION, lds_version.encode("ascii")),
        tlv.encode(_TAG_UNICODE_VERSION, unicode_version.encode("ascii")),
        tlv.encode(_TAG_TAG_LIST, tag_list),
    )


def parse_ef_com(data: bytes) -> EfCom:
    """Parse EF.COM; tags in the list that name no data group are kept in ``unknown_tags``."""
    try:
        root = tlv.decode(data, expected_tag=TAG_COM)
        lds = root.find(_TAG_LDS_VERSION)
        uni = root.find(_TAG_UNICODE_VERSION)
        tag_list = root.find(_TAG_TAG_LIST)
    except TlvError as exc:
        raise LdsError(f"EF.COM is malformed: {exc.message}") from exc
    if tag_list is None:
        raise LdsError("EF.COM has no tag list (5C)")
    groups: list[int] = []
    unknown: list[int] = []
    for byte in tag_list.value:
        number = dg_number_for_tag(byte)
        (groups if number is not None else unknown).append(number if number is not None else byte)
    return EfCom(
        lds_version=lds.value.decode("ascii", errors="replace") if lds else None,
        unicode_version=uni.value.decode("ascii", errors="replace") if uni else None,
        data_groups=tuple(groups),
        unknown_tags=tuple(unknown),
    )
