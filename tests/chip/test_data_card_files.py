"""The simulated chip's files: consistent, signed, parseable into the identity they were built from."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from drivers.emrtd import lds
from drivers.emrtd.active_auth import aa_sign, verify_active
from drivers.emrtd.card_access import parse_security_infos
from drivers.emrtd.dg1 import parse_dg1
from drivers.emrtd.dg2 import parse_dg2
from drivers.emrtd.dg11 import parse_dg11
from drivers.emrtd.dg13 import parse_dg13
from drivers.emrtd.dg14 import parse_dg14
from drivers.emrtd.errors import EmrtdError
from drivers.emrtd.passive_auth import verify_passive
from drivers.emrtd.pki import TestPki, make_test_pki
from drivers.emrtd.public_keys import load_public_key
from drivers.sim.card_files import DATA_FAULTS, build_card_files
from kiosk.mrz import format_td1, format_td3, parse_mrz
from kiosk.samples import sample_identity

CHALLENGE = bytes.fromhex("0102030405060708")
DG13_KEYS = (
    "id_number",
    "full_name",
    "date_of_birth",
    "sex",
    "nationality",
    "ethnicity",
    "religion",
    "place_of_origin",
    "residence",
    "identifying_marks",
    "issue_date",
    "expiry_date",
    "no_expiry",
    "father_name",
    "mother_name",
    "spouse_name",
    "old_id_number",
)


@pytest.fixture(scope="module")
def pki() -> TestPki:
    return make_test_pki(key_type="ec")


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_cccd_files_match_the_identity(pki: TestPki, n: int) -> None:
    identity = sample_identity(n)
    record = identity.to_dict()
    card = build_card_files(record, pki, mrz_lines=format_td1(identity))
    files = card.files
    assert set(files) == {0x011C, 0x011E, 0x011D, 0x0101, 0x0102, 0x0103, 0x010D, 0x010E, 0x010F}
    assert lds.parse_ef_com(files[0x011E]).data_groups == (1, 2, 3, 13, 14, 15)
    assert card.can == identity.id_number[-6:]  # type: ignore[index]
    assert card.pace_parameter_id == 13
    (pace,) = parse_security_infos(files[0x011C]).pace
    assert pace.parameter_id == 13

    mrz = parse_mrz(list(parse_dg1(files[0x0101]).lines))
    assert mrz.to_identity().id_number == identity.id_number
    parsed = parse_dg13(files[0x010D]).to_record()
    assert {key: parsed[key] for key in DG13_KEYS} == {key: record[key] for key in DG13_KEYS}
    assert parse_dg2(files[0x0102]).face.to_pil().size[0] > 0

    result = verify_passive(files[0x011D], card.data_groups, pki.trust_store())
    assert (result.status, result.reason) == ("valid", None)
    assert 3 not in card.data_groups and 13 in card.data_groups


def test_chip_keys_match_dg14_and_dg15(pki: TestPki) -> None:
    identity = sample_identity(4)
    card = build_card_files(identity.to_dict(), pki, mrz_lines=format_td1(identity))
    (ca_key,) = parse_dg14(card.files[0x010E]).chip_authentication_keys
    public = load_public_key(ca_key.public_key_info)
    assert isinstance(public, ec.EllipticCurvePublicKey) and public.curve.name == "brainpoolP256r1"
    assert public == card.ca_private_key.public_key()
    assert card.aa_private_key.key_size == 2048
    response = aa_sign(card.aa_private_key, CHALLENGE)
    assert verify_active(card.files[0x010F], CHALLENGE, response, card.files[0x010E]).status == "valid"


@pytest.mark.parametrize(
    ("fault", "status", "reason"),
    [
        ("tampered-dg", "invalid", "dg-hash-mismatch:DG13"),
        ("bad-sod-signature", "invalid", "sod-signature-invalid"),
        ("unknown-csca", "no-trust-anchor", "no trusted CSCA issued the document signer"),
        ("expired-dsc", "invalid", "dsc-expired"),
    ],
)
def test_data_faults_are_caught(pki: TestPki, fault: str, status: str, reason: str) -> None:
    identity = sample_identity(5)
    card = build_card_files(identity.to_dict(), pki, mrz_lines=format_td1(identity), faults=frozenset({fault}))
    result = verify_passive(card.files[0x011D], card.data_groups, pki.trust_store())
    assert (result.status, result.reason) == (status, reason)
    assert card.faults == frozenset({fault})


def test_fault_set_covers_every_documented_fault() -> None:
    assert frozenset({"tampered-dg", "bad-sod-signature", "unknown-csca", "expired-dsc"}) == DATA_FAULTS


def test_other_faults_are_left_to_the_apdu_side(pki: TestPki) -> None:
    identity = sample_identity(6)
    card = build_card_files(identity.to_dict(), pki, mrz_lines=format_td1(identity), faults=frozenset({"slow"}))
    assert card.faults == frozenset()
    assert verify_passive(card.files[0x011D], card.data_groups, pki.trust_store()).status == "valid"


@pytest.mark.parametrize("variant", ["can-cuoc-2024", "nested-parents", "long-form", "sparse", "utf8-only"])
def test_dg13_variants(pki: TestPki, variant: str) -> None:
    identity = sample_identity(8)
    card = build_card_files(identity.to_dict(), pki, mrz_lines=format_td1(identity), variant=variant)
    dg13 = parse_dg13(card.files[0x010D])
    assert dg13.to_record()["id_number"] == identity.id_number
    assert verify_passive(card.files[0x011D], card.data_groups, pki.trust_store()).status == "valid"


@pytest.mark.parametrize(("fmt", "size"), [("jpeg", 20000), ("jp2", 12000), ("j2k", 12000), ("jpeg", 40000)])
def test_dg2_size_and_format(pki: TestPki, fmt: str, size: int) -> None:
    identity = sample_identity(9)
    card = build_card_files(identity.to_dict(), pki, mrz_lines=format_td1(identity), dg2_size=size, dg2_format=fmt)
    dg2 = card.files[0x0102]
    assert abs(len(dg2) - size) <= size * 0.1
    assert parse_dg2(dg2).face.format == fmt


def test_passport_variant(pki: TestPki) -> None:
    lines = format_td3(
        document_number="C01X00T47",
        state="UTO",
        nationality="UTO",
        full_name="ERIKSSON ANNA MARIA",
        birth=sample_identity(1).date_of_birth,
        sex="F",
        expiry=sample_identity(1).expiry_date,  # type: ignore[arg-type]
    )
    record = {"full_name": "Anna Maria Eriksson", "date_of_birth": "1974-08-12", "issue_date": "2020-01-01", "sex": "F"}
    card = build_card_files(record, pki, mrz_lines=lines, variant="passport")
    assert lds.parse_ef_com(card.files[0x011E]).data_groups == (1, 2, 11, 12, 14, 15)
    assert parse_dg1(card.files[0x0101]).mrz_format == "TD3"
    dg11 = parse_dg11(card.files[0x010B])
    assert dg11.full_name == "ERIKSSON<<ANNA<MARIA" and dg11.full_date_of_birth == "19740812"
    assert verify_passive(card.files[0x011D], card.data_groups, pki.trust_store()).status == "valid"
    tampered = build_card_files(record, pki, mrz_lines=lines, variant="passport", faults=frozenset({"tampered-dg"}))
    result = verify_passive(tampered.files[0x011D], tampered.data_groups, pki.trust_store())
    assert (result.status, result.reason) == ("invalid", "dg-hash-mismatch:DG11")


def test_unknown_variant_and_format(pki: TestPki) -> None:
    identity = sample_identity(1)
    with pytest.raises(EmrtdError):
        build_card_files(identity.to_dict(), pki, mrz_lines=format_td1(identity), variant="x")
    with pytest.raises(EmrtdError):
        build_card_files(identity.to_dict(), pki, mrz_lines=format_td1(identity), dg2_format="gif")
