"""Re-sampling a QR symbol's module grid from a camera frame, as a clean binary image.

zxing-cpp locates a symbol it then fails to decode (``ZxingDecoder.candidates``: its corners and version) when the
pixels it samples, one per module, are on the wrong side of its binarizer's threshold: a glare or a shadow edge
across the code, a module lightened by wear, noise. Here the symbol's quadrilateral is rectified to a grid of
``SAMPLES`` × ``SAMPLES`` pixels per module, each module's value is the mean of its central samples (noise and blur
average out), and each module is compared with a threshold of its own neighbourhood of modules (light and dark
levels follow a glare or a shadow across the code). The decision is drawn as a perfect symbol with its quiet zone,
which zxing-cpp reads in pure mode in well under a millisecond; Reed–Solomon still decides, and the payload still
goes through the caller's accept rule, so a wrong sample costs a miss, never a wrong text.

The grid is not taken as a plane: the finder and alignment patterns are looked for around where the corners'
homography puts them, and a smooth displacement fitted to where they are found carries the sample points (a
bowed card, a tilted phone). The decision undoes the blur's spill between neighbouring modules (``equalised``).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

import cv2
import numpy as np

SAMPLES = 3  # pixels per module in the rectified image where the function patterns are located
PER_MODULE = 3  # sample points per module along each axis, at 1/6, 1/2 and 5/6 of it, averaged
SEARCH = 1.5  # modules: how far from the corners' homography a function pattern is looked for
MIN_MATCH = 0.4  # normalised correlation below which a function pattern is taken as not found
RENDER = 4  # pixels per module in the rendered symbol
QUIET = 4  # modules of quiet zone around it
WINDOW = 7  # modules across the neighbourhood of a module's threshold
MAX_MODULES = 177  # version 40
EQUALISER_ROUNDS = 3
FOLLOW_PATCH = 6  # modules: the side of the neighbourhood matched to follow a warped symbol
FOLLOW_REACH = 2 / 3  # modules: how far it is looked for from where the grid puts it
FOLLOW_SMOOTHING = 1.5  # modules: the Gaussian smoothing of the shifts found
FOLLOW_ROUNDS = 3


def modules_of(version: str) -> int:
    """Modules across a QR symbol of ``version`` as zxing-cpp names it (``"8"``), 0 for Micro/rMQR or unknown."""
    return 4 * int(version) + 17 if version.isdigit() and 1 <= int(version) <= 40 else 0


def alignment_centres(modules: int) -> list[tuple[int, int]]:
    """Centres (row, column) of the alignment patterns of a symbol ``modules`` across (ISO/IEC 18004 Annex E)."""
    version = (modules - 17) // 4
    if version < 2:
        return []
    count = version // 7 + 2
    step = 26 if version == 32 else (version * 4 + count * 2 + 1) // (count * 2 - 2) * 2
    positions = [6, *[modules - 7 - i * step for i in range(count - 1)][::-1]]
    last = positions[-1]
    return [(r, c) for r in positions for c in positions
            if not ((r == 6 and c == 6) or (r == 6 and c == last) or (r == last and c == 6))]


def _pattern(size: int, rings: tuple[int, ...]) -> np.ndarray:
    """A square pattern of concentric rings of one module, dark (1) / light (0) from the outside in."""
    out = np.zeros((size, size), np.float32)
    for k, dark in enumerate(rings):
        out[k:size - k, k:size - k] = dark
    return out


FINDER = _pattern(9, (0, 1, 0, 1, 1))  # with its light separator
ALIGNMENT = _pattern(5, (1, 0, 1))


def _template(pattern: np.ndarray) -> np.ndarray:
    return np.asarray(cv2.resize(255 - 255 * pattern, None, fx=SAMPLES, fy=SAMPLES,
                                 interpolation=cv2.INTER_NEAREST), np.float32)


@cache
def control_points(modules: int) -> tuple[tuple[float, float, np.ndarray], ...]:
    """Function patterns to locate (centre column, centre row in modules, template at ``SAMPLES`` px/module)."""
    far = modules - 3.5
    points = [(3.5, 3.5, FINDER), (far, 3.5, FINDER), (3.5, far, FINDER)]
    points += [(c + 0.5, r + 0.5, ALIGNMENT) for r, c in alignment_centres(modules)]
    return tuple((x, y, _template(p)) for x, y, p in points)


def _polynomial(u: np.ndarray, v: np.ndarray, terms: int) -> np.ndarray:
    """The displacement model's basis at (u, v) (module coordinates scaled to −0.5 … 0.5): affine, or quadratic
    when there are enough control points."""
    columns = [np.ones_like(u), u, v, u * u, u * v, v * v][:terms]
    return np.stack(columns, axis=-1)


@cache
def _sample_basis(modules: int, terms: int) -> tuple[np.ndarray, np.ndarray]:
    """The sample points in module coordinates (``modules·PER_MODULE`` square × 2) and the model's basis there."""
    steps = (np.arange(modules * PER_MODULE) + 0.5) / PER_MODULE
    points = np.stack(np.meshgrid(steps, steps), axis=-1).astype(np.float32)
    return points, _polynomial(points[..., 0] / modules - 0.5, points[..., 1] / modules - 0.5, terms)


