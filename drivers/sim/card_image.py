"""Synthetic CCCD card images and camera frames, for decode tests and the benchmark.

``render_card`` draws a card-like front (85.6 × 54 mm proportions): guilloche background, header, photo box,
labelled fields in Vietnamese and the QR code top right, as on the 2021 card. The QR is byte mode without ECI,
error correction level M, the payload bytes exactly as given (UTF-8 for CCCD payloads).

``card_frame`` places a rendered card in a 1280×720 or 1920×1080 scene as a fixed kiosk camera sees it when a
person holds the card under it, applies one named degradation on top of a mild baseline, and passes the frame
through JPEG like an MJPG webcam. Everything is deterministic given the seed.

Degradation parameters (pixel values are for 720p and scale with the frame height; ``U(a, b)`` is uniform):

=============  ==========================================================================================
baseline       every frame: card width U(0.42, 0.62) × frame width, rotation U(-10°, 10°), tilt (perspective)
               up to 6 %, Gaussian blur σ U(0.3, 0.8) px, sensor noise σ U(1.5, 3.5), JPEG quality U(75, 92),
               global gain U(0.85, 1.1)
blur           defocus: Gaussian σ U(0.9, 1.4) px
motion         the card moves: linear motion blur of the card over U(2, 4) px at a random angle
rotation       rotation U(-180°, 180°); a turned card that would not fit is shown smaller (held further away)
perspective    tilt of one edge U(12, 22) %, the card seen at an angle
noise          sensor noise σ U(8, 16)
low-contrast   contrast scaled to U(0.3, 0.5) around a grey level U(90, 170)
glare          specular highlight: additive Gaussian spot, peak U(140, 230), radius U(0.25, 0.45) × QR side,
               centred U(0.35, 0.7) × QR side from the QR centre (part of the code saturates)
shadow         one side of the scene darkened to U(0.35, 0.6) with a soft edge across the card
small          card width U(0.3, 0.38) × frame width (about 1.5–2 px per module at 720p)
jpeg           JPEG quality U(18, 35)
combined       three of the above at reduced strength
=============  ==========================================================================================
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import cv2
import numpy as np
import segno
from PIL import Image, ImageDraw, ImageFont

CARD_WIDTH = 1012  # about 300 dpi for an ID-1 card
CARD_HEIGHT = 638
FONT_PATH = "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"
FONT_BOLD_PATH = "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf"

DEGRADATIONS: tuple[str, ...] = (
    "clean", "blur", "motion", "rotation", "perspective", "noise", "low-contrast", "glare", "shadow", "small",
    "jpeg", "combined",
)
_COMBINABLE = ("blur", "motion", "perspective", "noise", "low-contrast", "glare", "shadow", "jpeg")


@dataclass
class CardImage:
    """A rendered card (RGB, ``CARD_WIDTH`` × ``CARD_HEIGHT``) and where its QR code is, in card pixels."""

    image: np.ndarray
    qr_box: tuple[int, int, int, int]  # x0, y0, x1, y1 of the code without quiet zone
    payload: bytes


@dataclass
class Frame:
    """A synthetic camera frame (BGR uint8) with what it contains."""

    image: np.ndarray
    payload: bytes
    degradation: str
    params: dict[str, Any] = field(default_factory=dict)


@cache
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT_BOLD_PATH if bold else FONT_PATH, size)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def qr_matrix(payload: bytes) -> np.ndarray:
    """The QR module matrix (1 = dark) of ``payload`` in byte mode, level M, no ECI, without quiet zone."""
    code = segno.make_qr(payload, mode="byte", error="m", boost_error=False)
    return np.array(code.matrix, dtype=np.uint8)


def render_card(payload: bytes | str, fields: Sequence[tuple[str, str]], *,
                title: str = "CĂN CƯỚC CÔNG DÂN", qr_fraction: float = 0.2) -> CardImage:
    """Draw a card front with ``fields`` as (label, value) lines and the QR of ``payload`` (str → UTF-8)."""
    data = payload.encode("utf-8") if isinstance(payload, str) else payload
    w, h = CARD_WIDTH, CARD_HEIGHT
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    background = np.empty((h, w, 3), np.float32)
    background[..., 0] = 226 + 14 * np.sin(xx / 37.0 + 3 * np.sin(yy / 53.0))
    background[..., 1] = 236 + 10 * np.sin(yy / 29.0 + 2 * np.sin(xx / 61.0))
    background[..., 2] = 240 + 8 * np.cos((xx + yy) / 45.0)
    img = Image.fromarray(np.clip(background, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)

    # Emblem (a red disc with a yellow star) and header.
    draw.ellipse((28, 24, 128, 124), fill=(200, 30, 40))
    star = [(78 + 38 * math.cos(math.radians(-90 + 36 * k)) * (1 if k % 2 == 0 else 0.4),
             74 + 38 * math.sin(math.radians(-90 + 36 * k)) * (1 if k % 2 == 0 else 0.4)) for k in range(10)]
    draw.polygon(star, fill=(250, 215, 40))
    header = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    draw.text((150, 28), header, font=_font(28, bold=True), fill=(20, 30, 90))
    draw.text((290, 66), "Độc lập - Tự do - Hạnh phúc", font=_font(26, bold=True), fill=(20, 30, 90))
    draw.text((310, 112), title, font=_font(38, bold=True), fill=(190, 20, 30))

    # Photo box with a neutral silhouette.
    draw.rectangle((34, 200, 264, 500), fill=(205, 210, 220), outline=(120, 120, 130), width=2)
    draw.ellipse((104, 240, 194, 350), fill=(150, 155, 165))
    draw.rectangle((74, 360, 224, 500), fill=(150, 155, 165))

    # Fields.
    y = 200
    for label, value in fields:
        draw.text((290, y), f"{label}:", font=_font(21), fill=(40, 40, 40))
        y += 26
        for line in _wrap(value, _font(25, bold=True), w - 330):
            draw.text((300, y), line, font=_font(25, bold=True), fill=(10, 10, 10))
            y += 31
        y += 5
        if y > h - 40:
            break

    # QR, top right, on a white quiet zone of 2 modules.
    matrix = qr_matrix(data)
    side = round(qr_fraction * w)
    border = side * 2 // matrix.shape[0]
    x1, y0 = w - 30 - border, 30 + border
    x0, y1 = x1 - side, y0 + side
    draw.rectangle((x0 - border, y0 - border, x1 + border, y1 + border), fill=(255, 255, 255))
    rgb = np.asarray(img).copy()
    modules = cv2.resize(((1 - matrix) * 255).astype(np.uint8), (side, side), interpolation=cv2.INTER_AREA)
    rgb[y0:y1, x0:x1] = (25 + modules.astype(np.float32) * (225 / 255)).astype(np.uint8)[..., None]  # ink, paper
    return CardImage(image=rgb, qr_box=(x0, y0, x1, y1), payload=data)


def scene_background(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """A counter-top background: smooth colour field, texture and a few objects (float32 BGR)."""
    tint = rng.uniform(-25, 25, 3)
    small = (rng.uniform(70, 190, (6, 10, 1)) + tint + rng.uniform(-10, 10, (6, 10, 3))).astype(np.float32)
    scene: np.ndarray = cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    texture = cv2.resize(rng.normal(0, 12, (height // 8, width // 8)).astype(np.float32), (width, height))
    scene += texture[..., None]
    for _ in range(int(rng.integers(1, 4))):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        x1, y1 = x0 + int(rng.integers(width // 10, width // 3)), y0 + int(rng.integers(height // 10, height // 3))
        cv2.rectangle(scene, (x0, y0), (x1, y1), tuple(float(c) for c in rng.uniform(30, 230, 3)), -1)
    return scene


def motion_kernel(length: float, angle: float) -> np.ndarray:
    """A linear motion kernel of ``length`` pixels (sub-pixel accurate, drawn 16× larger and reduced)."""
    size = (math.ceil(length) + 2) | 1
    scale = 16
    big = np.zeros((size * scale, size * scale), np.float32)
    c = size * scale / 2
    dx = math.cos(math.radians(angle)) * (length - 1) * scale / 2  # the 1-pixel line width adds the rest
    dy = math.sin(math.radians(angle)) * (length - 1) * scale / 2
    cv2.line(big, (round(c - dx), round(c - dy)), (round(c + dx), round(c + dy)), 1.0, scale, cv2.LINE_AA)
    kernel = cv2.resize(big, (size, size), interpolation=cv2.INTER_AREA)
    return np.asarray(kernel / kernel.sum(), np.float32)


def _parameters(rng: np.random.Generator, kinds: Sequence[str], strength: float) -> dict[str, Any]:
    """Baseline parameters overridden by the named degradations (``strength`` < 1 softens them)."""
    def between(lo: float, hi: float, base: float) -> float:
        return float(base + (rng.uniform(lo, hi) - base) * strength)

    p: dict[str, Any] = {
        "card_fraction": float(rng.uniform(0.42, 0.62)),
        "rotation": float(rng.uniform(-10, 10)),
        "tilt": float(rng.uniform(0, 0.06)),
        "blur_sigma": float(rng.uniform(0.3, 0.8)),
        "motion": 0.0,
        "noise_sigma": float(rng.uniform(1.5, 3.5)),
        "jpeg_quality": int(rng.uniform(75, 92)),
        "gain": float(rng.uniform(0.85, 1.1)),
        "contrast": 1.0,
        "glare": 0.0,
        "shadow": 1.0,
    }
    for kind in kinds:
        if kind == "blur":
            p["blur_sigma"] = between(0.9, 1.4, 0.6)
        elif kind == "motion":
            p["motion"] = between(2, 4, 1)
            p["motion_angle"] = float(rng.uniform(0, 180))
        elif kind == "rotation":
            p["rotation"] = float(rng.uniform(-180, 180))
        elif kind == "perspective":
            p["tilt"] = between(0.12, 0.22, 0.04)
        elif kind == "noise":
            p["noise_sigma"] = between(8, 16, 3)
        elif kind == "low-contrast":
            p["contrast"] = between(0.3, 0.5, 1.0)
            p["grey_level"] = float(rng.uniform(90, 170))
        elif kind == "glare":
            p["glare"] = between(140, 230, 0)
            p["glare_radius"] = float(rng.uniform(0.25, 0.45))
            p["glare_offset"] = float(rng.uniform(0.35, 0.7))
            p["glare_angle"] = float(rng.uniform(0, 2 * math.pi))
        elif kind == "shadow":
            p["shadow"] = between(0.35, 0.6, 1.0)
            p["shadow_angle"] = float(rng.uniform(0, 2 * math.pi))
        elif kind == "small":
            p["card_fraction"] = float(rng.uniform(0.3, 0.38))
        elif kind == "jpeg":
            p["jpeg_quality"] = int(between(18, 35, 80))
        elif kind != "clean":
            raise ValueError(f"unknown degradation {kind!r}")
    return p


def _placement(rng: np.random.Generator, params: dict[str, Any], width: int,
               height: int) -> tuple[np.ndarray, np.ndarray]:
    """Card centre in the frame and the card → frame perspective matrix (scale, tilt, rotation, position)."""
    card_w = params["card_fraction"] * width
    card_h = card_w * CARD_HEIGHT / CARD_WIDTH
    tilt = params["tilt"]
    edge = int(rng.integers(0, 4))
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], np.float32) * [card_w / 2, card_h / 2]
    shrink = np.ones(4, np.float32)
    shrink[[edge, (edge + 1) % 4]] = 1 - tilt
    corners *= np.stack([shrink, np.ones(4, np.float32)], axis=1) if edge in (0, 2) else shrink[:, None]
    theta = math.radians(params["rotation"])
    rot = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]], np.float32)
    corners = corners @ rot.T
    span = corners.max(axis=0) - corners.min(axis=0)
    fit = min(1.0, (width - 8) / span[0], (height - 8) / span[1])
    if fit < 1.0:  # a person holds the whole card in view: a turned card is held a little further away
        corners *= fit
        params["card_fraction"] *= fit
    if "centre" in params:
        centre = np.array([params["centre"][0] * width, params["centre"][1] * height], np.float32)
    else:
        span = corners.max(axis=0) - corners.min(axis=0)  # after fitting
        margin_x = max(0.0, (width - span[0]) / 2 - 4)
        margin_y = max(0.0, (height - span[1]) / 2 - 4)
        centre = np.array([width / 2 + rng.uniform(-margin_x, margin_x) * 0.8,
                           height / 2 + rng.uniform(-margin_y, margin_y) * 0.8], np.float32)
    src = np.array([[0, 0], [CARD_WIDTH, 0], [CARD_WIDTH, CARD_HEIGHT], [0, CARD_HEIGHT]], np.float32)
    return centre, cv2.getPerspectiveTransform(src, (corners + centre).astype(np.float32))


def _glare(card: CardImage, params: dict[str, Any], matrix: np.ndarray, width: int, height: int) -> np.ndarray:
    """A specular highlight near the QR code: an additive Gaussian spot (float32, frame size)."""
    qx0, qy0, qx1, qy1 = card.qr_box
    qr_centre = cv2.perspectiveTransform(np.array([[[(qx0 + qx1) / 2, (qy0 + qy1) / 2]]], np.float32), matrix)
    qr_side = (qx1 - qx0) / CARD_WIDTH * params["card_fraction"] * width
    a = params["glare_angle"]
    gx = qr_centre[0, 0, 0] + math.cos(a) * params["glare_offset"] * qr_side
    gy = qr_centre[0, 0, 1] + math.sin(a) * params["glare_offset"] * qr_side
    radius = params["glare_radius"] * qr_side
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    return np.asarray(params["glare"] * np.exp(-((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * radius**2)), np.float32)


def card_frame(card: CardImage | None, *, degradation: str = "clean", seed: int = 0,
               size: tuple[int, int] = (1280, 720), overrides: Mapping[str, Any] | None = None,
               scene_seed: int | None = None) -> Frame:
    """A camera frame of ``card`` in a scene of ``size`` (width, height) with one degradation (see module doc).

    ``overrides`` replaces drawn parameters (``centre`` as fractions of the frame, ``rotation`` in degrees,
    ``card_fraction``...); ``scene_seed`` fixes the background independently of ``seed`` (a video clip).
    ``card=None`` gives the empty scene.
    """
    rng = np.random.default_rng(seed)
    width, height = size
    px = height / 720.0  # degradation sizes are specified at 720p
    if degradation == "combined":
        kinds: list[str] = [str(k) for k in rng.choice(_COMBINABLE, 3, replace=False)]
        params = _parameters(rng, kinds, strength=0.6)
        params["combined"] = kinds
    else:
        params = _parameters(rng, [degradation], strength=1.0)
    params.update(overrides or {})
    frame = scene_background(np.random.default_rng(seed if scene_seed is None else scene_seed), width, height)
    centre = np.array([width / 2, height / 2], np.float32)
    if card is not None:
        centre, matrix = _placement(rng, params, width, height)
        warped = cv2.warpPerspective(card.image[..., ::-1].astype(np.float32), matrix, (width, height),
                                     flags=cv2.INTER_AREA)
        mask = cv2.warpPerspective(np.ones((CARD_HEIGHT, CARD_WIDTH), np.float32), matrix, (width, height),
                                   flags=cv2.INTER_LINEAR)
        if params["motion"] > 0:  # the card moves under a fixed camera: only the card layer smears
            kernel = motion_kernel(params["motion"] * px, params["motion_angle"])
            warped, mask = cv2.filter2D(warped, -1, kernel), cv2.filter2D(mask, -1, kernel)
        frame = frame * (1 - mask[..., None]) + warped * mask[..., None]
        if params["glare"] > 0:
            frame += _glare(card, params, matrix, width, height)[..., None]

    # Photometry: shadow, glare, contrast, gain.
    if params["shadow"] < 1.0:
        yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
        a = params["shadow_angle"]
        d = (xx - centre[0]) * math.cos(a) + (yy - centre[1]) * math.sin(a)
        ramp = 1 / (1 + np.exp(-d / (0.05 * width)))
        frame *= (params["shadow"] + (1 - params["shadow"]) * ramp)[..., None]
    if params["contrast"] < 1.0:
        frame = params["grey_level"] + (frame - frame.mean()) * params["contrast"]
    frame *= params["gain"]
    frame = np.clip(frame, 0, 255)  # the sensor saturates before the optics blur

    # Optics and sensor: defocus, noise, JPEG.
    frame = cv2.GaussianBlur(frame, (0, 0), params["blur_sigma"] * px)
    frame += rng.normal(0, params["noise_sigma"], frame.shape).astype(np.float32)
    out = np.clip(frame, 0, 255).astype(np.uint8)
    ok, encoded = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, params["jpeg_quality"]])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    image = np.asarray(cv2.imdecode(encoded, cv2.IMREAD_COLOR), np.uint8)
    return Frame(image=image, payload=card.payload if card else b"", degradation=degradation, params=params)
