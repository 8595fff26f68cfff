"""Secure messaging (ICAO 9303-11 §9.8) for 3DES and AES, both the terminal and the card side.

The send sequence counter (SSC) is incremented before each command MAC and before each response MAC.
For 3DES the SSC is 8 bytes and the IV is zero; for AES the SSC is 16 bytes and the IV is E(KS_enc, SSC).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from drivers.emrtd.apdu import CommandApdu, split_response
from drivers.emrtd.chip_errors import ProtocolError, SecureMessagingError
from drivers.emrtd.kdf import ENC, MAC, BlockCipher, CipherName, derive_key, pad, unpad


class PlainStatusError(SecureMessagingError):
    """The card answered a protected command with a bare status word: secure messaging has ended."""

    code = "chip-sm-lost"


def read_do(buf: bytes, pos: int) -> tuple[int, bytes, int]:
    """One single-byte-tag data object at ``pos``: (tag, value, next position)."""
    if pos + 2 > len(buf):
        raise ProtocolError("truncated data object")
    tag, first = buf[pos], buf[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    elif first in (0x81, 0x82):
        n = first - 0x80
        if pos + n > len(buf):
            raise ProtocolError("truncated data object length")
        length = int.from_bytes(buf[pos:pos + n], "big")
        pos += n
    else:
        raise ProtocolError("unsupported data object length")
    if pos + length > len(buf):
        raise ProtocolError("truncated data object value")
    return tag, bytes(buf[pos:pos + length]), pos + length


def _looks_protected(data: bytes) -> bool:
    """Whether response data is a chain of secure messaging data objects ending with DO'8E'."""
    pos = 0
    try:
        while pos < len(data):
            tag, _, pos = read_do(data, pos)
            if tag == 0x8E:
                return pos == len(data)
            if tag not in (0x85, 0x87, 0x99):
                return False
    except ProtocolError:
        return False
    return False


def encode_do(tag: int, value: bytes) -> bytes:
    n = len(value)
    if n < 0x80:
        length = bytes([n])
    elif n < 0x100:
        length = bytes([0x81, n])
    else:
        length = bytes([0x82]) + n.to_bytes(2, "big")
    return bytes([tag]) + length + value


def _le_bytes(le: int, extended: bool) -> bytes:
    return (le % 65536).to_bytes(2, "big") if extended else bytes([le % 256])


@dataclass
class SecureMessaging:
    cipher: BlockCipher
    ks_enc: bytes
    ks_mac: bytes
    ssc: int = 0

    @classmethod
    def from_secret(cls, secret: bytes, cipher: CipherName, key_bits: int = 128,
                    ssc: int = 0) -> SecureMessaging:
        """Session keys KDF(secret, 1) and KDF(secret, 2) with the given initial SSC."""
        return cls(BlockCipher(cipher), derive_key(secret, ENC, cipher, key_bits),
                   derive_key(secret, MAC, cipher, key_bits), ssc)

    @property
    def _ssc_len(self) -> int:
        return self.cipher.block

    def _ssc_bytes(self) -> bytes:
        return (self.ssc % (1 << (8 * self._ssc_len))).to_bytes(self._ssc_len, "big")

    def _iv(self) -> bytes:
        if self.cipher.name == "3des":
            return bytes(8)
        return self.cipher.encrypt_block(self.ks_enc, self._ssc_bytes())

    def _mac(self, data: bytes) -> bytes:
        msg = self._ssc_bytes() + data
        return self.cipher.mac(self.ks_mac, msg if self.cipher.name == "3des" else pad(msg, 16))

    def _encrypt(self, data: bytes) -> bytes:
        return self.cipher.encrypt(self.ks_enc, pad(data, self.cipher.block), self._iv())

    def _decrypt(self, data: bytes) -> bytes:
        return unpad(self.cipher.decrypt(self.ks_enc, data, self._iv()))

    # Terminal side

    def protect(self, cmd: CommandApdu, *, extended: bool | None = None) -> bytes:
        """Wrap a plain command; ``extended`` forces the outer APDU form (default: as the lengths need)."""
        self.ssc += 1
        cla = cmd.cla | 0x0C
        header = bytes([cla, cmd.ins, cmd.p1, cmd.p2])
        body = b""
        if cmd.data:
            if cmd.ins & 1:
                body += encode_do(0x85, self._encrypt(cmd.data))
            else:
                body += encode_do(0x87, b"\x01" + self._encrypt(cmd.data))
        ext = cmd.needs_extended if extended is None else extended
        if cmd.le is not None:
            body += encode_do(0x97, _le_bytes(cmd.le, ext))
        mac = self._mac(pad(header, self.cipher.block) + body)
        body += encode_do(0x8E, mac)
        ext = ext or len(body) > 255
        return CommandApdu(cla, cmd.ins, cmd.p1, cmd.p2, body, 65536 if ext else 256).encode(extended=ext)

    def unprotect(self, raw: bytes) -> tuple[bytes, int]:
        """Check and decrypt a protected response: (plain data, status word from DO'99').

        A bare status word (or an error status with data that is not secure messaging) raises
        ``PlainStatusError`` and leaves the SSC as the command left it: such a card did not count a response.
        """
        data, sw = split_response(raw)
        if not data or (sw != 0x9000 and not _looks_protected(data)):
            raise PlainStatusError(f"unprotected status word {sw:04X}", sw=sw)
        self.ssc += 1
        pos = 0
        covered = b""
        enc: tuple[int, bytes] | None = None
        inner_sw: int | None = None
        mac: bytes | None = None
        while pos < len(data):
            start = pos
            tag, value, pos = read_do(data, pos)
            if tag == 0x8E:
                mac = value
                break
            covered += data[start:pos]
            if tag in (0x85, 0x87):
                enc = (tag, value)
            elif tag == 0x99:
                if len(value) != 2:
                    raise SecureMessagingError("malformed DO'99'")
                inner_sw = int.from_bytes(value, "big")
        if mac is None or inner_sw is None:
            raise SecureMessagingError("protected response lacks DO'8E' or DO'99'")
        if not hmac.compare_digest(mac, self._mac(covered)):
            raise SecureMessagingError("response MAC mismatch")
        plain = self._open_cryptogram(enc)
        return plain, inner_sw

    def _open_cryptogram(self, enc: tuple[int, bytes] | None) -> bytes:
        """Decrypt a DO'85' or DO'87' (whose value starts with the padding-content indicator 01)."""
        if enc is None:
            return b""
        tag, value = enc
        if tag == 0x87:
            if not value or value[0] != 0x01:
                raise SecureMessagingError("DO'87' without padding indicator")
            value = value[1:]
        return self._decrypt(value)

    # Card side

    def unprotect_command(self, raw: bytes) -> tuple[CommandApdu, bool]:
        """Check and decrypt a protected command: (plain command, whether the outer APDU was extended)."""
        outer, extended = CommandApdu.parse(raw)
        self.ssc += 1
        if outer.cla & 0x0C != 0x0C:
            raise SecureMessagingError("command is not protected")
        pos = 0
        covered = b""
        enc: tuple[int, bytes] | None = None
        le: int | None = None
        mac: bytes | None = None
        while pos < len(outer.data):
            start = pos
            tag, value, pos = read_do(outer.data, pos)
            if tag == 0x8E:
                mac = value
                break
            covered += outer.data[start:pos]
            if tag in (0x85, 0x87):
                enc = (tag, value)
            elif tag == 0x97:
                le = int.from_bytes(value, "big") or (256 if len(value) <= 1 else 65536)
            else:
                raise SecureMessagingError("unexpected data object in protected command")
        if mac is None:
            raise SecureMessagingError("protected command lacks DO'8E'")
        if not hmac.compare_digest(mac, self._mac(pad(outer.header, self.cipher.block) + covered)):
            raise SecureMessagingError("command MAC mismatch")
        plain = self._open_cryptogram(enc)
        return CommandApdu(outer.cla & ~0x0C & 0xFF, outer.ins, outer.p1, outer.p2, plain, le), extended

    def protect_response(self, data: bytes, sw: int, *, odd_ins: bool = False) -> bytes:
        """Wrap a plain response (data and status word) as DO'87'/'85' ‖ DO'99' ‖ DO'8E' ‖ SW."""
        self.ssc += 1
        body = b""
        if data:
            enc = self._encrypt(data)
            body += encode_do(0x85, enc) if odd_ins else encode_do(0x87, b"\x01" + enc)
        body += encode_do(0x99, sw.to_bytes(2, "big"))
        body += encode_do(0x8E, self._mac(body))
        return body + sw.to_bytes(2, "big")
