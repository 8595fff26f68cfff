"""The MRZ in the LDS layer (TD1, TD2, TD3 fields and check digits, document-number overflow, MRZ_information) and
DG7; the core's ``parse_mrz`` gives the same fields."""

from __future__ import annotations

import pytest

from drivers.emrtd.dg1 import build_dg1, parse_dg1
from drivers.emrtd.dg7 import build_dg7, parse_dg7
from drivers.emrtd.errors import LdsError
from drivers.emrtd.mrz import MrzError, parse_mrz_fields
from drivers.sim.emulated_card import mrz_information_from_lines
from kiosk.chip_keys import access_keys
from kiosk.mrz import parse_mrz

# ICAO 9303 specimens: TD3 (part 4), TD2 (part 6), TD1 (part 5, document number with overflow).
TD3 = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]
TD2 = ["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6"]
TD1_OVERFLOW = ["I<UTOD23145890<7349<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"]


@pytest.mark.parametrize(("lines", "fmt", "number", "info"), [
    (TD3, "TD3", "L898902C3", "L898902C3" "6" "740812" "2" "120415" "9"),
    (TD2, "TD2", "D23145890", "D23145890" "7" "740812" "2" "120415" "9"),
    (TD1_OVERFLOW, "TD1", "D23145890734", "D23145890734" "9" "740812" "2" "120415" "9"),
])
def test_fields_and_mrz_information(lines: list[str], fmt: str, number: str, info: str) -> None:
    fields = parse_mrz_fields(lines)
    assert (fields.format, fields.document_number, fields.birth, fields.expiry) == (fmt, number, "740812", "120415")
    assert fields.surname == "ERIKSSON" and fields.given_names == "ANNA MARIA"
    assert fields.mrz_information == info
    assert mrz_information_from_lines(lines) == info
    assert access_keys(mrz_lines=lines)[0].value == info  # BAC keys from TD1, TD2 and TD3
    core = parse_mrz(lines)
    assert (core.format, core.document_number) == (fmt, number)


def test_a_wrong_check_digit_names_its_field() -> None:
    bad = [TD2[0], TD2[1][:19] + "3" + TD2[1][20:]]
    with pytest.raises(MrzError) as caught:
        parse_mrz_fields(bad)
    assert caught.value.code == "mrz-check-digit" and caught.value.field == "date_of_birth"


def test_dg1_keeps_a_zone_that_does_not_verify() -> None:
    bad = [TD3[0], TD3[1][:43] + "1"]
    dg1 = parse_dg1(build_dg1(bad))
    assert dg1.fields is None and dg1.fields_error == "mrz-check-digit" and dg1.lines == tuple(bad)
    assert parse_dg1(build_dg1(TD3)).fields is not None


def test_dg7_round_trip_and_count() -> None:
    images = [b"\xff\xd8\xff\xe0one", b"\xff\xd8\xff\xe0two"]
    assert parse_dg7(build_dg7(images)).images == tuple(images)
    broken = bytearray(build_dg7(images))
    broken[4] = 3  # the count says three
    with pytest.raises(LdsError):
        parse_dg7(bytes(broken))
