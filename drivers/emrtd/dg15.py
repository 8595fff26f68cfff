"""DG15 (tag 6F): the Active Authentication public key, a SubjectPublicKeyInfo (RSA or EC)."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from drivers.emrtd import lds, tlv
from drivers.emrtd.errors import LdsError, TlvError
from drivers.emrtd.public_keys import load_public_key

TAG_DG15 = lds.dg_tag(15)


@dataclass(frozen=True)
class Dg15:
    public_key_info: bytes  # DER SubjectPublicKeyInfo exactly as stored
    public_key: PublicKeyTypes


def parse_dg15(data: bytes) -> Dg15:
    """Parse DG15; raises ``LdsError`` or ``SecurityObjectError`` when it holds no usable key."""
    try:
        root = tlv.decode(data, expected_tag=TAG_DG15)
        spki = tlv.decode(root.value, expected_tag=tlv.SEQUENCE)
    except TlvError as exc:
        raise LdsError(f"DG15 is malformed: {exc.message}") from exc
    return Dg15(spki.encoded, load_public_key(spki.encoded))


def build_dg15(public_key: PublicKeyTypes) -> bytes:
    spki = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return tlv.encode(TAG_DG15, spki)
