"""The QR decoding pipeline: an image or camera frame in, the raw payload bytes out.

A cascade, cheapest first, that stops at the first accepted payload; each later stage runs only when the earlier
ones found nothing. No view is decoded once the thread's CPU time reaches ``RELATIVE_BUDGET`` times what the first
pass took (at least ``MIN_BUDGET_MS``), nor after ``budget_ms``: a frame costs in proportion to what zxing-cpp
alone spends on it, which keeps the median within 2× zxing-cpp's. The stages were chosen by measurement
(``bench/qr.py``, dev split of ``drivers.sim.realistic_frames``):

1. zxing-cpp on the grayscale frame, QR Model 2 only, without its inverted and downscaled passes: most frames,
   at the lowest cost (zxing-cpp's QR family also looks for Micro QR, rMQR and Model 1 symbols, whose
   look-alikes in a card's text are most of the undecoded symbols it reports);
2. candidate crops: where zxing-cpp found finder patterns and a grid but error correction failed (glare, JPEG
   blocks, defocus, fingers, shadows), the region is unsharp-masked, enlarged to about 480 px and decoded again:
   a millisecond, because only the code's neighbourhood is processed;
3. the re-sampled grid of those symbols (``drivers.qr.grid``): finder and alignment patterns located, a curved
   grid fitted through them, each module averaged and decided against its neighbourhood with the blur's spill
   between modules removed, the result drawn as a perfect symbol and read in pure mode;
4. localised crops: where zxing-cpp found nothing (modules of 2–3 px smeared by noise, motion or rolling
   shutter, a code without its quiet zone), the two regions of the frame densest in edges along both axes (a QR
   code is) are sharpened, enlarged 2.2× and decoded;
5. the frame in negative, when no symbol was seen: codes printed light on dark, dark-mode screens;
6. the crops of 2 and 4 with dark modules thickened (a 3 × 3 minimum filter): overexposed phone screens and
   glare bloom light modules into dark ones; a crop blown out to white is also binarized just below its white
   level (what is left of a bloomed dark module is a faint dip);
7. the undecoded symbols of stage 3 on a grid that follows their warps (``grid.followed_symbols``): the symbol as
   decided is matched patch by patch against the frame and the grid moved where it matches, for a code printed
   on cloth or in a creased sleeve, which no plane or smooth curve fits (last: it costs a few milliseconds, and
   only such symbols need it);
8. frames over ``HUGE_WIDTH`` (phone photos) at half size, with zxing-cpp's inverted and downscaled passes.

Measured and not kept as stages (see ``bench/results/qr.md``): CLAHE, a global-histogram binarizer, median or
bilateral denoising, a half-size pass, glare inpainting (each read fewer frames than the sharpened crops, on
every category, glare included); full-frame 2× upscaling (reads what the crops read at 5–10× their cost); zbar
in binary mode (one frame in a hundred and sixty, at 40–50 ms a try); OpenCV's detectors and WeChat without its
models; zxing-cpp's inverted and downscaled passes on the full frame after the crops.

Every stage returns the bytes stored in the code (no charset guessing), so the pipeline never returns
transcoded text. ``accept`` lets the caller reject payloads that decode but are not what it expects (another
QR in view, a misread that passed error correction): the pipeline then carries on with the next stage.

Images above ``MAX_IMAGE_PIXELS`` are refused before they are decoded (``check_image_size``), from the file
header for paths, so a huge file is never allocated.

A pipeline holds native detector state and is bound to the thread that created it; use ``thread_pipeline()``
to get the calling thread's instance.
"""

from __future__ import annotations

import io
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from drivers.qr.decoders import QrDecoder, ZxingDecoder
from drivers.qr.grid import followed_symbols, resampled_symbols
from wire.errors import CodedError

Accept = Callable[[bytes], bool]

