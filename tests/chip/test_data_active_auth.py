"""DG15 and Active Authentication: RSA ISO/IEC 9796-2 scheme 1 and ECDSA plain signatures."""

from __future__ import annotations

import hashlib
import os

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.emrtd import card_access as ca
from drivers.emrtd.active_auth import aa_sign, recover_representative, verify_active
from drivers.emrtd.dg14 import build_dg14
from drivers.emrtd.dg15 import build_dg15, parse_dg15
from drivers.emrtd.errors import EmrtdError

CHALLENGE = bytes.fromhex("781723860C06C226")


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.BrainpoolP256R1())


def test_dg15_round_trip(rsa_key: rsa.RSAPrivateKey, ec_key: ec.EllipticCurvePrivateKey) -> None:
    for key in (rsa_key, ec_key):
        dg15 = build_dg15(key.public_key())
        assert dg15[0] == 0x6F
        assert parse_dg15(dg15).public_key == key.public_key()


@pytest.mark.parametrize("hash_name", ["sha1", "sha224", "sha256", "sha384", "sha512"])
def test_rsa_round_trip(rsa_key: rsa.RSAPrivateKey, hash_name: str) -> None:
    response = aa_sign(rsa_key, CHALLENGE, hash_name=hash_name)
    assert len(response) == 128
    f = recover_representative(response, rsa_key.public_key())
    assert f[0] == 0x6A
    assert f[-1] == (0xBC if hash_name == "sha1" else 0xCC)
    assert verify_active(build_dg15(rsa_key.public_key()), CHALLENGE, response).status == "valid"


def test_rsa_2048(rsa_key: rsa.RSAPrivateKey) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    response = aa_sign(key, CHALLENGE)
    assert len(response) == 256
    assert verify_active(build_dg15(key.public_key()), CHALLENGE, response).status == "valid"
    assert verify_active(build_dg15(rsa_key.public_key()), CHALLENGE, response).status == "invalid"


def test_rsa_wrong_challenge_and_corrupted_signature(rsa_key: rsa.RSAPrivateKey) -> None:
    dg15 = build_dg15(rsa_key.public_key())
    response = aa_sign(rsa_key, CHALLENGE)
    result = verify_active(dg15, bytes(8), response)
    assert result.status == "invalid" and result.reason is not None
    corrupted = bytearray(response)
    corrupted[40] ^= 0x10
    assert verify_active(dg15, CHALLENGE, bytes(corrupted)).status == "invalid"
    assert verify_active(dg15, CHALLENGE, b"").status == "invalid"
    assert verify_active(dg15, CHALLENGE, b"\xff" * 128).status == "invalid"  # not below the modulus


def test_rsa_alternative_signature_n_minus_s(rsa_key: rsa.RSAPrivateKey) -> None:
    n = rsa_key.public_key().public_numbers().n
    s = int.from_bytes(aa_sign(rsa_key, CHALLENGE), "big")
    alternative = (n - s).to_bytes(128, "big")
    assert verify_active(build_dg15(rsa_key.public_key()), CHALLENGE, alternative).status == "valid"


def test_recovered_representative_keeps_leading_zeros(rsa_key: rsa.RSAPrivateKey) -> None:
    numbers = rsa_key.private_numbers()
    n = numbers.public_numbers.n
    representative = b"\x00\x00" + os.urandom(125) + b"\xbc"
    signature = pow(int.from_bytes(representative, "big"), numbers.d, n).to_bytes(128, "big")
    recovered = recover_representative(signature, rsa_key.public_key())
    assert recovered == representative and len(recovered) == 128
    # A representative without the 01 header never passes, however it is padded.
    assert verify_active(build_dg15(rsa_key.public_key()), CHALLENGE, signature).status == "invalid"


