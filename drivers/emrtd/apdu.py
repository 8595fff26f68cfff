"""ISO/IEC 7816-4 command and response APDUs, short and extended length.

``le`` is the number of expected bytes: ``None`` when absent, 256 is the short maximum (encoded ``00``),
65536 the extended maximum (encoded ``00 00``).
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.emrtd.chip_errors import ProtocolError

SW_OK = 0x9000
SW_END_OF_FILE = 0x6282
SW_WRONG_KEY = 0x6300
SW_WRONG_LENGTH = 0x6700
SW_SECURITY_NOT_SATISFIED = 0x6982
SW_CONDITIONS_NOT_SATISFIED = 0x6985
SW_SM_MISSING = 0x6987
SW_SM_INCORRECT = 0x6988
SW_WRONG_DATA = 0x6A80
SW_FUNCTION_NOT_SUPPORTED = 0x6A81
SW_FILE_NOT_FOUND = 0x6A82
SW_REFERENCE_NOT_FOUND = 0x6A88
SW_WRONG_P1P2 = 0x6B00
SW_INS_NOT_SUPPORTED = 0x6D00
SW_CLA_NOT_SUPPORTED = 0x6E00

SHORT_MAX_LC = 255
SHORT_MAX_LE = 256
EXTENDED_MAX_LE = 65536


@dataclass(frozen=True)
class CommandApdu:
    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None

    @property
    def header(self) -> bytes:
        return bytes([self.cla, self.ins, self.p1, self.p2])

    @property
    def needs_extended(self) -> bool:
        return len(self.data) > SHORT_MAX_LC or (self.le is not None and self.le > SHORT_MAX_LE)

    def encode(self, *, extended: bool | None = None) -> bytes:
        """Serialise; ``extended`` forces the form (default: extended only when the lengths need it)."""
        ext = self.needs_extended if extended is None else extended
        if not ext and self.needs_extended:
            raise ValueError("lengths need an extended APDU")
        if len(self.data) > 65535:
            raise ValueError("command data too long")
        if self.le is not None and not 1 <= self.le <= EXTENDED_MAX_LE:
            raise ValueError("Le out of range")
        out = bytearray(self.header)
        if not ext:
            if self.data:
                out += bytes([len(self.data)]) + self.data
            if self.le is not None:
                out.append(self.le % 256)
            return bytes(out)
        if self.data:
            out += b"\x00" + len(self.data).to_bytes(2, "big") + self.data
            if self.le is not None:
                out += (self.le % 65536).to_bytes(2, "big")
        elif self.le is not None:
            out += b"\x00" + (self.le % 65536).to_bytes(2, "big")
        return bytes(out)

    @classmethod
    def parse(cls, raw: bytes) -> tuple[CommandApdu, bool]:
        """Parse a command APDU (cases 1 to 4, short or extended); returns it and whether it was extended."""
        if len(raw) < 4:
            raise ProtocolError("command APDU shorter than its header")
        cla, ins, p1, p2 = raw[:4]
        body = raw[4:]
        if not body:
            return cls(cla, ins, p1, p2), False
        if len(body) == 1:
            return cls(cla, ins, p1, p2, le=body[0] or 256), False
        if body[0] != 0:
            lc = body[0]
            if len(body) == 1 + lc:
                return cls(cla, ins, p1, p2, bytes(body[1:])), False
            if len(body) == 2 + lc:
                return cls(cla, ins, p1, p2, bytes(body[1:1 + lc]), body[-1] or 256), False
            raise ProtocolError("short APDU length mismatch")
        if len(body) == 3:
            return cls(cla, ins, p1, p2, le=int.from_bytes(body[1:3], "big") or 65536), True
        lc = int.from_bytes(body[1:3], "big")
        if lc == 0 or len(body) < 3 + lc:
            raise ProtocolError("extended APDU length mismatch")
        data = bytes(body[3:3 + lc])
        rest = body[3 + lc:]
        if not rest:
            return cls(cla, ins, p1, p2, data), True
        if len(rest) == 2:
            return cls(cla, ins, p1, p2, data, int.from_bytes(rest, "big") or 65536), True
        raise ProtocolError("extended APDU length mismatch")


def split_response(raw: bytes) -> tuple[bytes, int]:
    """Split a raw response into its data and status word."""
    if len(raw) < 2:
        raise ProtocolError("response shorter than a status word")
    return bytes(raw[:-2]), int.from_bytes(raw[-2:], "big")


def join_response(data: bytes, sw: int) -> bytes:
    return bytes(data) + sw.to_bytes(2, "big")


def is_wrong_key(sw: int) -> bool:
    """A refusal of the final authentication step that means the access key is wrong (ICAO 9303-11 §4.3, §4.4;
    seen on real documents: ``6300``/``63Cx`` verification failed, ``6982``, ``6985``, and ``6988`` for a
    cryptogram that does not verify)."""
    return sw in (SW_WRONG_KEY, SW_SECURITY_NOT_SATISFIED, SW_CONDITIONS_NOT_SATISFIED, SW_SM_INCORRECT) or (
        sw & 0xFFF0) == 0x63C0


def sw_hex(sw: int) -> str:
    return f"{sw:04X}"
