"""The camera MRZ recogniser: a frame in, per possible zone the probability of each character in each cell out.

1. ``locate``: text-line bars, the MRZ candidates among them (2 × 44, 2 × 36 or 3 × 30 at ICAO spacing), each
   warped to the canonical geometry (scale, rotation and tilt undone).
2. Segmentation: per line, the vertical centre from the ink profile, then the character grid: cell centres at
   the canonical pitch, refined by a weighted straight-line fit of each cell's ink centroid offset, so a zone
   found a few pixels short or long still lands every glyph in its cell. The zone's grid (one slope for all its
   lines, refined twice) is fitted too; where a line's own grid strays from it, the line is read on both and
   the two readings averaged, so a character only one grid reads stays unsure.
3. Recognition: ``glyphs.glyph_model`` gives each cell a probability per character.
4. The core (``kiosk.mrz_camera.read_mrz`` with ``kiosk.mrz_correct``) applies the per-position classes and the
   check-digit-driven correction; ``kiosk.mrz.parse_mrz`` has the last word.

Each candidate is offered upside down too (a document held the wrong way round), then the next candidate.
A frame larger than ``MAX_PIXELS`` is refused before any work.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np
from threadpoolctl import ThreadpoolController

from drivers.mrz_ocr.glyphs import (
    ALPHABET,
    PITCH,
    CellRecogniser,
    GlyphEnsemble,
    cell_features,
    glyph_model,
    ink_map,
)
from drivers.mrz_ocr.locate import (
    MARGIN,
    canonical_size,
    find_zones,
    first_cell_x,
    line_centres_y,
    rectify,
)
from wire.errors import CodedError

MAX_PIXELS = 4096 * 3072  # a 12-megapixel still; camera frames are 1–2 megapixels
MAX_CANDIDATES = 3
MAX_PITCH_ERROR = 0.1  # 36 characters where 44 are printed gives 18 %; a tilted document stays under 10 %
# The network's matrices are small: BLAS threads cost ten times more in hand-offs than they save, and they
# would compete with the camera and UI threads. Reads run with one BLAS thread.
_BLAS = ThreadpoolController()
SHIFT_RANGE = 6  # px at the canonical pitch of 16
CELL_SHIFTS = ((0.0, 0.0), (-2.0, 0.0), (2.0, 0.0))
GRID_DISAGREEMENT = 1.0  # px: a line's own grid fit read too when it strays this far from the zone's


class ImageRejectedError(CodedError, ValueError):
    """The input is not an image the reader takes; ``code`` and ``message_vi`` say why."""

    code = "image-rejected"


@dataclass(frozen=True)
class ZoneProbabilities:
    """One possible zone: per line, per cell, the probability of each character of ``alphabet``."""

    alphabet: str
    probabilities: tuple[np.ndarray, ...]


def to_gray(image: np.ndarray) -> np.ndarray:
    """The image as 8-bit grayscale, refusing what is not an image or is larger than ``MAX_PIXELS``."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim not in (2, 3):
        raise ImageRejectedError("not an 8-bit grayscale or BGR image", code="invalid-image")
    if image.shape[0] * image.shape[1] > MAX_PIXELS:
        raise ImageRejectedError(f"image over {MAX_PIXELS} pixels", code="image-too-large",
                                 message_vi="Ảnh quá lớn. Hãy dùng ảnh từ camera của máy.")
    if image.ndim == 2:
        return image
    return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), np.uint8)


def _row_centroid(band: np.ndarray, top: int) -> float | None:
    """Middle of the rows whose ink reaches half the strongest row's (capitals share one height)."""
    profile = band.sum(axis=1)
    profile = profile - float(profile.min())
    if float(profile.max()) <= 0:
        return None
    rows = np.nonzero(profile >= 0.5 * float(profile.max()))[0]
    return top + (float(rows[0]) + float(rows[-1])) / 2