def _peak(scores: np.ndarray, axis: int) -> float:
    """Sub-sample position of the correlation peak along ``axis`` (a parabola through three samples)."""
    y, x = np.unravel_index(int(np.argmax(scores)), scores.shape)
    centre = (y, x)[axis]
    if not 0 < centre < scores.shape[axis] - 1:
        return float(centre)
    index = [y, x]
    before, after = list(index), list(index)
    before[axis] -= 1
    after[axis] += 1
    a, b, c = scores[tuple(before)], scores[tuple(index)], scores[tuple(after)]
    curve = a - 2 * b + c
    return float(centre + (0.5 * (a - c) / curve if curve < 0 else 0.0))


def located_grid(gray: np.ndarray, corners: np.ndarray, modules: int, *, search: bool = True) -> np.ndarray:
    """Where the ``PER_MODULE`` × ``PER_MODULE`` sample points of each module are in the frame
    (``modules·PER_MODULE`` square × 2, float32): the homography of ``corners``, corrected by a smooth
    displacement fitted to where the finder and alignment patterns are found (a bent, bowed or creased code is
    not a plane)."""
    margin = 3
    side = (modules + 2 * margin) * SAMPLES
    target = np.array([[0, 0], [modules, 0], [modules, modules], [0, modules]], np.float32)
    to_grid = cv2.getPerspectiveTransform(np.asarray(corners, np.float32), (target + margin) * SAMPLES)
    rectified = cv2.warpPerspective(gray, to_grid, (side, side), flags=cv2.INTER_LINEAR,
                                    borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
    found: list[tuple[float, float, float, float]] = []
    reach = round(SEARCH * SAMPLES)
    for x, y, template in control_points(modules) if search else ():
        h = template.shape[0]
        x0 = round((x + margin) * SAMPLES - h / 2) - reach
        y0 = round((y + margin) * SAMPLES - h / 2) - reach
        if x0 < 0 or y0 < 0:
            continue
        window = rectified[y0:y0 + h + 2 * reach, x0:x0 + h + 2 * reach]
        if window.shape[0] < h or window.shape[1] < h:
            continue
        scores = cv2.matchTemplate(window, template, cv2.TM_CCOEFF_NORMED)
        if float(scores.max()) < MIN_MATCH:
            continue
        found.append((x, y, (_peak(scores, 1) - reach) / SAMPLES, (_peak(scores, 0) - reach) / SAMPLES))
    terms = 6 if len(found) >= 6 else 3
    points, basis = _sample_basis(modules, terms)
    if len(found) >= 3:
        pts = np.array(found, np.float64)
        fit = _polynomial(pts[:, 0] / modules - 0.5, pts[:, 1] / modules - 0.5, terms)
        coefficients = np.linalg.lstsq(fit, pts[:, 2:], rcond=None)[0].astype(np.float32)  # terms × 2
        points = points + basis @ coefficients
    to_frame = np.linalg.inv(to_grid)
    frame_points = cv2.perspectiveTransform(((points + margin) * SAMPLES).reshape(-1, 1, 2), to_frame)
    return np.asarray(frame_points.reshape(modules * PER_MODULE, modules * PER_MODULE, 2), np.float32)


def module_means(gray: np.ndarray, corners: np.ndarray, modules: int, *, locate: bool = True) -> np.ndarray | None:
    """The mean of each module's ``PER_MODULE`` × ``PER_MODULE`` central samples (``modules`` square, float32),
    the symbol's outer ``corners`` (top-left, top-right, bottom-right, bottom-left, frame pixels) given;
    ``locate=False`` keeps the corners' homography (for the benchmark's ablation)."""
    if not 21 <= modules <= MAX_MODULES:
        return None
    return _means(_sampled(gray, located_grid(gray, corners, modules, search=locate)), modules)


def _sampled(gray: np.ndarray, points: np.ndarray) -> np.ndarray:
    samples = cv2.remap(gray, points[..., 0], points[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return np.asarray(samples, np.float32)


def _means(samples: np.ndarray, modules: int) -> np.ndarray:
    return np.asarray(samples.reshape(modules, PER_MODULE, modules, PER_MODULE).mean(axis=(1, 3)), np.float32)


def _normalised(image: np.ndarray, size: int) -> np.ndarray:
    """``image`` made zero-mean and unit-deviation over each ``size`` square neighbourhood."""
    mean = cv2.blur(image, (size, size))
    centred = image - mean
    deviation = np.sqrt(cv2.blur(centred * centred, (size, size)))
    return np.asarray(centred / np.maximum(deviation, 1.0), np.float32)


def followed_grid(gray: np.ndarray, points: np.ndarray, dark: np.ndarray) -> np.ndarray:
    """The sample points moved to follow the symbol where it is not a smooth surface (a code printed on cloth,
    a creased sleeve): the symbol as decided (``dark``, function patterns as the standard fixes them) is drawn
    at the samples' resolution and, around every sample, the shift (within ``FOLLOW_REACH`` modules) that best
    correlates a ``FOLLOW_PATCH``-module neighbourhood of it with the samples is found; the shifts, weighted by
    how well they match and smoothed, move the points. Where most modules were decided right, the decided
    symbol is a template of the real one."""
    modules = dark.shape[0]
    fixed, fixed_dark = function_patterns(modules)
    drawn = np.where(np.where(fixed, fixed_dark, dark), 0.0, 255.0).astype(np.float32)
    ideal = cv2.GaussianBlur(cv2.resize(drawn, None, fx=PER_MODULE, fy=PER_MODULE, interpolation=cv2.INTER_NEAREST),
                             (0, 0), 0.6)
    patch = FOLLOW_PATCH * PER_MODULE
    reach = round(FOLLOW_REACH * PER_MODULE)
    template = _normalised(ideal, patch)
    seen = cv2.copyMakeBorder(_normalised(_sampled(gray, points), patch), reach, reach, reach, reach,
                              cv2.BORDER_REPLICATE)
    side = modules * PER_MODULE
    span = 2 * reach + 1
    scores = np.stack([cv2.blur(template * seen[dy:dy + side, dx:dx + side], (patch, patch))
                       for dy in range(span) for dx in range(span)])
    best = scores.argmax(axis=0)
    match = scores.max(axis=0)
    by, bx = np.divmod(best, span)
    shift = [(bx - reach).astype(np.float32), (by - reach).astype(np.float32)]  # smoothed below: sub-sample
    weight = np.clip(match - MIN_MATCH, 0.0, None).astype(np.float32)
    sigma = FOLLOW_SMOOTHING * PER_MODULE
    total = cv2.GaussianBlur(weight, (0, 0), sigma) + 1e-6
    field = [cv2.GaussianBlur((weight * s).astype(np.float32), (0, 0), sigma) / total for s in shift]
    base_x, base_y = np.meshgrid(np.arange(side, dtype=np.float32), np.arange(side, dtype=np.float32))
    moved_x, moved_y = base_x + field[0], base_y + field[1]
    return np.stack([cv2.remap(points[..., k], moved_x, moved_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
                     for k in range(2)], axis=-1)


def decision(means: np.ndarray, *, equalise: bool = True) -> np.ndarray:
    """The dark-module map (bool) of module means: normalised between the neighbourhood's light and dark levels
    (a dilation and an erosion, smoothed), then ``equalised`` from a first decision halfway between them.
    (Measured on the dev split: the halfway or local-mean decisions alone read none of the symbols this reads.)"""
    kernel = np.ones((WINDOW, WINDOW), np.uint8)
    light = cv2.GaussianBlur(cv2.dilate(means, kernel), (0, 0), WINDOW / 3)
    dark = cv2.GaussianBlur(cv2.erode(means, kernel), (0, 0), WINDOW / 3)
    level = (means - dark) / np.maximum(light - dark, 1.0)  # 0 dark … 1 light
    return equalised(level, level > 0.5) if equalise else np.asarray(level <= 0.5)


def equalised(level: np.ndarray, light: np.ndarray, rounds: int = EQUALISER_ROUNDS) -> np.ndarray:
    """Dark-module map of normalised levels, undoing the spill of blur between neighbouring modules.

    A module's level is modelled as ``a·own + b·(mean of its 4 neighbours) + c + d·(mean of its 4 diagonal
    neighbours)`` with own and neighbours 1 for light, 0 for dark; the coefficients are fitted to the current
    decisions by least squares, and each module is then given the value its level fits best, given its
    neighbours. A light module among dark ones, dimmed by the blur, is read light again.
    """
    cross = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], np.float32) / 4
    corner = np.array([[1, 0, 1], [0, 0, 0], [1, 0, 1]], np.float32) / 4
    x = light.astype(np.float32)
    for _ in range(rounds):
        framed = cv2.copyMakeBorder(x, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=1.0)  # the light quiet zone
        near = cv2.filter2D(framed, -1, cross)[1:-1, 1:-1]
        diagonal = cv2.filter2D(framed, -1, corner)[1:-1, 1:-1]
        basis = np.stack([x.ravel(), near.ravel(), np.ones(x.size, np.float32), diagonal.ravel()], axis=1)
        a, b, c, d = np.linalg.lstsq(basis, level.ravel(), rcond=None)[0]
        if a <= 0:
            break
        rest = b * near + c + d * diagonal
        x = (np.abs(level - (a + rest)) < np.abs(level - rest)).astype(np.float32)
    return np.asarray(x < 0.5)


@cache
def function_patterns(modules: int) -> tuple[np.ndarray, np.ndarray]:
    """Where a symbol ``modules`` across has fixed modules (finders with their separators, timing patterns,
    alignment patterns, the dark module) and which of them are dark: two bool arrays."""
    fixed = np.zeros((modules, modules), bool)
    dark = np.zeros((modules, modules), bool)
    finder = FINDER[1:, 1:] > 0  # 8 × 8: the pattern and its separator on the inner sides
    for r, c, block in ((0, 0, finder), (0, modules - 8, finder[:, ::-1]), (modules - 8, 0, finder[::-1])):
        fixed[r:r + 8, c:c + 8] = True
        dark[r:r + 8, c:c + 8] = block
    for i in range(8, modules - 8):
        fixed[6, i] = fixed[i, 6] = True
        dark[6, i] = dark[i, 6] = i % 2 == 0
    for r, c in alignment_centres(modules):
        fixed[r - 2:r + 3, c - 2:c + 3] = True
        dark[r - 2:r + 3, c - 2:c + 3] = ALIGNMENT > 0
    fixed[modules - 8, 8] = dark[modules - 8, 8] = True
    return fixed, dark


def render(dark: np.ndarray) -> np.ndarray:
    """A perfect symbol (uint8, black on white) of a dark-module map, with its quiet zone; the function
    patterns are drawn as the standard fixes them (the reader in pure mode locates the symbol by them)."""
    fixed, fixed_dark = function_patterns(dark.shape[0])
    modules = np.where(np.where(fixed, fixed_dark, dark), 0, 255).astype(np.uint8)
    framed = cv2.copyMakeBorder(modules, QUIET, QUIET, QUIET, QUIET, cv2.BORDER_CONSTANT, value=255)
    return np.asarray(cv2.resize(framed, None, fx=RENDER, fy=RENDER, interpolation=cv2.INTER_NEAREST), np.uint8)


def resampled_symbols(gray: np.ndarray, corners: np.ndarray, modules: int, *, locate: bool = True,
                      equalise: bool = True) -> Iterator[np.ndarray]:
    """The clean rendering of the symbol at ``corners`` (see the module docstring); nothing if its size is
    unknown. ``locate`` and ``equalise`` off are the benchmark's ablation."""
    means = module_means(gray, corners, modules, locate=locate)
    if means is not None:
        yield render(decision(means, equalise=equalise))


def followed_symbols(gray: np.ndarray, corners: np.ndarray, modules: int) -> Iterator[np.ndarray]:
    """The symbol at ``corners`` rendered on a grid moved to follow its warps (``followed_grid``), once per round,
    up to ``FOLLOW_ROUNDS`` rounds while the decision still changes; nothing if its size is unknown. The rounds
    start from the corners' homography: the smooth displacement fitted through the finder and alignment patterns
    (``located_grid``) suits a bowed card, but bends the grid away from a wavy one (measured on cloth: 4 wrong
    modules of 2401 from the homography, 126 from the fit)."""
    if not 21 <= modules <= MAX_MODULES:
        return
    points = located_grid(gray, corners, modules, search=False)  # a smooth fit through the patterns bends it wrong
    dark = decision(_means(_sampled(gray, points), modules))
    for _ in range(FOLLOW_ROUNDS):
        points = followed_grid(gray, points, dark)
        moved = decision(_means(_sampled(gray, points), modules))
        if (moved == dark).all():
            return
        dark = moved
        yield render(dark)
