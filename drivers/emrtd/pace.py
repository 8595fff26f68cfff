"""PACE with generic mapping over ECDH and DH (ICAO 9303-11 §4.4, BSI TR-03110), terminal and card side.

Passwords: CAN (key reference 2) or MRZ (key reference 1). Ciphers: 3DES and AES-128/192/256. Domain parameters:
the standardized NIST and brainpool curves (EF.CardAccess parameterId; brainpoolP256r1 = 13 on the CCCD) and the
RFC 5114 MODP groups (parameterId 0, 1, 2). Mappings: generic (GM, §4.4.3.3.1) and integrated (IM, §4.4.3.3.2:
the terminal sends a nonce t, both sides map R_p(s, t) into the group with the point encoding of Appendix B, or
x^((p−1)/q) for DH). Chip authentication mapping (CAM) is not implemented; a card offering it alone is reported
as unsupported.

On curves, the mapping step (k·G, H = k·Y, s·G) runs in ``cryptography``'s constant-time ECDH; only the key
agreement on the mapped generator, which ``cryptography`` cannot take, uses ``ecdsa``'s point arithmetic
(``drivers/emrtd/ec.py``). DH uses ``pow`` (``drivers/emrtd/dh.py``: ``cryptography``'s finite-field DH is
deprecated). Chip authentication, on the chip's own domain, uses ``cryptography``'s ECDH.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from drivers.emrtd import tlv
from drivers.emrtd.apdu import SW_OK, SW_WRONG_KEY, CommandApdu, is_wrong_key, sw_hex
from drivers.emrtd.card_access import PaceInfo, parameter_name
from drivers.emrtd.chip_errors import (
    AccessDeniedError,
    ProtocolError,
    StatusWordError,
    UnsupportedDocumentError,
)
from drivers.emrtd.dh import DhDomain
from drivers.emrtd.ec import EcDomain
from drivers.emrtd.errors import TlvError
from drivers.emrtd.kdf import PACE_PASSWORD, BlockCipher, CipherName, derive_key, pace_password
from drivers.emrtd.sm import SecureMessaging

Transmit = Callable[[bytes], tuple[bytes, int]]
Rng = Callable[[int], bytes]

PASSWORD_REFS = {"mrz": 0x01, "can": 0x02}
DYNAMIC_AUTH_DATA = 0x7C
PUBLIC_KEY = 0x7F49


class PaceDomain(Protocol):
    """The group PACE runs in: an elliptic curve (``EcDomain``) or a MODP group (``DhDomain``)."""

    @property
    def generator(self) -> Any: ...

    @property
    def order(self) -> int: ...

    @property
    def modulus(self) -> int: ...

    def random_scalar(self, rng: Rng = ...) -> int: ...

    def encode(self, element: Any) -> bytes: ...

    def decode(self, data: bytes) -> Any: ...

    def multiply(self, element: Any, k: int) -> Any: ...

    def public_point(self, k: int) -> Any: ...

    def agree_point(self, k: int, peer: Any) -> Any: ...

    def shared_x(self, private: int, public: Any) -> bytes: ...

    def with_generator(self, generator: Any) -> PaceDomain: ...

    def map_generator(self, nonce: int, shared: Any) -> Any: ...

    def encode_to_group(self, value: int) -> Any: ...


@dataclass(frozen=True)
class PaceSuite:
    """One PACE configuration: protocol OID, parameterId, curve name, cipher and key length."""

    oid: str
    parameter_id: int
    curve: str
    cipher: CipherName
    key_bits: int
    mapping: str = "GM"  # or "IM"

    @classmethod
    def from_info(cls, info: PaceInfo) -> PaceSuite:
        """The suite of a PACEInfo; ``UnsupportedDocumentError`` unless it is generic or integrated mapping."""
        if info.mapping not in ("GM", "IM") or info.parameter_id is None:
            raise UnsupportedDocumentError("only PACE generic and integrated mapping are supported")
        name = parameter_name(info.parameter_id)
        if name is None or name.startswith("modp") != (info.key_agreement == "DH"):
            raise UnsupportedDocumentError("unsupported PACE domain parameters")
        cipher: CipherName = "3des" if info.cipher == "3DES" else "aes"
        bits = 128 if cipher == "3des" else info.key_length
        return cls(info.protocol, info.parameter_id, name, cipher, bits, info.mapping)

    @property
    def is_dh(self) -> bool:
        return self.curve.startswith("modp")

    @property
    def domain(self) -> PaceDomain:
        return DhDomain.named(self.curve) if self.is_dh else EcDomain.named(self.curve)

    @property
    def block_cipher(self) -> BlockCipher:
        return BlockCipher(self.cipher)

    @property
    def nonce_bytes(self) -> int:
        """l/8: the smallest multiple of the cipher's block that holds a key (3DES counts as 128 bits)."""
        block = self.block_cipher.block
        return -(-(self.key_bits // 8) // block) * block

    def integrated_generator(self, nonce: bytes, terminal_nonce: bytes) -> Any:
        """Integrated mapping: Ĝ = f_G(R_p(s, t))."""
        domain = self.domain
        return domain.encode_to_group(pseudo_random(self.block_cipher, self.key_bits // 8, nonce, terminal_nonce,
                                                    domain.modulus))

    def password_key(self, kind: str, value: str) -> bytes:
        """K_π = KDF(π, 3)."""
        return derive_key(pace_password(kind, value), PACE_PASSWORD, self.cipher, self.key_bits)

    def oid_value(self) -> bytes:
        return tlv.decode_one(tlv.encode_oid(self.oid))[0].value

    def public_key_object(self, encoded_point: bytes) -> bytes:
        """Public key data object (tag 7F49) authenticated by the PACE tokens: DO'84' (DH public value) or DO'86'
        (EC point) after the protocol OID (BSI TR-03110 D.3.4)."""
        return tlv.encode(PUBLIC_KEY, tlv.encode_oid(self.oid) + tlv.encode(0x84 if self.is_dh else 0x86,
                                                                            encoded_point))

    def token(self, ks_mac: bytes, encoded_point: bytes) -> bytes:
        return self.block_cipher.mac(ks_mac, self.public_key_object(encoded_point))


def _auth_data(tag: int, value: bytes) -> bytes:
    return tlv.encode(DYNAMIC_AUTH_DATA, tlv.encode(tag, value))


def _auth_value(data: bytes, tag: int) -> bytes:
    try:
        outer = tlv.decode(data, expected_tag=DYNAMIC_AUTH_DATA)
        item = outer.find(tag)
    except TlvError as exc:
        raise ProtocolError("malformed dynamic authentication data") from exc
    if item is None:
        raise ProtocolError(f"dynamic authentication data lacks tag {tag:02X}")
    return item.value


def mse_set_at(suite: PaceSuite, password_kind: str) -> CommandApdu:
    data = tlv.encode(0x80, suite.oid_value()) + tlv.encode(0x83, bytes([PASSWORD_REFS[password_kind]]))
    data += tlv.encode(0x84, bytes([suite.parameter_id]))
    return CommandApdu(0x00, 0x22, 0xC1, 0xA4, data)


def _general_authenticate(transmit: Transmit, data: bytes, *, last: bool) -> bytes:
    resp, sw = transmit(CommandApdu(0x00 if last else 0x10, 0x86, 0x00, 0x00, data, le=256).encode())
    if sw == SW_WRONG_KEY or (sw & 0xFFF0) == 0x63C0 or (last and is_wrong_key(sw)):
        raise AccessDeniedError("PACE refused: wrong access key", sw=sw)
    if sw != SW_OK:
        raise StatusWordError(f"GENERAL AUTHENTICATE failed ({sw_hex(sw)})", sw=sw)
    return resp


_C0 = {16: bytes.fromhex("a668892a7c41e3ca739f40b057d85904"),
       32: bytes.fromhex("d463d65234124ef7897054986dca0a174e28df758cbaa03f240616414d5a1676")}
_C1 = {16: bytes.fromhex("a4e136ac725f738b01c1f60217c188ad"),
       32: bytes.fromhex("54bd7255f0aaf831bec3423fcf39d69b6cbf066677d0faae5aadd99df8e53517")}


def pseudo_random(cipher: BlockCipher, key_bytes: int, s: bytes, t: bytes, p: int) -> int:
    """R_p(s, t) of ICAO 9303-11 §4.4.3.3.2: k₀ = E(t, s); then x_i = E(k_i, c₁), k_{i+1} = E(k_i, c₀) (CBC, IV 0,
    keys cut to the key size) until n·l ≥ log2 p + 64; the result is int(x₁‖…‖x_n) mod p."""
    c0, c1 = _C0.get(len(s)), _C1.get(len(s))
    if c0 is None or c1 is None:
        raise ProtocolError("PACE nonce has the wrong length for integrated mapping")
    n = -(-(p.bit_length() + 64) // (8 * len(s)))
    key = cipher.encrypt(t, s)[:key_bytes]
    out = b""
    for _ in range(n):
        out += cipher.encrypt(key, c1)
        key = cipher.encrypt(key, c0)[:key_bytes]
    return int.from_bytes(out, "big") % p


def pace_authenticate(transmit: Transmit, suite: PaceSuite, password_kind: str, password: str,
                      rng: Rng = os.urandom) -> SecureMessaging:
    """Run PACE (GM or IM); returns the secure messaging session (SSC 0). Wrong password → ``AccessDeniedError``."""
    _, sw = transmit(mse_set_at(suite, password_kind).encode())
    if sw != SW_OK:
        raise StatusWordError(f"MSE:Set AT for PACE refused ({sw_hex(sw)})", sw=sw)
    domain = suite.domain
    cipher = suite.block_cipher
    step1 = _general_authenticate(transmit, tlv.encode(DYNAMIC_AUTH_DATA, b""), last=False)
    encrypted = _auth_value(step1, 0x80)
    if not encrypted or len(encrypted) % cipher.block:
        raise ProtocolError("PACE nonce has the wrong length")
    nonce = cipher.decrypt(suite.password_key(password_kind, password), encrypted)
    if suite.mapping == "IM":
        terminal_nonce = rng(suite.key_bits // 8)
        _general_authenticate(transmit, _auth_data(0x81, terminal_nonce), last=False)  # DO'82' comes back empty
        mapped = domain.with_generator(suite.integrated_generator(nonce, terminal_nonce))
    else:
        map_key = domain.random_scalar(rng)
        map_pub = domain.encode(domain.public_point(map_key))
        step2 = _general_authenticate(transmit, _auth_data(0x81, map_pub), last=False)
        card_map = domain.decode(_auth_value(step2, 0x82))
        mapped = domain.with_generator(domain.map_generator(int.from_bytes(nonce, "big"),
                                                            domain.agree_point(map_key, card_map)))

    eph_key = mapped.random_scalar(rng)
    eph_pub = mapped.encode(mapped.multiply(mapped.generator, eph_key))
    card_eph_bytes = _auth_value(_general_authenticate(transmit, _auth_data(0x83, eph_pub), last=False), 0x84)
    card_eph = mapped.decode(card_eph_bytes)
    if card_eph_bytes == eph_pub:
        raise ProtocolError("card echoed the terminal's ephemeral key")
    sm = SecureMessaging.from_secret(mapped.shared_x(eph_key, card_eph), suite.cipher, suite.key_bits)

    card_token = _auth_value(_general_authenticate(transmit, _auth_data(0x85, suite.token(sm.ks_mac,
                                                                                             card_eph_bytes)),
                                                   last=True), 0x86)
    if not hmac.compare_digest(card_token, suite.token(sm.ks_mac, eph_pub)):
        raise AccessDeniedError("PACE card token mismatch")
    return sm


class PaceCard:
    """Card side of PACE-GM for one set of passwords and the suites the card offers."""

    def __init__(self, suites: list[PaceSuite], passwords: dict[str, str], rng: Rng = os.urandom) -> None:
        self._suites = {s.oid_value() + bytes([s.parameter_id]): s for s in suites}
        self._passwords = passwords
        self._rng = rng
        self.reset()

    def reset(self) -> None:
        self._suite: PaceSuite | None = None
        self._kind = ""
        self._step = 0
        self._nonce = b""
        self._domain: PaceDomain | None = None
        self._map_key = 0
        self._eph_key = 0
        self._eph_pub = b""
        self._terminal_eph = b""

    def set_at(self, data: bytes) -> int:
        """MSE:Set AT; returns the status word."""
        self.reset()
        try:
            items = {item.tag: item.value for item in tlv.decode_all(data)}
        except TlvError:
            return 0x6A80
        oid, ref = items.get(0x80, b""), items.get(0x83, b"")
        kinds = {v: k for k, v in PASSWORD_REFS.items()}
        pid = items.get(0x84)
        candidates = [s for key, s in self._suites.items()
                      if key[:-1] == oid and (pid is None or key[-1:] == pid)]
        if not candidates or len(ref) != 1 or kinds.get(ref[0]) not in self._passwords:
            return 0x6A80
        self._suite, self._kind = candidates[0], kinds[ref[0]]
        return SW_OK

    def general_authenticate(self, data: bytes) -> tuple[bytes, int, SecureMessaging | None]:
        """One GENERAL AUTHENTICATE step: (response data, status word, session once established)."""
        suite = self._suite
        if suite is None:
            return b"", 0x6985, None
        try:
            return self._step_once(suite, data)
        except (ProtocolError, TlvError):
            self.reset()
            return b"", 0x6A80, None
        except AccessDeniedError:
            self.reset()
            return b"", SW_WRONG_KEY, None

    def _step_once(self, suite: PaceSuite, data: bytes) -> tuple[bytes, int, SecureMessaging | None]:
        domain = suite.domain
        step, self._step = self._step, self._step + 1
        if step == 0:
            plain = self._rng(suite.nonce_bytes if suite.mapping == "IM" else suite.block_cipher.block)
            self._nonce = plain
            key = suite.password_key(self._kind, self._passwords[self._kind])
            return _auth_data(0x80, suite.block_cipher.encrypt(key, plain)), SW_OK, None
        if step == 1 and suite.mapping == "IM":
            self._domain = domain.with_generator(suite.integrated_generator(self._nonce, _auth_value(data, 0x81)))
            return _auth_data(0x82, b""), SW_OK, None
        if step == 1:
            terminal_map = domain.decode(_auth_value(data, 0x81))
            self._map_key = domain.random_scalar(self._rng)
            shared = domain.agree_point(self._map_key, terminal_map)
            self._domain = domain.with_generator(domain.map_generator(int.from_bytes(self._nonce, "big"), shared))
            card_map = domain.encode(domain.public_point(self._map_key))
            return _auth_data(0x82, card_map), SW_OK, None
        mapped = self._domain
        if mapped is None:
            raise ProtocolError("PACE steps out of order")
        if step == 2:
            self._terminal_eph = _auth_value(data, 0x83)
            mapped.decode(self._terminal_eph)
            self._eph_key = mapped.random_scalar(self._rng)
            self._eph_pub = mapped.encode(mapped.multiply(mapped.generator, self._eph_key))
            if self._eph_pub == self._terminal_eph:
                raise ProtocolError("terminal reused the card's key")
            return _auth_data(0x84, self._eph_pub), SW_OK, None
        if step == 3:
            shared_x = mapped.shared_x(self._eph_key, mapped.decode(self._terminal_eph))
            sm = SecureMessaging.from_secret(shared_x, suite.cipher, suite.key_bits)
            if not hmac.compare_digest(_auth_value(data, 0x85), suite.token(sm.ks_mac, self._eph_pub)):
                raise AccessDeniedError("terminal token mismatch")
            token = suite.token(sm.ks_mac, self._terminal_eph)
            self.reset()
            return _auth_data(0x86, token), SW_OK, sm
        raise ProtocolError("PACE steps out of order")
