"""BER-TLV decoding and encoding as used by ICAO 9303 (ISO/IEC 7816-4 and ASN.1 BER).

Tags are handled as integers of their full encoding (``0x5F1F``, ``0x7F61``, ``0x6D``). Lengths may be
short form or long form with up to four length bytes (``81``, ``82``, ``83``, ``84``); the indefinite form
is rejected. Decoding keeps the exact encoded bytes of every element so that callers can hash or store
what was read.

Also here: DER codecs for the few primitive values eMRTD structures need (INTEGER, OBJECT IDENTIFIER,
strings).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from drivers.emrtd.errors import TlvError

# Universal tags used throughout the LDS.
INTEGER = 0x02
BIT_STRING = 0x03
OCTET_STRING = 0x04
NULL = 0x05
OBJECT_IDENTIFIER = 0x06
UTF8_STRING = 0x0C
PRINTABLE_STRING = 0x13
T61_STRING = 0x14
IA5_STRING = 0x16
BMP_STRING = 0x1E
SEQUENCE = 0x30
SET = 0x31

_MAX_LENGTH_BYTES = 4


@dataclass(frozen=True)
class Tlv:
    """One decoded element: its tag, its value bytes and the exact bytes it was encoded as."""

    tag: int
    value: bytes
    encoded: bytes

    @property
    def constructed(self) -> bool:
        """True when the constructed bit (0x20) of the first tag byte is set."""
        return bool(_first_tag_byte(self.tag) & 0x20)

    @property
    def children(self) -> list[Tlv]:
        """The elements inside a constructed element (an empty list for a primitive one)."""
        if not self.constructed:
            return []
        return decode_all(self.value)

    def find(self, tag: int) -> Tlv | None:
        """The first direct child with ``tag``, or ``None``."""
        return next((child for child in self.children if child.tag == tag), None)

    def find_all(self, tag: int) -> list[Tlv]:
        """Every direct child with ``tag``."""
        return [child for child in self.children if child.tag == tag]

    def walk(self) -> Iterator[Tlv]:
        """This element and every element nested in it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


