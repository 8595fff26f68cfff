"""The synthetic document pages of ``drivers.sim.mrz_page`` keep to the print layout ICAO 9303-3 sets."""

from __future__ import annotations

import numpy as np
from PIL import Image

from cli.mrz_samples import random_document
from drivers.sim.mrz_page import PX_PER_MM, _portrait, render_page


def test_the_portrait_is_printed_inside_its_frame_only() -> None:
    page = Image.new("RGB", (400, 500), (255, 255, 255))
    _portrait(page, (30, 40, 230, 300), np.random.default_rng(1))
    pixels = np.asarray(page)
    inside = np.zeros(pixels.shape[:2], bool)
    inside[40:300, 30:230] = True
    assert (pixels[inside] != 255).any(axis=1).all()  # the photo fills its frame
    assert (pixels[~inside] == 255).all()  # and nothing of it reaches the MRZ's clear area below


def test_the_td1_mrz_clear_area_holds_only_the_background_and_the_zone() -> None:
    doc = random_document(np.random.default_rng(216), "td1")
    page = render_page(doc, np.random.default_rng(216)).astype(np.float32)
    # the 0.6 mm band just above the first MRZ line's capitals (2.4 mm high) is background, across the page
    caps_top = (54.0 - 3.6 - 2 * 25.4 / 6 - 2.4) * PX_PER_MM
    band = page[round(caps_top - 0.8 * PX_PER_MM):round(caps_top - 0.2 * PX_PER_MM)].mean(axis=2)
    assert (band < 170).mean() < 0.02
