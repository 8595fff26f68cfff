"""Hard synthetic camera frames: CCCD cards and QR codes on phone screens, as a kiosk webcam sees them.

This is the QR development set. Where ``card_image.card_frame`` applies one mild degradation, these frames model
what defeats decoders on real photos: light that saturates the sensor, optics, the object itself and the camera's
processing. Every frame goes through a Bayer mosaic and demosaicing, sensor noise and JPEG, like a UVC webcam.

A frame is a *condition* (drawn once per category, e.g. where the glare sits or how the card is bent) seen in a
*pose* (where the object is, its size, rotation, tilt and speed). ``realistic_frame`` draws both from a seed;
``render`` takes them explicitly, which is how ``bench/qr_stream.py`` animates one presentation.

Categories (sizes at 720p, scaled with the frame height; ``U(a, b)`` is uniform; baseline pose: object width
U(0.45, 0.65) × frame width, rotation U(-25°, 25°), tilt up to 10 %, Gaussian blur σ U(0.4, 0.9) px, read noise
σ U(1.5, 3), JPEG quality U(60, 88)):

================  =====================================================================================
glare             specular highlight on the code: an elliptical spot of peak U(1.2, 2.5) × full scale (the core
                  saturates), radius U(0.08, 0.22) × code side, centred within 0.4 × code side of its centre
bright-spots      two to four small saturated reflections of ceiling lamps, radius U(1.5, 4) modules, on the code
laminate          reflections on the laminate: a broad sheen band of U(60, 140) grey levels across the card and
                  a rainbow holographic pattern of amplitude U(20, 50)
defocus           close range out of focus: the card at U(0.7, 0.95) × frame width, pillbox blur radius U(1.8, 3.2) px
motion            the card moves: linear motion blur U(2.5, 5.5) px at a random angle
low-light         exposure U(0.15, 0.3) of normal, shot and read noise amplified by the gain, webcam denoising
curved            the card bends: a bow of U(3, 7) % of the card height and a cylinder compression across it
finger            a thumb holds the card by the code's edge, away from two finder patterns, and reaches
                  U(3, 16) % of the code's side into it
damaged           scratches (2–5 lines of 0.4–1 module width), worn dark modules (U(0.4, 1.5) %) and a smudge
perspective       strong tilt: one edge shortened by U(25, 45) %, rotation U(-45°, 45°)
jpeg              the stream is scaled by U(0.6, 0.85) and JPEG-encoded at quality U(12, 30), then scaled back
rolling-shutter   a moving card read row by row: shear U(6, 16) % of the card height, motion blur U(1, 3) px,
                  and mains-flicker bands of depth U(0.15, 0.35)
phone-small       a phone U(0.45, 0.6) × frame height tall (code about 110–150 px): pixel grid, moiré
phone-large       a phone held close, U(0.95, 1.4) × frame height tall (code 250–450 px): the strongest moiré
phone-bright      screen brightness U(1.5, 2.4) × the room's exposure: whites bloom into the dark modules
phone-reflection  the glass mirrors the room: a window and a ceiling light at U(0.25, 0.5) reflectance
shadows           a hard cast shadow (a hand, a phone, the kiosk's edge) across the code: transmission
                  U(0.25, 0.5), edge through the code within 0.3 × its side, penumbra U(0.3, 2.5) px; a third
                  of them a stripe U(0.15, 0.4) × side wide (a pen, a lanyard)
no-quiet-zone     the code printed without its quiet zone: a dark frame or a module-sized pattern starts
                  U(0, 0.6) modules from the code
noncompliant      the code inverted (light modules on a dark patch), mirrored (printed on the back of a clear
                  sleeve), or both
lots              three to seven other QR codes in view (posters, stickers, U(60, 200) px), some under the card
high-version      the card's code at version U(12, 20), level H, in the same box, seen close (U(0.7, 0.95) ×
                  frame width): modules of 2–3 px
wrinkled          the card in a creased plastic sleeve or on fabric: a smooth displacement of U(0.3, 0.9)
                  modules with a period of U(8, 18) modules, shaded by the slope of the creases
================  =====================================================================================

The last six are the in-the-wild kinds of public QR benchmarks that the first sixteen lack (BoofCV's QR study:
shadows, pathological/noncompliant codes, many codes per image, high versions, non-planar surfaces). They are
in ``DEV_CATEGORIES`` (the per-frame dev set); ``CATEGORIES`` keeps the first sixteen, the stream presentations'.

Phone screens: an RGB-stripe subpixel grid (screen density U(14, 20) px/mm) integrated exactly over the
light-sensitive part of each camera pixel (``SENSOR_FILL``); what survives is the moiré. A screen refresh band and a
faint reflection are on every phone frame; a quarter of the phone frames show the code in dark mode (inverted).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import cv2
import numpy as np
import segno
from PIL import Image, ImageDraw, ImageFont

from drivers.sim.card_image import (
    CARD_HEIGHT,
    CARD_WIDTH,
    FONT_BOLD_PATH,
    FONT_PATH,
    CardImage,
    Frame,
    motion_kernel,
    scene_background,
)

CARD_CATEGORIES: tuple[str, ...] = (
    "glare", "bright-spots", "laminate", "defocus", "motion", "low-light", "curved", "finger", "damaged",
    "perspective", "jpeg", "rolling-shutter",
)
PHONE_CATEGORIES: tuple[str, ...] = ("phone-small", "phone-large", "phone-bright", "phone-reflection")
CATEGORIES: tuple[str, ...] = CARD_CATEGORIES + PHONE_CATEGORIES
WILD_CATEGORIES: tuple[str, ...] = ("shadows", "no-quiet-zone", "noncompliant", "lots", "high-version", "wrinkled")
DEV_CATEGORIES: tuple[str, ...] = CATEGORIES + WILD_CATEGORIES  # the per-frame dev set (bench/qr.py)

# Object size ranges where a category needs its own (card: width / frame width; phone: height / frame height).
SCALES: dict[str, tuple[float, float]] = {
    "defocus": (0.7, 0.95), "high-version": (0.7, 0.95), "phone-small": (0.45, 0.6), "phone-large": (0.95, 1.4),
}
PAD = 0.25  # the card texture carries a margin of this fraction of its width on each side (for the thumb)
PHONE_MM = (72.0, 152.0)  # body width, height
SCREEN_MM = (66.0, 140.0)  # display area, centred on the body
SENSOR_FILL = 0.45  # the light-sensitive fraction of a camera pixel's pitch, along each axis


@dataclass(frozen=True)
class Conditions:
    """What a presentation looks like apart from where the object is (see the module docstring)."""

    category: str
    params: dict[str, Any]


def is_phone(category: str) -> bool:
    return category.startswith("phone")


# ---------------------------------------------------------------------------------------------------------------
# Drawing the conditions and the pose


def draw_conditions(category: str, rng: np.random.Generator) -> Conditions:
    """The per-presentation parameters of ``category`` (baseline values overridden by the category)."""
    if category not in DEV_CATEGORIES:
        raise ValueError(f"unknown category {category!r}; choose from {DEV_CATEGORIES}")
    u = rng.uniform
    p: dict[str, Any] = {
        "blur_sigma": float(u(0.4, 0.9)), "read_noise": float(u(1.5, 3)), "jpeg_quality": int(u(60, 88)),
        "exposure": float(u(0.85, 1.1)), "defocus": 0.0, "motion": 0.0, "motion_angle": float(u(0, 180)),
    }
    if category == "glare":
        p.update(glare_peak=float(u(1.2, 2.5)) * 255, glare_radius=float(u(0.08, 0.22)),
                 glare_offset=(float(u(-0.4, 0.4)), float(u(-0.4, 0.4))), glare_aspect=float(u(1.0, 2.0)),
                 glare_angle=float(u(0, 180)))
    elif category == "bright-spots":
        p["spots"] = [(float(u(-0.45, 0.45)), float(u(-0.45, 0.45)), float(u(1.5, 4)), float(u(1.5, 3.0)) * 255)
                      for _ in range(int(rng.integers(2, 5)))]
    elif category == "laminate":
        p.update(sheen=float(u(60, 140)), sheen_angle=float(u(0, 180)), sheen_offset=float(u(-0.3, 0.3)),
                 sheen_width=float(u(0.1, 0.3)), holo=float(u(20, 50)), holo_period=float(u(8, 20)))
    elif category == "defocus":
        p["defocus"] = float(u(1.8, 3.2))
    elif category == "motion":
        p["motion"] = float(u(2.5, 5.5))
    elif category == "low-light":
        p["exposure"] = float(u(0.15, 0.3))
        p["denoise"] = float(u(0.6, 1.2))
    elif category == "curved":
        p.update(bow=float(u(0.03, 0.07)) * (1 if rng.random() < 0.5 else -1), cylinder=float(u(0.08, 0.2)),
                 bend_axis=int(rng.integers(0, 2)))
    elif category == "finger":
        p.update(finger_cover=float(u(0.02, 0.1)), finger_side=int(rng.integers(0, 3)),
                 finger_along=float(u(0, 1)), finger_tone=[float(c) for c in u(0.75, 1.0, 3)])
    elif category == "damaged":
        p.update(scratches=int(rng.integers(2, 6)), worn=float(u(0.004, 0.015)), smudge=float(u(0.15, 0.35)),
                 damage_seed=int(rng.integers(0, 2**31)))
    elif category == "perspective":
        p.update(tilt=float(u(0.25, 0.45)), rotation=float(u(-45, 45)))
    elif category == "jpeg":
        p.update(jpeg_quality=int(u(12, 30)), jpeg_scale=float(u(0.6, 0.85)))
    elif category == "rolling-shutter":
        p.update(shear=float(u(0.06, 0.16)) * (1 if rng.random() < 0.5 else -1), motion=float(u(1, 3)),
                 motion_angle=0.0, flicker=float(u(0.15, 0.35)), flicker_period=float(u(40, 120)))
    elif category in WILD_CATEGORIES:
        p.update(_wild_conditions(category, rng))
    if is_phone(category):
        p.update(brightness=float(u(0.8, 1.3)), reflection=float(u(0.03, 0.12)), banding=float(u(0.05, 0.2)),
                 band_period=float(u(60, 200)), density=float(u(14, 20)), dark_mode=bool(rng.random() < 0.25),
                 room_seed=int(rng.integers(0, 2**31)))
        if category == "phone-bright":
            p["brightness"] = float(u(1.5, 2.4))
        elif category == "phone-reflection":
            p["reflection"] = float(u(0.25, 0.5))
    return Conditions(category, p)


def _wild_conditions(category: str, rng: np.random.Generator) -> dict[str, Any]:
    u = rng.uniform
    if category == "shadows":
        return {"shadow": float(u(0.25, 0.5)), "shadow_angle": float(u(0, 180)), "shadow_offset": float(u(-0.3, 0.3)),
                "shadow_soft": float(u(0.3, 2.5)),
                "shadow_stripe": float(u(0.15, 0.4)) if rng.random() < 1 / 3 else 0.0}
    if category == "no-quiet-zone":
        return {"surround": "frame" if rng.random() < 0.5 else "pattern", "surround_gap": float(u(0, 0.6)),
                "surround_seed": int(rng.integers(0, 2**31))}
    if category == "noncompliant":
        kind = int(rng.integers(0, 3))
        return {"inverted": kind != 1, "mirrored": kind != 0}
    if category == "lots":
        return {"others": int(rng.integers(3, 8)), "others_seed": int(rng.integers(0, 2**31))}
    if category == "high-version":
        return {"version": int(rng.integers(12, 21)), "ec": "h"}
    return {"wrinkle": float(u(0.3, 0.9)), "wrinkle_period": float(u(8, 18)),
            "wrinkle_seed": int(rng.integers(0, 2**31))}


def draw_pose(category: str, rng: np.random.Generator) -> dict[str, Any]:
    """Where the object is: ``centre`` (fractions of the frame), ``scale`` (object width / frame width for a
    card, object height / frame height for a phone), ``rotation`` (degrees), ``tilt`` and ``tilt_edge``."""
    u = rng.uniform
    pose: dict[str, Any] = {"rotation": float(u(-25, 25)), "tilt": float(u(0, 0.1)),
                            "tilt_edge": int(rng.integers(0, 4)), "centre": (float(u(0.4, 0.6)), float(u(0.4, 0.6)))}
    pose["scale"] = float(u(*SCALES.get(category, (0.55, 0.85) if is_phone(category) else (0.45, 0.65))))
    return pose


# ---------------------------------------------------------------------------------------------------------------
# Geometry


def _homography(pose: Mapping[str, Any], conditions: Conditions, width: int, height: int, *, object_w: float,
                object_h: float, ox: float = 0.0, oy: float = 0.0) -> np.ndarray:
    """Texture → frame perspective matrix. The object (``object_w`` × ``object_h`` texture units, starting at
    ``ox, oy`` in the texture) is placed by ``pose``; the texture may be larger (a margin)."""
    phone = is_phone(conditions.category)
    if phone:
        obj_h_px = pose["scale"] * height
        obj_w_px = obj_h_px * object_w / object_h
    else:
        obj_w_px = pose["scale"] * width
        obj_h_px = obj_w_px * object_h / object_w
    tilt = conditions.params.get("tilt", pose.get("tilt", 0.0))
    rotation = conditions.params.get("rotation", pose.get("rotation", 0.0))
    edge = int(pose.get("tilt_edge", 0))
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], np.float32) * [obj_w_px / 2, obj_h_px / 2]
    shrink = np.ones(4, np.float32)
    shrink[[edge, (edge + 1) % 4]] = 1 - tilt
    corners *= np.stack([shrink, np.ones(4, np.float32)], axis=1) if edge in (0, 2) else shrink[:, None]
    theta = math.radians(rotation)
    rot = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]], np.float32)
    corners = corners @ rot.T + np.array([pose["centre"][0] * width, pose["centre"][1] * height], np.float32)
    src = np.array([[ox, oy], [ox + object_w, oy], [ox + object_w, oy + object_h], [ox, oy + object_h]], np.float32)
    return cv2.getPerspectiveTransform(src, corners.astype(np.float32))


def _project(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    return np.asarray(cv2.perspectiveTransform(points.reshape(-1, 1, 2).astype(np.float32), matrix).reshape(-1, 2))


# ---------------------------------------------------------------------------------------------------------------
# The card layer


def _card_texture(card: CardImage, conditions: Conditions) -> tuple[np.ndarray, tuple[int, int]]:
    """The card in a padded RGBA float32 canvas (BGR + alpha), with damage and the thumb drawn in card space.
    Returns the canvas and the card's offset in it."""
    p = conditions.params
    pad_x, pad_y = int(PAD * CARD_WIDTH), int(PAD * CARD_WIDTH)
    canvas = np.zeros((CARD_HEIGHT + 2 * pad_y, CARD_WIDTH + 2 * pad_x, 4), np.float32)
    body = card.image[..., ::-1].astype(np.float32)
    x0, y0, x1, y1 = card.qr_box
    side = x1 - x0
    if "scratches" in p:
        body = _damage(body, card, p)
    if {"version", "inverted", "surround"} & p.keys():
        body = _recode(body, card, p)
    canvas[pad_y:pad_y + CARD_HEIGHT, pad_x:pad_x + CARD_WIDTH, :3] = body
    canvas[pad_y:pad_y + CARD_HEIGHT, pad_x:pad_x + CARD_WIDTH, 3] = 1.0
    if "finger_cover" in p:
        _thumb(canvas, (x0 + pad_x, y0 + pad_y, x1 + pad_x, y1 + pad_y), side, p)
    if "bow" in p:
        canvas = _bend(canvas, p)
    if "wrinkle" in p:
        canvas = _wrinkle(canvas, side / 49.0, p)
    return canvas, (pad_x, pad_y)