# The largest image read, checked from the file's header before decoding: a 48 MP phone photo passes, while a
# small file claiming 30000×30000 pixels (gigabytes once decoded) is refused. 200 MB of BGR at most.
MAX_IMAGE_PIXELS = 50_000_000
# No stage starts after this much CPU time of the decoding thread (a 30 fps stream offers ~33 ms per frame).
# CPU time rather than wall time: on a loaded machine a wall-clock budget would skip stages at random.
DEFAULT_BUDGET_MS = 40.0
# Nor after this many times the CPU time of the first pass (zxing-cpp on the frame): what a frame may cost follows
# what zxing-cpp alone spends on it, so that the pipeline's median stays within 2× zxing-cpp's.
RELATIVE_BUDGET = 8.0
# … but never less than this: the crops and grids are of a fixed size, while a small image's first pass is quick
# (12 ms leaves the followed grid its rounds on a small photo: black-box set, bench/results/qr.md)
MIN_BUDGET_MS = 12.0
CROP_TARGET = 480  # candidate crops are enlarged to about this many pixels across
LOCALISED_REGIONS = 2
RESAMPLED_SYMBOLS = 2  # undecoded symbols whose grid is re-sampled, in zxing-cpp's order
LOCALISED_ZOOM = 2.2
HUGE_WIDTH = 2600  # px on the long side
SATURATED = 250  # a crop whose 90th percentile reaches this is overexposed (screen or glare blooming)
OVEREXPOSED_THRESHOLD = 0.87  # × that white level: darker pixels are dark modules in an overexposed crop


class ImageError(CodedError, ValueError):
    """The input is not an image the pipeline can read."""

    code = "unreadable-image"


class ImageTooLargeError(ImageError):
    """The image has more pixels than the pipeline accepts; refused before decoding."""

    code = "image-too-large"

    def __init__(self, width: int | None, height: int | None, limit: int) -> None:
        size = f"{width}×{height} ({width * height:,} pixels)" if width and height else "far too large"
        super().__init__(f"the image is {size}; the limit is {limit:,} pixels: use a smaller image")
        self.width, self.height, self.limit = width, height, limit


@dataclass(frozen=True)
class DecodeResult:
    payload: bytes
    decoder: str  # the stage that decoded it
    ms: float  # total time spent in the pipeline for this image


@dataclass
class Attempt:
    """What the stages of one ``decode`` call share: the frame, what zxing-cpp saw, the clock."""

    gray: np.ndarray
    start: float
    candidates: list[np.ndarray] = field(default_factory=list)  # corners of undecoded symbols in this frame
    modules: list[int] = field(default_factory=list)  # their modules across (0: unknown), as ``candidates``
    hints: Sequence[np.ndarray] = ()  # corners seen in an earlier frame of the stream
    deadline: float = float("inf")  # thread CPU time (``time.thread_time``) after which no view is decoded

    made: dict[str, list[np.ndarray]] = field(default_factory=dict)  # views a later stage reuses

    def out_of_time(self) -> bool:
        return time.thread_time() > self.deadline

    def views(self, kind: str, make: Callable[[Attempt], Iterator[np.ndarray]]) -> list[np.ndarray]:
        """The views ``make`` yields for this frame, made once."""
        if kind not in self.made:
            self.made[kind] = list(make(self))
        return self.made[kind]

    @property
    def saw_candidate(self) -> bool:
        return bool(self.candidates)


Views = Callable[[Attempt], Iterator[np.ndarray]]


@dataclass(frozen=True)
class Stage:
    """One decoding step: ``views`` yields the images to decode (default: the frame itself). A ``gated``
    stage runs only if an earlier zxing-cpp pass saw an undecoded symbol."""

    name: str
    decoder: QrDecoder
    views: Views | None = None
    gated: bool = False


def unsharp(gray: np.ndarray, sigma: float, amount: float) -> np.ndarray:
    """Unsharp mask: ``gray + amount × (gray − blur(gray, sigma))``, saturated to uint8."""
    blurred = cv2.GaussianBlur(gray, (0, 0), sigma)
    return cv2.addWeighted(gray, 1 + amount, blurred, -amount, 0)


