"""Decoding a camera stream: multi-frame fusion on top of the per-frame pipeline.

``StreamDecoder.feed(frame)`` decodes the frames of one camera stream in order and returns the first accepted
payload. Across frames it:

- skips frames much blurrier than the sharpest of the last few (the card still moving in, a hand shaking): the
  next frame arrives in 33 ms and is usually sharper, while a decoding attempt on a smeared frame would delay it;
  a frame is never skipped twice in a row, so a steadily blurred scene is still decoded;
- carries the positions of codes seen but not decoded into the next frame, so the crops are taken there even
  when that frame's first pass finds no symbol (glare moving over the code, a finger, a frame of noise);
- fuses the views of the code across frames when a frame alone cannot be read (``drivers.qr.fusion``): the
  region of the code (where zxing-cpp saw a symbol, or the most code-like region when it saw none) is tracked
  by image registration, and the mean and the minimum of its last aligned views are decoded by zxing-cpp and
  must pass ``accept`` like any other payload; where zxing-cpp sees the symbol in a fused view but cannot read
  it, the symbol's module grid is re-sampled there (``drivers.qr.grid``: a dim, noisy code whose modules only
  the averaged views separate). Noise, JPEG blocks and a moving glare spot differ from frame to frame; the code
  does not.

Sharpness is the variance of the Laplacian of a quarter-size frame (about 0.3 ms at 720p).

``StreamReader`` is what the kiosk's camera loop uses (``kiosk.scan.Scanner``): a stream decoder per thread,
with the rule for payloads that decode but are not accepted. ``bench/qr_stream.py`` measures that same class.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter, deque
from typing import Any

import cv2
import numpy as np

from drivers.qr.decoders import ZxingDecoder
from drivers.qr.fusion import TRACK_VIEWS, RegisteredViews, box_of
from drivers.qr.grid import resampled_symbols
from drivers.qr.pipeline import Accept, DecodeResult, QrPipeline, code_like_regions, to_gray

SHARPNESS_WINDOW = 6  # frames
SKIP_BELOW = 0.45  # skip a frame whose sharpness is below this fraction of the window's best
TRACKED_REGIONS = 3  # code-like regions tried in turn by the fusion when no decoder saw a symbol


def sharpness(gray: np.ndarray) -> float:
    """Variance of the Laplacian of the frame reduced to a quarter of its size."""
    quarter = cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    return float(cv2.Laplacian(quarter, cv2.CV_32F).var())


class StreamDecoder:
    """Feed the frames of one stream in order; ``reset()`` between presentations. Not thread-safe."""

    def __init__(self, pipeline: QrPipeline | None = None, *, skip_blurred: bool = True, fuse: bool = True) -> None:
        self.pipeline = pipeline or QrPipeline()
        self.skip_blurred = skip_blurred
        self.fuse = fuse
        self.skipped = 0
        self._track: RegisteredViews | None = None
        self._region = 0  # which code-like region the next track starts on
        self._readers: tuple[ZxingDecoder, ZxingDecoder] | None = None  # made on first use: fused views, grids
        self._recent: deque[float] = deque(maxlen=SHARPNESS_WINDOW)
        self._hints: list[np.ndarray] = []
        self._skipped_last = False

    def reset(self) -> None:
        self._recent.clear()
        self._hints = []
        self._track = None
        self._region = 0
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
        if result is None and self.fuse:
            result = self._fused(gray)
        return result

    def _fused(self, gray: np.ndarray) -> DecodeResult | None:
        """The payload of the fused views of the tracked region, once this frame added one."""
        started = time.perf_counter()
        box = self._target(gray)
        track = self._track
        if track is not None and track.added >= TRACK_VIEWS:  # not read: the next region
            self._region += 1
            box = self._target(gray)
            track = None
        if track is not None and (box is None or not track.covers(box) or not track.add(gray)):
            track = None  # the code is elsewhere now, or the registration lost it: start again from this frame
        if track is None:
            self._track = None
            if box is not None:
                with contextlib.suppress(ValueError):  # a region too small to track
                    self._track = RegisteredViews(gray, box)
            return None
        if self._readers is None:
            self._readers = ZxingDecoder(fast=True), ZxingDecoder(pure=True)
        reader, pure = self._readers
        accept = self.pipeline.accept
        for name, image in track.fused().items():
            for payload in reader.decode(image):
                if accept is None or accept(payload):
                    return DecodeResult(payload, name, (time.perf_counter() - started) * 1000)
            for quad, modules in zip(reader.candidates[:1], reader.candidate_modules[:1], strict=False):
                for symbol in resampled_symbols(image, quad, modules):
                    for payload in pure.decode(symbol):
                        if accept is None or accept(payload):
                            return DecodeResult(payload, f"{name}+grid", (time.perf_counter() - started) * 1000)
        return None

    def _target(self, gray: np.ndarray) -> tuple[int, int, int, int] | None:
        """Where the code is in this frame: the symbol zxing-cpp saw (in this frame or an earlier one) if it is
        about a code's size (not a finder-like pattern inside one), else the current one of the frame's most
        code-like regions."""
        regions = code_like_regions(gray, TRACKED_REGIONS)
        seen = self.pipeline.last_candidates or self._hints
        if seen and regions:
            box = box_of(seen[0])
            if min(box[2] - box[0], box[3] - box[1]) >= regions[0][2]:  # at least half a region's side
                return box
        if not regions:
            return None
        cx, cy, half = regions[self._region % len(regions)]
        return cx - half, cy - half, cx + half, cy + half


REPORT_REJECTED_AFTER = 3  # frames showing the same refused payload before it is handed to the caller


class StreamReader:
    """The camera loop's QR reader (``kiosk.scan.QrDecoder``): ``decode(frame)`` feeds the calling thread's
    ``StreamDecoder`` and returns the first payload ``accept`` takes.

    A payload that decodes but ``accept`` refuses (another kind of QR, a VNeID app code) is returned only once
    it has been seen on ``report_after`` frames of the stream, so the caller can say what is wrong with the code
    held up, while a single-frame misread that passed error correction is never handed on. ``reset()`` starts
    a new presentation. Safe to share between threads: each thread decodes with its own pipeline.
    """

    def __init__(self, accept: Accept | None = None, *, report_after: int = REPORT_REJECTED_AFTER) -> None:
        self.accept = accept
        self.report_after = report_after
        self._local = threading.local()

    def _state(self) -> tuple[StreamDecoder, Counter[bytes]]:
        state: tuple[StreamDecoder, Counter[bytes]] | None = getattr(self._local, "state", None)
        if state is None:
            state = self._local.state = (StreamDecoder(QrPipeline(accept=self.accept)), Counter())
        return state

    def reset(self) -> None:
        """Forget the calling thread's stream (a new presentation)."""
        decoder, rejected = self._state()
        decoder.reset()
        rejected.clear()

    def decode(self, frame: Any) -> bytes | None:
        """The accepted payload of this frame, a refused one seen often enough, or ``None``. Raises
        ``drivers.qr.pipeline.ImageError`` on a frame that is not an image."""
        decoder, rejected = self._state()
        skipped = decoder.skipped
        result = decoder.feed(frame)
        if result is not None:
            return result.payload
        if decoder.skipped != skipped:  # not decoded: nothing new was refused
            return None
        for payload in decoder.pipeline.last_rejected:
            rejected[payload] += 1
            if rejected[payload] >= self.report_after:
                return payload
        return None
