"""The simulated printer: writes each receipt image as a PNG file in a directory, and keeps a copy of each printed
document (a PDF form)."""

from __future__ import annotations

import itertools
import shutil
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

    def print_file(self, source: Path) -> str:
        """A document printer's twin: keeps a copy of the printed file (a PDF form) in the directory."""
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"document-{time.strftime('%Y%m%d-%H%M%S')}-{next(self._numbers):04d}{source.suffix}"
        shutil.copyfile(source, path)
        self.printed.append(path)
        return str(path)
