"""The chip's BAC key from the card number and dates typed by the person (``kiosk.mrz_entry``)."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.chip_keys import access_keys
from kiosk.errors import FieldValueError
from kiosk.mrz import format_td1, parse_mrz
from kiosk.mrz_entry import TypedMrz, access_key, check_field
from kiosk.samples import sample_identity

TODAY = date(2026, 11, 23)


def test_typed_details_give_the_key_of_the_cards_mrz() -> None:
    identity = sample_identity(44)
    assert identity.date_of_birth is not None and identity.expiry_date is not None and identity.id_number
    mrz = parse_mrz(format_td1(identity))
    typed = TypedMrz(identity.id_number, identity.date_of_birth.strftime("%d/%m/%Y"),
                     identity.expiry_date.strftime("%d/%m/%Y"))
    key = access_key(typed, today=TODAY)
    assert (key.document_number, key.date_of_birth, key.date_of_expiry) == (
        mrz.document_number, mrz.birth_raw, mrz.expiry_raw)
    # the same key when the 9-digit card number is typed instead of the ID number
    assert access_key(TypedMrz(mrz.document_number, typed.date_of_birth, typed.date_of_expiry), today=TODAY) == key
    # its MRZ_information (check digits from kiosk.mrz) is the one of the MRZ printed on the card
    built = access_keys(bac=(key.document_number or "", key.date_of_birth or "", key.date_of_expiry or ""))
    assert built[0].value == mrz.lines[0][5:15] + mrz.lines[1][0:7] + mrz.lines[1][8:15]


def test_no_expiry_is_991231() -> None:
    key = access_key(TypedMrz("012345678", "01/01/1950", "", no_expiry=True), today=TODAY)
    assert key.date_of_expiry == "991231" and key.date_of_birth == "500101"


@pytest.mark.parametrize(("typed", "field", "vietnamese"), [
    (TypedMrz("12345", "01/01/1990", "01/01/2030"), "document_number", "12 số định danh"),
    (TypedMrz("012345678", "31/02/1990", "01/01/2030"), "date_of_birth", "Ngày không đúng"),
    (TypedMrz("012345678", "01/01/2030", "01/01/2040"), "date_of_birth", "tương lai"),
    (TypedMrz("012345678", "01/01/1990", "01/01/1980"), "date_of_expiry", "sau ngày sinh"),
    (TypedMrz("012345678", "01/01/1990", ""), "date_of_expiry", "Ngày không đúng"),
])
def test_each_wrong_field_is_named(typed: TypedMrz, field: str, vietnamese: str) -> None:
    with pytest.raises(FieldValueError) as info:
        access_key(typed, today=TODAY)
    assert info.value.field == field and vietnamese in info.value.message_vi and info.value.message
    with pytest.raises(FieldValueError):
        check_field(field, typed, today=TODAY)


def test_typed_values_never_print() -> None:
    typed = TypedMrz("012345678", "01/01/1990", "01/01/2030")
    assert "012345678" not in repr(typed) and "1990" not in repr(access_key(typed, today=TODAY))
