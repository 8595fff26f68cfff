"""The QR decoding pipeline: an image or camera frame in, the raw payload bytes out.

Stages run in order and stop at the first accepted payload; each later stage runs only when the earlier ones
found nothing. The stages were chosen by measurement (``bench/qr.py``): zxing-cpp on the frame decodes most
frames at the lowest cost; an unsharp-masked pass recovers defocused and small codes; 2× upscaled, sharpened
passes recover part of the remaining blur, glare and tiny modules. Among the images these stages miss, zbar
in binary mode and OpenCV's classic and Aruco detectors each read one ZXing black-box image and no card frame;
zbar is kept (the cheapest of the three on the black-box images) and runs only when a zxing-cpp pass saw a
symbol it could not decode, so never on the many frames without a card. WeChat without its CNN models read
four black-box images and no card frame, at 0.1–0.8 s per frame, and returns text rather than the stored
bytes: not used.

Every stage returns the bytes stored in the code (no charset guessing), so the pipeline never returns
transcoded text. ``accept`` lets the caller reject payloads that decode but are not what it expects (another
QR in view, a misread that passed error correction): the pipeline then carries on with the next stage.

A pipeline holds native detector state and is bound to the thread that created it; use ``thread_pipeline()``
to get the calling thread's instance.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from drivers.qr.decoders import QrDecoder, ZbarBinaryDecoder, ZxingDecoder
from wire.errors import CodedError

Accept = Callable[[bytes], bool]
Preprocess = Callable[[np.ndarray], np.ndarray]

# Upscaled passes stop at this width, which bounds their cost on 1080p frames (1.5× instead of 2×).
MAX_UPSCALED_WIDTH = 2880
# The largest image read, checked from the file's header before decoding: a 48 MP phone photo passes, while a
# small file claiming 30000×30000 pixels (gigabytes once decoded) is refused.
MAX_IMAGE_PIXELS = 50_000_000


class ImageError(CodedError, ValueError):
    """The input is not an image the pipeline can read."""

    code = "unreadable-image"


@dataclass(frozen=True)
class DecodeResult:
    payload: bytes
    decoder: str  # the stage that decoded it
    ms: float  # total time spent in the pipeline for this image


@dataclass(frozen=True)
class Stage:
    """One decoding attempt. A ``gated`` stage runs only if an earlier zxing-cpp pass saw an undecoded symbol."""

    name: str
    decoder: QrDecoder
    preprocess: Preprocess | None = None
    gated: bool = False


def unsharp(gray: np.ndarray, sigma: float, amount: float) -> np.ndarray:
    """Unsharp mask: ``gray + amount × (gray − blur(gray, sigma))``, saturated to uint8."""
    blurred = cv2.GaussianBlur(gray, (0, 0), sigma)
    return cv2.addWeighted(gray, 1 + amount, blurred, -amount, 0)


def sharpened(gray: np.ndarray) -> np.ndarray:
    return unsharp(gray, 1.5, 2.0)


def _upscaled(gray: np.ndarray) -> np.ndarray:
    factor = min(2.0, MAX_UPSCALED_WIDTH / gray.shape[1])
    if factor > 1.05:
        gray = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
    return gray


def upscaled_sharpened(gray: np.ndarray) -> np.ndarray:
    return unsharp(_upscaled(gray), 2.0, 2.0)


def upscaled_strongly_sharpened(gray: np.ndarray) -> np.ndarray:
    return unsharp(_upscaled(gray), 2.5, 4.0)


def default_stages() -> list[Stage]:
    zxing = ZxingDecoder()
    return [
        Stage("zxing-cpp", zxing),
        Stage("zxing-cpp+sharpen", zxing, sharpened),
        Stage("zxing-cpp+upscale", zxing, upscaled_sharpened),
        Stage("zxing-cpp+upscale-strong", zxing, upscaled_strongly_sharpened),
        Stage("zbar-binary", ZbarBinaryDecoder(), gated=True),
    ]


def _check_pixels(width: int, height: int) -> None:
    if width * height > MAX_IMAGE_PIXELS:
        raise ImageError(f"the image has {width}×{height} pixels, more than the {MAX_IMAGE_PIXELS} read: "
                         "send a smaller image")


def _check_header(data: bytes) -> None:
    """Refuse an image whose header claims too many pixels, before anything decodes it (Pillow reads the header
    only; a format it does not know is left to OpenCV)."""
    try:
        with Image.open(io.BytesIO(data)) as header:
            width, height = header.size
    except Image.DecompressionBombError as exc:
        raise ImageError(f"the image has more than {MAX_IMAGE_PIXELS} pixels: send a smaller image") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return
    _check_pixels(width, height)


def to_gray(image: Any) -> np.ndarray:
    """A 2-D uint8 array from a path, a PIL image or a numpy gray/BGR/BGRA frame, of at most ``MAX_IMAGE_PIXELS``."""
    if isinstance(image, str | Path):
        try:
            raw = Path(image).read_bytes()
        except OSError as exc:
            raise ImageError("cannot read the image file") from exc
        _check_header(raw)
        data = np.frombuffer(raw, np.uint8)
        try:
            gray = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE) if data.size else None
        except cv2.error as exc:
            raise ImageError("cannot decode the image file") from exc
        if gray is None:
            raise ImageError("cannot read the image file (missing, unreadable or not an image)")
        return gray
    if isinstance(image, np.ndarray):
        _check_pixels(image.shape[1] if image.ndim > 1 else 1, image.shape[0])
        if image.dtype != np.uint8:
            raise ImageError("frames must be uint8")
        if image.ndim == 2:
            return image
        if image.ndim == 3 and image.shape[2] == 3:
            return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        if image.ndim == 3 and image.shape[2] == 4:
            return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
        raise ImageError("frames must be gray (H×W), BGR or BGRA (H×W×3/4)")
    if isinstance(image, Image.Image):
        _check_pixels(*image.size)
        return np.asarray(image.convert("L"), dtype=np.uint8)
    raise ImageError(f"unsupported image type {type(image).__name__}")


class QrPipeline:
    """Decode one QR payload per image. Not thread-safe: one instance per thread (see ``thread_pipeline``)."""

    def __init__(self, stages: Sequence[Stage] | None = None, *, accept: Accept | None = None) -> None:
        self.stages = list(stages) if stages is not None else default_stages()
        self.accept = accept
        self._thread = threading.get_ident()

    def decode(self, image: Any) -> DecodeResult | None:
        """The first accepted payload found in ``image``, or ``None``. Raises ``ImageError`` on bad input."""
        if threading.get_ident() != self._thread:
            raise RuntimeError("a QrPipeline is bound to the thread that created it; use thread_pipeline()")
        start = time.perf_counter()
        gray = to_gray(image)
        saw_candidate = False
        for stage in self.stages:
            if stage.gated and not saw_candidate:
                continue
            frame = stage.preprocess(gray) if stage.preprocess else gray
            for payload in stage.decoder.decode(frame):
                if self.accept is None or self.accept(payload):
                    return DecodeResult(payload, stage.name, (time.perf_counter() - start) * 1000)
            saw_candidate = saw_candidate or bool(getattr(stage.decoder, "saw_candidate", False))
        return None


_local = threading.local()


def thread_pipeline() -> QrPipeline:
    """The calling thread's default pipeline (created on first use)."""
    pipeline: QrPipeline | None = getattr(_local, "pipeline", None)
    if pipeline is None:
        pipeline = _local.pipeline = QrPipeline()
    return pipeline
