"""QR decoder backends behind one interface: ``decode(gray) -> list[bytes]`` (raw payloads, possibly empty).

Each object holds native detector state and is not thread-safe: create one per thread.
Only backends that return the bytes stored in the code are byte-exact; ``PyzbarDefaultDecoder`` is kept for
the benchmark, to show what zbar's charset guessing does to Vietnamese text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from drivers.qr.grid import modules_of


class QrDecoder(Protocol):
    name: str
    byte_exact: bool

    def decode(self, gray: np.ndarray) -> list[bytes]: ...


class ZxingDecoder:
    """zxing-cpp, QR codes only, raw ``Barcode.bytes`` of the valid results; default ``try_*`` flags, or
    (``fast``) without ``try_invert`` and ``try_downscale``.

    ``candidates`` holds the corners (4 × 2, frame pixels) of the symbols the last call found but could not
    decode (finder patterns and a grid, but failed error correction); ``saw_candidate`` tells whether there were
    any; ``candidate_modules`` their modules across (0 when zxing-cpp did not tell a QR version). The pipeline
    crops and enlarges those regions, re-samples their grid, and runs slower fallbacks only then.

    ``model2`` restricts it to QR Model 2 symbols (what cards, documents and phone apps show): zxing-cpp's QR
    family also looks for Micro QR, rMQR and Model 1, whose look-alikes in a card's printed text are most of the
    undecoded "symbols" it reports on a frame.

    ``pure`` reads an image that holds nothing but one upright, perfectly drawn symbol (``is_pure``): a rendering
    of a re-sampled grid, read in well under a millisecond.
    """

    name = "zxing-cpp"
    byte_exact = True

    def __init__(self, *, fast: bool = False, pure: bool = False, model2: bool = False) -> None:
        import zxingcpp

        self._read = zxingcpp.read_barcodes
        family = zxingcpp.BarcodeFormat.QRCodeModel2 if model2 else zxingcpp.BarcodeFormat.QRCode
        self._formats = zxingcpp.BarcodeFormats(family)  # QR codes only
        self._fast = fast or pure  # without the inverted and downscaled passes: about half the cost of a miss
        self._pure = pure
        self.saw_candidate = False
        self.candidates: list[np.ndarray] = []
        self.candidate_modules: list[int] = []

    def decode(self, gray: np.ndarray) -> list[bytes]:
        barcodes = self._read(gray, formats=self._formats, return_errors=True, try_invert=not self._fast,
                              try_downscale=not self._fast, is_pure=self._pure)
        failed = [b for b in barcodes if not b.valid]
        self.candidates = [_corners(b.position) for b in failed]
        self.candidate_modules = [modules_of(str(b.extra.get("Version", "")) if isinstance(b.extra, dict) else "")
                                  for b in failed]
        self.saw_candidate = bool(self.candidates)
        return [bytes(b.bytes) for b in barcodes if b.valid]


def _corners(position: Any) -> np.ndarray:
    points = (position.top_left, position.top_right, position.bottom_right, position.bottom_left)
    return np.array([[p.x, p.y] for p in points], np.float32)


class ZbarBinaryDecoder:
    """zbar in binary mode through ctypes (see ``zbar_binary``)."""

    name = "zbar-binary"
    byte_exact = True

    def __init__(self) -> None:
        from drivers.qr.zbar_binary import ZbarBinaryScanner

        self._scanner = ZbarBinaryScanner()

    def decode(self, gray: np.ndarray) -> list[bytes]:
        return self._scanner.scan(gray)


class PyzbarDefaultDecoder:
    """pyzbar 0.1.9 as usually called: zbar guesses the charset and returns re-encoded text. Benchmark only."""

    name = "pyzbar-default"
    byte_exact = False

    def __init__(self) -> None:
        from pyzbar import pyzbar

        self._pyzbar = pyzbar

    def decode(self, gray: np.ndarray) -> list[bytes]:
        pz = self._pyzbar
        return [s.data for s in pz.decode(gray, symbols=[pz.ZBarSymbol.QRCODE])]


class OpenCvDecoder:
    """OpenCV ``QRCodeDetector`` (classic) or ``QRCodeDetectorAruco``, through ``detectAndDecodeBytes``."""

    byte_exact = True

    def __init__(self, *, aruco: bool) -> None:
        import cv2

        self._detector = cv2.QRCodeDetectorAruco() if aruco else cv2.QRCodeDetector()
        self._error = cv2.error
        self.name = "opencv-aruco" if aruco else "opencv-classic"

    def decode(self, gray: np.ndarray) -> list[bytes]:
        try:
            data, _points, _straight = self._detector.detectAndDecodeBytes(gray)
        except self._error:  # modes OpenCV does not implement (e.g. structured append): no decode
            return []
        return [bytes(data)] if data else []


DECODERS: dict[str, Callable[[], QrDecoder]] = {
    "zxing-cpp": ZxingDecoder,
    "zbar-binary": ZbarBinaryDecoder,
    "pyzbar-default": PyzbarDefaultDecoder,
    "opencv-classic": lambda: OpenCvDecoder(aruco=False),
    "opencv-aruco": lambda: OpenCvDecoder(aruco=True),
}


def make_decoder(name: str) -> QrDecoder:
    """A new backend instance by name (one of ``DECODERS``)."""
    try:
        return DECODERS[name]()
    except KeyError:
        raise ValueError(f"unknown decoder {name!r}; choose from {sorted(DECODERS)}") from None