PAPER, INK = 250.0, 25.0  # the card's code tones


def _recode(body: np.ndarray, card: CardImage, p: Mapping[str, Any]) -> np.ndarray:
    """The card's code redrawn in its box: at another version and level, inverted or mirrored, or without its
    quiet zone (a dark frame or a module-sized pattern from ``surround_gap`` modules out)."""
    x0, y0, x1, y1 = card.qr_box
    side = x1 - x0
    code = segno.make_qr(card.payload, mode="byte", error=p.get("ec", "m"), version=p.get("version"),
                         boost_error=False)
    matrix = np.array(code.matrix, np.float32)
    if p.get("mirrored"):
        matrix = matrix[:, ::-1]
    n = matrix.shape[0]
    module = side / n
    dark, light = (PAPER, INK) if p.get("inverted") else (INK, PAPER)
    body = body.copy()
    if p.get("inverted"):  # a dark patch around the code: its quiet zone, inverted
        q = round(2.5 * module)
        body[max(0, y0 - q):y1 + q, max(0, x0 - q):x1 + q] = INK
    if "surround" in p:
        rng = np.random.default_rng(p["surround_seed"])
        gap = round(p["surround_gap"] * module)
        outer = round(4 * module)
        ya, xa = max(0, y0 - gap - outer), max(0, x0 - gap - outer)
        region = body[ya:y1 + gap + outer, xa:x1 + gap + outer]
        if p["surround"] == "frame":
            region[:] = INK
        else:
            cells = rng.random((math.ceil(region.shape[0] / module), math.ceil(region.shape[1] / module))) < 0.5
            pattern = cv2.resize(cells.astype(np.float32), (region.shape[1], region.shape[0]),
                                 interpolation=cv2.INTER_NEAREST)
            region[:] = (INK + (PAPER - INK) * (1 - pattern))[..., None]
        body[y0 - gap:y1 + gap, x0 - gap:x1 + gap] = PAPER
    tones = cv2.resize(light + (dark - light) * matrix, (side, side), interpolation=cv2.INTER_AREA)
    body[y0:y1, x0:x1] = tones[..., None]
    return body


