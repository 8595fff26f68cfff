"""BER-TLV decoding and encoding."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.emrtd import tlv
from drivers.emrtd.errors import TlvError


def test_decodes_multi_byte_tag_and_long_form_lengths() -> None:
    value = bytes(range(256)) * 2
    data = bytes.fromhex("7F61 82 0200") + value
    item = tlv.decode(data)
    assert item.tag == 0x7F61
    assert item.value == value
    assert item.constructed
    assert item.encoded == data


@pytest.mark.parametrize(
    ("encoded", "length"),
    [("05", 5), ("7F", 127), ("8180", 128), ("81FF", 255), ("820100", 256), ("83010000", 65536)],
)
def test_length_forms(encoded: str, length: int) -> None:
    value, pos = tlv.read_length(bytes.fromhex(encoded), 0)
    assert (value, pos) == (length, len(encoded) // 2)


def test_forced_long_form_length() -> None:
    assert tlv.encode(0x0C, b"abc", min_length_bytes=2) == bytes.fromhex("0C820003") + b"abc"
    assert tlv.decode(tlv.encode(0x0C, b"abc", min_length_bytes=2)).value == b"abc"


def test_primitive_5f1f_is_not_constructed() -> None:
    item = tlv.decode(tlv.encode(0x5F1F, b"IDVNM"))
    assert item.tag == 0x5F1F and not item.constructed and item.children == []


def test_constructed_walk_and_find() -> None:
    inner = tlv.encode(0x5F2E, b"\x01\x02")
    data = tlv.encode(0x75, tlv.encode(0x7F61, tlv.encode(0x02, b"\x01") + tlv.encode(0x7F60, inner)))
    root = tlv.decode(data)
    tags = [item.tag for item in root.walk()]
    assert tags == [0x75, 0x7F61, 0x02, 0x7F60, 0x5F2E]
    group = root.find(0x7F61)
    assert group is not None and group.find(0x7F60) is not None
    assert root.find(0x99) is None


@pytest.mark.parametrize(
    "data",
    ["", "30", "3005", "300501", "7F", "7F61", "3080", "308500000000010000", "3082 01", "30 03 02 01"],
)
def test_malformed_input_raises_typed_error(data: str) -> None:
    with pytest.raises(TlvError):
        tlv.decode(bytes.fromhex(data))


def test_trailing_bytes_policy() -> None:
    data = tlv.encode(0x04, b"ab") + b"\x00\x00"
    assert tlv.decode(data).value == b"ab"
    with pytest.raises(TlvError):
        tlv.decode(data, allow_trailing=False)


def test_expected_tag_mismatch() -> None:
    with pytest.raises(TlvError):
        tlv.decode(tlv.encode(0x61, b""), expected_tag=0x6D)


def test_total_length_from_prefix() -> None:
    data = tlv.encode(0x75, bytes(20000))
    assert tlv.total_length(data[:6]) == len(data)
    assert tlv.total_length(bytes.fromhex("6D820123")) == 4 + 0x123


@pytest.mark.parametrize(
    ("dotted", "der"),
    [
        ("1.0.10646.1.0.8", "060628D316010008"),
        ("0.4.0.127.0.7.2.2.4.2.2", "060A04007F00070202040202"),
        ("2.23.136.1.1.1", "0606678108010101"),
        ("1.2.840.113549.1.1.11", "06092A864886F70D01010B"),
    ],
)
def test_oid_known_answers(dotted: str, der: str) -> None:
    assert tlv.encode_oid(dotted).hex().upper() == der
    assert tlv.decode_oid(tlv.decode(bytes.fromhex(der))) == dotted


@pytest.mark.parametrize(
    ("value", "der"),
    [(0, "020100"), (1, "020101"), (127, "02017F"), (128, "02020080"), (256, "02020100"), (-1, "0201FF")],
)
def test_integer_known_answers(value: int, der: str) -> None:
    assert tlv.encode_integer(value).hex().upper() == der
    assert tlv.decode_integer(tlv.decode(bytes.fromhex(der))) == value


tags = st.one_of(
    st.integers(0x00, 0x1E).map(lambda n: n | 0x80),  # context-specific primitive one-byte tags
    st.sampled_from([0x04, 0x0C, 0x13, 0x5F1F, 0x5F2E, 0x5F0E, 0x7F2E, 0x9F1F, 0x5F8101]),
)


@given(tag=tags, value=st.binary(max_size=70000), long_bytes=st.integers(0, 3))
def test_round_trip(tag: int, value: bytes, long_bytes: int) -> None:
    encoded = tlv.encode(tag, value, min_length_bytes=long_bytes)
    item = tlv.decode(encoded, allow_trailing=False)
    assert (item.tag, item.value, item.encoded) == (tag, value, encoded)
    assert tlv.total_length(encoded[:8]) == len(encoded)


@given(values=st.lists(st.binary(max_size=300), max_size=8))
def test_constructed_round_trip(values: list[bytes]) -> None:
    encoded = tlv.encode_constructed(0x30, *(tlv.encode(0x04, v) for v in values))
    assert [child.value for child in tlv.decode(encoded).children] == values


@given(
    arcs=st.lists(st.integers(0, 2**40), min_size=1, max_size=8),
    first=st.integers(0, 2),
    second=st.integers(0, 39),
)
def test_oid_round_trip(arcs: list[int], first: int, second: int) -> None:
    dotted = ".".join(str(a) for a in [first, second, *arcs])
    assert tlv.decode_oid(tlv.decode(tlv.encode_oid(dotted))) == dotted


@given(data=st.binary(max_size=64))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    try:
        for item in tlv.decode(data).walk():
            assert item.encoded
    except TlvError:
        pass
