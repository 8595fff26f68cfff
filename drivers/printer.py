"""Receipt printers: ESC/POS through python-escpos, printing a ready-made 1-bit image (raster), so Vietnamese
prints correctly whatever code pages the printer has.

``connect(spec)`` opens a printer from a text spec: ``usb:VID:PID``, ``net:HOST[:PORT]``, ``file:/dev/usb/lp0``.
"""

from __future__ import annotations

from typing import Any, Protocol

from PIL import Image

from wire.errors import CodedError


class PrinterError(CodedError, RuntimeError):
    code = "printer-error"


class ImagePrinter(Protocol):
    def print_image(self, image: Image.Image) -> str:
        """Print ``image``; returns a short description (no personal data) or raises ``PrinterError``."""
        ...


class EscposPrinter:
    def __init__(self, spec: str) -> None:
        self.spec = spec

    def _open(self) -> Any:
        from escpos import printer

        kind, _, rest = self.spec.partition(":")
        try:
            if kind == "usb":
                vid, pid = (int(x, 16) for x in rest.split(":")[:2])
                return printer.Usb(vid, pid)
            if kind == "net":
                host, _, port = rest.partition(":")
                return printer.Network(host, int(port or 9100))
            if kind == "file":
                return printer.File(rest)
        except Exception as exc:  # python-escpos raises many unrelated types for a missing device
            raise PrinterError(f"cannot open the printer {kind}: {type(exc).__name__}") from exc
        raise PrinterError(f"unknown printer spec {kind!r} (usb:VID:PID, net:HOST[:PORT], file:PATH)")

    def print_image(self, image: Image.Image) -> str:
        device = self._open()
        try:
            device.image(image, impl="bitImageRaster")
            device.cut()
        except Exception as exc:
            raise PrinterError(f"printing failed: {type(exc).__name__}") from exc
        finally:
            close = getattr(device, "close", None)
            if close is not None:
                close()
        return "printed"