def _wrinkle(canvas: np.ndarray, module: float, p: Mapping[str, Any]) -> np.ndarray:
    """Creases: a smooth random displacement (sum of three plane waves) and the shading of their slopes."""
    rng = np.random.default_rng(p["wrinkle_seed"])
    h, w = canvas.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    dx = np.zeros((h, w), np.float32)
    dy = np.zeros((h, w), np.float32)
    slope = np.zeros((h, w), np.float32)
    for _ in range(3):
        a = rng.uniform(0, math.pi)
        period = p["wrinkle_period"] * module * rng.uniform(0.7, 1.4)
        phase = (xx * math.cos(a) + yy * math.sin(a)) * 2 * math.pi / period + rng.uniform(0, 2 * math.pi)
        amplitude = p["wrinkle"] * module / math.sqrt(3)
        dx += amplitude * np.sin(phase) * math.cos(a + math.pi / 2)
        dy += amplitude * np.sin(phase) * math.sin(a + math.pi / 2) + 0.5 * amplitude * np.cos(phase)
        slope += np.cos(phase) / 3
    out = np.asarray(cv2.remap(canvas, xx + dx, yy + dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                               borderValue=0), np.float32)
    out[..., :3] *= (1 + 0.12 * slope)[..., None]
    return out


def _damage(body: np.ndarray, card: CardImage, p: Mapping[str, Any]) -> np.ndarray:
    """Scratches across the code, worn dark modules and a greasy smudge."""
    rng = np.random.default_rng(p["damage_seed"])
    x0, y0, x1, y1 = card.qr_box
    side = x1 - x0
    module = side / 49.0
    region = body[y0:y1, x0:x1].copy()
    dark = region.mean(axis=2) < 128
    worn = cv2.resize((rng.random((49, 49)) < p["worn"]).astype(np.uint8), (side, side),
                      interpolation=cv2.INTER_NEAREST).astype(bool)
    region[dark & worn] = rng.uniform(150, 220)
    body = body.copy()
    body[y0:y1, x0:x1] = region
    for _ in range(p["scratches"]):
        a = rng.uniform(0, math.pi)
        cx, cy = rng.uniform(x0, x1), rng.uniform(y0, y1)
        half = rng.uniform(0.3, 0.9) * side
        pt1 = (round(cx - half * math.cos(a)), round(cy - half * math.sin(a)))
        pt2 = (round(cx + half * math.cos(a)), round(cy + half * math.sin(a)))
        tone = float(rng.choice([rng.uniform(200, 250), rng.uniform(10, 60)]))
        cv2.line(body, pt1, pt2, (tone, tone, tone), max(1, round(rng.uniform(0.4, 1.0) * module)), cv2.LINE_AA)
    smudge = np.zeros(body.shape[:2], np.float32)
    cv2.ellipse(smudge, (round(rng.uniform(x0, x1)), round(rng.uniform(y0, y1))),
                (round(side * rng.uniform(0.15, 0.3)), round(side * rng.uniform(0.1, 0.2))), float(rng.uniform(0, 180)),
                0, 360, 1.0, -1)
    smudge = cv2.GaussianBlur(smudge, (0, 0), side * 0.05) * p["smudge"]
    grey = cv2.GaussianBlur(body, (0, 0), module * 1.2)
    return body * (1 - smudge[..., None]) + (0.6 * grey + 0.4 * 170) * smudge[..., None]


