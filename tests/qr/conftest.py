"""Shared synthetic cards and frames for the QR tests (rendered once per session)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from cli.qr_samples import sample_card, sample_frames
from drivers.sim.card_image import DEGRADATIONS, CardImage, Frame

FRAMES_PER_DEGRADATION = 4


@pytest.fixture(scope="session")
def cards() -> list[CardImage]:
    return [sample_card(n) for n in range(4)]


@pytest.fixture(scope="session")
def degraded_frames() -> list[Frame]:
    """Four 720p frames per degradation; the benchmark runs the large set."""
    return list(sample_frames(FRAMES_PER_DEGRADATION * len(DEGRADATIONS), size=(1280, 720), seed=7))


def claimed_png(path: Path, width: int, height: int) -> None:
    """A PNG whose header claims ``width`` × ``height`` over garbage pixel data: only a reader that decodes the
    pixels would notice, so refusing it proves the size was checked from the header."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"not pixels") + chunk(b"IEND", b""))