def _crop(gray: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> np.ndarray | None:
    h, w = gray.shape
    xa, ya, xb, yb = max(0, int(x0)), max(0, int(y0)), min(w, int(x1)), min(h, int(y1))
    return gray[ya:yb, xa:xb] if xb - xa >= 16 and yb - ya >= 16 else None


def distinct(quads: Sequence[np.ndarray], count: int) -> list[np.ndarray]:
    """The first ``count`` of ``quads`` whose centre is not inside an earlier one's bounding box (zxing-cpp often
    reports one undecoded symbol several times, from different finder-pattern triples)."""
    kept: list[np.ndarray] = []
    for quad in quads:
        cx, cy = quad.mean(axis=0)
        if not any(q[:, 0].min() <= cx <= q[:, 0].max() and q[:, 1].min() <= cy <= q[:, 1].max() for q in kept):
            kept.append(quad)
    return kept[:count]


def candidate_crops(attempt: Attempt) -> Iterator[np.ndarray]:
    """Each undecoded symbol's neighbourhood (or, if this frame has none, the hinted ones), sharpened, then
    enlarged to about ``CROP_TARGET`` px (sharpened before enlarging: the same reads at a tenth of the cost)."""
    for quad in distinct(attempt.candidates or list(attempt.hints), 2):
        (x0, y0), (x1, y1) = quad.min(axis=0), quad.max(axis=0)
        margin = 0.2 * max(x1 - x0, y1 - y0) + 8
        crop = _crop(attempt.gray, x0 - margin, y0 - margin, x1 + margin, y1 + margin)
        if crop is None:
            continue
        factor = min(3.0, CROP_TARGET / max(crop.shape))
        crop = unsharp(crop, 3.0 / max(factor, 1.0), 1.5)
        if factor > 1.05:
            crop = cv2.resize(crop, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
        yield crop


def code_like_regions(gray: np.ndarray, count: int = LOCALISED_REGIONS) -> list[tuple[int, int, int]]:
    """Centres and half-sizes (frame pixels) of the ``count`` regions densest in edges along both axes.

    Measured at quarter size: the smaller of |∂x| and |∂y| is high on a QR code's module grid, low on
    straight text strokes, borders and smooth background; a box sum over about a code's width picks its centre.
    """
    quarter = cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA).astype(np.float32)
    both = np.minimum(np.abs(cv2.Sobel(quarter, cv2.CV_32F, 1, 0)), np.abs(cv2.Sobel(quarter, cv2.CV_32F, 0, 1)))
    window = max(9, round(gray.shape[0] / 720 * 30))
    score = cv2.boxFilter(both, -1, (window, window))
    regions = []
    for _ in range(count):
        _lo, peak, _lo_at, (x, y) = cv2.minMaxLoc(score)
        if peak <= 0:
            break
        regions.append((x * 4, y * 4, window * 4))
        cv2.rectangle(score, (x - window, y - window), (x + window, y + window), 0.0, -1)
    return regions


def _known_symbols(attempt: Attempt) -> list[tuple[np.ndarray, int]]:
    """The undecoded symbols of known version (corners, modules across), at most ``RESAMPLED_SYMBOLS``."""
    sizes = {id(quad): modules for quad, modules in zip(attempt.candidates, attempt.modules, strict=False)}
    known = [quad for quad in attempt.candidates if sizes.get(id(quad))]
    return [(quad, sizes[id(quad)]) for quad in distinct(known, RESAMPLED_SYMBOLS)]


def followed_grids(attempt: Attempt) -> Iterator[np.ndarray]:
    """Each undecoded symbol of known version on a grid that follows its warps (``grid.followed_symbols``): a
    code printed on cloth, a creased sleeve, which no plane or smooth curve through its patterns fits."""
    for quad, modules in _known_symbols(attempt):
        yield from followed_symbols(attempt.gray, quad, modules)


def resampled_grids(attempt: Attempt, *, locate: bool = True, equalise: bool = True) -> Iterator[np.ndarray]:
    """Each undecoded symbol of known version, its module grid re-sampled and re-drawn clean (``grid``)."""
    for quad, modules in _known_symbols(attempt):
        yield from resampled_symbols(attempt.gray, quad, modules, locate=locate, equalise=equalise)


def inverted_frame(attempt: Attempt) -> Iterator[np.ndarray]:
    """The frame in negative, when the first pass saw no symbol: a code printed light on dark (or a dark-mode
    screen) shows no dark-framed finder pattern until inverted."""
    if not attempt.saw_candidate:
        yield cv2.bitwise_not(attempt.gray)


def localised_crops(attempt: Attempt) -> Iterator[np.ndarray]:
    """The code-like regions of a frame where zxing-cpp found nothing, enlarged and sharpened."""
    if attempt.saw_candidate:
        return
    for cx, cy, half in code_like_regions(attempt.gray):
        crop = _crop(attempt.gray, cx - half, cy - half, cx + half, cy + half)
        if crop is not None:
            sharpened = unsharp(crop, 2.0 / LOCALISED_ZOOM, 2.0)
            yield cv2.resize(sharpened, None, fx=LOCALISED_ZOOM, fy=LOCALISED_ZOOM, interpolation=cv2.INTER_CUBIC)


def thickened_crops(attempt: Attempt) -> Iterator[np.ndarray]:
    """The candidate and localised crops with dark modules thickened by a 3 × 3 minimum filter: an overexposed
    screen or glare blooms the light modules into the dark ones."""
    kernel = np.ones((3, 3), np.uint8)
    for crop in (*attempt.views("candidate", candidate_crops), *attempt.views("localised", localised_crops)):
        yield cv2.erode(crop, kernel)
        light = float(np.percentile(crop, 90))
        if light >= SATURATED:  # blown out: what is left of a dark module is any pixel below the white level
            yield np.where(crop < OVEREXPOSED_THRESHOLD * light, 0, 255).astype(np.uint8)


def reduced(attempt: Attempt) -> Iterator[np.ndarray]:
    """A frame wider than ``HUGE_WIDTH`` (a phone photo) at half size, with zxing-cpp's own inverted and
    downscaled passes: a large code in a huge photo is found faster and more surely there."""
    if max(attempt.gray.shape) > HUGE_WIDTH:
        yield cv2.resize(attempt.gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)


def default_stages() -> list[Stage]:
    fast = ZxingDecoder(fast=True, model2=True)
    return [
        Stage("zxing-cpp", fast),
        Stage("zxing-cpp+candidate-crop", fast, lambda attempt: iter(attempt.views("candidate", candidate_crops))),
        Stage("zxing-cpp+resampled-grid", ZxingDecoder(pure=True), resampled_grids),
        Stage("zxing-cpp+localised-crop", fast, lambda attempt: iter(attempt.views("localised", localised_crops))),
        Stage("zxing-cpp+inverted", fast, inverted_frame),
        Stage("zxing-cpp+thickened-crop", fast, thickened_crops),
        Stage("zxing-cpp+followed-grid", ZxingDecoder(pure=True), followed_grids),
        Stage("zxing-cpp+huge-frame-reduced", ZxingDecoder(), reduced),
    ]


def check_image_size(image: Any, limit: int = MAX_IMAGE_PIXELS) -> None:
    """Raise ``ImageTooLargeError`` if ``image`` (a path, the bytes of an image file, a numpy array or a PIL image)
    has more than ``limit`` pixels.

    For a file only its header is read (Pillow opens lazily), so an oversized file is refused before any pixel
    buffer is allocated; a format Pillow does not know is left to the decoder. A missing or unreadable path raises
    ``ImageError``.
    """
    if isinstance(image, str | Path):
        try:
            image = Path(image).read_bytes()
        except OSError as exc:
            raise ImageError("cannot read the image file (missing or unreadable)") from exc
    if isinstance(image, bytes):
        try:
            with warnings.catch_warnings():  # Pillow's bomb warning: this check is the one that decides
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                with Image.open(io.BytesIO(image)) as header:
                    width, height = header.size
        except Image.DecompressionBombError as exc:  # Pillow's own guard, far above ours
            raise ImageTooLargeError(None, None, limit) from exc
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            return
    elif isinstance(image, np.ndarray):
        height, width = image.shape[0], image.shape[1] if image.ndim > 1 else 1
    elif isinstance(image, Image.Image):
        width, height = image.size
    else:
        return
    if width * height > limit:
        raise ImageTooLargeError(width, height, limit)


def to_gray(image: Any, max_pixels: int = MAX_IMAGE_PIXELS) -> np.ndarray:
    """A 2-D uint8 array from a path, a PIL image or a numpy gray/BGR/BGRA frame, of at most ``max_pixels``
    (``check_image_size``, before anything is decoded)."""
    if isinstance(image, str | Path):
        try:
            raw = Path(image).read_bytes()
        except OSError as exc:
            raise ImageError("cannot read the image file (missing or unreadable)") from exc
        check_image_size(raw, max_pixels)
        data = np.frombuffer(raw, np.uint8)
        try:
            gray = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE) if data.size else None
        except cv2.error as exc:
            raise ImageError("cannot decode the image file") from exc
        if gray is None:
            raise ImageError("cannot read the image file (missing, unreadable or not an image)")
        return gray
    if isinstance(image, np.ndarray):
        check_image_size(image, max_pixels)
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
        check_image_size(image, max_pixels)
        return np.asarray(image.convert("L"), dtype=np.uint8)
    raise ImageError(f"unsupported image type {type(image).__name__}")