def _thumb(canvas: np.ndarray, qr: tuple[int, int, int, int], side: int, p: Mapping[str, Any]) -> None:
    """A thumb (capsule about 20 mm wide, skin tone, soft shadow) holding the card by the code's edge: from the
    right, from below or across the bottom-right corner, reaching ``finger_cover`` × side into the code, on
    the side away from the top-right and bottom-left finder patterns."""
    x0, y0, x1, y1 = qr
    width = side * 1.1  # a thumb is about 20 mm wide, the code about 17 mm
    r = width / 2
    depth = p["finger_cover"] * side * 1.6
    along = 0.55 + 0.45 * p["finger_along"]
    h, w = canvas.shape[:2]
    if p["finger_side"] == 0:  # from the right
        tip = (x1 - depth + r, y0 + along * side)
        base = (w + 2 * side, tip[1] + side * 0.5)
    elif p["finger_side"] == 1:  # from below
        tip = (x0 + along * side, y1 - depth + r)
        base = (tip[0] + side * 0.5, h + 2 * side)
    else:  # across the bottom-right corner
        tip = (x1 - depth * 0.7 + r * 0.7, y1 - depth * 0.7 + r * 0.7)
        base = (w + 2 * side, h + 2 * side)
    mask = np.zeros((h, w), np.float32)
    cv2.line(mask, (round(tip[0]), round(tip[1])), (round(base[0]), round(base[1])), 1.0, round(width))
    cv2.circle(mask, (round(tip[0]), round(tip[1])), round(width / 2), 1.0, -1)
    mask = np.asarray(cv2.GaussianBlur(mask, (0, 0), width * 0.06), np.float32)
    shadow = cv2.GaussianBlur(mask, (0, 0), width * 0.25)
    shadow = np.roll(shadow, (round(width * 0.12), round(width * 0.12)), axis=(0, 1))
    canvas[..., :3] *= (1 - 0.45 * shadow * (1 - mask))[..., None]
    yy = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    skin = np.array([150, 175, 225], np.float32) * np.asarray(p["finger_tone"], np.float32)
    shading = (0.8 + 0.25 * np.sin(yy * 7 + 1.3))[..., None]
    canvas[..., :3] = canvas[..., :3] * (1 - mask[..., None]) + skin * shading * mask[..., None]
    canvas[..., 3] = np.maximum(canvas[..., 3], mask)