def line_centre(ink: np.ndarray, expected: float, xs: np.ndarray) -> np.ndarray:
    """The text line's centre height at each of ``xs``: row-profile centroids of the left and right thirds of
    the line within ± 0.8 pitch of ``expected``, joined by a straight line (the zone may be slightly skewed)."""
    top = max(0, int(expected - 0.8 * PITCH))
    band = ink[top:int(expected + 0.8 * PITCH) + 1]
    left, right = int(xs[0]), int(xs[-1])
    third = max(1, (right - left) // 3)
    y_left = _row_centroid(band[:, left:left + third], top)
    y_right = _row_centroid(band[:, right - third:right], top)
    if y_left is None or y_right is None:
        return np.full(len(xs), expected, np.float32)
    x_left, x_right = left + third / 2, right - third / 2
    return np.asarray(y_left + (xs - x_left) * (y_right - y_left) / max(1.0, x_right - x_left), np.float32)


def _column_profile(ink: np.ndarray, centre_y: np.ndarray) -> np.ndarray:
    mid = float(np.median(centre_y))
    return np.asarray(ink[max(0, int(mid - 0.6 * PITCH)):int(mid + 0.6 * PITCH) + 1].sum(axis=0), np.float32)


def character_period(ink: np.ndarray, rows: int, columns: slice = slice(None)) -> float:
    """The glyph pitch present in ``columns`` of the canonical image (autocorrelation of the lines' column ink)."""
    total = np.zeros(2 * PITCH, np.float64)
    for expected in line_centres_y(rows):
        profile = _column_profile(ink, np.array([expected]))[columns]
        profile = profile - profile.mean()
        for lag in range(PITCH // 2, 2 * PITCH):
            total[lag] += float((profile[:-lag] * profile[lag:]).sum())
    lo = int(PITCH * 0.7)
    lag = lo + int(np.argmax(total[lo:int(PITCH * 1.35) + 1]))
    if 0 < lag < len(total) - 1:  # parabolic peak refinement
        a, b, c = total[lag - 1], total[lag], total[lag + 1]
        denom = a - 2 * b + c
        if denom < 0:
            return lag + 0.5 * (a - c) / denom
    return float(lag)


def even_pitch(canonical: np.ndarray, ink: np.ndarray, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Resample the canonical image along x so the glyph pitch is ``PITCH`` everywhere: the pitch measured in
    the left and right halves of the zone, varying linearly in between (a document seen at an angle)."""
    width = canonical.shape[1]
    mid = width // 2
    p_left = character_period(ink, rows, slice(0, mid))
    p_right = character_period(ink, rows, slice(mid, width))
    if max(abs(p_left / PITCH - 1), abs(p_right / PITCH - 1)) < 0.015:
        return canonical, ink
    x = np.arange(width, dtype=np.float64)
    pitch = np.clip(p_left + (x - width / 4) * (p_right - p_left) / (width / 2), PITCH * 0.6, PITCH * 1.5)
    u = np.concatenate([[0.0], np.cumsum(PITCH / pitch[:-1])])  # new coordinate of each old column
    u += MARGIN - float(np.interp(MARGIN, x, u))  # the zone's left end stays where it was
    new_width = int(min(2 * width, max(width // 2, u[-1] + MARGIN)))
    map_x = np.interp(np.arange(new_width, dtype=np.float64), u, x).astype(np.float32)
    map_x = np.broadcast_to(map_x[None, :], (canonical.shape[0], new_width)).copy()
    map_y = np.broadcast_to(np.arange(canonical.shape[0], dtype=np.float32)[:, None], map_x.shape).copy()
    even = cv2.remap(canonical, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return np.asarray(even, np.uint8), ink_map(np.asarray(even, np.uint8))


def trim_to_zone(canonical: np.ndarray, rows: int, chars: int, period: float) -> np.ndarray | None:
    """The canonical zone cut down to the ``chars`` glyphs at ``period`` that hold the most ink and brought to
    ``PITCH``, for bars that ran on into other text in line with the zone (a paper beside the card); ``None``
    unless blank paper, a character wide, separates the zone from that text (an MRZ has no gaps: a 44-character
    zone taken for 36 is not cut down)."""
    ink = ink_map(canonical)
    columns = np.sum([_column_profile(ink, np.array([y])) for y in line_centres_y(rows)], axis=0)
    span = round((chars - 0.3) * period)
    if len(columns) <= span:
        return None
    sums = np.cumsum(np.concatenate([[0.0], columns]))
    start = int(np.argmax(sums[span:] - sums[:-span]))
    inside = (sums[start + span] - sums[start]) / span
    gap = round(period)
    for lo, hi in ((max(0, start - gap), start), (start + span, min(len(columns), start + span + gap))):
        if hi - lo >= gap // 2 and float(columns[lo:hi].mean()) > 0.25 * inside:
            return None
    scale = PITCH / period
    matrix = np.array([[scale, 0, MARGIN - start * scale], [0, 1, 0]], np.float32)
    return np.asarray(cv2.warpAffine(canonical, matrix, canonical_size(chars, rows), flags=cv2.INTER_AREA,
                                     borderMode=cv2.BORDER_REPLICATE), np.uint8)


def grid_start(columns: np.ndarray, chars: int) -> float:
    """The first cell's centre: where ``chars`` cells hold the most ink of ``columns`` (the column ink of all the
    zone's lines together: they start and end at the same place, and a line that starts with a thin ``I`` or
    ends in ``<`` runs cannot pull its grid a cell off)."""
    span = round((chars - 0.3) * PITCH)  # from the first glyph's ink to the last one's
    if len(columns) <= span:
        return first_cell_x()
    sums = np.cumsum(np.concatenate([[0.0], columns]))
    return float(np.argmax(sums[span:] - sums[:-span])) + (0.5 - 0.15) * PITCH


def _centroid_offsets(ink: np.ndarray, centre_y: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per cell, the offset of the ink centroid within one pitch around its centre, and the ink mass there."""
    column = _column_profile(ink, centre_y)
    lo = np.maximum(0, np.round(centres).astype(np.int64) - PITCH // 2)
    cols = lo[:, None] + np.arange(PITCH)[None, :]
    window = np.where(cols < len(column), column[np.minimum(cols, len(column) - 1)], 0.0)
    mass = window.sum(axis=1)
    safe = np.where(mass > 0, mass, 1.0)
    offsets = np.where(mass > 0, (window * cols).sum(axis=1) / safe - centres, 0.0)
    return np.asarray(offsets, np.float32), np.asarray(np.maximum(mass, 0.0), np.float32)


def cell_centres(ink: np.ndarray, centre_y: np.ndarray, chars: int, start: float) -> np.ndarray:
    """First guess of the character cell centres along one canonical line: the ``chars`` cells from ``start``,
    then a weighted straight-line fit of each cell's ink-centroid offset (a glyph's centroid is not its cell's
    centre, so ``align`` finishes the job)."""
    centres = start + PITCH * np.arange(chars, dtype=np.float32)
    index = np.arange(chars, dtype=np.float32)
    offsets, weights = _centroid_offsets(ink, centre_y, centres)
    if weights.sum() <= 0:
        return centres
    fit = np.polyfit(index, offsets, 1, w=np.sqrt(weights))
    residual = np.abs(offsets - np.polyval(fit, index))
    keep = residual < 0.25 * PITCH
    if keep.sum() >= chars // 2:
        fit = np.polyfit(index[keep], offsets[keep], 1, w=np.sqrt(weights[keep]))
    return np.asarray(centres + np.polyval(fit, index), np.float32)


def cell_grids(ink: np.ndarray, centre_ys: list[np.ndarray], chars: int, start: float) -> list[np.ndarray]:
    """The zone's grid: per line the ``chars`` cells from ``start``, then, twice, a weighted fit of the cells'
    ink-centroid offsets with one slope for all lines and a start per line (the lines of a zone share their
    pitch, so a line of few or ambiguous glyphs — a name ending in filler — follows the others)."""
    rows = len(centre_ys)
    index = np.arange(chars, dtype=np.float64)
    centres = [start + PITCH * index.astype(np.float32) for _ in range(rows)]
    design = np.zeros((rows * chars, rows + 1))
    for r in range(rows):
        design[r * chars:(r + 1) * chars, r] = 1.0
        design[r * chars:(r + 1) * chars, rows] = index
    for _ in range(2):
        measured = [_centroid_offsets(ink, cy, c) for cy, c in zip(centre_ys, centres, strict=True)]
        offsets = np.concatenate([m[0] for m in measured]).astype(np.float64)
        weights = np.sqrt(np.concatenate([m[1] for m in measured]).astype(np.float64))
        if weights.sum() <= 0:
            break
        keep = weights > 0
        for _ in range(2):  # the second time without the cells the first fit explains worst
            solution, *_ = np.linalg.lstsq(design[keep] * weights[keep, None], offsets[keep] * weights[keep],
                                           rcond=None)
            residual = np.abs(offsets - design @ solution)
            if (residual < 0.25 * PITCH).sum() < rows * chars // 2:
                break
            keep = (residual < 0.25 * PITCH) & (weights > 0)
        shifts = design @ solution
        centres = [np.asarray(c + shifts[r * chars:(r + 1) * chars], np.float32) for r, c in enumerate(centres)]
    return centres


def align(ink: np.ndarray, centres: np.ndarray, centre_y: np.ndarray, model: CellRecogniser) -> np.ndarray:
    """The cell probabilities at the shift of the grid that the recogniser is most confident about: along the
    line every 2 px within ± ``SHIFT_RANGE``, then ± 1 px along it, then across it (a third of the cells vote,
    read by one network of an ensemble)."""
    sample = slice(1, None, 3)
    scout = model.members[0] if isinstance(model, GlyphEnsemble) else model  # one network is enough to align

    def confidence(shift: tuple[float, float]) -> float:
        probs = scout.probabilities(cell_features(ink, centres[sample] + shift[0], centre_y[sample] + shift[1]))
        return float(np.log(probs.max(axis=1) + 1e-6).sum())

    coarse = max(((float(dx), 0.0) for dx in range(-SHIFT_RANGE, SHIFT_RANGE + 1, 2)), key=confidence)
    along = max(((coarse[0] + fx, 0.0) for fx in (-1.0, 0.0, 1.0)), key=confidence)
    best = max(((along[0], fy) for fy in (-1.0, 0.0, 1.0)), key=confidence)
    x, y = centres + best[0], centre_y + best[1]
    # each cell at the nearby shift where it reads most surely, among the shifts that read the character the
    # shifts read on average (the grid fit can drift a pixel or two; a lone sure view of half a glyph is not taken)
    views = np.stack([model.probabilities(cell_features(ink, x + dx, y + dy)) for dx, dy in CELL_SHIFTS])
    label = views.mean(axis=0).argmax(axis=1)
    sure = np.where(views.argmax(axis=2) == label[None, :], views.max(axis=2), -1.0)
    return np.asarray(views[sure.argmax(axis=0), np.arange(len(x))], np.float32)


def recognise(canonical: np.ndarray, chars: int, rows: int, model: CellRecogniser,
              ink: np.ndarray | None = None) -> list[np.ndarray]:
    """Per line, the probability of each character in each cell (``ink``: the ink map of ``canonical`` when its
    pitch has already been evened out)."""
    if ink is None:
        canonical, ink = even_pitch(canonical, ink_map(canonical), rows)
    out = []
    grid = first_cell_x() + PITCH * np.arange(chars, dtype=np.float32)
    centre_ys = [line_centre(ink, expected, grid) for expected in line_centres_y(rows)]
    start = grid_start(np.sum([_column_profile(ink, cy) for cy in centre_ys], axis=0), chars)
    for cy, shared in zip(centre_ys, cell_grids(ink, centre_ys, chars, start), strict=True):
        own = cell_centres(ink, cy, chars, start)
        probs = align(ink, own, cy, model)
        if float(np.abs(own - shared).max()) > GRID_DISAGREEMENT:
            # the line's own fit and the zone's disagree: a character counts as sure only if both grids read it
            probs = (probs + align(ink, shared, cy, model)) / 2
        out.append(probs)
    return out


class MrzZoneReader:
    """Finds and recognises MRZ candidates in camera frames (a ``kiosk.mrz_camera.ZoneSource``).

    ``zones`` yields each candidate's character probabilities, then the same candidate upside down, best
    candidate first; ``kiosk.mrz_camera.read_mrz`` stops at the first whose check digits hold, so a frame that
    reads at once costs one recognition.
    """

    def __init__(self, model: CellRecogniser | None = None, *, max_candidates: int = MAX_CANDIDATES) -> None:
        self.model = model or glyph_model()
        self.max_candidates = max_candidates

    def zones(self, image: np.ndarray) -> Iterator[ZoneProbabilities]:
        gray = to_gray(image)
        for cand in find_zones(gray, limit=self.max_candidates):
            canonical = rectify(gray, cand)
            period = character_period(ink_map(canonical), cand.rows)
            if period < PITCH * (1 - MAX_PITCH_ERROR):  # the lines ran on into other text, or hold more glyphs
                trimmed = trim_to_zone(canonical, cand.rows, cand.chars, period)
                if trimmed is None:
                    continue
                canonical, period = trimmed, character_period(ink_map(trimmed), cand.rows)
            if abs(period / PITCH - 1) > MAX_PITCH_ERROR:
                continue  # the lines hold another number of characters (a 44-character zone taken for 36)
            even, ink = even_pitch(canonical, ink_map(canonical), cand.rows)
            if abs((even.shape[1] - 2 * MARGIN) / PITCH / cand.chars - 1) > MAX_PITCH_ERROR:
                continue  # at an even pitch the lines are too long or too short for this many characters
            with _BLAS.limit(limits=1, user_api="blas"):
                probs = recognise(even, cand.chars, cand.rows, self.model, ink)
            yield ZoneProbabilities(ALPHABET, tuple(probs))
            with _BLAS.limit(limits=1, user_api="blas"):
                probs = recognise(np.ascontiguousarray(canonical[::-1, ::-1]), cand.chars, cand.rows, self.model)
            yield ZoneProbabilities(ALPHABET, tuple(probs))
