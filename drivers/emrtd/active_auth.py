"""Active Authentication (ICAO 9303-11 §6.1): the chip proves it holds the private key matching DG15.

The reader sends an 8-byte challenge in INTERNAL AUTHENTICATE; the chip answers with a signature over it:
RSA with ISO/IEC 9796-2 digital signature scheme 1 (partial message recovery), or ECDSA as plain r ‖ s
with the algorithm named by the ActiveAuthenticationInfo of DG14.

Card side (simulated chip): ``aa_sign``. Reader side: ``verify_active``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from typing import Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa, utils

from drivers.emrtd.card_access import parse_security_infos
from drivers.emrtd.dg15 import parse_dg15
from drivers.emrtd.errors import EmrtdError

ActiveStatus = Literal["valid", "invalid", "not-performed"]

# ISO/IEC 9796-2 two-byte trailers (hash identifier, CC) and the one-byte trailer BC (implicit SHA-1).
_TRAILER_HASHES = {0x33: "sha1", 0x34: "sha256", 0x35: "sha512", 0x36: "sha384", 0x38: "sha224"}
_HASH_TRAILERS = {name: ident for ident, name in _TRAILER_HASHES.items()}

_ECDSA_PLAIN_HASHES = {
    "0.4.0.127.0.7.1.1.4.1.1": hashes.SHA1,
    "0.4.0.127.0.7.1.1.4.1.2": hashes.SHA224,
    "0.4.0.127.0.7.1.1.4.1.3": hashes.SHA256,
    "0.4.0.127.0.7.1.1.4.1.4": hashes.SHA384,
    "0.4.0.127.0.7.1.1.4.1.5": hashes.SHA512,
}
_ECDSA_FALLBACK_HASHES = (hashes.SHA256, hashes.SHA1, hashes.SHA224, hashes.SHA384, hashes.SHA512)


@dataclass(frozen=True)
class ActiveResult:
    status: ActiveStatus
    reason: str | None = None


# ---------------------------------------------------------------- card side


def aa_sign(
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    challenge: bytes,
    *,
    hash_name: str = "sha1",
    ecdsa_hash: hashes.HashAlgorithm | None = None,
) -> bytes:
    """The chip's INTERNAL AUTHENTICATE response to ``challenge``.

    RSA: ISO/IEC 9796-2 scheme 1, trailer ``BC`` for SHA-1, ``xx CC`` for the other hashes. EC: ECDSA
    (SHA-256 unless ``ecdsa_hash`` says otherwise) as plain r ‖ s.
    """
    if isinstance(private_key, rsa.RSAPrivateKey):
        return _rsa_9796_2_sign(private_key, challenge, hash_name)
    der = private_key.sign(challenge, ec.ECDSA(ecdsa_hash or hashes.SHA256()))
    r, s = utils.decode_dss_signature(der)
    size = (private_key.curve.key_size + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def _rsa_9796_2_sign(key: rsa.RSAPrivateKey, challenge: bytes, hash_name: str) -> bytes:
    numbers = key.private_numbers()
    n = numbers.public_numbers.n
    size = (n.bit_length() + 7) // 8
    if n.bit_length() % 8:
        raise EmrtdError("ISO/IEC 9796-2 signing needs a modulus of a whole number of bytes")
    if hash_name != "sha1" and hash_name not in _HASH_TRAILERS:
        raise EmrtdError(f"no ISO/IEC 9796-2 trailer for {hash_name}")
    hash_len = hashlib.new(hash_name).digest_size
    trailer = b"\xbc" if hash_name == "sha1" else bytes([_HASH_TRAILERS[hash_name], 0xCC])
    m1 = os.urandom(size - 1 - hash_len - len(trailer))
    representative = b"\x6a" + m1 + hashlib.new(hash_name, m1 + challenge).digest() + trailer
    return _rsa_private(numbers, int.from_bytes(representative, "big")).to_bytes(size, "big")


def _rsa_private(numbers: rsa.RSAPrivateNumbers, value: int) -> int:
    """value^d mod n by the Chinese remainder theorem (about four times faster than one exponentiation)."""
    m1 = pow(value, numbers.dmp1, numbers.p)
    m2 = pow(value, numbers.dmq1, numbers.q)
    return m2 + (numbers.iqmp * (m1 - m2) % numbers.p) * numbers.q


# ---------------------------------------------------------------- reader side


def recover_representative(signature: bytes, public_key: rsa.RSAPublicKey) -> bytes:
    """F = signature^e mod n, left-padded with zeros to the modulus length.

    When the result does not end in the nibble C, the chip used the alternative signature n − s
    (ISO/IEC 9796-2 allows min(s, n − s)) and F is n − (s^e mod n).
    """
    numbers = public_key.public_numbers()
    size = (numbers.n.bit_length() + 7) // 8
    value = int.from_bytes(signature, "big")
    if not 0 < value < numbers.n:
        raise InvalidSignature("signature out of range")
    recovered = pow(value, numbers.e, numbers.n)
    if recovered & 0x0F != 0x0C:
        recovered = numbers.n - recovered
    return recovered.to_bytes(size, "big")


def _verify_rsa(public_key: rsa.RSAPublicKey, challenge: bytes, signature: bytes) -> None:
    f = recover_representative(signature, public_key)
    if f[0] & 0xC0 != 0x40:
        raise InvalidSignature("header is not 01")
    if not f[0] & 0x20:
        raise InvalidSignature("not a partial-recovery signature")
    if f[-1] == 0xBC:
        hash_name, trailer_len = "sha1", 1
    elif f[-1] == 0xCC and f[-2] in _TRAILER_HASHES:
        hash_name, trailer_len = _TRAILER_HASHES[f[-2]], 2
    else:
        raise InvalidSignature("unknown trailer")
    hash_len = hashlib.new(hash_name).digest_size
    if len(f) < 1 + hash_len + trailer_len:
        raise InvalidSignature("representative too short")
    end = len(f) - trailer_len
    d = f[end - hash_len : end]
    m1 = f[1 : end - hash_len]
    if not hmac.compare_digest(hashlib.new(hash_name, m1 + challenge).digest(), d):
        raise InvalidSignature("hash does not match")


def _ecdsa_hashes(dg14: bytes | None) -> tuple[type[hashes.HashAlgorithm], ...]:
    if dg14:
        try:
            info = parse_security_infos(dg14).active_authentication
        except EmrtdError:
            info = None
        if info is not None and info.signature_algorithm in _ECDSA_PLAIN_HASHES:
            return (_ECDSA_PLAIN_HASHES[info.signature_algorithm],)
    return _ECDSA_FALLBACK_HASHES


def _verify_ec(
    public_key: ec.EllipticCurvePublicKey, challenge: bytes, signature: bytes, dg14: bytes | None
) -> None:
    if len(signature) % 2 or not signature:
        raise InvalidSignature("plain ECDSA signature must be r ‖ s")
    half = len(signature) // 2
    der = utils.encode_dss_signature(
        int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
    )
    for hash_type in _ecdsa_hashes(dg14):
        try:
            public_key.verify(der, challenge, ec.ECDSA(hash_type()))
            return
        except InvalidSignature:
            continue
    raise InvalidSignature("ECDSA signature does not verify")


def verify_active(
    dg15: bytes | None, challenge: bytes, response: bytes, dg14: bytes | None = None
) -> ActiveResult:
    """Check the chip's answer to ``challenge`` with the DG15 key (and, for ECDSA, DG14's algorithm).

    Never raises: anything undecodable is ``invalid`` with the reason.
    """
    try:
        return _verify_active(dg15, challenge, response, dg14)
    except Exception as exc:  # hostile bytes reach third-party parsers: any failure means "not valid"
        return ActiveResult("invalid", f"malformed: {type(exc).__name__}")


def _verify_active(dg15: bytes | None, challenge: bytes, response: bytes, dg14: bytes | None) -> ActiveResult:
    if not dg15:
        return ActiveResult("not-performed", "the chip has no DG15")
    try:
        key = parse_dg15(dg15).public_key
    except EmrtdError as exc:
        return ActiveResult("invalid", f"dg15-unusable: {exc.message}")
    if not response:
        return ActiveResult("invalid", "empty response")
    try:
        if isinstance(key, rsa.RSAPublicKey):
            _verify_rsa(key, challenge, response)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            _verify_ec(key, challenge, response, dg14)
        else:
            return ActiveResult("invalid", "dg15-key-type-unsupported")
    except InvalidSignature as exc:
        return ActiveResult("invalid", f"signature-invalid: {exc}")
    return ActiveResult("valid")
