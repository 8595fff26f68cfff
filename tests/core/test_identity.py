"""The identity model: JSON form, NFC, validation."""

from __future__ import annotations

import json
import unicodedata
from datetime import date

import pytest

from kiosk.identity import Identity
from kiosk.samples import sample_identity

REQUIRED_KEYS = {"id_number", "old_id_number", "full_name", "date_of_birth", "sex", "nationality", "ethnicity",
                 "religion", "place_of_origin", "residence", "identifying_marks", "issue_date", "expiry_date",
                 "father_name", "mother_name", "spouse_name", "card_type", "source", "verification"}


def test_json_keys_and_iso_dates() -> None:
    data = json.loads(sample_identity(3).to_json())
    assert set(data) >= REQUIRED_KEYS
    date.fromisoformat(data["date_of_birth"])
    assert data["source"] == "chip"


@pytest.mark.parametrize("n", range(20))
def test_json_round_trip(n: int) -> None:
    ident = sample_identity(n)
    assert Identity.from_json(ident.to_json()) == ident


def test_text_is_nfc_normalised() -> None:
    ident = Identity(full_name=unicodedata.normalize("NFD", "Đặng Thị Ánh"))
    assert ident.full_name == "Đặng Thị Ánh"
    assert unicodedata.is_normalized("NFC", ident.full_name)


def test_unknown_keys_are_kept_not_dropped() -> None:
    ident = Identity.from_dict({"id_number": "001090123456", "future_field": 7})
    assert ident.raw["extra"] == {"future_field": 7}


@pytest.mark.parametrize("bad", [{"sex": "X"}, {"card_type": "cmnd"}, {"source": "ocr"}])
def test_invalid_enumerations_are_rejected(bad: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        Identity(**bad)  # type: ignore[arg-type]


def test_samples_are_deterministic_and_complete() -> None:
    assert sample_identity(5) == sample_identity(5)
    assert sample_identity(5) != sample_identity(6)
    for n in range(50):
        ident = sample_identity(n)
        assert ident.id_number and len(ident.id_number) == 12 and ident.id_number.isdigit()
        assert ident.full_name and ident.residence and ident.place_of_origin and ident.ethnicity
        assert ident.issue_date and ident.date_of_birth and ident.issue_date > ident.date_of_birth
        assert (ident.expiry_date is None) == ident.no_expiry
        assert ident.pace_can == ident.id_number[-6:]


def test_personal_values_cover_the_text_fields() -> None:
    values = sample_identity(2).personal_values()
    assert sample_identity(2).full_name in values
    assert sample_identity(2).id_number in values
