"""Public keys of eMRTDs and their certificates, including EC keys with explicit domain parameters.

ICAO 9303 allows EC keys whose SubjectPublicKeyInfo spells the curve out (prime, coefficients, base point,
order) instead of naming it; ``cryptography`` only loads named curves. Such keys are matched against the
standard curves and re-encoded with the curve's name; a curve that matches no standard curve is refused.
"""

from __future__ import annotations

import hashlib

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from drivers.emrtd.errors import SecurityObjectError

# Fingerprints of (p, a, b, order, Gx) of the standard curves, for matching explicit domain parameters.
_EXPLICIT_CURVES: dict[str, str] = {
    "427c24cceac6231ecfa573e90491ef06": "secp192r1",
    "411ef8645c5c1075f72ded8b1263cef5": "secp224r1",
    "b8f6f8ba531c5f14e4c35060fa884b5d": "secp256r1",
    "0a8f0d12dc434a817947336523f0424e": "secp384r1",
    "4ccb3c837e17279284ce455d7d8a0d89": "secp521r1",
    "0eaf03166260b0ad5eb79d5982384a81": "brainpoolP256r1",
    "e1cdc87678a150bb67a68ebe27cc203f": "brainpoolP384r1",
    "7dc83e3ba3ac680980eb07bc2ebac83f": "brainpoolP512r1",
}

_NAMED_CURVE_OIDS: dict[str, str] = {
    "secp192r1": "1.2.840.10045.3.1.1",
    "secp224r1": "1.3.132.0.33",
    "secp256r1": "1.2.840.10045.3.1.7",
    "secp384r1": "1.3.132.0.34",
    "secp521r1": "1.3.132.0.35",
    "brainpoolP256r1": "1.3.36.3.3.2.8.1.1.7",
    "brainpoolP384r1": "1.3.36.3.3.2.8.1.1.11",
    "brainpoolP512r1": "1.3.36.3.3.2.8.1.1.13",
}


def _explicit_curve_name(spki: asn1_keys.PublicKeyInfo) -> str:
    spec = spki["algorithm"]["parameters"].chosen
    p = spec["field_id"]["parameters"].native
    a = int.from_bytes(spec["curve"]["a"].native, "big")
    b = int.from_bytes(spec["curve"]["b"].native, "big")
    order = spec["order"].native
    base = spec["base"].native
    size = (p.bit_length() + 7) // 8
    gx = int.from_bytes(base[1 : 1 + size], "big")
    fingerprint = hashlib.sha256(f"{p}:{a}:{b}:{order}:{gx}".encode()).hexdigest()[:32]
    name = _EXPLICIT_CURVES.get(fingerprint)
    if name is None:
        raise SecurityObjectError("EC key with explicit parameters of an unknown curve")
    return name


def load_public_key(spki_der: bytes) -> PublicKeyTypes:
    """Load a DER SubjectPublicKeyInfo; EC keys with explicit parameters are matched to a named curve."""
    try:
        return serialization.load_der_public_key(spki_der)
    except (ValueError, TypeError, UnsupportedAlgorithm) as first_error:
        try:
            spki = asn1_keys.PublicKeyInfo.load(spki_der)
            if (
                spki["algorithm"]["algorithm"].native != "ec"
                or spki["algorithm"]["parameters"].name != "specified"
            ):
                raise SecurityObjectError("unsupported public key") from first_error
            name = _explicit_curve_name(spki)
            named = asn1_keys.PublicKeyInfo(
                {
                    "algorithm": {"algorithm": "ec", "parameters": ("named", _NAMED_CURVE_OIDS[name])},
                    "public_key": spki["public_key"].native,
                }
            )
            return serialization.load_der_public_key(named.dump())
        except SecurityObjectError:
            raise
        except (ValueError, TypeError, KeyError) as exc:
            raise SecurityObjectError("public key cannot be decoded") from exc


def certificate_public_key(cert: x509.Certificate) -> PublicKeyTypes:
    """The public key of a certificate, including explicit-parameter EC keys."""
    try:
        return cert.public_key()
    except (ValueError, UnsupportedAlgorithm):
        return load_public_key(_spki_der(cert))


def _spki_der(cert: x509.Certificate) -> bytes:
    parsed = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    return bytes(parsed["tbs_certificate"]["subject_public_key_info"].dump())


def verify_signature(
    public_key: PublicKeyTypes,
    signature: bytes,
    data: bytes,
    hash_algorithm: hashes.HashAlgorithm,
    *,
    pss: padding.PSS | None = None,
) -> None:
    """Check ``signature`` over ``data``; raises ``InvalidSignature`` (also for an unsupported key type)."""
    if isinstance(public_key, rsa.RSAPublicKey):
        public_key.verify(signature, data, pss or padding.PKCS1v15(), hash_algorithm)
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        public_key.verify(signature, data, ec.ECDSA(hash_algorithm))
    else:
        raise InvalidSignature("unsupported key type")


def verify_certificate_signature(cert: x509.Certificate, issuer_key: PublicKeyTypes) -> None:
    """Check that ``issuer_key`` signed ``cert`` (RSA PKCS#1 v1.5, RSA-PSS or ECDSA)."""
    hash_algorithm = cert.signature_hash_algorithm
    if hash_algorithm is None:
        raise InvalidSignature("certificate signature algorithm has no hash")
    params = cert.signature_algorithm_parameters
    verify_signature(
        issuer_key,
        cert.signature,
        cert.tbs_certificate_bytes,
        hash_algorithm,
        pss=params if isinstance(params, padding.PSS) else None,
    )