def _bend(canvas: np.ndarray, p: Mapping[str, Any]) -> np.ndarray:
    """A bent card seen from above: a bow across one axis and cylinder compression near the edges."""
    h, w = canvas.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if p["bend_axis"]:
        canvas = canvas.transpose(1, 0, 2).copy()
        h, w = w, h
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    t = (xx - w / 2) / (w / 2)  # −1 … 1 across
    card_h = CARD_HEIGHT if not p["bend_axis"] else CARD_WIDTH
    bow = p["bow"] * card_h
    map_y = yy - bow * (1 - t**2)
    squeeze = p["cylinder"]
    map_x = w / 2 + (w / 2) * np.sin(t * math.asin(1 - 1e-3) * 1.0) * (1 - squeeze) + (xx - w / 2) * squeeze
    shade = (1 - 0.18 * np.abs(p["bow"]) / 0.07 * t**2)[..., None]
    out = cv2.remap(canvas, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    out[..., :3] *= shade
    return out.transpose(1, 0, 2).copy() if p["bend_axis"] else out


def _qr_quad(card: CardImage, matrix: np.ndarray, offset: tuple[int, int]) -> np.ndarray:
    x0, y0, x1, y1 = card.qr_box
    ox, oy = offset
    return _project(matrix, np.array([[x0 + ox, y0 + oy], [x1 + ox, y0 + oy], [x1 + ox, y1 + oy], [x0 + ox, y1 + oy]],
                                     np.float32))


def _card_layer(card: CardImage, conditions: Conditions, pose: Mapping[str, Any], width: int,
                height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The warped card (BGR float32), its coverage mask and the code's corners in the frame."""
    texture, (ox, oy) = _card_texture(card, conditions)
    matrix = _homography(pose, conditions, width, height, object_w=CARD_WIDTH, object_h=CARD_HEIGHT, ox=ox, oy=oy)
    warped = cv2.warpPerspective(texture, matrix, (width, height), flags=cv2.INTER_LINEAR)
    return warped[..., :3], warped[..., 3], _qr_quad(card, matrix, (ox, oy))


# ---------------------------------------------------------------------------------------------------------------
# The phone layer


@cache
def _screen_content(payload: bytes, dark: bool, res_w: int, res_h: int) -> np.ndarray:
    """A VNeID-like screen (RGB uint8, res_w × res_h): red header, the code on a card, a countdown line."""
    bg, fg = ((18, 18, 22), (235, 235, 235)) if dark else ((246, 246, 248), (20, 20, 20))
    img = Image.new("RGB", (res_w, res_h), bg)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, res_w, int(res_h * 0.11)), fill=(200, 28, 36))
    draw.text((res_w * 0.06, res_h * 0.035), "VNeID", font=_font(int(res_w * 0.07), True), fill=(255, 255, 255))
    draw.text((res_w * 0.08, res_h * 0.15), "Mã QR định danh", font=_font(int(res_w * 0.055), True), fill=fg)
    matrix = np.array(segno.make_qr(payload, mode="byte", error="m", boost_error=False).matrix, np.uint8)
    n = matrix.shape[0]
    module = max(1, int(res_w * 0.78) // n)  # whole screen pixels per module, as apps draw codes
    side = module * n
    qx, qy = (res_w - side) // 2, int(res_h * 0.25)
    quiet = 3 * module
    light, ink = (fg, bg) if dark else ((255, 255, 255), (0, 0, 0))
    draw.rectangle((qx - quiet, qy - quiet, qx + side + quiet, qy + side + quiet), fill=light)
    rgb = np.asarray(img).copy()
    code = np.kron(matrix, np.ones((module, module), np.uint8)).astype(bool)
    block = rgb[qy:qy + side, qx:qx + side]
    block[code] = ink
    block[~code] = light
    img = Image.fromarray(rgb)
    draw = ImageDraw.Draw(img)
    draw.text((res_w * 0.1, qy + side + quiet + res_h * 0.03), "Mã QR hết hạn sau 58 giây",
              font=_font(int(res_w * 0.045)), fill=fg)
    return np.asarray(img)


@cache
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT_BOLD_PATH if bold else FONT_PATH, size)


def _room(seed: int, width: int, height: int) -> np.ndarray:
    """What the phone glass mirrors: a bright window, a ceiling light and dim walls (BGR float32)."""
    rng = np.random.default_rng(seed)
    room = np.full((height, width, 3), rng.uniform(40, 90), np.float32)
    wx, wy = rng.uniform(0, width), rng.uniform(0, height)
    cv2.rectangle(room, (round(wx), round(wy)), (round(wx + width * rng.uniform(0.3, 0.6)),
                                                 round(wy + height * rng.uniform(0.3, 0.6))), (255, 250, 240), -1)
    cv2.line(room, (round(wx + width * 0.15), round(wy)), (round(wx + width * 0.15), round(wy + height)),
             (60, 60, 60), round(width * 0.02))
    cv2.circle(room, (round(rng.uniform(0, width)), round(rng.uniform(0, height))), round(width * 0.06),
               (255, 255, 255), -1)
    return cv2.GaussianBlur(room, (0, 0), width * 0.02)


