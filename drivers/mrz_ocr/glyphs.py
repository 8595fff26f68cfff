"""The OCR-B glyph recogniser: two small two-layer networks over normalised character cells, trained from the
font, their probabilities averaged.

The training set is made, not downloaded: lines of random MRZ characters are drawn with Debian's OCR-B font
(``fonts-ocr-b``) at the canonical geometry that ``drivers.mrz_ocr.rectify`` produces, then passed through what a
camera does to a document (sub-sampling, defocus, motion, uneven light, noise, JPEG), and cut into cells exactly
as the reader cuts them (``cell_features``). Training is deterministic (fixed seeds, float32, one thread of numpy
work per step) and takes about two minutes of one core per network; the weights are cached under
``$XDG_CACHE_HOME/cccd-kiosk`` keyed by a hash of the font file and of the training recipe, so any machine can
regenerate them bit for bit.
"""

from __future__ import annotations

import hashlib
import math
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from wire.errors import CodedError

OCRB_FONT = Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf")
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"
PITCH = 16  # canonical character pitch, px
LINE_PITCH = PITCH * 5 / 3  # 6 lines per inch against 10 characters per inch
CELL_W, CELL_H = PITCH, 22
HIDDEN = 256
_ADVANCE_PER_EM = 0.723  # OCR-B advance width per em


@dataclass(frozen=True)
class Recipe:
    """How one member network is trained: its synthetic set and how hard the camera treats it."""

    lines: int
    epochs: int
    seed: int
    blur_max: float  # Gaussian σ, px at the training scale
    motion_max: float  # motion blur length, px
    noise_max: float  # sensor noise σ, gray levels
    min_contrast: float  # paper minus ink, gray levels


# Two members, the second trained on harder frames (more defocus, motion and noise, less contrast). Averaging their
# probabilities reads as many frames as either alone and is far less often sure of a wrong character.
RECIPES = (Recipe(4000, 12, 9303, 0.8, 3.5, 8.0, 40.0), Recipe(4000, 12, 9303, 1.1, 4.5, 12.0, 30.0))
CACHE_VERSION = "v7"  # change with anything else that changes the trained weights: new cache key


class FontMissingError(CodedError, RuntimeError):
    """The OCR-B font is not installed (Debian package ``fonts-ocr-b``)."""

    code = "ocr-font-missing"


def ink_map(gray: np.ndarray) -> np.ndarray:
    """Ink strength of a canonical line image: black-hat (dark strokes thinner than a glyph), scaled to 0–1 by
    the strongest ink within about three characters, so a glare spot or a shadow over part of a line does not
    fade its glyphs."""
    hat = cv2.morphologyEx(gray, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (PITCH, PITCH)))
    hat = hat.astype(np.float32)
    local = cv2.dilate(hat, cv2.getStructuringElement(cv2.MORPH_RECT, (3 * PITCH, 2 * PITCH)))
    local = cv2.blur(local, (3 * PITCH, 2 * PITCH))
    floor = max(8.0, 0.25 * float(local.max()))
    return np.asarray(np.clip(hat / (0.85 * np.maximum(local, floor)), 0.0, 1.0), np.float32)


def cell_features(ink: np.ndarray, centres_x: np.ndarray, centre_y: float | np.ndarray) -> np.ndarray:
    """One feature row per cell: the ``CELL_W`` × ``CELL_H`` window of ``ink`` around each centre, bilinear
    (``centre_y`` one value for the line or one per cell)."""
    xs = centres_x[:, None] + (np.arange(CELL_W, dtype=np.float32) - (CELL_W - 1) / 2)[None, :]
    ys = np.broadcast_to(np.asarray(centre_y, np.float32), centres_x.shape)[:, None] + \
        (np.arange(CELL_H, dtype=np.float32) - (CELL_H - 1) / 2)[None, :]
    map_x = np.repeat(xs[:, None, :], CELL_H, axis=1).astype(np.float32)
    map_y = np.repeat(ys[:, :, None], CELL_W, axis=2).astype(np.float32)
    n = len(centres_x)
    cells = cv2.remap(ink, map_x.reshape(n * CELL_H, CELL_W), map_y.reshape(n * CELL_H, CELL_W),
                      cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return np.asarray(cells.reshape(n, CELL_H * CELL_W), np.float32)


class CellRecogniser(Protocol):
    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """Per feature row (one cell), the probability of each ``ALPHABET`` character."""
        ...


@dataclass(frozen=True)
class GlyphModel:
    """Weights of the network: features → hidden ReLU → one score per ``ALPHABET`` character."""

    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        hidden = np.maximum(features @ self.w1 + self.b1, 0.0)
        logits = hidden @ self.w2 + self.b2
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True), np.float32)


@dataclass(frozen=True)
class GlyphEnsemble:
    """Member networks whose probabilities are averaged."""

    members: tuple[GlyphModel, ...]

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        return np.asarray(np.mean([m.probabilities(features) for m in self.members], axis=0), np.float32)


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    if not OCRB_FONT.exists():
        raise FontMissingError(f"{OCRB_FONT} not found: install the Debian package fonts-ocr-b")
    return ImageFont.truetype(str(OCRB_FONT), size)


