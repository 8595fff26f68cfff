"""The simulated receipt printer: writes each receipt image as a PNG file in a directory."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

from PIL import Image


class PngPrinter:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._numbers = itertools.count(1)
        self.printed: list[Path] = []

    def print_image(self, image: Image.Image) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"receipt-{time.strftime('%Y%m%d-%H%M%S')}-{next(self._numbers):04d}.png"
        image.save(path)
        self.printed.append(path)
        return str(path)
