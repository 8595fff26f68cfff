"""Basic Access Control (ICAO 9303-11 §4.3), terminal and card side."""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable

from drivers.emrtd.apdu import SW_OK, CommandApdu, is_wrong_key, sw_hex
from drivers.emrtd.chip_errors import AccessDeniedError, ProtocolError, StatusWordError
from drivers.emrtd.kdf import ENC, MAC, BlockCipher, bac_seed, derive_key
from drivers.emrtd.sm import SecureMessaging

Transmit = Callable[[bytes], tuple[bytes, int]]
Rng = Callable[[int], bytes]

_DES = BlockCipher("3des")


def bac_keys(mrz_information: str) -> tuple[bytes, bytes]:
    """(K_enc, K_mac) of BAC from MRZ_information."""
    seed = bac_seed(mrz_information)
    return derive_key(seed, ENC, "3des"), derive_key(seed, MAC, "3des")


def _session(k_ifd: bytes, k_ic: bytes, rnd_ic: bytes, rnd_ifd: bytes) -> SecureMessaging:
    seed = bytes(a ^ b for a, b in zip(k_ifd, k_ic, strict=True))
    return SecureMessaging.from_secret(seed, "3des", ssc=int.from_bytes(rnd_ic[4:] + rnd_ifd[4:], "big"))


def bac_authenticate(transmit: Transmit, mrz_information: str, rng: Rng = os.urandom) -> SecureMessaging:
    """Run BAC with the card; returns the secure messaging session. Wrong key → ``AccessDeniedError``."""
    k_enc, k_mac = bac_keys(mrz_information)
    rnd_ic, sw = transmit(CommandApdu(0x00, 0x84, 0x00, 0x00, le=8).encode())
    if sw != SW_OK or len(rnd_ic) != 8:
        raise StatusWordError(f"GET CHALLENGE failed ({sw_hex(sw)})", sw=sw)
    rnd_ifd, k_ifd = rng(8), rng(16)
    e_ifd = _DES.encrypt(k_enc, rnd_ifd + rnd_ic + k_ifd)
    cmd = CommandApdu(0x00, 0x82, 0x00, 0x00, e_ifd + _DES.mac(k_mac, e_ifd), le=40)
    resp, sw = transmit(cmd.encode())
    if is_wrong_key(sw):
        raise AccessDeniedError("BAC mutual authentication refused: wrong MRZ key", sw=sw)
    if sw != SW_OK:
        raise StatusWordError(f"MUTUAL AUTHENTICATE failed ({sw_hex(sw)})", sw=sw)
    if len(resp) != 40:
        raise ProtocolError("MUTUAL AUTHENTICATE response has the wrong length")
    if not hmac.compare_digest(resp[32:], _DES.mac(k_mac, resp[:32])):
        raise AccessDeniedError("BAC response MAC mismatch")
    plain = _DES.decrypt(k_enc, resp[:32])
    if plain[:8] != rnd_ic or plain[8:16] != rnd_ifd:
        raise AccessDeniedError("BAC response does not echo the challenges")
    return _session(k_ifd, plain[16:32], rnd_ic, rnd_ifd)


class BacCard:
    """Card side of BAC: remembers the challenge it gave and answers MUTUAL AUTHENTICATE."""

    def __init__(self, mrz_information: str, rng: Rng = os.urandom) -> None:
        self._k_enc, self._k_mac = bac_keys(mrz_information)
        self._rng = rng
        self._rnd_ic: bytes | None = None

    def get_challenge(self) -> bytes:
        self._rnd_ic = self._rng(8)
        return self._rnd_ic

    def mutual_authenticate(self, data: bytes) -> tuple[bytes, SecureMessaging]:
        """Response data and the new session; ``AccessDeniedError`` when the terminal used another key."""
        rnd_ic, self._rnd_ic = self._rnd_ic, None
        if rnd_ic is None or len(data) != 40:
            raise ProtocolError("MUTUAL AUTHENTICATE without challenge or with the wrong length")
        if not hmac.compare_digest(data[32:], _DES.mac(self._k_mac, data[:32])):
            raise AccessDeniedError("terminal cryptogram MAC mismatch")
        plain = _DES.decrypt(self._k_enc, data[:32])
        if plain[8:16] != rnd_ic:
            raise AccessDeniedError("terminal did not echo the challenge")
        rnd_ifd, k_ifd = plain[:8], plain[16:32]
        k_ic = self._rng(16)
        e_ic = _DES.encrypt(self._k_enc, rnd_ic + rnd_ifd + k_ic)
        return e_ic + _DES.mac(self._k_mac, e_ic), _session(k_ifd, k_ic, rnd_ic, rnd_ifd)
