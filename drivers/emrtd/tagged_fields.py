"""Data groups made of tagged fields with a tag list (DG11, DG12): shared parsing and building.

Each field is a primitive element (``5F0E``, ``5F2B``...), possibly repeated inside an ``A0`` template with
a count (``02``). Values are kept raw next to their text, and unknown tags are kept too.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from drivers.emrtd import tlv
from drivers.emrtd.errors import LdsError, TlvError

TAG_TAG_LIST = 0x5C
TAG_TEMPLATE = 0xA0
TAG_COUNT = 0x02


@dataclass(frozen=True)
class TaggedFields:
    tag_list: tuple[int, ...]
    raw: dict[int, list[bytes]]  # every value of every tag, in order, exactly as stored

    def text(self, tag: int) -> str | None:
        values = self.texts(tag)
        return values[0] if values else None

    def texts(self, tag: int) -> list[str]:
        return [unicodedata.normalize("NFC", v.decode("utf-8", errors="replace")) for v in self.raw.get(tag, [])]


def _read_tag_list(value: bytes) -> tuple[int, ...]:
    tags: list[int] = []
    pos = 0
    try:
        while pos < len(value):
            tag, pos = tlv.read_tag(value, pos)
            tags.append(tag)
    except TlvError:
        pass
    return tuple(tags)


def parse_tagged_fields(data: bytes, expected_tag: int, name: str) -> TaggedFields:
    try:
        root = tlv.decode(data, expected_tag=expected_tag)
        tag_list: tuple[int, ...] = ()
        raw: dict[int, list[bytes]] = {}
        for item in root.children:
            if item.tag == TAG_TAG_LIST:
                tag_list = _read_tag_list(item.value)
            elif item.tag == TAG_TEMPLATE:
                for inner in item.children:
                    if inner.tag != TAG_COUNT:
                        raw.setdefault(inner.tag, []).append(inner.value)
            else:
                raw.setdefault(item.tag, []).append(item.value)
    except TlvError as exc:
        raise LdsError(f"{name} is malformed: {exc.message}") from exc
    return TaggedFields(tag_list, raw)


def build_tagged_fields(tag: int, fields: dict[int, str | list[str]]) -> bytes:
    """A data group of text fields; a list value becomes an ``A0`` template with its count."""
    items: list[bytes] = []
    for field_tag, value in fields.items():
        if isinstance(value, list):
            inner = [tlv.encode(field_tag, v.encode("utf-8")) for v in value]
            items.append(tlv.encode_constructed(TAG_TEMPLATE, tlv.encode_integer(len(value)), *inner))
        else:
            items.append(tlv.encode(field_tag, value.encode("utf-8")))
    tag_list = b"".join(tlv.encode_tag(t) for t in fields)
    return tlv.encode_constructed(tag, tlv.encode(TAG_TAG_LIST, tag_list), *items)
