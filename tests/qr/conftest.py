"""Shared synthetic cards and frames for the QR tests (rendered once per session)."""

from __future__ import annotations

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
