"""Check-digit-driven correction of recognised MRZ cells (``kiosk.mrz_correct``)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.identity import Identity
from kiosk.mrz import format_td1, format_td3, parse_mrz
from kiosk.mrz_correct import ALPHABET, DIGITS, LAYOUTS, UnsureZoneError, correct, plausible_name

TD3 = format_td3(document_number="L898902C", state="UTO", nationality="UTO", full_name="ERIKSSON ANNA MARIA",
                 birth=date(1974, 8, 12), sex="F", expiry=date(2032, 4, 15), optional="ZE184226B")
CCCD = format_td1(Identity(id_number="001090123456", full_name="Nguyễn Văn An", date_of_birth=date(1990, 3, 7),
                           sex="M", nationality="VNM", expiry_date=date(2030, 3, 7)))


def cells(lines: list[str], overrides: dict[tuple[int, int], dict[str, float]] | None = None,
          sure: float = 0.97) -> list[list[list[float]]]:
    """Probabilities a recogniser would give: ``sure`` on the printed character, the rest spread evenly."""
    out = []
    for r, line in enumerate(lines):
        row = []
        for i, ch in enumerate(line):
            probs = dict.fromkeys(ALPHABET, (1 - sure) / (len(ALPHABET) - 1))
            probs[ch] = sure
            if overrides and (r, i) in overrides:
                probs = dict.fromkeys(ALPHABET, 0.001) | overrides[(r, i)]
            row.append([probs[c] for c in ALPHABET])
        out.append(row)
    return out


def test_a_clean_reading_is_accepted_unchanged() -> None:
    result = correct(cells(TD3))
    assert result.lines == tuple(TD3) and result.changed == 0 and result.mrz.format == "TD3"


def test_letters_in_a_date_become_digits_by_class() -> None:
    # birth date 740812 read with O for 0 and B for 8: the date's class is digits, so 0 and 8 win
    read = {(1, 15): {"O": 0.8, "0": 0.15}, (1, 16): {"B": 0.7, "8": 0.25}}
    result = correct(cells(TD3, read))
    assert result.lines == tuple(TD3)


def test_digits_in_a_name_become_letters_by_class() -> None:
    read = {(0, 7): {"1": 0.9, "I": 0.05}, (0, 9): {"5": 0.9, "S": 0.08}}  # I and S of ERIKSSON
    assert correct(cells(TD3, read)).lines == tuple(TD3)


def test_a_digit_without_a_letter_twin_in_a_name_is_not_turned_into_a_letter() -> None:
    # the E of ERIKSSON seen as a confident 3: no letter looks like 3, so no letter is guessed
    with pytest.raises(UnsureZoneError):
        correct(cells(TD3, {(0, 5): {"3": 0.95, "E": 0.01}}))


def test_check_digits_pick_the_confusable_in_a_free_field() -> None:
    # the document number L898902C<: its 0 read as O (alphanumeric field: the class cannot decide)
    assert TD3[1][5] == "0"
    result = correct(cells(TD3, {(1, 5): {"O": 0.8, "0": 0.15}}))
    assert result.lines == tuple(TD3) and result.changed == 1


def test_an_uncertain_name_character_is_rejected_not_guessed() -> None:
    with pytest.raises(UnsureZoneError):
        correct(cells(TD3, {(0, 7): {"I": 0.45, "L": 0.4}}))


def test_an_uncorrectable_check_digit_failure_is_rejected() -> None:
    # expiry 320415 read confidently as 320416: no likely alternative, so the zone is refused
    with pytest.raises(UnsureZoneError):
        correct(cells(TD3, {(1, 26): {"6": 0.999}}))


def test_cccd_optional_data_is_digits() -> None:
    read = {(0, 16): {"O": 0.9, "0": 0.09}}  # inside the 12-digit ID
    assert correct(cells(CCCD, read)).lines == tuple(CCCD)


@pytest.mark.parametrize("shape", [(2, 40), (4, 30)])
def test_a_zone_of_no_known_shape_is_rejected(shape: tuple[int, int]) -> None:
    with pytest.raises(UnsureZoneError):
        correct([[[1.0 / len(ALPHABET)] * len(ALPHABET)] * shape[1]] * shape[0])


_DIGIT_POSITIONS = [i for i, cls in enumerate(LAYOUTS["TD3"].classes[1]) if cls == DIGITS]


@settings(max_examples=150, deadline=None)
@given(number=st.text("ABCDEFGHJKLMNPRSTUVWXYZ0123456789", min_size=6, max_size=9),
       birth=st.dates(date(1930, 1, 1), date(2020, 12, 31)), expiry=st.dates(date(2025, 1, 1), date(2040, 12, 31)),
       pos=st.sampled_from(_DIGIT_POSITIONS), wrong=st.sampled_from(DIGITS), sure=st.floats(0.5, 0.999),
       runner_up=st.floats(0.0, 0.5))
def test_a_misread_digit_is_corrected_or_rejected_never_accepted_wrong(
        number: str, birth: date, expiry: date, pos: int, wrong: str, sure: float, runner_up: float) -> None:
    truth = format_td3(document_number=number, state="UTO", nationality="UTO", full_name="DOE JANE", birth=birth,
                       sex="F", expiry=expiry)
    read = {(1, pos): {wrong: sure, truth[1][pos]: min(runner_up, 1 - sure)}}
    try:
        result = correct(cells(truth, read))
    except UnsureZoneError:
        return
    assert parse_mrz(list(result.lines)).lines == result.lines  # every check digit holds
    assert result.lines == tuple(truth)  # and it is the printed zone, never another one


NLD = format_td3(document_number="SPECI2014", state="NLD", nationality="NLD", full_name="DE BRUIJN WILLEKE LISELOTTE",
                 birth=date(1965, 3, 10), sex="F", expiry=date(2034, 3, 9), optional="999999990")


def test_a_state_code_no_check_digit_covers_is_checked_against_the_known_codes() -> None:
    assert correct(cells(NLD)).mrz.nationality == "NLD"
    # NLD confidently read as NID on line 2 (nationality) and line 1 (issuing state): every check digit still holds
    for line, pos in ((1, 11), (0, 3)):
        with pytest.raises(UnsureZoneError):
            correct(cells(NLD, {(line, pos): {"I": 0.97, "L": 0.01}}))


def test_icao_codes_that_are_not_iso_countries_are_known() -> None:
    from kiosk.mrz_states import is_state_code

    assert all(is_state_code(code) for code in ("VNM", "D", "XXA", "GBN", "UNO", "DEU"))
    assert not any(is_state_code(code) for code in ("NID", "VNN", "", "XYZ"))


def test_an_idvnm_card_with_letters_in_its_number_is_read_as_a_plain_td1() -> None:
    lines = ["IDVNMJUERAI5<<99O80LXBL<<<<<<<", "0405203M3408113KOR7SMJ6YE0D<<8", "DUBOIS<<IGOR<DUC<<<<<<<<<<<<<<"]
    result = correct(cells(lines))
    assert result.lines == tuple(lines) and result.mrz.document_number == "JUERAI5"


def test_letters_after_a_filler_run_in_the_name_are_refused() -> None:
    misread = [TD3[0][:-1] + "C", TD3[1]]  # a filler cell read as a letter: no check digit covers it
    with pytest.raises(UnsureZoneError):
        correct(cells(misread))
    assert plausible_name("ERIKSSON<<ANNA<MARIA<<<<") and plausible_name("NGUYEN<<VAN<AN")
    assert not plausible_name("ERIKSSON<<ANNA<<<<C<<") and not plausible_name("<OWALSKI<<ZBIGNIEW<<<")
    assert plausible_name("<<ANNA<<<<")  # no primary identifier: unusual, not a misread pattern


def test_a_cccd_id_misread_in_two_digits_the_check_digits_cannot_see_is_refused() -> None:
    # ID digits 7 and 10 (line positions 22 and 25) carry the same weight under the ID's check digit and under
    # the composite: 2→4 and 5→3 pass both; only the document number (the ID's last nine digits) disagrees
    misread = [CCCD[0][:22] + "4" + CCCD[0][23:25] + "3" + CCCD[0][26:], *CCCD[1:]]
    assert parse_mrz(misread).lines != tuple(CCCD)  # every check digit holds for the misread
    with pytest.raises(UnsureZoneError):
        correct(cells(misread, sure=0.95))
    assert correct(cells(CCCD, sure=0.95)).lines == tuple(CCCD)


def test_a_card_numbered_otherwise_is_read_when_its_id_is_read_surely() -> None:
    other = format_td1(Identity(id_number="001090123456", document_number="C01234567", full_name="Tran Thi B",
                                date_of_birth=date(1990, 3, 7), sex="F", nationality="VNM",
                                expiry_date=date(2030, 3, 7)))
    assert other[0][5:14] != other[0][18:27]
    assert correct(cells(other, sure=0.99)).lines == tuple(other)