def _phone_layer(payload: bytes, conditions: Conditions, pose: Mapping[str, Any], width: int,
                 height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The phone (BGR float32, may exceed 255 where the screen is bright), its mask, the code's corners."""
    p = conditions.params
    density = p["density"]  # screen pixels per mm
    res_w, res_h = round(SCREEN_MM[0] * density), round(SCREEN_MM[1] * density)
    content = _screen_content(payload, p["dark_mode"], res_w, res_h)[..., ::-1]
    matrix = _homography(pose, conditions, width, height, object_w=PHONE_MM[0], object_h=PHONE_MM[1])
    corners = _project(matrix, np.array([[0, 0], [PHONE_MM[0], 0], [PHONE_MM[0], PHONE_MM[1]], [0, PHONE_MM[1]]],
                                        np.float32))
    bx0, by0 = np.clip(np.floor(corners.min(axis=0)).astype(int), 0, [width, height])
    bx1, by1 = np.clip(np.ceil(corners.max(axis=0)).astype(int) + 1, 0, [width, height])
    out = np.zeros((height, width, 3), np.float32)
    mask = np.zeros((height, width), np.float32)
    if bx1 <= bx0 or by1 <= by0:
        return out, mask, corners
    inverse = np.linalg.inv(matrix)
    sx0, sy0 = (PHONE_MM[0] - SCREEN_MM[0]) / 2, (PHONE_MM[1] - SCREEN_MM[1]) / 2 * 0.9
    # Screen content at camera resolution: reduce it to about the camera's scale first (area averaging),
    # then warp (the camera pixel integrates several screen pixels).
    scale_mm = float(np.sqrt(abs(np.linalg.det(matrix[:2, :2])))) / max(float(matrix[2, 2]), 1e-6)
    reduce = min(1.0, 1.5 * scale_mm / density)
    small = cv2.resize(content.astype(np.float32), None, fx=reduce, fy=reduce, interpolation=cv2.INTER_AREA)
    to_mm = np.array([[1 / (density * reduce), 0, sx0], [0, 1 / (density * reduce), sy0], [0, 0, 1]])
    screen = cv2.warpPerspective(small, matrix @ to_mm, (width, height), flags=cv2.INTER_LINEAR)
    screen_mask = cv2.warpPerspective(np.ones(small.shape[:2], np.float32), matrix @ to_mm, (width, height),
                                      flags=cv2.INTER_LINEAR)
    body = cv2.warpPerspective(np.ones((round(PHONE_MM[1] * 4), round(PHONE_MM[0] * 4)), np.float32),
                               matrix @ np.diag([0.25, 0.25, 1.0]), (width, height), flags=cv2.INTER_LINEAR)
    # The RGB-stripe subpixel grid, integrated exactly over each camera pixel's footprint along the screen's
    # axes: what survives the integration is the moiré.
    ys, xs = np.mgrid[by0:by1 + 1, bx0:bx1 + 1].astype(np.float32)
    uv = cv2.perspectiveTransform(np.stack([xs, ys], axis=-1).reshape(-1, 1, 2), inverse).reshape((*ys.shape, 2))
    fx, fy = (uv[..., 0] - sx0) * density, (uv[..., 1] - sy0) * density
    lx = np.abs(np.diff(fx, axis=1))[:-1] + np.abs(np.diff(fx, axis=0))[:, :-1]
    ly = np.abs(np.diff(fy, axis=1))[:-1] + np.abs(np.diff(fy, axis=0))[:, :-1]
    cx = (fx[:-1, :-1] + fx[1:, 1:]) / 2
    cy = (fy[:-1, :-1] + fy[1:, 1:]) / 2
    lx, ly = np.maximum(lx * SENSOR_FILL, 1e-3), np.maximum(ly * SENSOR_FILL, 1e-3)
    rows = (_box_average(cy, ly, 0.0, 0.8) / 0.8)[..., None]
    grid = np.stack([_box_average(cx, lx, offset / 3, 1 / 3) * 3 for offset in (2, 1, 0)], axis=-1) * rows
    bezel = body - screen_mask
    block = (screen[by0:by1, bx0:bx1] * grid * p["brightness"] + 22.0 * bezel[by0:by1, bx0:bx1, None])
    coverage = body[by0:by1, bx0:bx1]
    glass = screen_mask[by0:by1, bx0:bx1]
    # Screen refresh band (the camera's rolling shutter against the display's PWM).
    rows = np.arange(by0, by1, dtype=np.float32)[:, None, None]
    block *= 1 - p["banding"] * (0.5 + 0.5 * np.sin(2 * math.pi * rows / p["band_period"] + p["room_seed"] % 7))
    # The glass mirrors the room.
    room = _room(p["room_seed"], width, height)[by0:by1, bx0:bx1]
    block += p["reflection"] * room * glass[..., None]
    out[by0:by1, bx0:bx1] = block
    mask[by0:by1, bx0:bx1] = coverage
    return out, mask, _phone_code_quad(payload, density, matrix)


def _phone_code_quad(payload: bytes, density: float, matrix: np.ndarray) -> np.ndarray:
    """The corners of the code shown on the phone, in the frame."""
    res_w, res_h = round(SCREEN_MM[0] * density), round(SCREEN_MM[1] * density)
    sx0, sy0 = (PHONE_MM[0] - SCREEN_MM[0]) / 2, (PHONE_MM[1] - SCREEN_MM[1]) / 2 * 0.9
    n_code = _screen_code_side(payload, res_w)
    qx = (res_w - n_code) / 2 / density + sx0
    qy = int(res_h * 0.25) / density + sy0
    side_mm = n_code / density
    return _project(matrix, np.array([[qx, qy], [qx + side_mm, qy], [qx + side_mm, qy + side_mm],
                                      [qx, qy + side_mm]], np.float32))


def code_corners(source: CardImage, conditions: Conditions, pose: Mapping[str, Any],
                 size: tuple[int, int] = (1280, 720)) -> np.ndarray:
    """Where the code's corners (4 × 2, frame pixels) fall in ``pose``, without rendering the frame (a bent card's
    bow is left out)."""
    width, height = size
    if is_phone(conditions.category):
        matrix = _homography(pose, conditions, width, height, object_w=PHONE_MM[0], object_h=PHONE_MM[1])
        return _phone_code_quad(source.payload, conditions.params["density"], matrix)
    pad = int(PAD * CARD_WIDTH)
    matrix = _homography(pose, conditions, width, height, object_w=CARD_WIDTH, object_h=CARD_HEIGHT, ox=pad, oy=pad)
    return _qr_quad(source, matrix, (pad, pad))


def _box_average(centre: np.ndarray, length: np.ndarray, start: float, lit: float) -> np.ndarray:
    """Mean over [centre ± length/2] of a periodic (period 1) indicator that is 1 on [start, start + lit)."""
    def cumulative(t: np.ndarray) -> np.ndarray:
        return np.floor(t) * lit + np.clip(t - np.floor(t) - start, 0.0, lit)

    return np.asarray((cumulative(centre + length / 2) - cumulative(centre - length / 2)) / length, np.float32)


def _screen_code_side(payload: bytes, res_w: int) -> int:
    n = len(segno.make_qr(payload, mode="byte", error="m", boost_error=False).matrix)
    return max(1, int(res_w * 0.78) // n) * n


# ---------------------------------------------------------------------------------------------------------------
# Light and camera


def _spot(width: int, height: int, centre: tuple[float, float], radius: float, peak: float, aspect: float = 1.0,
          angle: float = 0.0) -> np.ndarray:
    """An additive elliptical highlight with a flat saturated core and soft edges (float32, frame size)."""
    r = max(radius, 1.0)
    x0, x1 = max(0, int(centre[0] - 4 * r * aspect)), min(width, int(centre[0] + 4 * r * aspect) + 1)
    y0, y1 = max(0, int(centre[1] - 4 * r * aspect)), min(height, int(centre[1] + 4 * r * aspect) + 1)
    out = np.zeros((height, width), np.float32)
    if x1 <= x0 or y1 <= y0:
        return out
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    a = math.radians(angle)
    dx, dy = xx - centre[0], yy - centre[1]
    along = (dx * math.cos(a) + dy * math.sin(a)) / aspect
    across = -dx * math.sin(a) + dy * math.cos(a)
    d2 = (along**2 + across**2) / r**2
    out[y0:y1, x0:x1] = peak * np.exp(-(d2**1.5) / 2)
    return out


def _lighting(frame: np.ndarray, mask: np.ndarray, quad: np.ndarray, conditions: Conditions) -> np.ndarray:
    """Specular highlights, laminate sheen and flicker, added to the scene in frame space."""
    p = conditions.params
    height, width = frame.shape[:2]
    centre = quad.mean(axis=0)
    side = float(np.linalg.norm(quad[1] - quad[0]) + np.linalg.norm(quad[3] - quad[0])) / 2
    if "glare_peak" in p:
        c = (centre[0] + p["glare_offset"][0] * side, centre[1] + p["glare_offset"][1] * side)
        frame += (_spot(width, height, c, p["glare_radius"] * side, p["glare_peak"], p["glare_aspect"],
                        p["glare_angle"]) * mask)[..., None]
    for ox, oy, radius_modules, peak in p.get("spots", ()):
        c = (centre[0] + ox * side, centre[1] + oy * side)
        frame += (_spot(width, height, c, radius_modules * side / 49, peak) * mask)[..., None]
    if "sheen" in p:
        yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
        a = math.radians(p["sheen_angle"])
        d = (xx - centre[0]) * math.cos(a) + (yy - centre[1]) * math.sin(a) - p["sheen_offset"] * side
        band = p["sheen"] * np.exp(-(d**2) / (2 * (p["sheen_width"] * side * 2) ** 2))
        hue = 2 * math.pi * (xx * 0.7 + yy * 0.3) / p["holo_period"]
        holo = np.stack([np.sin(hue), np.sin(hue + 2.1), np.sin(hue + 4.2)], axis=-1) * p["holo"]
        frame += (band[..., None] + holo * (0.5 + 0.5 * np.sin(d / side * 3)[..., None])) * mask[..., None]
    return frame


def _shadow(frame: np.ndarray, quad: np.ndarray, p: Mapping[str, Any], px: float) -> np.ndarray:
    """A cast shadow with a sharp edge through the code (a half plane, or a stripe) over the whole scene."""
    height, width = frame.shape[:2]
    centre = quad.mean(axis=0)
    side = float(np.linalg.norm(quad[1] - quad[0]) + np.linalg.norm(quad[3] - quad[0])) / 2
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    a = math.radians(p["shadow_angle"])
    d = (xx - centre[0]) * math.cos(a) + (yy - centre[1]) * math.sin(a) - p["shadow_offset"] * side
    inside = (np.abs(d) < p["shadow_stripe"] * side / 2) if p["shadow_stripe"] else (d > 0)
    shade = cv2.GaussianBlur(inside.astype(np.float32), (0, 0), p["shadow_soft"] * px)
    return frame * (1 - (1 - p["shadow"]) * shade)[..., None]


def _other_codes(frame: np.ndarray, p: Mapping[str, Any]) -> None:
    """Other QR codes in the scene (posters, stickers, a menu): white labels at random places and angles."""
    rng = np.random.default_rng(p["others_seed"])
    height, width = frame.shape[:2]
    for k in range(p["others"]):
        payload = f"https://example.vn/{rng.integers(0, 10**9)}/{'x' * int(rng.integers(0, 60))}{k}".encode()
        matrix = np.array(segno.make_qr(payload, error=str(rng.choice(["l", "m", "q"]))).matrix, np.float32)
        n = matrix.shape[0] + 4
        label = np.full((n, n), 245.0, np.float32)
        label[2:-2, 2:-2] = 245.0 - 220.0 * matrix
        size = rng.uniform(60, 200) * height / 720
        centre = rng.uniform([0.05 * width, 0.05 * height], [0.95 * width, 0.95 * height])
        angle = rng.uniform(0, 2 * math.pi)
        corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], np.float32) * size / 2
        rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]], np.float32)
        corners = corners @ rot.T + centre.astype(np.float32)
        src = np.array([[0, 0], [n, 0], [n, n], [0, n]], np.float32)
        matrix_h = cv2.getPerspectiveTransform(src, corners.astype(np.float32))
        big = cv2.resize(label, (n * 8, n * 8), interpolation=cv2.INTER_NEAREST)
        matrix_h = matrix_h @ np.diag([1 / 8, 1 / 8, 1.0])
        warped = cv2.warpPerspective(big, matrix_h, (width, height), flags=cv2.INTER_LINEAR)
        cover = cv2.warpPerspective(np.ones_like(big), matrix_h, (width, height), flags=cv2.INTER_LINEAR)
        frame *= (1 - cover)[..., None]
        frame += warped[..., None]


