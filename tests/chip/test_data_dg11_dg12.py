"""DG11 and DG12 (passports): tagged fields, templates with counts, raw values kept."""

from __future__ import annotations

import pytest

from drivers.emrtd.dg11 import FULL_DATE_OF_BIRTH, FULL_NAME, OTHER_NAME, PERSONAL_NUMBER, build_dg11, parse_dg11
from drivers.emrtd.dg12 import DATE_OF_ISSUE, ISSUING_AUTHORITY, build_dg12, parse_dg12
from drivers.emrtd.errors import LdsError

# DG11 as in ICAO 9303-10 (A.13 style): tag list, full name, other names in an A0 template, DOB, place of birth.
DG11_FIXTURE = bytes.fromhex(
    "6B 3F"
    "5C 08 5F0E 5F0F 5F2B 5F11"
    "5F0E 0D"
    + b"SMITH<<JOHN<J".hex()
    + "A0 0D 02 01 01 5F0F 07"
    + b"JOHNNIE".hex()
    + "5F2B 08"
    + b"19711219".hex()
    + "5F11 08"
    + b"ANYTOWN<".hex()
)


def test_dg11_fixture() -> None:
    dg11 = parse_dg11(DG11_FIXTURE)
    assert dg11.fields.tag_list == (0x5F0E, 0x5F0F, 0x5F2B, 0x5F11)
    assert dg11.full_name == "SMITH<<JOHN<J"
    assert dg11.other_names == ["JOHNNIE"]
    assert dg11.full_date_of_birth == "19711219"
    assert dg11.place_of_birth == "ANYTOWN<"
    assert dg11.personal_number is None
    assert dg11.fields.raw[0x5F2B] == [b"19711219"]


def test_dg11_round_trip_with_utf8_and_unknown_tag() -> None:
    data = build_dg11(
        {
            FULL_NAME: "NGUYỄN<<VĂN A",
            OTHER_NAME: ["A", "B"],
            PERSONAL_NUMBER: "001090123456",
            FULL_DATE_OF_BIRTH: "19900101",
            0x5F7E: "future",
        }
    )
    dg11 = parse_dg11(data)
    assert dg11.full_name == "NGUYỄN<<VĂN A"
    assert dg11.other_names == ["A", "B"]
    assert dg11.personal_number == "001090123456"
    assert dg11.fields.raw[0x5F7E] == [b"future"]


def test_dg12_round_trip() -> None:
    dg12 = parse_dg12(build_dg12({ISSUING_AUTHORITY: "Authority", DATE_OF_ISSUE: "20210415"}))
    assert dg12.issuing_authority == "Authority" and dg12.date_of_issue == "20210415"
    assert dg12.other_persons == [] and dg12.endorsements is None


@pytest.mark.parametrize("data", ["", "6B", "6C00", "6B05 5F0E"])
def test_malformed(data: str) -> None:
    with pytest.raises(LdsError):
        parse_dg11(bytes.fromhex(data))
