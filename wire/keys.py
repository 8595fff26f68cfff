"""The device signing keys as both sides read them: the allowed JWS algorithms (one per key type), JWK import and
the key id (``kid``, the RFC 7638 JWK thumbprint of the public key).

Ed25519 by default; ES256 (P-256) is accepted for deployments whose key material must match hardware-backed P-256
keys. Storing a key is the kiosk's business (``kiosk.device_key``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from joserfc.jwk import ECKey, OKPKey

from wire.errors import CodedError

# JWS algorithm -> (key type, curve). One algorithm per key (engineering notes §3).
ALGORITHMS: dict[str, tuple[str, str]] = {"Ed25519": ("OKP", "Ed25519"), "ES256": ("EC", "P-256")}
DEFAULT_ALGORITHM = "Ed25519"

SigningKey = OKPKey | ECKey


class KeyFormatError(CodedError):
    """A key is of an unsupported kind, does not match its algorithm, or is malformed."""

    code = "device-key"


def key_from_jwk(jwk: dict[str, Any], alg: str) -> SigningKey:
    """Import a (public or private) JWK and check that it matches ``alg``."""
    if alg not in ALGORITHMS:
        raise KeyFormatError(
            "unsupported device key algorithm",
            field="alg",
            message_vi="Thuật toán khóa thiết bị không được hỗ trợ.",
        )
    kty, crv = ALGORITHMS[alg]
    if not isinstance(jwk, dict) or jwk.get("kty") != kty or jwk.get("crv") != crv:
        raise KeyFormatError(
            "key type does not match its algorithm",
            field="jwk",
            message_vi="Loại khóa không khớp với thuật toán.",
        )
    try:
        return OKPKey.import_key(jwk) if kty == "OKP" else ECKey.import_key(jwk)
    except Exception as exc:  # joserfc raises several types for malformed keys
        raise KeyFormatError("malformed key", field="jwk", message_vi="Khóa không hợp lệ.") from exc


@dataclass(frozen=True, repr=False)
class DeviceKey:
    """A private signing key and its algorithm. ``repr`` shows only the key id."""

    key: SigningKey
    alg: str

    @property
    def kid(self) -> str:
        return str(self.key.thumbprint())

    def public_jwk(self) -> dict[str, Any]:
        return dict(self.key.as_dict(private=False))

    def __repr__(self) -> str:
        return f"DeviceKey(alg={self.alg!r}, kid={self.kid!r})"