def test_rsa_known_structure_by_hand(rsa_key: rsa.RSAPrivateKey) -> None:
    """F = 6A ‖ M1 ‖ SHA-1(M1 ‖ RND.IFD) ‖ BC built by hand and signed with raw RSA verifies."""
    numbers = rsa_key.private_numbers()
    m1 = bytes(range(106))
    f = b"\x6a" + m1 + hashlib.sha1(m1 + CHALLENGE).digest() + b"\xbc"
    assert len(f) == 128
    signature = pow(int.from_bytes(f, "big"), numbers.d, numbers.public_numbers.n).to_bytes(128, "big")
    dg15 = build_dg15(rsa_key.public_key())
    assert verify_active(dg15, CHALLENGE, signature).status == "valid"
    wrong = b"\x6a" + m1 + hashlib.sha1(m1 + b"other").digest() + b"\xbc"
    bad = pow(int.from_bytes(wrong, "big"), numbers.d, numbers.public_numbers.n).to_bytes(128, "big")
    assert verify_active(dg15, CHALLENGE, bad).status == "invalid"


def _dg14(algorithm: str) -> bytes:
    return build_dg14([ca.encode_chip_auth_info(), ca.encode_active_auth_info(algorithm)])


def test_ecdsa_with_dg14_algorithm(ec_key: ec.EllipticCurvePrivateKey) -> None:
    dg15 = build_dg15(ec_key.public_key())
    response = aa_sign(ec_key, CHALLENGE)
    assert len(response) == 64
    assert verify_active(dg15, CHALLENGE, response, _dg14(ca.ECDSA_PLAIN_SHA256)).status == "valid"
    assert verify_active(dg15, bytes(8), response, _dg14(ca.ECDSA_PLAIN_SHA256)).status == "invalid"
    # DG14 names SHA-384 but the chip signed with SHA-256: the named algorithm is enforced.
    assert verify_active(dg15, CHALLENGE, response, _dg14(ca.ECDSA_PLAIN_SHA384)).status == "invalid"
    sha384 = aa_sign(ec_key, CHALLENGE, ecdsa_hash=hashes.SHA384())
    assert verify_active(dg15, CHALLENGE, sha384, _dg14(ca.ECDSA_PLAIN_SHA384)).status == "valid"


def test_ecdsa_without_dg14_and_corruption(ec_key: ec.EllipticCurvePrivateKey) -> None:
    dg15 = build_dg15(ec_key.public_key())
    response = aa_sign(ec_key, CHALLENGE)
    assert verify_active(dg15, CHALLENGE, response).status == "valid"
    corrupted = bytearray(response)
    corrupted[-1] ^= 1
    assert verify_active(dg15, CHALLENGE, bytes(corrupted)).status == "invalid"
    assert verify_active(dg15, CHALLENGE, response[:-1]).status == "invalid"
    other = ec.generate_private_key(ec.BrainpoolP256R1())
    assert verify_active(build_dg15(other.public_key()), CHALLENGE, response).status == "invalid"


def test_not_performed_and_unusable_dg15() -> None:
    assert verify_active(None, CHALLENGE, b"\x00").status == "not-performed"
    for garbage in (b"\x6f\x00", b"\x6f\x03\x30\x01\x00", b"\x61\x00", b"\x6f\x05"):
        assert verify_active(garbage, CHALLENGE, b"\x01" * 64).status == "invalid"


def test_rsa_signing_refuses_a_hash_without_trailer(rsa_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(EmrtdError):
        aa_sign(rsa_key, CHALLENGE, hash_name="md5")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    response=st.binary(max_size=300),
    dg14=st.one_of(st.none(), st.binary(max_size=60)),
    position=st.integers(0, 10**4),
    flip=st.integers(1, 255),
)
def test_arbitrary_responses_and_damaged_dg15_are_never_valid(
    rsa_key: rsa.RSAPrivateKey, response: bytes, dg14: bytes | None, position: int, flip: int
) -> None:
    dg15 = bytearray(build_dg15(rsa_key.public_key()))
    assert verify_active(bytes(dg15), CHALLENGE, response, dg14).status == "invalid"
    genuine = aa_sign(rsa_key, CHALLENGE)
    dg15[position % len(dg15)] ^= flip
    assert verify_active(bytes(dg15), CHALLENGE, genuine, dg14).status in ("valid", "invalid")
