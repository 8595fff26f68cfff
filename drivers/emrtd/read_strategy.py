"""READ BINARY sizing: find the largest read the card accepts; read files in as few commands as it allows.

Adaptive strategy: with extended length offered (ATR card capabilities), the first read of a file asks for the
whole file (extended Le ``0000``); otherwise blocks of ``0xDF`` bytes, the largest plain block whose protected
response fits a short APDU. ``6700`` lowers the block (extended → short ``0xDF`` → 0xA0 → 0x80 → …), ``6Cxx``
sets it to exactly ``xx``, ``6282`` (end of file) ends the file. What is learned is kept for the next files.
Fixed strategies (``FixedReads``) exist for comparison in benchmarks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from drivers.emrtd import lds, tlv
from drivers.emrtd.apdu import SW_END_OF_FILE, SW_OK, SW_WRONG_LENGTH, SW_WRONG_P1P2, CommandApdu, sw_hex
from drivers.emrtd.chip_errors import ProtocolError, StatusWordError
from drivers.emrtd.errors import TlvError

SHORT_BLOCK = 0xDF
EXTENDED_ALL = 65536
_FALLBACK = (SHORT_BLOCK, 0xA0, 0x80, 0x40, 0x20)
_MAX_ADAPTATIONS = 8

Command = Callable[[CommandApdu], tuple[bytes, int]]
Progress = Callable[[int, int | None], None]


def extended_length_offered(atr: bytes) -> bool:
    """True when the ATR historical bytes announce extended Lc/Le (card capabilities, 3rd byte, 0x40)."""
    hist = _historical_bytes(atr)
    if not hist or hist[0] != 0x80:
        return False
    pos = 1
    while pos < len(hist):
        tag, length = hist[pos] >> 4, hist[pos] & 0x0F
        value = hist[pos + 1:pos + 1 + length]
        if tag == 0x7 and len(value) >= 3:
            return bool(value[2] & 0x40)
        pos += 1 + length
    return False


def _historical_bytes(atr: bytes) -> bytes:
    if len(atr) < 2:
        return b""
    k = atr[1] & 0x0F
    pos, y = 2, atr[1] >> 4
    while True:
        for bit in (0x1, 0x2, 0x4):
            if y & bit:
                pos += 1
        if not y & 0x8 or pos >= len(atr):
            break
        td = atr[pos]
        pos += 1
        y = td >> 4
    return atr[pos:pos + k]


class FileError(StatusWordError):
    """A file could not be read: absent (``6A82``) or protected (``6982``)."""


@dataclass
class ReadStrategy:
    """Adaptive read sizing; ``block`` is the largest Le known to work."""

    extended: bool = False
    block: int = SHORT_BLOCK
    fixed: bool = False
    adaptations: int = 0
    partial: dict[int, bytes] = field(default_factory=dict)  # SFI → bytes read before an interruption

    @classmethod
    def adaptive(cls, extended_offered: bool) -> ReadStrategy:
        return cls(extended=extended_offered, block=EXTENDED_ALL if extended_offered else SHORT_BLOCK)

    @classmethod
    def fixed_block(cls, block: int) -> ReadStrategy:
        return cls(extended=False, block=block, fixed=True)

    @property
    def name(self) -> str:
        return f"fixed 0x{self.block:02X}" if self.fixed else "adaptive"

    def _lower(self, failed_le: int, sw: int) -> None:
        self.adaptations += 1
        if self.adaptations > _MAX_ADAPTATIONS:
            raise StatusWordError(f"no read size accepted by the card ({sw_hex(sw)})", sw=sw)
        if (sw & 0xFF00) == 0x6C00:
            self.block = (sw & 0xFF) or 256
            return
        if failed_le > 256:
            self.extended = False
        self.block = next((b for b in _FALLBACK if b < failed_le), max(1, failed_le // 2))

    def read(self, command: Command, sfi: int, progress: Progress | None = None) -> bytes:
        """Read a whole file, the first block by SFI; ``FileError`` when it is absent or protected.

        If an earlier read of the file was interrupted (card removed), it continues at the offset reached,
        after selecting the file by its FID.
        """
        data = bytearray(self._resume(command, sfi))
        try:
            return self._read_rest(command, sfi, data, progress)
        except BaseException:
            if data:
                self.partial[sfi] = bytes(data)
            raise

    def _resume(self, command: Command, sfi: int) -> bytes:
        data = self.partial.pop(sfi, b"")
        ef = lds.file_for_sfi(sfi)
        if not data or ef is None:
            return b""
        _, sw = command(CommandApdu(0x00, 0xA4, 0x02, 0x0C, ef.fid.to_bytes(2, "big")))
        return data if sw == SW_OK else b""

    def _read_rest(self, command: Command, sfi: int, data: bytearray, progress: Progress | None) -> bytes:
        total = _declared_length(bytes(data)) if data else None
        while total is None or len(data) < total:
            offset = len(data)
            want = self.block if total is None else min(self.block, total - offset)
            cmd = self._command(sfi, offset, want)
            resp, sw = command(cmd)
            if sw in (SW_OK, SW_END_OF_FILE):
                if cmd.ins == 0xB1:
                    resp = _unwrap_odd(resp)
                if not resp:
                    if total is None and offset == 0:
                        return b""
                    raise ProtocolError("card returned no data before the end of the file")
                data += resp
                if total is None:
                    total = _declared_length(bytes(data))
                if sw == SW_END_OF_FILE and (total is None or len(data) < total):
                    raise ProtocolError("file ends before its declared length")
                if progress is not None:
                    progress(len(data), total)
                continue
            if sw == SW_WRONG_LENGTH or (sw & 0xFF00) == 0x6C00:
                if self.fixed and (sw & 0xFF00) != 0x6C00:
                    raise StatusWordError(f"fixed read size refused ({sw_hex(sw)})", sw=sw)
                self._lower(want, sw)
                continue
            if sw == SW_WRONG_P1P2 and total is None:
                raise ProtocolError("offset beyond the end of the file")
            raise FileError(f"file not readable ({sw_hex(sw)})", sw=sw)
        return bytes(data[:total])

    def _command(self, sfi: int, offset: int, want: int) -> CommandApdu:
        le = want if want <= 256 or self.extended else 256
        if offset == 0:
            return CommandApdu(0x00, 0xB0, 0x80 | sfi, 0x00, le=le)
        if offset <= 0x7FFF:
            return CommandApdu(0x00, 0xB0, offset >> 8, offset & 0xFF, le=le)
        body = tlv.encode(0x54, offset.to_bytes(3, "big"))
        # The DO'53' wrapper costs up to 4 bytes of the response.
        return CommandApdu(0x00, 0xB1, 0x00, 0x00, body, le=le if le > 256 or le <= 0xDF - 4 else le - 4)


def _declared_length(prefix: bytes) -> int | None:
    try:
        return tlv.total_length(prefix)
    except TlvError:
        if len(prefix) >= 6:
            raise ProtocolError("file does not start with a TLV header") from None
        return None


def _unwrap_odd(resp: bytes) -> bytes:
    try:
        return tlv.decode(resp, expected_tag=0x53).value
    except TlvError as exc:
        raise ProtocolError("odd READ BINARY response is not a DO'53'") from exc


def minimum_reads(file_sizes: list[int], block: int) -> int:
    """The fewest READ BINARY commands that read files of these sizes when one read returns at most ``block``."""
    return sum(-(-size // block) for size in file_sizes)
