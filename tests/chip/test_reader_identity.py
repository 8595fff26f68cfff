"""Mapping chip data groups to the identity model (kiosk.chip_identity) and building access keys."""

from __future__ import annotations

import pytest

from drivers.emrtd.dg1 import build_dg1
from drivers.emrtd.dg13 import build_dg13
from kiosk.chip_identity import ChipDataError, identity_from_chip
from kiosk.chip_keys import access_keys
from kiosk.errors import KioskError
from kiosk.mrz import format_td1
from kiosk.qr_payload import format_qr_payload, parse_qr_payload
from kiosk.samples import sample_identity


def test_no_expiry_card() -> None:
    who = sample_identity(5).replace(expiry_date=None, no_expiry=True)
    groups = {1: build_dg1(format_td1(who)), 13: build_dg13(who.to_dict())}
    identity = identity_from_chip(groups, {"access": "pace"})
    assert identity.no_expiry and identity.expiry_date is None
    assert identity.verification == {"access": "pace"}
    assert identity.raw["mrz"][1][8:14] == "991231"


def test_mrz_only_when_dg13_is_missing() -> None:
    who = sample_identity(6)
    identity = identity_from_chip({1: build_dg1(format_td1(who))}, {})
    assert identity.id_number == who.id_number
    assert identity.date_of_birth == who.date_of_birth
    assert identity.residence is None


def test_unreadable_chip_data_is_a_typed_error() -> None:
    with pytest.raises(ChipDataError):
        identity_from_chip({1: b"\x61\x03\x5f\x1f\x00", 13: b"\x00\x01"}, {})


def test_damaged_dg13_keeps_the_mrz_and_records_the_error() -> None:
    who = sample_identity(8)
    identity = identity_from_chip({1: build_dg1(format_td1(who)), 13: b"\x6d\x05\x30"}, {})
    assert identity.id_number == who.id_number
    assert "dg13_error" in identity.raw


def test_key_order_from_a_qr_scan() -> None:
    who = sample_identity(9)
    keys = access_keys(qr_identity=parse_qr_payload(format_qr_payload(who)))
    assert keys[0].kind == "can" and keys[0].value == who.id_number[-6:]  # type: ignore[index]
    assert [k.source for k in keys[1:]] == ["derived"] * (len(keys) - 1)
    assert all(k.kind == "mrz" and len(k.value) == 24 for k in keys[1:])


def test_typed_bac_key_needs_dates() -> None:
    with pytest.raises(KioskError):
        access_keys(bac=("090123456", "9001", "300101"))
    with pytest.raises(KioskError):
        access_keys(can="12345")
