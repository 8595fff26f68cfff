"""The LDS file table, EF.COM, EF.CardAccess/DG14 SecurityInfos and DG1."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given
from hypothesis import strategies as st

from drivers.emrtd import card_access as ca
from drivers.emrtd import lds, tlv
from drivers.emrtd.dg1 import build_dg1, parse_dg1
from drivers.emrtd.dg14 import build_dg14, parse_dg14
from drivers.emrtd.errors import LdsError

# EF.CardAccess of the CCCD, byte for byte as in the card reference §7.
CCCD_CARD_ACCESS = bytes.fromhex(
    "3134300D060804007F0007020202020101300F060A04007F000702020302020201013012060A04007F0007020204020202010202010D"
)

# EF.COM from the ICAO 9303-11 Appendix D worked example (decrypted READ BINARY responses).
ICAO_EF_COM = bytes.fromhex("60145F0104303130365F36063034303030305C026175")


def test_file_table() -> None:
    assert (lds.CARD_ACCESS.fid, lds.CARD_ACCESS.sfi) == (0x011C, 0x1C)
    assert (lds.COM.fid, lds.COM.sfi, lds.COM.tag) == (0x011E, 0x1E, 0x60)
    assert (lds.SOD.fid, lds.SOD.sfi, lds.SOD.tag) == (0x011D, 0x1D, 0x77)
    expected_tags = [
        0x61,
        0x75,
        0x63,
        0x76,
        0x65,
        0x66,
        0x67,
        0x68,
        0x69,
        0x6A,
        0x6B,
        0x6C,
        0x6D,
        0x6E,
        0x6F,
        0x70,
    ]
    assert [lds.dg_tag(n) for n in range(1, 17)] == expected_tags
    assert [lds.dg_fid(n) for n in (1, 2, 13, 14, 15, 16)] == [0x0101, 0x0102, 0x010D, 0x010E, 0x010F, 0x0110]
    assert lds.dg_number_for_tag(0x6D) == 13 and lds.dg_number_for_tag(0x77) is None
    assert lds.dg_number_for_fid(0x010F) == 15 and lds.dg_number_for_fid(0x011D) is None
    file = lds.file_for_fid(0x011D)
    assert file is not None and file.name == "EF.SOD"
    file = lds.file_for_sfi(0x0D)
    assert file is not None and file.name == "DG13"
    with pytest.raises(LdsError):
        lds.dg_fid(17)


def test_ef_com_known_answer() -> None:
    com = lds.parse_ef_com(ICAO_EF_COM)
    assert com.lds_version == "0106"
    assert com.unicode_version == "040000"
    assert com.data_groups == (1, 2)
    assert lds.build_ef_com([1, 2], lds_version="0106") == ICAO_EF_COM


def test_ef_com_cccd_list_round_trip() -> None:
    groups = (1, 2, 3, 13, 14, 15)
    assert lds.parse_ef_com(lds.build_ef_com(groups)).data_groups == groups


def test_ef_com_keeps_unknown_tags_and_rejects_garbage() -> None:
    com = lds.parse_ef_com(bytes.fromhex("60045C026199"))
    assert com.data_groups == (1,) and com.unknown_tags == (0x99,)
    for bad in ("", "6100", "6003020101", "6005"):
        with pytest.raises(LdsError):
            lds.parse_ef_com(bytes.fromhex(bad))


def test_cccd_card_access_parses() -> None:
    infos = ca.parse_security_infos(CCCD_CARD_ACCESS)
    (pace,) = infos.pace
    assert (pace.protocol, pace.version, pace.parameter_id) == ("0.4.0.127.0.7.2.2.4.2.2", 2, 13)
    assert (pace.key_agreement, pace.mapping, pace.cipher, pace.key_length) == ("ECDH", "GM", "AES", 128)
    assert pace.parameter_name == "brainpoolP256r1"
    assert isinstance(pace.curve, ec.BrainpoolP256R1)
    (chip_auth,) = infos.chip_authentication
    assert (chip_auth.version, chip_auth.key_agreement, chip_auth.cipher, chip_auth.key_length) == (
        1,
        "ECDH",
        "AES",
        128,
    )
    assert infos.terminal_authentication is not None and infos.terminal_authentication.version == 1
    assert infos.active_authentication is None and infos.unknown == []


def test_cccd_card_access_builds_byte_exact() -> None:
    assert ca.build_card_access(13) == CCCD_CARD_ACCESS


@pytest.mark.parametrize(
    ("pid", "name", "curve"),
    [
        (8, "secp192r1", ec.SECP192R1),
        (9, "brainpoolP192r1", None),
        (10, "secp224r1", ec.SECP224R1),
        (11, "brainpoolP224r1", None),
        (12, "secp256r1", ec.SECP256R1),
        (13, "brainpoolP256r1", ec.BrainpoolP256R1),
        (14, "brainpoolP320r1", None),
        (15, "secp384r1", ec.SECP384R1),
        (16, "brainpoolP384r1", ec.BrainpoolP384R1),
        (17, "brainpoolP512r1", ec.BrainpoolP512R1),
        (18, "secp521r1", ec.SECP521R1),
        (2, "modp-2048-256", None),
        (5, None, None),
    ],
)
def test_standard_parameter_ids(pid: int, name: str | None, curve: type | None) -> None:
    assert ca.parameter_name(pid) == name
    found = ca.curve_for_parameter_id(pid)
    assert (type(found) if found else None) is curve
    if curve is not None:
        assert ca.parameter_id_for_curve(curve()) == pid


@pytest.mark.parametrize(
    ("mapping", "agreement", "cipher", "bits", "oid"),
    [
        ("GM", "DH", "3DES", 112, "0.4.0.127.0.7.2.2.4.1.1"),
        ("IM", "ECDH", "AES", 256, "0.4.0.127.0.7.2.2.4.4.4"),
        ("CAM", "ECDH", "AES", 192, "0.4.0.127.0.7.2.2.4.6.3"),
        ("IM", "DH", "AES", 128, "0.4.0.127.0.7.2.2.4.3.2"),
    ],
)
def test_pace_oid_mapping(
    mapping: ca.Mapping, agreement: ca.KeyAgreement, cipher: ca.Cipher, bits: int, oid: str
) -> None:
    encoded = ca.encode_pace_info(12, key_agreement=agreement, mapping=mapping, cipher=cipher, key_length=bits)
    (info,) = ca.parse_security_infos(ca.build_security_infos([encoded])).pace
    assert info.protocol == oid
    assert (info.mapping, info.key_agreement, info.cipher, info.key_length, info.parameter_id) == (
        mapping,
        agreement,
        cipher,
        bits,
        12,
    )


def test_dg14_with_chip_auth_key_and_active_auth_info_and_unknown_info() -> None:
    key = ec.generate_private_key(ec.BrainpoolP256R1()).public_key()
    spki = key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    unknown = bytes.fromhex("300A06052B06010401020101")  # some other protocol, must be kept raw
    dg14 = build_dg14(
        [
            ca.encode_chip_auth_info(key_id=7),
            ca.encode_chip_auth_public_key_info(spki, key_id=7),
            ca.encode_active_auth_info(ca.ECDSA_PLAIN_SHA256),
            unknown,
        ]
    )
    assert dg14[0] == 0x6E
    infos = parse_dg14(dg14)
    (pk,) = infos.chip_authentication_keys
    assert pk.public_key_info == spki and pk.key_id == 7 and pk.key_agreement == "ECDH"
    assert infos.chip_authentication[0].key_id == 7
    aa = infos.active_authentication
    assert aa is not None and aa.signature_algorithm == ca.ECDSA_PLAIN_SHA256
    (other,) = infos.unknown
    assert other.encoded == unknown and other.protocol == "1.3.6.1.4.1"
    with pytest.raises(LdsError):
        parse_dg14(CCCD_CARD_ACCESS)


def test_malformed_security_info_is_kept_raw() -> None:
    broken_pace = bytes.fromhex("300C060A04007F00070202040202")  # PACEInfo without its version
    infos = ca.parse_security_infos(ca.build_security_infos([broken_pace]))
    assert infos.pace == [] and infos.unknown[0].encoded == broken_pace
    for bad in ("", "3003020101", "3102"):
        with pytest.raises(LdsError):
            ca.parse_security_infos(bytes.fromhex(bad))


CCCD_TD1 = [
    "IDVNM0901234562001090123456<<3",
    "9001011M3001019VNM<<<<<<<<<<<4",
    "NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<",
]
ICAO_TD3 = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]


def test_dg1_td1_byte_layout() -> None:
    dg1 = build_dg1(CCCD_TD1)
    assert dg1[:5] == bytes.fromhex("615D5F1F5A")
    parsed = parse_dg1(dg1)
    assert parsed.mrz_format == "TD1" and list(parsed.lines) == CCCD_TD1
    assert parsed.raw == "".join(CCCD_TD1).encode()


def test_dg1_td3() -> None:
    parsed = parse_dg1(build_dg1(ICAO_TD3))
    assert parsed.mrz_format == "TD3" and list(parsed.lines) == ICAO_TD3


def test_dg1_unknown_length_is_kept_and_bad_input_rejected() -> None:
    odd = parse_dg1(bytes.fromhex("61085F1F05") + b"ABCDE")
    assert odd.mrz_format == "unknown" and odd.lines == ("ABCDE",)
    for bad in ("", "6100", "75035F1F00", "6105"):
        with pytest.raises(LdsError):
            parse_dg1(bytes.fromhex(bad))
    with pytest.raises(LdsError):
        build_dg1(["TOO SHORT"])


@given(
    st.lists(
        st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<", min_size=30, max_size=30),
        min_size=3,
        max_size=3,
    )
)
def test_dg1_round_trip(lines: list[str]) -> None:
    assert list(parse_dg1(build_dg1(lines)).lines) == lines


@given(
    parameter_id=st.sampled_from(sorted(ca.STANDARD_PARAMETERS)),
    kind=st.sampled_from([("DH", "GM"), ("ECDH", "GM"), ("DH", "IM"), ("ECDH", "IM"), ("ECDH", "CAM")]),
    cipher=st.sampled_from([("3DES", 112), ("AES", 128), ("AES", 192), ("AES", 256)]),
    version=st.integers(1, 2),
    key_id=st.one_of(st.none(), st.integers(0, 2**31)),
)
def test_security_infos_round_trip(
    parameter_id: int, kind: tuple[str, str], cipher: tuple[str, int], version: int, key_id: int | None
) -> None:
    pace = ca.encode_pace_info(
        parameter_id,
        key_agreement=kind[0],
        mapping=kind[1],
        cipher=cipher[0],  # type: ignore[arg-type]
        key_length=cipher[1],
        version=version,
    )
    chip_auth = ca.encode_chip_auth_info(
        key_agreement=kind[0],
        cipher=cipher[0],
        key_length=cipher[1],  # type: ignore[arg-type]
        key_id=key_id,
    )
    infos = ca.parse_security_infos(ca.build_security_infos([pace, chip_auth]))
    (p,) = infos.pace
    (c,) = infos.chip_authentication
    assert (p.parameter_id, p.key_agreement, p.mapping, p.cipher, p.key_length, p.version) == (
        parameter_id,
        kind[0],
        kind[1],
        cipher[0],
        cipher[1],
        version,
    )
    assert (c.key_agreement, c.cipher, c.key_length, c.key_id) == (kind[0], cipher[0], cipher[1], key_id)


@given(data=st.binary(max_size=80))
def test_security_infos_garbage_is_a_typed_error_or_kept_raw(data: bytes) -> None:
    try:
        infos = ca.parse_security_infos(b"\x31" + bytes([len(data)]) + data if len(data) < 128 else data)
    except LdsError:
        return
    assert all(isinstance(info.encoded, bytes) for info in infos.infos)


def test_dg14_is_hashed_as_read_not_re_encoded() -> None:
    """A DG14 whose SET is not in DER order parses, and keeps its own bytes (re-encoding would sort it)."""
    pace = ca.encode_pace_info(13)
    chip_auth = ca.encode_chip_auth_info()
    unsorted = tlv.encode(0x6E, tlv.encode_constructed(0x31, pace, chip_auth))
    infos = parse_dg14(unsorted)
    assert [type(i).__name__ for i in infos.infos] == ["PaceInfo", "ChipAuthenticationInfo"]
    assert build_dg14([info.encoded for info in infos.infos]) != unsorted
    assert infos.encoded == tlv.decode(unsorted).value