class QrPipeline:
    """Decode one QR payload per image. Not thread-safe: one instance per thread (see ``thread_pipeline``)."""

    def __init__(self, stages: Sequence[Stage] | None = None, *, accept: Accept | None = None,
                 budget_ms: float = DEFAULT_BUDGET_MS, relative_budget: float = RELATIVE_BUDGET,
                 max_pixels: int = MAX_IMAGE_PIXELS) -> None:
        self.stages = list(stages) if stages is not None else default_stages()
        self.accept = accept
        self.budget_ms = budget_ms
        self.relative_budget = relative_budget
        self.max_pixels = max_pixels
        self.last_candidates: list[np.ndarray] = []  # undecoded symbols the first pass of the last call saw
        self.last_rejected: list[bytes] = []  # payloads the last call decoded and ``accept`` refused
        self._thread = threading.get_ident()

    def decode(self, image: Any, *, hints: Sequence[np.ndarray] = ()) -> DecodeResult | None:
        """The first accepted payload found in ``image``, or ``None``. Raises ``ImageError`` on bad input
        (``ImageTooLargeError`` above ``max_pixels``).

        ``hints`` are code corners seen in an earlier frame of the same stream (``last_candidates``): when the
        first pass finds no symbol of its own, the crops are taken there (the code moves little between frames).
        """
        if threading.get_ident() != self._thread:
            raise RuntimeError("a QrPipeline is bound to the thread that created it; use thread_pipeline()")
        start = time.perf_counter()
        cpu_start = time.thread_time()
        try:
            gray = to_gray(image, self.max_pixels)
        except cv2.error as exc:  # a frame OpenCV cannot convert (truncated buffer, odd layout)
            raise ImageError("the frame cannot be converted to grayscale") from exc
        attempt = Attempt(gray, start, hints=hints, deadline=cpu_start + self.budget_ms / 1000)
        self.last_candidates = []
        self.last_rejected = []
        for index, stage in enumerate(self.stages):
            if index == 1:
                first_pass = time.thread_time() - cpu_start
                relative = max(self.relative_budget * first_pass, MIN_BUDGET_MS / 1000)
                attempt.deadline = min(attempt.deadline, cpu_start + relative)
            if index and attempt.out_of_time():
                break
            if stage.gated and not attempt.saw_candidate:
                continue
            try:
                found = self._run(stage, attempt)
            except cv2.error:  # a stage that cannot process this frame (degenerate crop): the next one may
                found = None
            if found is not None:
                return DecodeResult(found, stage.name, (time.perf_counter() - start) * 1000)
            if index == 0:
                self.last_candidates = list(attempt.candidates)
        return None

    def _run(self, stage: Stage, attempt: Attempt) -> bytes | None:
        views = stage.views(attempt) if stage.views else iter((attempt.gray,))
        for view in views:
            if stage.views is not None and attempt.out_of_time():
                return None
            for payload in stage.decoder.decode(view):
                if self.accept is None or self.accept(payload):
                    return payload
                if payload not in self.last_rejected:
                    self.last_rejected.append(payload)
            if stage.views is None and not attempt.candidates:
                attempt.candidates = list(getattr(stage.decoder, "candidates", []))
                attempt.modules = list(getattr(stage.decoder, "candidate_modules", []))
        return None


_local = threading.local()


def thread_pipeline() -> QrPipeline:
    """The calling thread's default pipeline (created on first use)."""
    pipeline: QrPipeline | None = getattr(_local, "pipeline", None)
    if pipeline is None:
        pipeline = _local.pipeline = QrPipeline()
    return pipeline
