"""Finding the machine-readable zone in a camera frame and straightening it.

The frame is reduced to ``WORK_WIDTH``; a black-hat filter keeps thin dark strokes (text) and drops the page,
portraits and shadows; a threshold relative to the strongest text, a short horizontal closing and an opening turn
each text line into one bar. Bars are merged when they continue each other (a glare spot can cut a line), and
the MRZ is looked for as two or three long, parallel, equally long bars at the spacing ICAO 9303-3 gives (6 lines
per inch against 10 characters per inch, so the line spacing is 1/22.5 of a 36-character line's length, 1/27 of
a 44-character line's, 1/18 of a 30-character line's). Each candidate becomes an affine map from its first and
last lines' ends to a canonical image at ``glyphs.PITCH`` px per character (scale, rotation, shear); the
reader then evens out the pitch along each line that a document held at an angle leaves.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from drivers.mrz_ocr.glyphs import LINE_PITCH, PITCH

WORK_WIDTH = 800
NOISY_SMOOTH = 1.2
SPACING_TOLERANCE = 0.28  # a tilted document shortens its lines by up to 20 % against their spacing
_LOCAL_WINDOW = (41, 15)  # work px: a few characters by about a line (``find_bars(local=True)``)
_LOCAL_FLOOR = 16.0  # ink weaker than this nowhere near stronger ink stays noise
MARGIN = 24  # canonical margin around the zone, px
_INK_BEARING = 0.15  # a glyph's ink starts this many pitches into its cell
_SPACING_PER_CHAR = 1 / 0.6  # line pitch in character pitches (6 lpi against 10 cpi)


@dataclass(frozen=True)
class Bar:
    """One text line found in the frame, in full-resolution pixels; ``direction`` points left to right."""

    centre: tuple[float, float]
    direction: tuple[float, float]
    length: float
    thickness: float

    def ends(self) -> tuple[np.ndarray, np.ndarray]:
        c, d = np.array(self.centre), np.array(self.direction)
        return c - d * self.length / 2, c + d * self.length / 2


@dataclass(frozen=True)
class Candidate:
    """A possible MRZ: its lines top to bottom and the number of characters per line to read."""

    bars: tuple[Bar, ...]
    chars: int

    @property
    def rows(self) -> int:
        return len(self.bars)


def _bar(rect: tuple[tuple[float, float], tuple[float, float], float], scale: float) -> Bar:
    (cx, cy), (w, h), angle = rect
    if w < h:
        w, h, angle = h, w, angle + 90
    a = math.radians(angle)
    d = (math.cos(a), math.sin(a))
    if d[0] < 0 or (d[0] == 0 and d[1] < 0):
        d = (-d[0], -d[1])
    return Bar((cx / scale, cy / scale), d, w / scale, h / scale)


def _quantile(image: np.ndarray, q: float) -> float:
    """The ``q`` quantile of a uint8 image from its histogram (a sort of a megapixel costs ten times more)."""
    hist = cv2.calcHist([image], [0], None, [256], [0, 256]).ravel()
    return float(np.searchsorted(np.cumsum(hist), q * float(hist.sum())))


def _reduced(gray: np.ndarray, scale: float) -> np.ndarray:
    """``gray`` at ``scale`` (≤ 1), averaging: halved first where it can be (OpenCV's area averaging costs several
    times more at a fractional factor than at an integer one)."""
    if scale >= 1:
        return gray
    if scale <= 0.5:
        gray = np.asarray(cv2.resize(gray, (gray.shape[1] // 2, gray.shape[0] // 2), interpolation=cv2.INTER_AREA))
        scale *= 2
    size = (round(gray.shape[1] * scale), round(gray.shape[0] * scale))
    return np.asarray(cv2.resize(gray, size, interpolation=cv2.INTER_AREA), np.uint8)


def find_bars(gray: np.ndarray, *, smooth: float = 0.0, local: bool = False) -> list[Bar]:
    """Text-line bars of a grayscale frame, longest first; ``smooth`` (σ in work pixels) first averages out
    sensor noise that a dim frame's gain has raised to the strength of its text; ``local`` measures each stroke
    against the strongest ink near it rather than in the whole frame (text faded by glare beside dark print)."""
    scale = min(1.0, WORK_WIDTH / gray.shape[1])
    small = _reduced(gray, scale)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9))
    if smooth > 0:
        small = np.asarray(cv2.GaussianBlur(small, (0, 0), smooth), np.uint8)
        # ink against the paper around it, so text in a shadow counts as much as text in the light
        closed = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel).astype(np.float32)
        relative = (closed - small.astype(np.float32)) * (255.0 / np.maximum(closed, 24.0))
        hat = np.asarray(np.clip(relative, 0, 255), np.uint8)
    else:
        hat = np.asarray(cv2.morphologyEx(small, cv2.MORPH_BLACKHAT, kernel), np.uint8)
    if local:
        near = cv2.blur(cv2.dilate(hat, cv2.getStructuringElement(cv2.MORPH_RECT, _LOCAL_WINDOW)), _LOCAL_WINDOW)
        hat = np.asarray(np.clip(hat.astype(np.float32) * (255.0 / np.maximum(near, _LOCAL_FLOOR)), 0, 255), np.uint8)
    level = max(8.0, (0.45 if smooth > 0 else 0.3) * _quantile(hat, 0.995))
    mask = np.asarray(hat > level, np.uint8)
    mask = np.asarray(cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (13, 3))))
    mask = np.asarray(cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    bars = []
    for contour in contours:
        if len(contour) < 5:
            continue
        (cx, cy), (w, h), angle = cv2.minAreaRect(contour)
        bar = _bar(((cx, cy), (w, h), angle), scale)
        if bar.length * scale >= 12 and bar.length >= 3 * bar.thickness:
            bars.append(bar)
    return sorted(_merge(bars), key=lambda b: -b.length)


def _angle_gap(a: Bar, b: Bar) -> float:
    return abs(a.direction[0] * b.direction[1] - a.direction[1] * b.direction[0])  # sin of the angle between


def _merge(bars: list[Bar]) -> list[Bar]:
    """Join bars that continue each other along the same line (a line cut by glare or a wide gap)."""
    bars = sorted(bars, key=lambda b: -b.length)
    merged = True
    while merged:
        merged = False
        for i, a in enumerate(bars):
            for j in range(i + 1, len(bars)):
                b = bars[j]
                if _angle_gap(a, b) > 0.06:
                    continue
                d = np.array(a.direction)
                offset = np.array(b.centre) - np.array(a.centre)
                across = abs(float(offset[0] * -d[1] + offset[1] * d[0]))
                along = float(offset @ d)
                gap = abs(along) - (a.length + b.length) / 2
                if across < 0.5 * max(a.thickness, b.thickness) and gap < 2.5 * a.thickness:
                    lo = min(-a.length / 2, along - b.length / 2)
                    hi = max(a.length / 2, along + b.length / 2)
                    centre = np.array(a.centre) + d * (lo + hi) / 2
                    bars[i] = Bar((float(centre[0]), float(centre[1])), a.direction, hi - lo,
                                  max(a.thickness, b.thickness))
                    del bars[j]
                    merged = True
                    break
            if merged:
                break
    return bars


def find_zones(gray: np.ndarray, limit: int = 4) -> Iterator[Candidate]:
    """MRZ candidates of a grayscale frame, lazily: from its bars as they are, then (a dim, noisy frame, or a
    zone the first candidates did not hold) from the bars of the frame smoothed by ``NOISY_SMOOTH``, then from
    the smoothed frame's ink measured against the ink near it (a zone half washed out by glare or half in
    shadow) — later passes that only a frame not read at once pays for."""
    yield from candidates(find_bars(gray), limit)
    yield from candidates(find_bars(gray, smooth=NOISY_SMOOTH), limit)
    yield from candidates(find_bars(gray, smooth=NOISY_SMOOTH, local=True), limit)


def candidates(bars: list[Bar], limit: int = 4) -> list[Candidate]:
    """Plausible MRZs among ``bars``, most plausible first (longest lines, best spacing)."""
    long_bars = [b for b in bars if b.length >= 10 * b.thickness]
    found: list[tuple[float, Candidate]] = []
    for seed in long_bars:
        d = np.array(seed.direction)
        mates = []
        for other in long_bars:
            if _angle_gap(seed, other) > 0.05 or not 0.8 < other.length / seed.length < 1.25:
                continue
            offset = np.array(other.centre) - np.array(seed.centre)
            along = float(offset @ d)
            across = float(offset[0] * -d[1] + offset[1] * d[0])
            if abs(along) < 0.1 * seed.length:
                mates.append((across, other))
        mates.sort(key=lambda m: m[0])
        if len(mates) < 2:
            continue
        for chars, rows in ((30, 3), (44, 2), (36, 2)):
            spacing = seed.length / (chars - 0.3) * _SPACING_PER_CHAR
            group = _spaced_group(mates, spacing, rows)
            if group is not None:
                error, bars_in = group
                score = seed.length * (1 + 0.25 * (rows == 3)) * (1 - error)
                found.append((score, Candidate(bars_in, chars)))
    found.sort(key=lambda f: -f[0])
    unique: list[Candidate] = []
    for _, cand in found:
        if all({id(b) for b in cand.bars} != {id(b) for b in u.bars} or cand.chars != u.chars for u in unique):
            unique.append(cand)
    return unique[:limit]


def _spaced_group(mates: list[tuple[float, Bar]], spacing: float, rows: int) -> tuple[float, tuple[Bar, ...]] | None:
    """``rows`` consecutive bars at ``spacing`` (± ``SPACING_TOLERANCE``) from each other, with the relative
    spacing error."""
    best: tuple[float, tuple[Bar, ...]] | None = None
    for start in range(len(mates) - rows + 1):
        chunk = mates[start:start + rows]
        gaps = [chunk[k + 1][0] - chunk[k][0] for k in range(rows - 1)]
        error = max(abs(g / spacing - 1) for g in gaps)
        if error < SPACING_TOLERANCE and (best is None or error < best[0]):
            best = (error, tuple(b for _, b in chunk))
    return best


def canonical_size(chars: int, rows: int) -> tuple[int, int]:
    return int(2 * MARGIN + chars * PITCH), int(2 * MARGIN + rows * LINE_PITCH)


def line_centres_y(rows: int) -> list[float]:
    return [MARGIN + (k + 0.5) * LINE_PITCH for k in range(rows)]


def first_cell_x() -> float:
    return MARGIN + (0.5 - _INK_BEARING) * PITCH


def rectify(gray: np.ndarray, cand: Candidate) -> np.ndarray:
    """The zone warped to the canonical geometry: line ``k`` centred on ``line_centres_y(rows)[k]``, character
    ``i`` near ``first_cell_x() + i × PITCH``."""
    top_l, top_r = cand.bars[0].ends()
    bot_l, bot_r = cand.bars[-1].ends()
    if abs(cand.bars[0].length / cand.bars[-1].length - 1) > 0.03:
        # lines of unequal length (one end lost in glare): use the common extent along the mean direction
        d = np.array(cand.bars[0].direction) + np.array(cand.bars[-1].direction)
        d /= np.linalg.norm(d)
        ends = [e for b in (cand.bars[0], cand.bars[-1]) for e in b.ends()]
        lo, hi = min(float(e @ d) for e in ends), max(float(e @ d) for e in ends)
        top_c, bot_c = np.array(cand.bars[0].centre), np.array(cand.bars[-1].centre)
        top_l, top_r = top_c + d * (lo - top_c @ d), top_c + d * (hi - top_c @ d)
        bot_l, bot_r = bot_c + d * (lo - bot_c @ d), bot_c + d * (hi - bot_c @ d)
    ys = line_centres_y(cand.rows)
    x0 = MARGIN
    x1 = MARGIN + (cand.chars - 2 * _INK_BEARING) * PITCH
    src = np.array([top_l, top_r, bot_r, bot_l], np.float32)
    dst = np.array([[x0, ys[0]], [x1, ys[0]], [x1, ys[-1]], [x0, ys[-1]]], np.float32)
    # An affine least-squares fit: the lines are too close together for their ends to fix a stable perspective;
    # the reader corrects the remaining change of pitch along the lines from the ink (``reader.even_pitch``).
    matrix = _affine_fit(src, dst)
    return np.asarray(cv2.warpAffine(gray, matrix, canonical_size(cand.chars, cand.rows),
                                     flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE), np.uint8)


def _affine_fit(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares affine map of four point pairs (2 × 3)."""
    a = np.hstack([src.astype(np.float64), np.ones((len(src), 1))])
    solution, *_ = np.linalg.lstsq(a, dst.astype(np.float64), rcond=None)
    return np.asarray(solution.T, np.float32)
