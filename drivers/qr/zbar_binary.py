"""zbar through ctypes in binary mode: raw QR bytes, no charset guessing.

pyzbar 0.1.9 does not expose ``ZBAR_CFG_BINARY``; without it zbar transcodes byte-mode data it guesses to be
Shift-JIS or Big5, which scrambles Vietnamese UTF-8 text. With it (zbar >= 0.23.1) the symbol data are the
bytes stored in the code.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache

import numpy as np

_ZBAR_NONE = 0
_ZBAR_QRCODE = 64
_ZBAR_CFG_ENABLE = 0
_ZBAR_CFG_BINARY = 4
_Y800 = int.from_bytes(b"Y800", "little")


class ZbarUnavailableError(RuntimeError):
    """libzbar is missing, or too old to support binary mode."""


@cache
def _library() -> ctypes.CDLL:
    name = ctypes.util.find_library("zbar")
    if name is None:
        raise ZbarUnavailableError("libzbar not found (Debian package libzbar0)")
    lib = ctypes.CDLL(name)
    vp, ci, cu, cl = ctypes.c_void_p, ctypes.c_int, ctypes.c_uint, ctypes.c_ulong
    signatures: dict[str, tuple[type | None, list[type]]] = {
        "zbar_image_scanner_create": (vp, []),
        "zbar_image_scanner_destroy": (None, [vp]),
        "zbar_image_scanner_set_config": (ci, [vp, ci, ci, ci]),
        "zbar_image_create": (vp, []),
        "zbar_image_destroy": (None, [vp]),
        "zbar_image_set_format": (None, [vp, cl]),
        "zbar_image_set_size": (None, [vp, cu, cu]),
        "zbar_image_set_data": (None, [vp, vp, cl, vp]),
        "zbar_scan_image": (ci, [vp, vp]),
        "zbar_image_first_symbol": (vp, [vp]),
        "zbar_symbol_next": (vp, [vp]),
        "zbar_symbol_get_type": (ci, [vp]),
        "zbar_symbol_get_data": (vp, [vp]),
        "zbar_symbol_get_data_length": (cu, [vp]),
    }
    for fn, (restype, argtypes) in signatures.items():
        func = getattr(lib, fn)
        func.restype = restype
        func.argtypes = argtypes
    return lib


class ZbarBinaryScanner:
    """A zbar image scanner for QR codes only, in binary mode. Not thread-safe: one per thread."""

    def __init__(self) -> None:
        lib = _library()
        self._lib = lib
        self._scanner = lib.zbar_image_scanner_create()
        lib.zbar_image_scanner_set_config(self._scanner, _ZBAR_NONE, _ZBAR_CFG_ENABLE, 0)
        lib.zbar_image_scanner_set_config(self._scanner, _ZBAR_QRCODE, _ZBAR_CFG_ENABLE, 1)
        if lib.zbar_image_scanner_set_config(self._scanner, _ZBAR_QRCODE, _ZBAR_CFG_BINARY, 1) != 0:
            lib.zbar_image_scanner_destroy(self._scanner)
            raise ZbarUnavailableError("this libzbar does not support ZBAR_CFG_BINARY (needs >= 0.23.1)")

    def scan(self, gray: np.ndarray) -> list[bytes]:
        """Raw payloads of the QR codes found in a 2-D uint8 image."""
        gray = np.ascontiguousarray(gray, dtype=np.uint8)
        if gray.ndim != 2:
            raise ValueError("zbar needs a 2-D grayscale image")
        lib = self._lib
        height, width = gray.shape
        image = lib.zbar_image_create()
        try:
            lib.zbar_image_set_format(image, _Y800)
            lib.zbar_image_set_size(image, width, height)
            lib.zbar_image_set_data(image, gray.ctypes.data, gray.size, None)
            found: list[bytes] = []
            if lib.zbar_scan_image(self._scanner, image) > 0:
                symbol = lib.zbar_image_first_symbol(image)
                while symbol:
                    if lib.zbar_symbol_get_type(symbol) == _ZBAR_QRCODE:
                        length = lib.zbar_symbol_get_data_length(symbol)
                        found.append(ctypes.string_at(lib.zbar_symbol_get_data(symbol), length))
                    symbol = lib.zbar_symbol_next(symbol)
            return found
        finally:
            lib.zbar_image_destroy(image)

    def close(self) -> None:
        if self._scanner:
            self._lib.zbar_image_scanner_destroy(self._scanner)
            self._scanner = None

    def __del__(self) -> None:
        self.close()
