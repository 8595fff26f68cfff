"""Key derivation (ICAO 9303-11 §9.7.1) and the block ciphers and MACs of BAC, PACE and secure messaging.

3DES: two-key 3DES, CBC, zero IV, ISO 9797-1 MAC algorithm 3 (retail MAC).
AES: CBC, CMAC truncated to 8 bytes.
Padding is ISO/IEC 9797-1 method 2 (``80 00…``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC

from drivers.emrtd.chip_errors import SecureMessagingError

CipherName = Literal["3des", "aes"]

ENC = 1
MAC = 2
PACE_PASSWORD = 3


def adjust_parity(key: bytes) -> bytes:
    """Set odd parity on every byte of a DES key."""
    out = bytearray()
    for b in key:
        high = b & 0xFE
        out.append(high | (bin(high).count("1") % 2 == 0))
    return bytes(out)


def derive_key(seed: bytes, counter: int, cipher: CipherName, key_bits: int = 128) -> bytes:
    """KDF(K, c): SHA-1 for 3DES and AES-128, SHA-256 for AES-192/256."""
    data = seed + counter.to_bytes(4, "big")
    if cipher == "3des":
        return adjust_parity(hashlib.sha1(data).digest()[:16])
    if key_bits == 128:
        return hashlib.sha1(data).digest()[:16]
    if key_bits in (192, 256):
        return hashlib.sha256(data).digest()[: key_bits // 8]
    raise ValueError(f"unsupported AES key length {key_bits}")


def pad(data: bytes, block: int) -> bytes:
    """ISO/IEC 9797-1 padding method 2."""
    padded = data + b"\x80"
    return padded + b"\x00" * (-len(padded) % block)


def unpad(data: bytes) -> bytes:
    stripped = data.rstrip(b"\x00")
    if not stripped or stripped[-1] != 0x80:
        raise SecureMessagingError("bad padding in decrypted data")
    return stripped[:-1]


def _tdes(key: bytes) -> TripleDES:
    """TripleDES with the key spelled out as K1 ‖ K2 ‖ K3 (single DES: K ‖ K ‖ K; two-key: K1 ‖ K2 ‖ K1)."""
    if len(key) == 8:
        return TripleDES(key * 3)
    if len(key) == 16:
        return TripleDES(key + key[:8])
    return TripleDES(key)


@dataclass(frozen=True)
class BlockCipher:
    """One cipher suite: ``name`` is "3des" or "aes"; keys are raw bytes (16 for 3DES, 16/24/32 for AES)."""

    name: CipherName

    @property
    def block(self) -> int:
        return 8 if self.name == "3des" else 16

    def _algorithm(self, key: bytes) -> algorithms.AES | TripleDES:
        return _tdes(key) if self.name == "3des" else algorithms.AES(key)

    def encrypt(self, key: bytes, data: bytes, iv: bytes | None = None) -> bytes:
        enc = Cipher(self._algorithm(key), modes.CBC(iv or bytes(self.block))).encryptor()
        return enc.update(data) + enc.finalize()

    def decrypt(self, key: bytes, data: bytes, iv: bytes | None = None) -> bytes:
        if len(data) % self.block:
            raise SecureMessagingError("ciphertext is not a whole number of blocks")
        dec = Cipher(self._algorithm(key), modes.CBC(iv or bytes(self.block))).decryptor()
        return dec.update(data) + dec.finalize()

    def encrypt_block(self, key: bytes, block: bytes) -> bytes:
        """Single-block ECB encryption (the AES SM IV is E(KS_enc, SSC))."""
        enc = Cipher(self._algorithm(key), modes.ECB()).encryptor()
        return enc.update(block) + enc.finalize()

    def mac(self, key: bytes, data: bytes) -> bytes:
        """8-byte MAC. 3DES: retail MAC over ``pad(data)``; AES: CMAC over ``data`` as is."""
        if self.name == "aes":
            c = CMAC(algorithms.AES(key))
            c.update(data)
            return c.finalize()[:8]
        padded = pad(data, 8)
        k1, k2 = key[:8], key[8:16]
        h = bytes(8)
        if len(padded) > 8:
            h = TripleDESCbc(k1).encrypt(padded[:-8])[-8:]
        last = bytes(a ^ b for a, b in zip(h, padded[-8:], strict=True))
        return TripleDESCbc(k1 + k2).encrypt(last)


class TripleDESCbc:
    """DES (8-byte key) or 3DES (16-byte key) CBC with a zero IV, used by the retail MAC."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def encrypt(self, data: bytes) -> bytes:
        enc = Cipher(_tdes(self._key), modes.CBC(bytes(8))).encryptor()
        return enc.update(data) + enc.finalize()


def bac_seed(mrz_information: str) -> bytes:
    """K_seed of BAC: SHA-1(MRZ_information)[0:16]; MRZ_information = doc ‖ cd ‖ birth ‖ cd ‖ expiry ‖ cd."""
    return hashlib.sha1(mrz_information.encode("ascii")).digest()[:16]


def pace_password(kind: str, value: str) -> bytes:
    """π of PACE: the CAN digits as is, or SHA-1(MRZ_information) for an MRZ password."""
    if kind == "can":
        return value.encode("ascii")
    if kind == "mrz":
        return hashlib.sha1(value.encode("ascii")).digest()
    raise ValueError(f"unsupported PACE password kind {kind}")
