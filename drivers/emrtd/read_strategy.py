"""READ BINARY: how a card wants its files read, learned on the card and kept for the rest of the read.

What is learned (``ReadStrategy``), each fact ``None`` until the card has shown it:

- **SFI or FID.** The first block of a file is asked for by short file identifier (one command, ICAO 9303-10
  §3.6.2). A card that answers an SFI read with an error (``6A82``, ``6A86``, ``6B00``, ``6981``, ``6D00``…) is
  then asked to SELECT the file by its FID: if that works, the card does not do SFI reads and every later file is
  selected and read by offset; if it does not, the file is absent. Once SFI reads have worked, ``6A82`` means
  absent at once.
- **Read size.** With extended length offered (ATR card capabilities), a file is asked for whole (extended Le
  ``0000``, which a card answers with what the file holds: never ``6282``). Otherwise blocks of ``0xDF`` bytes,
  the largest plain block whose protected response fits a short APDU. ``6700`` lowers the block
  (extended → short ``0xDF`` → 0xA0 → 0x80 → …), ``6Cxx`` sets it to exactly ``xx``.
- **Reads past the end.** Short blocks can be longer than a file. Until the card has shown how it answers that,
  a file's first read asks for its 4-byte header only, then exactly the length the header declares, so a short
  file never draws ``6282``. Once, on a file whose length is known, the rest is asked for with a whole block: a
  card that answers ``6282`` under secure messaging has shown that it may be over-read (later files go at once
  with a whole block); a card that answers with a bare ``6282`` (data not authenticated: discarded) has shown
  that it may not, and is read header first to the end.

Unprotected answers to protected commands come to the strategy as ``PlainStatusError``; it treats each as the
status it is (absent, refused, length), never as lost secure messaging. ``FixedReads`` exist for comparison in
benchmarks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from drivers.emrtd import lds, tlv
from drivers.emrtd.apdu import (
    SW_END_OF_FILE,
    SW_FILE_NOT_FOUND,
    SW_INS_NOT_SUPPORTED,
    SW_OK,
    SW_WRONG_LENGTH,
    SW_WRONG_P1P2,
    CommandApdu,
    sw_hex,
)
from drivers.emrtd.chip_errors import ProtocolError, StatusWordError
from drivers.emrtd.errors import TlvError
from drivers.emrtd.lds import ElementaryFile
from drivers.emrtd.sm import PlainStatusError

SHORT_BLOCK = 0xDF
EXTENDED_ALL = 65536
HEADER = 4  # tag (1 byte) and a length of up to 3 bytes: every LDS1 file's TLV header
_FALLBACK = (SHORT_BLOCK, 0xA0, 0x80, 0x40, 0x20)
_MAX_ADAPTATIONS = 8
# Answers to an SFI READ BINARY of a card that may only read selected files.
_SFI_REFUSED = frozenset({SW_FILE_NOT_FOUND, 0x6A86, SW_WRONG_P1P2, 0x6981, 0x6986, SW_INS_NOT_SUPPORTED, 0x6A81})

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
    """A file could not be read: absent (``6A82``), protected (``6982``) or another refusal (``sw``)."""


@dataclass
class ReadStrategy:
    """Read sizing and file addressing, learned per card; ``block`` is the largest Le known to work."""

    extended: bool = False
    block: int = SHORT_BLOCK
    fixed: bool = False
    adaptations: int = 0
    sfi: bool | None = None  # SFI reads work (True), do not (False), not yet known (None)
    over_read: bool | None = None  # reads past the end of a file are answered under SM (True), bare (False)
    partial: dict[int, bytes] = field(default_factory=dict)  # FID → bytes read before an interruption

    @classmethod
    def adaptive(cls, extended_offered: bool) -> ReadStrategy:
        return cls(extended=extended_offered, block=EXTENDED_ALL if extended_offered else SHORT_BLOCK)

    @classmethod
    def fixed_block(cls, block: int) -> ReadStrategy:
        return cls(extended=False, block=block, fixed=True, over_read=True)

    @property
    def name(self) -> str:
        return f"fixed 0x{self.block:02X}" if self.fixed else "adaptive"

    @property
    def header_first(self) -> bool:
        return not self.extended and self.over_read is not True

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

    def read(self, command: Command, file: ElementaryFile | int, progress: Progress | None = None, *,
             protected: bool = True) -> bytes:
        """Read a whole file (an ``ElementaryFile``, or an SFI); ``FileError`` when it is absent or refused.

        ``protected=False`` for a file read before access control (EF.CardAccess): its answers say nothing about
        secure messaging, so it is read in whole blocks and teaches nothing about reads past the end.
        If an earlier read of the file was interrupted (card removed), it continues at the offset reached,
        after selecting the file by its FID.
        """
        ef = file if isinstance(file, ElementaryFile) else lds.file_for_sfi(file)
        if ef is None:
            raise ValueError(f"no LDS1 file has SFI {file}")
        data = bytearray(self._resume(command, ef))
        try:
            return self._read_rest(command, ef, data, progress, protected)
        except BaseException:
            if data:
                self.partial[ef.fid] = bytes(data)
            raise

    def _resume(self, command: Command, ef: ElementaryFile) -> bytes:
        data = self.partial.pop(ef.fid, b"")
        if not data:
            return b""
        return data if _send(command, _select(ef))[1] == SW_OK else b""

    def _read_rest(self, command: Command, ef: ElementaryFile, data: bytearray, progress: Progress | None,
                   protected: bool) -> bytes:
        total = _declared_length(bytes(data)) if data else None
        while total is None or len(data) < total:
            offset = len(data)
            want, probe = self._want(offset, total) if protected else (self._plain_want(offset, total), False)
            if offset == 0 and self.sfi is not True:
                resp, sw, plain = self._first_without_sfi(command, ef, want)
            else:
                resp, sw, plain = _send(command, self._command(ef, offset, want))
            if sw in (SW_OK, SW_END_OF_FILE) and not plain:
                if offset == 0 and self.sfi is None:
                    self.sfi = True
                resp = _unwrap_odd(resp) if offset > 0x7FFF else resp
                if not resp:
                    if total is None and offset == 0:
                        return b""
                    raise ProtocolError("card returned no data before the end of the file")
                if probe:
                    self.over_read = True
                data += resp[:want] if probe else resp
                if total is None:
                    total = _declared_length(bytes(data))
                if sw == SW_END_OF_FILE and not probe and (total is None or len(data) < total):
                    raise ProtocolError("file ends before its declared length")
                if progress is not None:
                    progress(min(len(data), total or len(data)), total)
                continue
            if probe and total is not None and sw in (SW_END_OF_FILE, 0x6C00 | (total - offset)):
                self.over_read = False  # read exactly from now on; what a bare answer carried is not used
                continue
            if sw == SW_WRONG_LENGTH or (sw & 0xFF00) == 0x6C00:
                if self.fixed and (sw & 0xFF00) != 0x6C00:
                    raise StatusWordError(f"fixed read size refused ({sw_hex(sw)})", sw=sw)
                self._lower(want, sw)
                continue
            if sw == SW_WRONG_P1P2 and total is None and offset:
                raise ProtocolError("offset beyond the end of the file")
            raise FileError(f"{ef.name} not readable ({sw_hex(sw)})", sw=sw)
        return bytes(data[:total])

    def _want(self, offset: int, total: int | None) -> tuple[int, bool]:
        """(Le to ask for, whether it deliberately goes past the known end of the file)."""
        if total is None:
            return (HEADER, False) if self.header_first else (self.block, False)
        rest = total - offset
        if self.over_read is None and not self.extended and not self.fixed and rest < self.block:
            return self.block, True
        return min(self.block, rest), False

    def _plain_want(self, offset: int, total: int | None) -> int:
        return self.block if total is None else min(self.block, total - offset)

    def _first_without_sfi(self, command: Command, ef: ElementaryFile, want: int) -> tuple[bytes, int, bool]:
        """Offset 0 of a file on a card whose SFI support is unknown (try SFI, then SELECT) or absent (SELECT)."""
        if self.sfi is None:
            resp, sw, plain = _send(command, self._command(ef, 0, want))
            if sw not in _SFI_REFUSED:
                return resp, sw, plain
        _, sw, plain = _send(command, _select(ef))
        if sw != SW_OK:
            return b"", sw, plain
        self.sfi = False
        return _send(command, self._command(ef, 0, want))

    def _command(self, ef: ElementaryFile, offset: int, want: int) -> CommandApdu:
        le = want if want <= 256 or self.extended else 256
        if offset == 0 and self.sfi is not False:
            return CommandApdu(0x00, 0xB0, 0x80 | ef.sfi, 0x00, le=le)
        if offset <= 0x7FFF:
            return CommandApdu(0x00, 0xB0, offset >> 8, offset & 0xFF, le=le)
        body = tlv.encode(0x54, offset.to_bytes(3, "big"))
        # The DO'53' wrapper costs up to 4 bytes of the response.
        return CommandApdu(0x00, 0xB1, 0x00, 0x00, body, le=le if le > 256 or le <= 0xDF - 4 else le - 4)


def _select(ef: ElementaryFile) -> CommandApdu:
    return CommandApdu(0x00, 0xA4, 0x02, 0x0C, ef.fid.to_bytes(2, "big"))


def _send(command: Command, cmd: CommandApdu) -> tuple[bytes, int, bool]:
    """(data, status word, whether the card answered a protected command with a bare status)."""
    try:
        data, sw = command(cmd)
    except PlainStatusError as exc:
        return b"", exc.sw or 0, True
    return data, sw, False


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
