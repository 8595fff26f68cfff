"""MRZ parsing (TD1, TD3) with every check digit, CCCD specifics, access keys and the expiry rule."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.errors import CheckDigitError, PayloadError
from kiosk.identity import Identity
from kiosk.mrz import (
    bac_keys,
    bac_mrz_information,
    check_digit,
    expiry_candidates,
    expiry_from_rule,
    format_td1,
    format_td3,
    parse_mrz,
)

CCCD = ["IDVNM0901234562001090123456<<3", "9001011M3001019VNM<<<<<<<<<<<4", "NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<"]
# ICAO 9303 part 4 specimen passport
TD3 = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]


def test_check_digit_examples() -> None:
    assert check_digit("L898902C<") == "3"
    assert check_digit("690806") == "1"
    assert check_digit("940623") == "6"
    assert check_digit("090123456") == "2"
    assert check_digit("001090123456") == "3"


def test_icao_bac_mrz_information_vector() -> None:
    """ICAO 9303-11 Appendix D.2 input."""
    assert bac_mrz_information("L898902C", "690806", "940623") == "L898902C<369080619406236"


def test_cccd_td1() -> None:
    mrz = parse_mrz(CCCD)
    assert mrz.format == "TD1"
    assert mrz.document_number == "090123456"
    assert mrz.id_number == "001090123456"
    assert mrz.birth_date == date(1990, 1, 1)
    assert mrz.expiry_date == date(2030, 1, 1)
    assert mrz.sex == "M"
    assert (mrz.surname, mrz.given_names) == ("NGUYEN", "VAN A")
    ident = mrz.to_identity()
    assert ident.pace_can == "123456"
    assert [k.mrz_information for k in bac_keys(ident)] == ["090123456290010113001019"]


def test_cccd_td1_from_one_string_with_spaces_and_lower_case() -> None:
    assert parse_mrz("\n".join(CCCD).lower().replace("<<", "< <")).id_number == "001090123456"


def test_td3_specimen() -> None:
    mrz = parse_mrz(TD3)
    assert mrz.format == "TD3"
    assert mrz.is_passport
    assert mrz.document_number == "L898902C3"
    assert mrz.nationality == "UTO"
    assert mrz.birth_date == date(1974, 8, 12)
    assert mrz.sex == "F"
    assert mrz.expiry_date == date(2012, 4, 15)
    assert mrz.full_name == "ERIKSSON ANNA MARIA"
    ident = mrz.to_identity()
    assert ident.card_type == "passport"
    assert ident.id_number == "L898902C3"


def _corrupt(lines: list[str], line: int, pos: int) -> list[str]:
    ch = lines[line][pos]
    new = "0" if ch != "0" else "1"
    out = list(lines)
    out[line] = out[line][:pos] + new + out[line][pos + 1:]
    return out


@pytest.mark.parametrize(("line", "pos", "field"), [
    (0, 6, "document_number"), (0, 14, "document_number"),
    (1, 1, "date_of_birth"), (1, 6, "date_of_birth"),
    (1, 10, "expiry_date"), (1, 14, "expiry_date"),
    (0, 20, "id_number"), (0, 29, "id_number"),
    (1, 29, "composite"),
])
def test_every_td1_check_digit(line: int, pos: int, field: str) -> None:
    with pytest.raises(CheckDigitError) as err:
        parse_mrz(_corrupt(CCCD, line, pos))
    assert err.value.field == field


@pytest.mark.parametrize(("pos", "field"), [
    (1, "document_number"), (9, "document_number"), (14, "date_of_birth"), (19, "date_of_birth"),
    (23, "expiry_date"), (27, "expiry_date"), (30, "optional_data"), (42, "optional_data"), (43, "composite"),
])
def test_every_td3_check_digit(pos: int, field: str) -> None:
    with pytest.raises(CheckDigitError) as err:
        parse_mrz(_corrupt(TD3, 1, pos))
    assert err.value.field == field


@pytest.mark.parametrize("lines", [
    CCCD[:2], [CCCD[0], CCCD[1][:-1], CCCD[2]], ["É" * 30] * 3, [CCCD[0].replace("<", "*"), *CCCD[1:]], [], TD3[:1],
])
def test_malformed_shape_or_characters(lines: list[str]) -> None:
    with pytest.raises(PayloadError) as err:
        parse_mrz(lines)
    assert not isinstance(err.value, CheckDigitError)


def test_no_expiry_cccd() -> None:
    ident = Identity(id_number="001060123456", date_of_birth=date(1950, 5, 17), sex="F", full_name="Lê Thị Hoa",
                     no_expiry=True)
    lines = format_td1(ident)
    assert lines[1][8:15] == "9912315"
    mrz = parse_mrz(lines)
    assert mrz.no_expiry and mrz.expiry_date is None
    assert mrz.to_identity().no_expiry
    assert bac_keys(mrz.to_identity())[0].expiry == "991231"


def test_document_number_overflow_variant() -> None:
    """A TD1 with the 12-digit number in the document number field, overflowing into the optional data."""
    number = "001090123456"
    line1 = "IDVNM" + number[:9] + "<" + (number[9:] + check_digit(number) + "<" * 15)[:15]
    line2_head = "9001011M3001019VNM" + "<" * 11
    composite = check_digit(line1[5:30] + line2_head[0:7] + line2_head[8:15] + line2_head[18:29])
    mrz = parse_mrz([line1, line2_head + composite, "NGUYEN<<VAN<A" + "<" * 17])
    assert mrz.document_number == number
    assert mrz.id_number == number


@pytest.mark.parametrize(("birth", "issue", "expected"), [
    (date(1990, 1, 1), date(2021, 4, 15), [date(2030, 1, 1)]),  # 31 → 40
    (date(2000, 6, 7), date(2021, 5, 21), [date(2025, 6, 7)]),  # 20 → 25
    (date(2000, 6, 7), date(2023, 6, 7), [date(2025, 6, 7), date(2040, 6, 7)]),  # 23 → 25 (or 40: grace rule)
    (date(1990, 3, 3), date(2015, 3, 3), [date(2030, 3, 3)]),  # exactly 25 → 40
    (date(1962, 8, 1), date(2022, 8, 1), [None]),  # issued at 60: no expiry
    (date(1963, 8, 2), date(2022, 8, 1), [date(2023, 8, 2), None]),  # 58 → 60, or no expiry
    (date(2012, 2, 29), date(2024, 9, 1), [date(2026, 2, 28)]),  # under 14 (2024 law), 29 Feb
])
def test_expiry_rule(birth: date, issue: date, expected: list[date | None]) -> None:
    assert expiry_candidates(birth, issue) == expected
    assert expiry_from_rule(birth, issue) == expected[0]


def test_bac_keys_from_qr_identity_are_derived_candidates() -> None:
    ident = Identity(id_number="001200123456", date_of_birth=date(2000, 6, 7), issue_date=date(2023, 8, 1),
                     source="qr")
    keys = bac_keys(ident)
    assert [k.expiry for k in keys] == ["250607", "400607"]
    assert all(k.derived and k.document_number == "200123456" for k in keys)
    assert bac_keys(Identity()) == []


_upper_names = st.lists(st.sampled_from(["Nguyễn", "Trần", "Văn", "Thị", "Đức", "Yến", "Ánh", "Hương"]),
                        min_size=2, max_size=4).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(st.from_regex(r"\A[0-9]{12}\Z"), st.dates(date(1930, 1, 1), date(2010, 12, 31)),
       st.sampled_from(["M", "F"]), st.one_of(st.none(), st.dates(date(2026, 1, 1), date(2080, 12, 31))),
       _upper_names)
def test_td1_round_trip(number: str, birth: date, sex: str, expiry: date | None, name: str) -> None:
    ident = Identity(id_number=number, date_of_birth=birth, sex=sex,  # type: ignore[arg-type]
                     expiry_date=expiry, no_expiry=expiry is None, full_name=name)
    mrz = parse_mrz(format_td1(ident))
    assert mrz.id_number == number
    assert mrz.document_number == number[-9:]
    assert mrz.birth_date is not None and mrz.birth_date.strftime("%y%m%d") == birth.strftime("%y%m%d")
    assert mrz.sex == sex
    assert mrz.expiry_date == expiry
    assert mrz.no_expiry == (expiry is None)


@settings(max_examples=100, deadline=None)
@given(st.from_regex(r"\A[A-Z0-9]{6,9}\Z"), st.dates(date(1930, 1, 1), date(2010, 12, 31)),
       st.dates(date(2026, 1, 1), date(2040, 12, 31)), st.sampled_from(["M", "F", None]))
def test_td3_round_trip(number: str, birth: date, expiry: date, sex: str | None) -> None:
    lines = format_td3(document_number=number, state="KOR", nationality="KOR", full_name="KIM MIN JUN",
                       birth=birth, sex=sex, expiry=expiry)  # type: ignore[arg-type]
    mrz = parse_mrz(lines)
    assert (mrz.document_number, mrz.sex, mrz.expiry_date) == (number, sex, expiry)
    assert mrz.full_name == "KIM MIN JUN"