@cache
def _cap_offset(size: int) -> float:
    """Where to put the text origin so that a capital's ink is centred on the box's middle row."""
    font = _font(size)
    probe = Image.new("L", (size * 2, size * 2), 0)
    ImageDraw.Draw(probe).text((size / 2, size / 2), "H", font=font, fill=255)
    rows = np.nonzero(np.asarray(probe).max(axis=1) > 127)[0]
    return size / 2 + size - (rows[0] + rows[-1] + 1) / 2


@cache
def _glyph(ch: str, size: int) -> np.ndarray:
    """Ink coverage (0–1) of ``ch`` drawn at ``size`` px per em: a box of two ems, the advance centred across,
    a capital's ink centred down."""
    font = _font(size)
    box = Image.new("L", (size * 2, size * 2), 0)
    ImageDraw.Draw(box).text(((size * 2 - font.getlength(ch)) / 2, _cap_offset(size)), ch, font=font, fill=255)
    return np.asarray(box, np.float32) / 255.0


def render_line(text: str, *, pitch: float = PITCH, height: int = 40, x0: float = 8.0) -> tuple[np.ndarray, float]:
    """``text`` in OCR-B at ``pitch`` px per character on white; returns the gray image and the centre line y.

    Glyph ``i`` is centred at ``x0 + (i + 0.5) × pitch`` (sub-pixel, by a shifted paste) and on the centre line.
    """
    size = max(6, round(pitch / _ADVANCE_PER_EM))
    width = int(x0 * 2 + pitch * len(text)) + 4
    ink = np.zeros((height + size * 2, width + size * 2), np.float32)
    for i, ch in enumerate(text):
        glyph = _glyph(ch, size)
        cx = x0 + (i + 0.5) * pitch
        left = math.floor(cx)  # the glyph box (two ems) starts ``size`` left of cx in the padded canvas
        frac = cx - left
        move = np.array([[1, 0, frac], [0, 1, 0]], np.float32)
        shifted = glyph if frac < 1e-3 else np.asarray(
            cv2.warpAffine(glyph, move, (glyph.shape[1], glyph.shape[0])), np.float32)
        top = height // 2
        region = ink[top:top + size * 2, left:left + size * 2]
        np.maximum(region, shifted[:region.shape[0], :region.shape[1]], out=region)
    gray = 255.0 * (1.0 - ink[size:size + height, size:size + width])
    return np.asarray(np.clip(gray, 0, 255), np.uint8), height / 2


def _degrade(gray: np.ndarray, rng: np.random.Generator, recipe: Recipe) -> np.ndarray:
    """A camera's view of a clean line image: contrast, light gradient, resolution, blur, noise, JPEG."""
    h, w = gray.shape
    ink, paper = rng.uniform(0, 150), rng.uniform(150, 255)
    if paper - ink < recipe.min_contrast:
        ink = paper - recipe.min_contrast
    img = ink + (paper - ink) * (gray.astype(np.float32) / 255.0)
    img *= np.linspace(rng.uniform(0.6, 1.0), rng.uniform(0.6, 1.0), w, dtype=np.float32)[None, :]
    img += rng.uniform(0, 60) * np.exp(-((np.arange(w) - rng.uniform(0, w)) / (w * 0.15)) ** 2)[None, :]
    if rng.random() < 0.5:  # security-paper background lines
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        wave = np.sin(xx * rng.uniform(0.05, 0.3) + 4 * np.sin(yy * rng.uniform(0.05, 0.3))) ** 20
        img -= wave * rng.uniform(5, 40)
    factor = float(rng.uniform(0.5, 1.0))
    small = cv2.resize(img, (max(8, round(w * factor)), max(4, round(h * factor))), interpolation=cv2.INTER_AREA)
    sigma = float(rng.uniform(0.0, recipe.blur_max))
    if sigma > 0.2:
        small = cv2.GaussianBlur(small, (0, 0), sigma)
    if rng.random() < 0.25:
        length = float(rng.uniform(1.5, recipe.motion_max))
        kernel = np.zeros((5, 5), np.float32)
        a = rng.uniform(0, math.pi)
        cv2.line(kernel, (round(2 - math.cos(a) * length / 2), round(2 - math.sin(a) * length / 2)),
                 (round(2 + math.cos(a) * length / 2), round(2 + math.sin(a) * length / 2)), 1.0, 1, cv2.LINE_AA)
        small = np.asarray(cv2.filter2D(small, -1, kernel / kernel.sum()), np.float32)
    noisy = small + rng.normal(0, rng.uniform(0, recipe.noise_max), small.shape)
    small8 = np.clip(noisy, 0, 255).astype(np.uint8)
    if rng.random() < 0.6:
        ok, enc = cv2.imencode(".jpg", small8, [cv2.IMWRITE_JPEG_QUALITY, int(rng.uniform(20, 90))])
        if ok:
            small8 = np.asarray(cv2.imdecode(enc, cv2.IMREAD_GRAYSCALE), np.uint8)
    return np.asarray(cv2.resize(small8, (w, h), interpolation=cv2.INTER_LINEAR), np.uint8)


