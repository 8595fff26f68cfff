"""Chip Authentication (ICAO 9303-11 §6.2) with ECDH, terminal and card side.

AES suites use MSE:Set AT then GENERAL AUTHENTICATE (DO'80' ephemeral key); 3DES uses MSE:Set KAT (DO'91').
Both sides then restart secure messaging with keys derived from the ECDH secret and SSC 0. The chip proves it
holds the DG14 private key by answering correctly under the new keys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from drivers.emrtd import tlv
from drivers.emrtd.apdu import SW_OK, CommandApdu, join_response, sw_hex
from drivers.emrtd.card_access import ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo, SecurityInfos
from drivers.emrtd.chip_errors import ProtocolError, StatusWordError, UnsupportedDocumentError
from drivers.emrtd.errors import TlvError
from drivers.emrtd.kdf import CipherName
from drivers.emrtd.sm import SecureMessaging

Transmit = Callable[[bytes], tuple[bytes, int]]


@dataclass(frozen=True)
class ChipAuthSuite:
    oid: str
    cipher: CipherName
    key_bits: int
    key_id: int | None
    public_key: ec.EllipticCurvePublicKey

    @classmethod
    def from_dg14(cls, infos: SecurityInfos) -> ChipAuthSuite:
        """The ECDH suite and chip public key announced in DG14; ``UnsupportedDocumentError`` if none fits."""
        keys = [k for k in infos.chip_authentication_keys if k.key_agreement == "ECDH"]
        for info in infos.chip_authentication:
            if info.key_agreement != "ECDH" or info.cipher is None:
                continue
            key = _matching_key(keys, info)
            if key is not None:
                return cls(info.protocol, "3des" if info.cipher == "3DES" else "aes",
                           128 if info.cipher == "3DES" else int(info.key_length or 128), info.key_id,
                           _load_public_key(key))
        raise UnsupportedDocumentError("DG14 offers no ECDH chip authentication this reader supports")


def _matching_key(keys: list[ChipAuthenticationPublicKeyInfo],
                  info: ChipAuthenticationInfo) -> ChipAuthenticationPublicKeyInfo | None:
    return next((k for k in keys if info.key_id is None or k.key_id in (None, info.key_id)), None)


def _load_public_key(info: ChipAuthenticationPublicKeyInfo) -> ec.EllipticCurvePublicKey:
    try:
        key = serialization.load_der_public_key(info.public_key_info)
    except (ValueError, TypeError) as exc:
        raise UnsupportedDocumentError("chip authentication key cannot be loaded") from exc
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise UnsupportedDocumentError("chip authentication key is not an EC key")
    return key


def _point(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def _oid_value(oid: str) -> bytes:
    return tlv.decode_one(tlv.encode_oid(oid))[0].value


def _key_ref(key_id: int | None) -> bytes:
    return b"" if key_id is None else tlv.encode(0x84, tlv.encode_integer(key_id)[2:])


def chip_authenticate(sm: SecureMessaging, transmit: Transmit, suite: ChipAuthSuite) -> SecureMessaging:
    """Run CA over the current session ``sm``; returns the new session."""
    eph = ec.generate_private_key(suite.public_key.curve)
    eph_point = _point(eph.public_key())

    def send(cmd: CommandApdu) -> None:
        _, sw = sm.unprotect(join_response(*transmit(sm.protect(cmd))))
        if sw != SW_OK:
            raise StatusWordError(f"chip authentication refused ({sw_hex(sw)})", sw=sw)

    if suite.cipher == "3des":
        send(CommandApdu(0x00, 0x22, 0x41, 0xA6, tlv.encode(0x91, eph_point) + _key_ref(suite.key_id)))
    else:
        mse = tlv.encode(0x80, _oid_value(suite.oid)) + _key_ref(suite.key_id)
        send(CommandApdu(0x00, 0x22, 0x41, 0xA4, mse))
        send(CommandApdu(0x00, 0x86, 0x00, 0x00, tlv.encode(0x7C, tlv.encode(0x80, eph_point)), le=256))
    secret = eph.exchange(ec.ECDH(), suite.public_key)
    return SecureMessaging.from_secret(secret, suite.cipher, suite.key_bits)


class ChipAuthCard:
    """Card side of CA: keeps the static private key and the suite from DG14."""

    def __init__(self, private_key: ec.EllipticCurvePrivateKey, cipher: CipherName = "aes",
                 key_bits: int = 128) -> None:
        self._key = private_key
        self._cipher: CipherName = cipher
        self._key_bits = key_bits
        self._selected = False

    def set_at(self, data: bytes) -> int:
        self._selected = True
        return SW_OK

    def _session(self, point: bytes) -> SecureMessaging:
        try:
            peer = ec.EllipticCurvePublicKey.from_encoded_point(self._key.curve, point)
        except ValueError as exc:
            raise ProtocolError("terminal key is not a point of the chip's curve") from exc
        return SecureMessaging.from_secret(self._key.exchange(ec.ECDH(), peer), self._cipher, self._key_bits)

    def set_kat(self, data: bytes) -> SecureMessaging:
        """3DES variant: MSE:Set KAT carries the terminal key; returns the next session."""
        try:
            item = tlv.decode_one(data)[0]
        except TlvError as exc:
            raise ProtocolError("malformed MSE:Set KAT") from exc
        if item.tag != 0x91:
            raise ProtocolError("MSE:Set KAT without DO'91'")
        return self._session(item.value)

    def general_authenticate(self, data: bytes) -> tuple[bytes, SecureMessaging]:
        """AES variant: returns the response data and the next session."""
        if not self._selected:
            raise ProtocolError("GENERAL AUTHENTICATE before MSE:Set AT")
        try:
            item = tlv.decode(data, expected_tag=0x7C).find(0x80)
        except TlvError as exc:
            raise ProtocolError("malformed dynamic authentication data") from exc
        if item is None:
            raise ProtocolError("chip authentication without terminal key")
        self._selected = False
        return tlv.encode(0x7C, b""), self._session(item.value)
