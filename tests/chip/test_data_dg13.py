"""DG13, the Vietnamese data group: hand-made fixtures after the card reference §8, every layout variant."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.emrtd.dg13 import DG13_OID, DG13_VARIANTS, build_dg13, parse_dg13, parse_dg13_date
from drivers.emrtd.errors import LdsError


def _len(n: int) -> bytes:
    """BER length written out by hand (independent of the encoder under test)."""
    if n < 0x80:
        return bytes([n])
    if n < 0x100:
        return bytes([0x81, n])
    return bytes([0x82, n >> 8, n & 0xFF])


def _el(tag: int, body: bytes) -> bytes:
    return bytes([tag]) + _len(len(body)) + body


def _wrap(elements: bytes) -> bytes:
    header = bytes.fromhex("020101060628D316010008") + _el(0x31, elements)
    return _el(0x6D, _el(0x30, header))


ADDRESS = "Số 123, Đường Nguyễn Trãi, Phường Bến Thành, Quận 1, Thành phố Hồ Chí Minh, Việt Nam " * 2

FIELD_1 = bytes.fromhex("3011020101130C") + b"001090123456"
FIELD_2 = bytes.fromhex("3014020102 0C0F 4E677579E1BB856E2056C4836E2041")  # "Nguyễn Văn A"
FIELD_3 = bytes.fromhex("300F020103130A") + b"01/01/1990"
FIELD_4 = bytes.fromhex("3008020104 0C03") + b"Nam"
FIELD_9 = (
    bytes.fromhex("3081")
    + bytes([3 + 3 + len(ADDRESS.encode())])
    + bytes.fromhex("020109 0C81")
    + bytes([len(ADDRESS.encode())])
    + ADDRESS.encode()
)
FIELD_12 = bytes.fromhex("300F02010C 0C0A") + b"01/01/2030"
FIELD_14_EMPTY = bytes.fromhex("300302010E")
FIELD_15 = bytes.fromhex("300E02010F1309") + b"012345678"
FIELD_16_SERIAL = bytes.fromhex("301502011013 10") + b"1234567890ABCDEF"
FATHER = "Nguyễn Văn B".encode()
MOTHER = "Trần Thị C".encode()
FIELD_13_NESTED = _el(0x30, bytes.fromhex("02010D") + _el(0x30, _el(0x0C, FATHER) + _el(0x0C, MOTHER)))
FIELD_13_SPLIT = _el(
    0x30, bytes.fromhex("02010D") + _el(0x30, _el(0x0C, FATHER)) + _el(0x30, _el(0x0C, MOTHER))
)


def test_fixture_bytes_are_as_documented() -> None:
    assert len(ADDRESS.encode()) > 127
    assert FIELD_1.startswith(bytes.fromhex("30 11 02 01 01 13 0C"))
    assert FIELD_15.startswith(bytes.fromhex("30 0E 02 01 0F 13 09"))
    assert FIELD_9[:2] == b"\x30\x81"


def test_reference_layout_nested_parents() -> None:
    data = _wrap(
        FIELD_1
        + FIELD_2
        + FIELD_3
        + FIELD_4
        + FIELD_9
        + FIELD_12
        + FIELD_13_NESTED
        + FIELD_14_EMPTY
        + FIELD_15
        + FIELD_16_SERIAL
    )
    dg = parse_dg13(data)
    assert dg.version == 1 and dg.oid == DG13_OID
    assert dg.fields[1] == "001090123456"
    assert dg.fields[2] == "Nguyễn Văn A"
    assert dg.fields[3] == "01/01/1990"
    assert dg.fields[4] == "Nam"
    assert dg.fields[9] == ADDRESS
    assert dg.fields[13] == ["Nguyễn Văn B", "Trần Thị C"]
    assert dg.fields[14] is None and 14 in dg.fields
    assert 5 not in dg.fields and 10 not in dg.fields
    assert dg.raw[1] == FIELD_1 and dg.raw[9] == FIELD_9 and dg.raw[13] == FIELD_13_NESTED
    assert dg.old_id_number == "012345678"
    assert dg.card_serial == "1234567890ABCDEF"
    record = dg.to_record()
    assert record["date_of_birth"] == "1990-01-01" and record["expiry_date"] == "2030-01-01"
    assert (
        record["sex"] == "M"
        and record["father_name"] == "Nguyễn Văn B"
        and record["mother_name"] == "Trần Thị C"
    )
    assert record["spouse_name"] is None and record["nationality"] is None and record["no_expiry"] is False


def test_two_parent_sequences_and_old_id_in_field_16() -> None:
    old_id_in_16 = bytes.fromhex("300E0201101309") + b"987654321"
    serial_in_15 = bytes.fromhex("301502010F1310") + b"ABCDEF1234567890"
    data = _wrap(FIELD_1 + FIELD_13_SPLIT + serial_in_15 + old_id_in_16)
    dg = parse_dg13(data)
    assert dg.fields[13] == ["Nguyễn Văn B", "Trần Thị C"]
    assert dg.father_name == "Nguyễn Văn B" and dg.mother_name == "Trần Thị C"
    assert dg.old_id_number == "987654321"
    assert dg.card_serial == "ABCDEF1234567890"
    assert dg.raw[15] == serial_in_15 and dg.raw[16] == old_id_in_16


def test_field_numbers_not_positions_and_unusual_lengths() -> None:
    # Fields out of order, the name with a needless long-form length, a PrintableString where UTF8 is usual.
    name = "Lê Thị D".encode()
    field_2_long = _el(0x30, bytes.fromhex("020102") + bytes([0x0C, 0x82, 0x00, len(name)]) + name)
    field_6_printable = bytes.fromhex("3009020106 1304") + b"Kinh"
    dg = parse_dg13(_wrap(FIELD_15 + field_6_printable + field_2_long + FIELD_1))
    assert dg.fields == {15: "012345678", 6: "Kinh", 2: "Lê Thị D", 1: "001090123456"}


def test_parents_split_into_two_field_13_elements() -> None:
    father = _el(0x30, bytes.fromhex("02010D") + _el(0x0C, FATHER))
    mother = _el(0x30, bytes.fromhex("02010D") + _el(0x0C, MOTHER))
    dg = parse_dg13(_wrap(father + mother))
    assert dg.parents == ["Nguyễn Văn B", "Trần Thị C"]
    assert dg.raw[13] == father + mother


def test_layout_without_set_and_elements_without_field_number() -> None:
    stray = _el(0x30, _el(0x0C, b"x"))
    data = _el(0x6D, _el(0x30, bytes.fromhex("020101 060628D316010008") + FIELD_1 + stray + FIELD_4))
    dg = parse_dg13(data)
    assert dg.fields == {1: "001090123456", 4: "Nam"}
    assert dg.unparsed == (stray,)


def test_decomposed_text_is_normalised_to_nfc_and_raw_kept() -> None:
    decomposed = "Nguye\u0302\u0303n".encode()
    element = _el(0x30, bytes.fromhex("020102") + _el(0x0C, decomposed))
    dg = parse_dg13(_wrap(element))
    assert dg.fields[2] == "Nguyễn"
    assert decomposed in dg.raw[2]


def test_invalid_utf8_does_not_crash_and_is_kept_raw() -> None:
    element = _el(0x30, bytes.fromhex("020102") + _el(0x0C, b"\xff\xfeabc"))
    dg = parse_dg13(_wrap(element))
    assert isinstance(dg.fields[2], str) and dg.fields[2].endswith("abc")
    assert b"\xff\xfeabc" in dg.raw[2]


@pytest.mark.parametrize("data", ["", "6D", "6D05", "6100", "6D03 3001"])
def test_not_a_dg13_raises_typed_error(data: str) -> None:
    with pytest.raises(LdsError):
        parse_dg13(bytes.fromhex(data))


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("01/02/1990", "1990-02-01"),
        ("01-02-1990", "1990-02-01"),
        ("01021990", "1990-02-01"),
        ("1990-02-01", "1990-02-01"),
        (" 31/12/2030 ", "2030-12-31"),
        ("31/02/1990", None),
        ("Không thời hạn", None),
        ("", None),
        (None, None),
    ],
)
def test_dates(text: str | None, iso: str | None) -> None:
    parsed = parse_dg13_date(text)
    assert (parsed.isoformat() if parsed else None) == iso


def _record(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id_number": "001090123456",
        "old_id_number": "012345678",
        "full_name": "Nguyễn Văn A",
        "date_of_birth": "1990-01-01",
        "sex": "M",
        "nationality": "Việt Nam",
        "ethnicity": "Kinh",
        "religion": "Không",
        "place_of_origin": "Xã A, Tỉnh B",
        "residence": ADDRESS,
        "identifying_marks": "Nốt ruồi",
        "issue_date": "2021-04-15",
        "expiry_date": "2030-01-01",
        "father_name": "Nguyễn Văn B",
        "mother_name": "Trần Thị C",
        "spouse_name": None,
        "no_expiry": False,
    }
    base.update(changes)
    return base


@pytest.mark.parametrize("variant", sorted(DG13_VARIANTS))
def test_every_variant_round_trips(variant: str) -> None:
    record = _record()
    dg = parse_dg13(build_dg13(record, variant))
    assert dg.to_record() == record
    assert dg.fields[2] == "Nguyễn Văn A"


def test_cccd_2021_variant_layout_matches_reference_prefixes() -> None:
    data = build_dg13(_record())
    assert data.startswith(bytes.fromhex("6D82"))
    assert bytes.fromhex("020101 060628D316010008 3182") in data
    assert bytes.fromhex("3011020101130C") + b"001090123456" in data
    assert bytes.fromhex("300E02010F1309") + b"012345678" in data
    assert bytes.fromhex("300302010E") in data  # empty spouse


def test_2024_variant_moves_old_id_to_field_16() -> None:
    dg = parse_dg13(build_dg13(_record(), "can-cuoc-2024"))
    assert dg.fields[16] == "012345678"
    assert isinstance(dg.fields[15], str) and len(dg.fields[15]) == 16
    assert dg.old_id_number == "012345678" and dg.card_serial == dg.fields[15]


def test_no_expiry_and_female() -> None:
    dg = parse_dg13(build_dg13(_record(no_expiry=True, expiry_date=None, sex="F")))
    assert dg.fields[12] == "Không thời hạn" and dg.fields[4] == "Nữ"
    record = dg.to_record()
    assert record["no_expiry"] is True and record["expiry_date"] is None and record["sex"] == "F"


def test_unknown_variant_rejected() -> None:
    with pytest.raises(LdsError):
        build_dg13(_record(), "no-such-variant")


vn_text = (
    st.text(
        alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯàảãáạằẳẵắặầẩẫấậềểễếệịọộờởỡớợùủũúụừửữứựỳỷỹýỵ"
        " ,-/0123456789",
        min_size=1,
        max_size=300,
    )
    .map(str.strip)
    .filter(bool)
)
optional = st.one_of(st.none(), vn_text)
digits = st.text(alphabet="0123456789", min_size=12, max_size=12)


@settings(max_examples=60, deadline=None)
@given(
    variant=st.sampled_from(sorted(DG13_VARIANTS)),
    id_number=digits,
    old_id=st.one_of(st.none(), st.text(alphabet="0123456789", min_size=9, max_size=9)),
    names=st.tuples(optional, optional, optional, optional),
    texts=st.tuples(optional, optional, optional, optional, optional, optional),
    dob=st.dates(),
    expiry=st.one_of(st.none(), st.dates()),
    sex=st.sampled_from(["M", "F", None]),
)
def test_round_trip_property(
    variant: str,
    id_number: str,
    old_id: str | None,
    names: tuple[str | None, ...],
    texts: tuple[str | None, ...],
    dob: Any,
    expiry: Any,
    sex: str | None,
) -> None:
    record = _record(
        id_number=id_number,
        old_id_number=old_id,
        full_name=names[0],
        father_name=names[1],
        mother_name=names[2],
        spouse_name=names[3],
        nationality=texts[0],
        ethnicity=texts[1],
        religion=texts[2],
        place_of_origin=texts[3],
        residence=texts[4],
        identifying_marks=texts[5],
        date_of_birth=dob.isoformat(),
        expiry_date=expiry.isoformat() if expiry else None,
        no_expiry=expiry is None,
        sex=sex,
    )
    assert parse_dg13(build_dg13(record, variant)).to_record() == record


@settings(max_examples=150, deadline=None)
@given(position=st.integers(0, 10_000), byte=st.integers(0, 255), cut=st.integers(0, 10_000))
def test_corrupted_dg13_never_raises_anything_but_lds_error(position: int, byte: int, cut: int) -> None:
    data = bytearray(build_dg13(_record()))
    data[position % len(data)] = byte
    data = data[: max(1, len(data) - cut % 40)]
    try:
        dg = parse_dg13(bytes(data))
    except LdsError:
        return
    assert isinstance(dg.fields, dict)


def test_structure_inside_a_field_belongs_to_the_field() -> None:
    # Parents wrapped in a SET inside field 13: still field 13, not taken for the DG13 header.
    parents_in_set = _el(0x30, bytes.fromhex("02010D") + _el(0x31, _el(0x0C, FATHER) + _el(0x0C, MOTHER)))
    dg = parse_dg13(_wrap(FIELD_1 + parents_in_set))
    assert dg.fields[13] == ["Nguyễn Văn B", "Trần Thị C"] and dg.unparsed == ()


def test_layout_without_header_sequence() -> None:
    data = _el(0x6D, bytes.fromhex("020101 060628D316010008") + _el(0x31, FIELD_1 + FIELD_4))
    dg = parse_dg13(data)
    assert (dg.version, dg.oid) == (1, DG13_OID)
    assert dg.fields == {1: "001090123456", 4: "Nam"}
