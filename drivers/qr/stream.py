"""Decoding a camera stream: multi-frame fusion on top of the per-frame pipeline.

``StreamDecoder.feed(frame)`` decodes the frames of one camera stream in order and returns the first accepted
payload. Across frames it:

- skips frames much blurrier than the sharpest of the last few (the card still moving in, a hand shaking): the
  next frame arrives in 33 ms and is usually sharper, while a decoding attempt on a smeared frame would delay it;
  a frame is never skipped twice in a row, so a steadily blurred scene is still decoded;
- carries the positions of codes seen but not decoded into the next frame, so the crops are taken there even
  when that frame's first pass finds no symbol (glare moving over the code, a finger, a frame of noise).

Sharpness is the variance of the Laplacian of a quarter-size frame (about 0.3 ms at 720p).
"""

from __future__ import annotations

from collections import deque
from typing import Any

import cv2
import numpy as np

from drivers.qr.pipeline import DecodeResult, QrPipeline, to_gray

SHARPNESS_WINDOW = 6  # frames
SKIP_BELOW = 0.45  # skip a frame whose sharpness is below this fraction of the window's best


def sharpness(gray: np.ndarray) -> float:
    """Variance of the Laplacian of the frame reduced to a quarter of its size."""
    quarter = cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    return float(cv2.Laplacian(quarter, cv2.CV_32F).var())


class StreamDecoder:
    """Feed the frames of one stream in order; ``reset()`` between presentations. Not thread-safe."""

    def __init__(self, pipeline: QrPipeline | None = None, *, skip_blurred: bool = True) -> None:
        self.pipeline = pipeline or QrPipeline()
        self.skip_blurred = skip_blurred
        self.skipped = 0
        self._recent: deque[float] = deque(maxlen=SHARPNESS_WINDOW)
        self._hints: list[np.ndarray] = []
        self._skipped_last = False

    def reset(self) -> None:
        self._recent.clear()
        self._hints = []
        self._skipped_last = False

    def feed(self, image: Any) -> DecodeResult | None:
        """The accepted payload of this frame, or ``None`` (nothing yet, or the frame was skipped)."""
        gray = to_gray(image)
        if self.skip_blurred:
            score = sharpness(gray)
            best = max(self._recent, default=0.0)
            self._recent.append(score)
            if not self._skipped_last and score < SKIP_BELOW * best:
                self._skipped_last = True
                self.skipped += 1
                return None
        self._skipped_last = False
        result = self.pipeline.decode(gray, hints=self._hints)
        self._hints = self.pipeline.last_candidates or self._hints
        return result
