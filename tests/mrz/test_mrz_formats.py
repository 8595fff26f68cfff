"""Visa and TD2 zones (ICAO 9303-6/-7 specimens) through the core parser."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.errors import CheckDigitError
from kiosk.mrz import format_mrv, parse_mrz

MRV_A = ["VIUTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L8988901C4XXX4009078F96121096ZE184226B<<<<<<"]
MRV_B = ["VIUTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "L8988901C4XXX4009078F9612109<<<<<<<<"]
TD2 = ["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6"]


@pytest.mark.parametrize(("lines", "fmt", "number"), [(MRV_A, "MRV-A", "L8988901C"), (MRV_B, "MRV-B", "L8988901C"),
                                                      (TD2, "TD2", "D23145890")])
def test_icao_specimens_parse(lines: list[str], fmt: str, number: str) -> None:
    mrz = parse_mrz(lines)
    assert (mrz.format, mrz.document_number, mrz.surname, mrz.given_names) == (fmt, number, "ERIKSSON", "ANNA MARIA")
    assert mrz.is_visa == fmt.startswith("MRV")


@pytest.mark.parametrize("lines", [MRV_A, MRV_B, TD2])
@pytest.mark.parametrize("pos", [9, 19, 27])
def test_a_wrong_field_check_digit_is_named(lines: list[str], pos: int) -> None:
    line2 = lines[1][:pos] + str((int(lines[1][pos]) + 1) % 10) + lines[1][pos + 1:]
    with pytest.raises(CheckDigitError):
        parse_mrz([lines[0], line2])


def test_td2_composite_is_checked() -> None:
    with pytest.raises(CheckDigitError) as err:
        parse_mrz([TD2[0], TD2[1][:35] + "7"])
    assert err.value.field == "composite"


@pytest.mark.parametrize("width", [44, 36])
def test_format_mrv_round_trips(width: int) -> None:
    lines = format_mrv(document_number="AB123", state="FRA", nationality="DEU", full_name="MUELLER ANNA LENA",
                       birth=date(1988, 2, 29), sex="F", expiry=date(2027, 1, 31), optional="X1", width=width)
    mrz = parse_mrz(lines)
    assert (len(lines[0]), mrz.format, mrz.document_number, mrz.birth_date) == (
        width, "MRV-A" if width == 44 else "MRV-B", "AB123", date(1988, 2, 29))