def _random_text(rng: np.random.Generator, length: int) -> str:
    chars: list[str] = []
    while len(chars) < length:
        if rng.random() < 0.12:
            chars.extend("<" * int(rng.integers(2, 10)))
        else:
            chars.append(ALPHABET[int(rng.integers(0, len(ALPHABET) - 1))])
    return "".join(chars[:length])


def training_set(recipe: Recipe) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels of ``recipe.lines`` degraded random lines; cells are cut with a little
    misregistration."""
    rng = np.random.default_rng(recipe.seed)
    xs, ys = [], []
    for _ in range(recipe.lines):
        text = _random_text(rng, 30)
        pitch = PITCH * float(rng.uniform(0.94, 1.06))
        gray, cy = render_line(text, pitch=pitch)
        angle = float(rng.uniform(-1.2, 1.2))
        m = cv2.getRotationMatrix2D((gray.shape[1] / 2, cy), angle, 1.0)
        gray = cv2.warpAffine(gray, m, (gray.shape[1], gray.shape[0]), borderValue=255)
        ink = ink_map(_degrade(gray, rng, recipe))
        centres = 8.0 + (np.arange(len(text)) + 0.5) * pitch + rng.normal(0, 1.2, len(text))
        xs.append(cell_features(ink, centres.astype(np.float32), cy + float(rng.normal(0, 1.2))))
        ys.append(np.array([ALPHABET.index(c) for c in text]))
    return np.concatenate(xs), np.concatenate(ys)


def train(recipe: Recipe) -> GlyphModel:
    """Train one network with Adam on a fresh synthetic set (deterministic for a given font and recipe)."""
    x, y = training_set(recipe)
    epochs = recipe.epochs
    rng = np.random.default_rng(recipe.seed + 1)
    n_in, n_out = x.shape[1], len(ALPHABET)
    params = [rng.normal(0, math.sqrt(2 / n_in), (n_in, HIDDEN)).astype(np.float32), np.zeros(HIDDEN, np.float32),
              rng.normal(0, math.sqrt(1 / HIDDEN), (HIDDEN, n_out)).astype(np.float32), np.zeros(n_out, np.float32)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    onehot = np.eye(n_out, dtype=np.float32)[y]
    step, batch, lr = 0, 512, 3e-3
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        rate = lr * (0.5 ** max(0, epoch - epochs // 2))
        for start in range(0, len(x), batch):
            idx = order[start:start + batch]
            xb, yb = x[idx], onehot[idx]
            pre = xb @ params[0] + params[1]
            hidden = np.maximum(pre, 0.0)
            logits = hidden @ params[2] + params[3]
            logits -= logits.max(axis=1, keepdims=True)
            prob = np.exp(logits)
            prob /= prob.sum(axis=1, keepdims=True)
            grad_logits = (prob - yb) / len(idx)
            grad_hidden = (grad_logits @ params[2].T) * (pre > 0)
            grads = [xb.T @ grad_hidden, grad_hidden.sum(0), hidden.T @ grad_logits, grad_logits.sum(0)]
            step += 1
            for i, g in enumerate(grads):
                m[i] = 0.9 * m[i] + 0.1 * g
                v[i] = 0.999 * v[i] + 0.001 * g * g
                m_hat = m[i] / (1 - 0.9**step)
                v_hat = v[i] / (1 - 0.999**step)
                params[i] = (params[i] - rate * m_hat / (np.sqrt(v_hat) + 1e-8)).astype(np.float32)
    return GlyphModel(*params)


def cache_path() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cccd-kiosk"
    recipe = f"{CACHE_VERSION}:hidden={HIDDEN}:cell={CELL_W}x{CELL_H}:{RECIPES!r}".encode()
    key = hashlib.sha256(OCRB_FONT.read_bytes() + recipe).hexdigest()[:16] if OCRB_FONT.exists() else "x"
    return base / f"mrz-ocrb-ensemble-{key}.npz"


@cache
def glyph_model() -> GlyphEnsemble:
    """The trained networks: from the cache if present, else trained now and cached (atomically)."""
    path = cache_path()
    _font(12)  # fail early and clearly without the font
    names = ("w1", "b1", "w2", "b2")
    if path.exists():
        with np.load(path) as data:
            return GlyphEnsemble(tuple(GlyphModel(*(data[f"{n}_{k}"] for n in names)) for k in range(len(RECIPES))))
    ensemble = GlyphEnsemble(tuple(train(recipe) for recipe in RECIPES))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
    np.savez(tmp, **{f"{n}_{k}": getattr(m, n) for k, m in enumerate(ensemble.members) for n in names})
    os.replace(tmp, path)
    return ensemble
