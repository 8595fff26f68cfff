"""Re-sampling a QR symbol's module grid from a camera frame, as a clean binary image.

zxing-cpp locates a symbol it then fails to decode (``ZxingDecoder.candidates``: its corners and version) when the
pixels it samples, one per module, are on the wrong side of its binarizer's threshold: a glare or a shadow edge
across the code, a module lightened by wear, noise. Here the symbol's quadrilateral is rectified to a grid of
``SAMPLES`` × ``SAMPLES`` pixels per module, each module's value is the mean of its central samples (noise and blur
average out), and each module is compared with a threshold of its own neighbourhood of modules (light and dark
levels follow a glare or a shadow across the code). The decision is drawn as a perfect symbol with its quiet zone,
which zxing-cpp reads in pure mode in well under a millisecond; Reed–Solomon still decides, and the payload still
goes through the caller's accept rule, so a wrong sample costs a miss, never a wrong text.

Each symbol yields several renderings, from the sharpest decision to the most forgiving: a threshold halfway
between the local light and dark levels, then the local mean.
"""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np

SAMPLES = 5  # pixels per module in the rectified grid; the central 3 × 3 are averaged
RENDER = 4  # pixels per module in the rendered symbol
QUIET = 4  # modules of quiet zone around it
WINDOW = 7  # modules across the neighbourhood of a module's threshold
MAX_MODULES = 177  # version 40


def modules_of(version: str) -> int:
    """Modules across a QR symbol of ``version`` as zxing-cpp names it (``"8"``), 0 for Micro/rMQR or unknown."""
    return 4 * int(version) + 17 if version.isdigit() and 1 <= int(version) <= 40 else 0


def module_means(gray: np.ndarray, corners: np.ndarray, modules: int) -> np.ndarray | None:
    """The mean of each module's central samples (``modules`` × ``modules`` float32), with the symbol's outer
    ``corners`` (top-left, top-right, bottom-right, bottom-left, frame pixels) mapped to the grid's corners."""
    if not 21 <= modules <= MAX_MODULES:
        return None
    side = modules * SAMPLES
    target = np.array([[0, 0], [side, 0], [side, side], [0, side]], np.float32)
    matrix = cv2.getPerspectiveTransform(np.asarray(corners, np.float32), target)
    grid = cv2.warpPerspective(gray, matrix, (side, side), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    cells = grid.reshape(modules, SAMPLES, modules, SAMPLES).astype(np.float32)
    return np.asarray(cells[:, 1:-1, :, 1:-1].mean(axis=(1, 3)), np.float32)


def decisions(means: np.ndarray) -> Iterator[np.ndarray]:
    """Dark-module maps (bool) from module means: midway between the neighbourhood's light and dark levels
    (its 90th and 10th percentile, approximated by a dilation and an erosion, smoothed), then the local mean."""
    kernel = np.ones((WINDOW, WINDOW), np.uint8)
    light = cv2.GaussianBlur(cv2.dilate(means, kernel), (0, 0), WINDOW / 3)
    dark = cv2.GaussianBlur(cv2.erode(means, kernel), (0, 0), WINDOW / 3)
    yield means < (light + dark) / 2
    yield means < cv2.blur(means, (WINDOW, WINDOW), borderType=cv2.BORDER_REFLECT)


def render(dark: np.ndarray) -> np.ndarray:
    """A perfect symbol (uint8, black on white) of a dark-module map, with its quiet zone."""
    modules = np.where(dark, 0, 255).astype(np.uint8)
    framed = cv2.copyMakeBorder(modules, QUIET, QUIET, QUIET, QUIET, cv2.BORDER_CONSTANT, value=255)
    return np.asarray(cv2.resize(framed, None, fx=RENDER, fy=RENDER, interpolation=cv2.INTER_NEAREST), np.uint8)


def resampled_symbols(gray: np.ndarray, corners: np.ndarray, modules: int) -> Iterator[np.ndarray]:
    """Clean renderings of the symbol at ``corners`` (see the module docstring); nothing if the size is unknown."""
    means = module_means(gray, corners, modules)
    if means is None:
        return
    for dark in decisions(means):
        yield render(dark)
