"""SecurityInfos (ICAO 9303-11 §9.2, BSI TR-03110): the content of EF.CardAccess and of DG14.

Known kinds are decoded (PACEInfo, ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo,
ActiveAuthenticationInfo, TerminalAuthenticationInfo); every other SecurityInfo is kept with its raw encoding.
Builders produce DER (the SET OF sorted by encoding) for the simulated card.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, TypeVar

from cryptography.hazmat.primitives.asymmetric import ec

from drivers.emrtd import tlv
from drivers.emrtd.errors import LdsError, TlvError

ID_PACE = "0.4.0.127.0.7.2.2.4"
ID_CA = "0.4.0.127.0.7.2.2.3"
ID_PK = "0.4.0.127.0.7.2.2.1"
ID_PK_DH = ID_PK + ".1"
ID_PK_ECDH = ID_PK + ".2"
ID_TA = "0.4.0.127.0.7.2.2.2"
ID_AA = "2.23.136.1.1.5"

# ecdsa-plain-signatures (BSI TR-03111) used by ActiveAuthenticationInfo.
ECDSA_PLAIN_SHA1 = "0.4.0.127.0.7.1.1.4.1.1"
ECDSA_PLAIN_SHA224 = "0.4.0.127.0.7.1.1.4.1.2"
ECDSA_PLAIN_SHA256 = "0.4.0.127.0.7.1.1.4.1.3"
ECDSA_PLAIN_SHA384 = "0.4.0.127.0.7.1.1.4.1.4"
ECDSA_PLAIN_SHA512 = "0.4.0.127.0.7.1.1.4.1.5"

Mapping = Literal["GM", "IM", "CAM"]
KeyAgreement = Literal["DH", "ECDH"]
Cipher = Literal["3DES", "AES"]

_PACE_KINDS: dict[int, tuple[KeyAgreement, Mapping]] = {
    1: ("DH", "GM"),
    2: ("ECDH", "GM"),
    3: ("DH", "IM"),
    4: ("ECDH", "IM"),
    6: ("ECDH", "CAM"),
}
_CA_KINDS: dict[int, KeyAgreement] = {1: "DH", 2: "ECDH"}
_CIPHERS: dict[int, tuple[Cipher, int]] = {
    1: ("3DES", 112),
    2: ("AES", 128),
    3: ("AES", 192),
    4: ("AES", 256),
}

# Standardized domain parameters (ICAO 9303-11 §9.5.1, BSI TR-03110-3 table 4).
STANDARD_PARAMETERS: dict[int, str] = {
    0: "modp-1024-160",
    1: "modp-2048-224",
    2: "modp-2048-256",
    8: "secp192r1",
    9: "brainpoolP192r1",
    10: "secp224r1",
    11: "brainpoolP224r1",
    12: "secp256r1",
    13: "brainpoolP256r1",
    14: "brainpoolP320r1",
    15: "secp384r1",
    16: "brainpoolP384r1",
    17: "brainpoolP512r1",
    18: "secp521r1",
}

_CURVES: dict[str, type[ec.EllipticCurve]] = {
    "secp192r1": ec.SECP192R1,
    "secp224r1": ec.SECP224R1,
    "secp256r1": ec.SECP256R1,
    "secp384r1": ec.SECP384R1,
    "secp521r1": ec.SECP521R1,
    "brainpoolP256r1": ec.BrainpoolP256R1,
    "brainpoolP384r1": ec.BrainpoolP384R1,
    "brainpoolP512r1": ec.BrainpoolP512R1,
}


def parameter_name(parameter_id: int) -> str | None:
    """Name of a standardized domain parameter set (``13`` → ``"brainpoolP256r1"``)."""
    return STANDARD_PARAMETERS.get(parameter_id)


def curve_for_parameter_id(parameter_id: int) -> ec.EllipticCurve | None:
    """The ``cryptography`` curve of a standardized parameterId, or ``None`` (DH group, reserved,
    unsupported)."""
    name = STANDARD_PARAMETERS.get(parameter_id)
    curve = _CURVES.get(name) if name else None
    return curve() if curve else None


def parameter_id_for_curve(curve: ec.EllipticCurve) -> int | None:
    """The standardized parameterId of a curve (``BrainpoolP256R1()`` → 13), or ``None``."""
    return next((pid for pid, name in STANDARD_PARAMETERS.items() if name == curve.name), None)


@dataclass(frozen=True)
class SecurityInfo:
    """Any SecurityInfo: its protocol OID and its exact encoding."""

    protocol: str
    encoded: bytes


@dataclass(frozen=True)
class PaceInfo(SecurityInfo):
    version: int
    parameter_id: int | None
    key_agreement: KeyAgreement
    mapping: Mapping
    cipher: Cipher
    key_length: int

    @property
    def parameter_name(self) -> str | None:
        return parameter_name(self.parameter_id) if self.parameter_id is not None else None

    @property
    def curve(self) -> ec.EllipticCurve | None:
        return curve_for_parameter_id(self.parameter_id) if self.parameter_id is not None else None


@dataclass(frozen=True)
class ChipAuthenticationInfo(SecurityInfo):
    version: int
    key_id: int | None
    key_agreement: KeyAgreement
    cipher: Cipher | None
    key_length: int | None


@dataclass(frozen=True)
class ChipAuthenticationPublicKeyInfo(SecurityInfo):
    key_agreement: KeyAgreement
    public_key_info: bytes  # DER SubjectPublicKeyInfo, as encoded on the chip
    key_id: int | None


@dataclass(frozen=True)
class ActiveAuthenticationInfo(SecurityInfo):
    version: int
    signature_algorithm: str


@dataclass(frozen=True)
class TerminalAuthenticationInfo(SecurityInfo):
    version: int


_T = TypeVar("_T", bound=SecurityInfo)


@dataclass(frozen=True)
class SecurityInfos:
    infos: tuple[SecurityInfo, ...]
    encoded: bytes = field(repr=False, default=b"")

    def of_type(self, kind: type[_T]) -> list[_T]:
        return [info for info in self.infos if type(info) is kind]

    @property
    def pace(self) -> list[PaceInfo]:
        return self.of_type(PaceInfo)

    @property
    def chip_authentication(self) -> list[ChipAuthenticationInfo]:
        return self.of_type(ChipAuthenticationInfo)

    @property
    def chip_authentication_keys(self) -> list[ChipAuthenticationPublicKeyInfo]:
        return self.of_type(ChipAuthenticationPublicKeyInfo)

    @property
    def active_authentication(self) -> ActiveAuthenticationInfo | None:
        found = self.of_type(ActiveAuthenticationInfo)
        return found[0] if found else None

    @property
    def terminal_authentication(self) -> TerminalAuthenticationInfo | None:
        found = self.of_type(TerminalAuthenticationInfo)
        return found[0] if found else None

    @property
    def unknown(self) -> list[SecurityInfo]:
        return self.of_type(SecurityInfo)


def _suffix(protocol: str, prefix: str) -> list[int] | None:
    if not protocol.startswith(prefix + "."):
        return None
    return [int(arc) for arc in protocol[len(prefix) + 1 :].split(".")]


def _optional_int(items: list[tlv.Tlv], index: int) -> int | None:
    if index < len(items) and items[index].tag == tlv.INTEGER:
        return tlv.decode_integer(items[index])
    return None


def _decode_info(item: tlv.Tlv) -> SecurityInfo:
    parts = item.children
    if item.tag != tlv.SEQUENCE or not parts or parts[0].tag != tlv.OBJECT_IDENTIFIER:
        raise LdsError("SecurityInfo is not a SEQUENCE starting with an OID")
    protocol = tlv.decode_oid(parts[0])
    raw = item.encoded
    pace = _suffix(protocol, ID_PACE)
    if pace is not None and len(pace) == 2 and pace[0] in _PACE_KINDS and pace[1] in _CIPHERS:
        agreement, mapping = _PACE_KINDS[pace[0]]
        cipher, bits = _CIPHERS[pace[1]]
        return PaceInfo(
            protocol,
            raw,
            tlv.decode_integer(parts[1]),
            _optional_int(parts, 2),
            agreement,
            mapping,
            cipher,
            bits,
        )
    ca = _suffix(protocol, ID_CA)
    if ca is not None and ca[0] in _CA_KINDS and len(ca) <= 2 and (len(ca) == 1 or ca[1] in _CIPHERS):
        cipher_bits = _CIPHERS[ca[1]] if len(ca) == 2 else (None, None)
        return ChipAuthenticationInfo(
            protocol,
            raw,
            tlv.decode_integer(parts[1]),
            _optional_int(parts, 2),
            _CA_KINDS[ca[0]],
            cipher_bits[0],
            cipher_bits[1],
        )
    if protocol in (ID_PK_DH, ID_PK_ECDH):
        if len(parts) < 2 or parts[1].tag != tlv.SEQUENCE:
            raise LdsError("ChipAuthenticationPublicKeyInfo has no SubjectPublicKeyInfo")
        return ChipAuthenticationPublicKeyInfo(
            protocol, raw, "DH" if protocol == ID_PK_DH else "ECDH", parts[1].encoded, _optional_int(parts, 2)
        )
    if protocol == ID_AA:
        if len(parts) < 3 or parts[2].tag != tlv.OBJECT_IDENTIFIER:
            raise LdsError("ActiveAuthenticationInfo has no signature algorithm")
        return ActiveAuthenticationInfo(protocol, raw, tlv.decode_integer(parts[1]), tlv.decode_oid(parts[2]))
    if protocol == ID_TA:
        return TerminalAuthenticationInfo(protocol, raw, tlv.decode_integer(parts[1]))
    return SecurityInfo(protocol, raw)


def parse_security_infos(data: bytes) -> SecurityInfos:
    """Parse a SecurityInfos SET (EF.CardAccess), or a DG14 file (tag 6E wrapping the SET)."""
    try:
        root = tlv.decode(data)
        if root.tag == 0x6E:
            root = tlv.decode(root.value, expected_tag=tlv.SET)
        if root.tag != tlv.SET:
            raise LdsError(f"SecurityInfos must be a SET (31), found {root.tag:X}")
        infos: list[SecurityInfo] = []
        for item in root.children:
            try:
                infos.append(_decode_info(item))
            except (TlvError, LdsError, IndexError, ValueError):
                infos.append(SecurityInfo(_protocol_or_empty(item), item.encoded))
        return SecurityInfos(tuple(infos), root.encoded)
    except TlvError as exc:
        raise LdsError(f"SecurityInfos are malformed: {exc.message}") from exc


def _protocol_or_empty(item: tlv.Tlv) -> str:
    try:
        first = item.children[0]
        return tlv.decode_oid(first)
    except (TlvError, IndexError):
        return ""


# ---------------------------------------------------------------- builders


def _info(protocol: str, *fields: bytes) -> bytes:
    return tlv.encode_constructed(tlv.SEQUENCE, tlv.encode_oid(protocol), *fields)


def _cipher_arc(cipher: Cipher, key_length: int) -> int:
    for arc, value in _CIPHERS.items():
        if value == (cipher, key_length):
            return arc
    raise LdsError(f"no protocol for {cipher}-{key_length}")


def pace_oid(key_agreement: KeyAgreement, mapping: Mapping, cipher: Cipher, key_length: int) -> str:
    kind = next(k for k, v in _PACE_KINDS.items() if v == (key_agreement, mapping))
    return f"{ID_PACE}.{kind}.{_cipher_arc(cipher, key_length)}"


def ca_oid(key_agreement: KeyAgreement, cipher: Cipher, key_length: int) -> str:
    kind = next(k for k, v in _CA_KINDS.items() if v == key_agreement)
    return f"{ID_CA}.{kind}.{_cipher_arc(cipher, key_length)}"


def encode_pace_info(
    parameter_id: int = 13,
    *,
    key_agreement: KeyAgreement = "ECDH",
    mapping: Mapping = "GM",
    cipher: Cipher = "AES",
    key_length: int = 128,
    version: int = 2,
) -> bytes:
    return _info(
        pace_oid(key_agreement, mapping, cipher, key_length),
        tlv.encode_integer(version),
        tlv.encode_integer(parameter_id),
    )


def encode_chip_auth_info(
    *,
    key_agreement: KeyAgreement = "ECDH",
    cipher: Cipher = "AES",
    key_length: int = 128,
    version: int = 1,
    key_id: int | None = None,
) -> bytes:
    extra = [tlv.encode_integer(key_id)] if key_id is not None else []
    return _info(ca_oid(key_agreement, cipher, key_length), tlv.encode_integer(version), *extra)


def encode_chip_auth_public_key_info(
    public_key_info: bytes, *, key_agreement: KeyAgreement = "ECDH", key_id: int | None = None
) -> bytes:
    extra = [tlv.encode_integer(key_id)] if key_id is not None else []
    return _info(ID_PK_ECDH if key_agreement == "ECDH" else ID_PK_DH, public_key_info, *extra)


def encode_active_auth_info(signature_algorithm: str = ECDSA_PLAIN_SHA256, *, version: int = 1) -> bytes:
    return _info(ID_AA, tlv.encode_integer(version), tlv.encode_oid(signature_algorithm))


def encode_terminal_auth_info(*, version: int = 1) -> bytes:
    return _info(ID_TA, tlv.encode_integer(version))


def build_security_infos(infos: list[bytes]) -> bytes:
    """A DER SET OF SecurityInfo (elements sorted by their encoding)."""
    return tlv.encode_constructed(tlv.SET, *sorted(infos))


def build_card_access(parameter_id: int = 13, *, key_agreement: KeyAgreement = "ECDH",
                      mapping: Mapping = "GM") -> bytes:
    """EF.CardAccess as on the CCCD (cccd.md §7): TA v1, CA ECDH AES-128 v1, PACE ECDH-GM AES-128 v2 (or DH with a
    MODP ``parameter_id``, or integrated mapping)."""
    return build_security_infos(
        [
            encode_terminal_auth_info(),
            encode_chip_auth_info(),
            encode_pace_info(parameter_id, key_agreement=key_agreement, mapping=mapping),
        ]
    )
