"""QR decoder backends behind one interface: ``decode(gray) -> list[bytes]`` (raw payloads, possibly empty).

Each object holds native detector state and is not thread-safe: create one per thread.
Only backends that return the bytes stored in the code are byte-exact; ``PyzbarDefaultDecoder`` is kept for
the benchmark, to show what zbar's charset guessing does to Vietnamese text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np


class QrDecoder(Protocol):
    name: str
    byte_exact: bool

    def decode(self, gray: np.ndarray) -> list[bytes]: ...


class ZxingDecoder:
    """zxing-cpp, QR codes only, default ``try_*`` flags, raw ``Barcode.bytes`` of the valid results.

    ``saw_candidate`` tells whether the last call found a symbol it could not decode (finder patterns and a
    grid, but failed error correction): the signal the pipeline uses to run slower fallbacks only then.
    """

    name = "zxing-cpp"
    byte_exact = True

    def __init__(self) -> None:
        import zxingcpp

        self._read = zxingcpp.read_barcodes
        self._formats = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)  # QR codes only
        self.saw_candidate = False

    def decode(self, gray: np.ndarray) -> list[bytes]:
        barcodes = self._read(gray, formats=self._formats, return_errors=True)
        self.saw_candidate = any(not b.valid for b in barcodes)
        return [bytes(b.bytes) for b in barcodes if b.valid]


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