def _first_tag_byte(tag: int) -> int:
    return tag >> (8 * ((tag.bit_length() - 1) // 8)) if tag > 0xFF else tag


def read_tag(data: bytes, pos: int = 0) -> tuple[int, int]:
    """The tag starting at ``pos`` and the position just after it."""
    if pos >= len(data):
        raise TlvError("truncated TLV: missing tag")
    first = data[pos]
    tag = first
    pos += 1
    if first & 0x1F == 0x1F:
        while True:
            if pos >= len(data):
                raise TlvError("truncated TLV: multi-byte tag is cut off")
            byte = data[pos]
            tag = (tag << 8) | byte
            pos += 1
            if not byte & 0x80:
                break
            if tag > 0xFFFFFFFF:
                raise TlvError("TLV tag longer than four bytes")
    return tag, pos


def read_length(data: bytes, pos: int) -> tuple[int, int]:
    """The length starting at ``pos`` and the position just after it."""
    if pos >= len(data):
        raise TlvError("truncated TLV: missing length")
    first = data[pos]
    pos += 1
    if first < 0x80:
        return first, pos
    count = first & 0x7F
    if count == 0:
        raise TlvError("indefinite TLV length is not supported")
    if count > _MAX_LENGTH_BYTES:
        raise TlvError(f"TLV length with {count} length bytes is not supported")
    if pos + count > len(data):
        raise TlvError("truncated TLV: long-form length is cut off")
    return int.from_bytes(data[pos : pos + count], "big"), pos + count


def decode_one(data: bytes, pos: int = 0) -> tuple[Tlv, int]:
    """The element starting at ``pos`` and the position just after it."""
    start = pos
    tag, pos = read_tag(data, pos)
    length, pos = read_length(data, pos)
    end = pos + length
    if end > len(data):
        raise TlvError(f"truncated TLV: element says {length} bytes, {len(data) - pos} remain")
    data = bytes(data)
    return Tlv(tag, data[pos:end], data[start:end]), end


def decode_all(data: bytes) -> list[Tlv]:
    """Every element of a concatenation of TLV elements (the content of a constructed element)."""
    items: list[Tlv] = []
    pos = 0
    while pos < len(data):
        item, pos = decode_one(data, pos)
        items.append(item)
    return items


def decode(data: bytes, *, expected_tag: int | None = None, allow_trailing: bool = True) -> Tlv:
    """The one element at the start of ``data``.

    ``allow_trailing`` tolerates bytes after the element (files read in whole blocks may carry padding).
    """
    item, end = decode_one(data, 0)
    if expected_tag is not None and item.tag != expected_tag:
        raise TlvError(f"expected tag {expected_tag:X}, found {item.tag:X}")
    if not allow_trailing and end != len(data):
        raise TlvError(f"{len(data) - end} unexpected bytes after the TLV element")
    return item


def total_length(prefix: bytes) -> int:
    """The full encoded length (tag + length + value) of the element whose first bytes are ``prefix``.

    Needs only the tag and length bytes: readers use it on the first few bytes of a file to learn its size.
    """
    _, pos = read_tag(prefix, 0)
    length, pos = read_length(prefix, pos)
    return pos + length


def encode_tag(tag: int) -> bytes:
    if tag < 0:
        raise TlvError("negative TLV tag")
    return tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")


def encode_length(length: int, *, min_bytes: int = 0) -> bytes:
    """DER length; ``min_bytes`` > 0 forces the long form with at least that many length bytes."""
    if length < 0:
        raise TlvError("negative TLV length")
    if length < 0x80 and min_bytes == 0:
        return bytes([length])
    count = max(min_bytes, (length.bit_length() + 7) // 8, 1)
    if count > _MAX_LENGTH_BYTES:
        raise TlvError("TLV value too long")
    return bytes([0x80 | count]) + length.to_bytes(count, "big")


def encode(tag: int, value: bytes, *, min_length_bytes: int = 0) -> bytes:
    """One TLV element."""
    return encode_tag(tag) + encode_length(len(value), min_bytes=min_length_bytes) + bytes(value)


def encode_constructed(tag: int, *items: bytes) -> bytes:
    return encode(tag, b"".join(items))


def encode_integer(value: int) -> bytes:
    """DER INTEGER (two's complement, minimal length)."""
    length = max(1, (value.bit_length() + 8) // 8)
    return encode(INTEGER, value.to_bytes(length, "big", signed=True))


def decode_integer(item: Tlv) -> int:
    if item.tag != INTEGER or not item.value:
        raise TlvError("expected a non-empty INTEGER")
    return int.from_bytes(item.value, "big", signed=True)


def encode_oid(dotted: str) -> bytes:
    """DER OBJECT IDENTIFIER from its dotted form."""
    try:
        arcs = [int(part) for part in dotted.split(".")]
    except ValueError as exc:
        raise TlvError("object identifier must be dotted decimal") from exc
    if len(arcs) < 2 or arcs[0] > 2 or (arcs[0] < 2 and arcs[1] >= 40) or min(arcs) < 0:
        raise TlvError("invalid object identifier")
    body = bytearray()
    for arc in [arcs[0] * 40 + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body.extend(reversed(chunk))
    return encode(OBJECT_IDENTIFIER, bytes(body))


def decode_oid(item: Tlv) -> str:
    if item.tag != OBJECT_IDENTIFIER or not item.value or item.value[-1] & 0x80:
        raise TlvError("expected a well-formed OBJECT IDENTIFIER")
    arcs: list[int] = []
    arc = 0
    for byte in item.value:
        arc = (arc << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(arc)
            arc = 0
    first = arcs[0]
    head = [0, first] if first < 40 else [1, first - 40] if first < 80 else [2, first - 80]
    return ".".join(str(a) for a in head + arcs[1:])


_STRING_CODECS = {
    UTF8_STRING: "utf-8",
    PRINTABLE_STRING: "ascii",
    IA5_STRING: "ascii",
    T61_STRING: "latin-1",
    BMP_STRING: "utf-16-be",
}

STRING_TAGS = frozenset(_STRING_CODECS)


def decode_string(item: Tlv) -> str:
    """Text of a string element; invalid bytes are replaced rather than failing (callers keep the raw
    bytes)."""
    codec = _STRING_CODECS.get(item.tag)
    if codec is None:
        raise TlvError(f"tag {item.tag:X} is not a string type")
    return item.value.decode(codec, errors="replace")


def encode_string(text: str, tag: int = UTF8_STRING) -> bytes:
    codec = _STRING_CODECS.get(tag)
    if codec is None:
        raise TlvError(f"tag {tag:X} is not a string type")
    return encode(tag, text.encode(codec))