def _bayer(frame: np.ndarray, rng: np.random.Generator, noise: float, shot: float) -> np.ndarray:
    """Sample through an RGGB colour filter with shot and read noise, then demosaic (uint8 BGR)."""
    height, width = frame.shape[:2]
    mosaic = np.empty((height, width), np.float32)
    mosaic[0::2, 0::2] = frame[0::2, 0::2, 2]
    mosaic[0::2, 1::2] = frame[0::2, 1::2, 1]
    mosaic[1::2, 0::2] = frame[1::2, 0::2, 1]
    mosaic[1::2, 1::2] = frame[1::2, 1::2, 0]
    sigma = np.sqrt(noise**2 + shot * np.maximum(mosaic, 0))
    mosaic += rng.standard_normal(mosaic.shape).astype(np.float32) * sigma
    raw = np.clip(mosaic, 0, 255).astype(np.uint8)
    return np.asarray(cv2.cvtColor(raw, cv2.COLOR_BayerBG2BGR))


def _pillbox(radius: float) -> np.ndarray:
    size = 2 * math.ceil(radius) + 3
    scale = 8
    big = np.zeros((size * scale, size * scale), np.float32)
    cv2.circle(big, (size * scale // 2, size * scale // 2), round(radius * scale), 1.0, -1, cv2.LINE_AA)
    kernel = cv2.resize(big, (size, size), interpolation=cv2.INTER_AREA)
    return np.asarray(kernel / kernel.sum(), np.float32)


def render(source: CardImage, conditions: Conditions, pose: Mapping[str, Any], *, seed: int,
           size: tuple[int, int] = (1280, 720), scene_seed: int | None = None) -> Frame:
    """One frame of ``source`` (its card, or its payload on a phone for phone categories) under ``conditions``
    in ``pose``; ``pose=None``-like empty mapping with ``visible=False`` renders the empty scene."""
    rng = np.random.default_rng(seed)
    width, height = size
    px = height / 720.0
    p = conditions.params
    frame = scene_background(np.random.default_rng(seed if scene_seed is None else scene_seed), width, height)
    if "others" in p:
        _other_codes(frame, p)
    if pose.get("visible", True):
        if is_phone(conditions.category):
            layer, mask, quad = _phone_layer(source.payload, conditions, pose, width, height)
        else:
            layer, mask, quad = _card_layer(source, conditions, pose, width, height)
        motion = pose.get("motion", 0.0) + p["motion"]
        if motion > 0.5:
            angle = pose.get("motion_angle", p["motion_angle"])
            kernel = motion_kernel(motion * px, angle)
            layer, mask = cv2.filter2D(layer, -1, kernel), cv2.filter2D(mask, -1, kernel)
        if "shear" in p:
            yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
            cy = float(quad[:, 1].mean())
            map_x = xx + p["shear"] * (yy - cy)
            layer = cv2.remap(layer, map_x, yy, cv2.INTER_LINEAR)
            mask = cv2.remap(mask, map_x, yy, cv2.INTER_LINEAR)
            quad = quad - np.stack([p["shear"] * (quad[:, 1] - cy), np.zeros(4)], axis=1).astype(np.float32)
        frame = frame * (1 - mask[..., None]) + layer
        if not is_phone(conditions.category):
            frame = _lighting(frame, mask, quad, conditions)
        else:
            over = np.maximum(frame - 255, 0)
            frame += cv2.GaussianBlur(over, (0, 0), 2.5 * px) * 0.8  # bloom of an overexposed screen
        if "shadow" in p:
            frame = _shadow(frame, quad, p, px)
    if "flicker" in p:
        rows = np.arange(height, dtype=np.float32)[:, None, None]
        frame *= 1 - p["flicker"] * (0.5 + 0.5 * np.sin(2 * math.pi * rows / (p["flicker_period"] * px)))
    frame *= p["exposure"]
    shot = 0.05 / p["exposure"] if p["exposure"] < 0.5 else 0.05
    frame = np.clip(frame, 0, 255 * 1.2)
    if p["defocus"] > 0:
        frame = cv2.filter2D(frame, -1, _pillbox(p["defocus"] * px))
    frame = cv2.GaussianBlur(frame, (0, 0), p["blur_sigma"] * px)
    image = _bayer(frame, rng, p["read_noise"] * (p["exposure"] ** -0.5 if p["exposure"] < 0.5 else 1), shot)
    if p["exposure"] < 0.5:  # the camera's digital gain, then its denoiser
        image = cv2.convertScaleAbs(image, alpha=0.8 / p["exposure"])
        image = cv2.GaussianBlur(image, (0, 0), p["denoise"] * px)
    if "jpeg_scale" in p:
        small = cv2.resize(image, None, fx=p["jpeg_scale"], fy=p["jpeg_scale"], interpolation=cv2.INTER_AREA)
        image = cv2.resize(_jpeg(small, p["jpeg_quality"]), (width, height), interpolation=cv2.INTER_LINEAR)
    image = _jpeg(image, p["jpeg_quality"])
    return Frame(image=image, payload=source.payload, degradation=conditions.category,
                 params={**p, **{k: v for k, v in pose.items()}})


def _jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return np.asarray(cv2.imdecode(encoded, cv2.IMREAD_COLOR), np.uint8)


def realistic_frame(source: CardImage, category: str, *, seed: int, size: tuple[int, int] = (1280, 720)) -> Frame:
    """A frame of ``category`` with conditions and pose drawn from ``seed`` (deterministic)."""
    rng = np.random.default_rng(seed)
    conditions = draw_conditions(category, rng)
    pose = draw_pose(category, rng)
    return render(source, conditions, pose, seed=seed + 1, size=size)
