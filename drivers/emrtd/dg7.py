"""DG7 (tag 67): the displayed signature or usual mark, ICAO 9303-10 §4.7.7.

``02`` gives the number of images, then one ``5F43`` image each (JPEG or JPEG 2000, as printed on the data page).
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.emrtd import lds, tlv
from drivers.emrtd.errors import LdsError, TlvError

TAG_DG7 = lds.dg_tag(7)
TAG_COUNT = 0x02
TAG_IMAGE = 0x5F43


@dataclass(frozen=True)
class Dg7:
    images: tuple[bytes, ...]


def parse_dg7(data: bytes) -> Dg7:
    """Parse DG7; ``LdsError`` when the count does not match the images or the structure is broken."""
    try:
        root = tlv.decode(data, expected_tag=TAG_DG7)
        items = tlv.decode_all(root.value)
    except TlvError as exc:
        raise LdsError(f"DG7 is malformed: {exc.message}") from exc
    count = next((item for item in items if item.tag == TAG_COUNT), None)
    images = tuple(item.value for item in items if item.tag == TAG_IMAGE)
    if count is None or len(count.value) != 1 or count.value[0] != len(images):
        raise LdsError("DG7 image count does not match its images")
    return Dg7(images)


def build_dg7(images: list[bytes]) -> bytes:
    return tlv.encode_constructed(TAG_DG7, tlv.encode(TAG_COUNT, bytes([len(images)])),
                                  *(tlv.encode(TAG_IMAGE, image) for image in images))
