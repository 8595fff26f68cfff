"""Synthetic travel-document pages with a machine-readable zone, and camera frames of them.

A ``Document`` is one of five kinds (``cli.mrz_samples.random_document`` draws them with varied names,
nationalities, document numbers, optional data and dates, filler ``<`` runs included):

========  ====================================================  ========================
kind      what                                                  MRZ
========  ====================================================  ========================
td3       passport data page, 125 × 88 mm                       2 × 44 (``P<``)
td1       foreign ID card, back, 85.6 × 54 mm                   3 × 30 (``I<``, ``ID``, ``AC``)
cccd      Vietnamese CCCD, back (fingerprints, issue data)      3 × 30 (``IDVNM``)
mrv-a     visa sticker MRV-A, 120 × 80 mm                       2 × 44 (``V<``)
mrv-b     visa sticker MRV-B, 105 × 80 mm                       2 × 36 (``V<``)
========  ====================================================  ========================

``render_page`` draws the page at 12 px/mm: tinted guilloche background, header, portrait, labelled fields
(Noto Sans) and the MRZ in OCR-B (Debian's ``fonts-ocr-b``) at 10 characters per inch and 6 lines per inch, as
ICAO 9303-3 places it. Passport and visa pages carry a holographic laminate over the whole page, MRZ included.

``page_frame`` places the page in a 1280×720 or 1920×1080 scene as a kiosk camera sees a document held under it,
with one named degradation over a mild baseline, then passes the frame through JPEG like an MJPG webcam.
Everything is deterministic given the seed. ``U(a, b)`` is uniform; pixel sizes are for 720p and scale with height.

=============  ==========================================================================================
baseline       every frame: page width U(0.45, 0.8) × frame width (cards U(0.36, 0.6)), rotation U(-12°, 12°),
               tilt up to 5 %, laminate opacity U(0.05, 0.15), defocus σ U(0.3, 0.7) px, sensor noise σ
               U(1.5, 3.5), gain U(0.8, 1.1), JPEG quality U(72, 92), a cluttered counter top
glare          specular highlight: additive Gaussian spot, peak U(110, 190), radius U(0.15, 0.35) × page width,
               centred within the MRZ half of the page
laminate       holographic overlay opacity U(0.25, 0.4) plus a bright reflection band across the page
defocus        Gaussian blur σ U(1.0, 1.6) px
motion         the document moves: linear motion blur over U(2.5, 5) px at a random angle
tilt           perspective: one edge shorter by U(10, 20) %, rotation U(-20°, 20°)
low-light      gain U(0.25, 0.45), sensor noise σ U(6, 11), shadow across the page
jpeg           JPEG quality U(20, 35)
clutter        the page small (U(0.4, 0.5) / cards U(0.3, 0.36) × frame width) among printed papers and text
combined       three of the above at reduced strength
=============  ==========================================================================================
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

OCRB_FONT = "/usr/share/fonts/opentype/ocr-b/OCRB.otf"
TEXT_FONT = "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"
TEXT_FONT_BOLD = "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf"
PX_PER_MM = 12.0
CHAR_PITCH_MM = 25.4 / 10  # 10 characters per inch
LINE_PITCH_MM = 25.4 / 6  # 6 lines per inch

KINDS: tuple[str, ...] = ("td3", "td1", "cccd", "mrv-a", "mrv-b")
DEGRADATIONS: tuple[str, ...] = (
    "clean", "glare", "laminate", "defocus", "motion", "tilt", "low-light", "jpeg", "clutter", "combined",
)
_COMBINABLE = ("glare", "laminate", "defocus", "motion", "tilt", "low-light", "jpeg")

# (width mm, height mm, MRZ lines, bottom margin of the last baseline in mm)
_GEOMETRY = {"td3": (125.0, 88.0, 2, 4.6), "td1": (85.6, 54.0, 3, 3.6), "cccd": (85.6, 54.0, 3, 3.6),
             "mrv-a": (120.0, 80.0, 2, 4.6), "mrv-b": (105.0, 80.0, 2, 4.6)}

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@dataclass(frozen=True)
class Document:
    kind: str
    lines: tuple[str, ...]
    surname: str
    given_names: str
    state: str
    birth: date
    expiry: date | None


@dataclass
class PageFrame:
    """A synthetic camera frame (BGR uint8) and the MRZ lines it shows."""

    image: np.ndarray
    lines: tuple[str, ...]
    kind: str
    degradation: str
    params: dict[str, Any] = field(default_factory=dict)


@cache
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


# --- page rendering -------------------------------------------------------------------------------------------

def _guilloche(rng: np.random.Generator, width: int, height: int) -> Image.Image:
    """A pale tinted background with interlaced sine rosettes, as on security paper (drawn at ⅓ size)."""
    w, h = width // 3, height // 3
    base = np.array(rng.uniform(215, 245, 3), np.float32)
    tint = np.array(rng.uniform(-25, 10, 3), np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32) * 3
    page = base + tint * (xx / width)[..., None]
    for _ in range(3):
        fx, fy = rng.uniform(0.01, 0.05, 2)
        wave = np.sin(xx * fx + 6 * np.sin(yy * fy + rng.uniform(0, 2 * math.pi))) ** 40
        page -= wave[..., None] * rng.uniform(10, 35, 3)
    full = cv2.resize(np.clip(page, 0, 255).astype(np.uint8), (width, height), interpolation=cv2.INTER_LINEAR)
    return Image.fromarray(full)


def _portrait(page: Image.Image, box: tuple[int, int, int, int], rng: np.random.Generator) -> None:
    """A photo in its frame: head and shoulders, cut at the frame's edges (nothing of it reaches the MRZ, whose
    clear area ICAO 9303-3 keeps free of other printing)."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    photo = Image.new("RGB", (w, h), tuple(int(v) for v in rng.uniform(150, 220, 3)))
    draw = ImageDraw.Draw(photo)
    skin = tuple(int(v) for v in rng.uniform(90, 200, 3))
    draw.ellipse((w * 0.25, h * 0.15, w * 0.75, h * 0.65), fill=skin)
    draw.ellipse((w * 0.1, h * 0.6, w * 0.9, h * 1.3), fill=skin)
    page.paste(photo, (x0, y0))


def _text_fields(draw: ImageDraw.ImageDraw, doc: Document, x: int, y: int, width: int, rng: np.random.Generator,
                 *, scale: float) -> None:
    label, value = _font(TEXT_FONT, round(22 * scale)), _font(TEXT_FONT_BOLD, round(30 * scale))
    exp = doc.expiry.strftime("%d %b %Y").upper() if doc.expiry else "KHÔNG THỜI HẠN"
    rows = [("Surname / Nom / Họ", doc.surname), ("Given names / Prénoms / Tên", doc.given_names),
            ("Nationality / Quốc tịch", doc.state), ("Date of birth / Ngày sinh", doc.birth.strftime("%d %b %Y")),
            ("Date of expiry / Có giá trị đến", exp),
            ("Authority / Cơ quan cấp", "".join(rng.choice(list("ABCDEFGHIKLMNOPRSTUVWXY "), 18)))]
    step = round(64 * scale)
    for i, (lab, val) in enumerate(rows):
        draw.text((x, y + i * step), lab, font=label, fill=(70, 70, 90))
        draw.text((x, y + i * step + round(22 * scale)), val[: max(8, width // round(18 * scale))], font=value,
                  fill=(20, 20, 30))


def _fingerprint(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int]) -> None:
    x0, y0, x1, y1 = box
    draw.rectangle(box, outline=(60, 60, 60), width=2)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    for r in range(6, int(min(x1 - x0, y1 - y0) / 2) - 4, 6):
        draw.ellipse((cx - r * 0.8, cy - r, cx + r * 0.8, cy + r), outline=(90, 90, 90), width=2)


def _laminate(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """A holographic overlay: rainbow interference bands and a repeated emblem (float32 BGR, 0–255, drawn at ¼)."""
    w, h = width // 4, height // 4
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32) * 4
    f = rng.uniform(0.004, 0.012)
    phase = (xx * math.cos(rng.uniform(0, math.pi)) + yy * math.sin(rng.uniform(0, math.pi))) * f
    rainbow = np.stack([np.sin(phase * 6.3 + k * 2.1) for k in range(3)], axis=-1) * 127 + 128
    emblem = np.zeros((h, w), np.float32)
    step = int(rng.integers(35, 65))
    for cy in range(step // 2, h, step):
        for cx in range(step // 2 + (cy // step % 2) * step // 2, w, step):
            cv2.circle(emblem, (cx, cy), step // 3, 1.0, 2)
            cv2.circle(emblem, (cx, cy), step // 6, 1.0, 1)
    small = rainbow * (0.6 + 0.4 * emblem[..., None])
    return np.asarray(cv2.resize(small.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR))


def render_page(doc: Document, rng: np.random.Generator) -> np.ndarray:
    """The document page as RGB uint8 at ``PX_PER_MM`` (see module doc)."""
    w_mm, h_mm, n_lines, bottom_mm = _GEOMETRY[doc.kind]
    width, height = round(w_mm * PX_PER_MM), round(h_mm * PX_PER_MM)
    page = _guilloche(rng, width, height)
    draw = ImageDraw.Draw(page)
    card = doc.kind in ("td1", "cccd")
    scale = 0.8 if card else 1.0
    header = _font(TEXT_FONT_BOLD, round(34 * scale))
    if doc.kind == "cccd":
        draw.text((40, 24), "Đặc điểm nhân dạng / Personal identification", font=header, fill=(30, 30, 60))
        draw.text((40, 80), "Ngày, tháng, năm / Date, month, year: "
                  f"{int(rng.integers(1, 28)):02d}/{int(rng.integers(1, 12)):02d}/2021", font=_font(TEXT_FONT, 22),
                  fill=(30, 30, 30))
        draw.text((40, 120), "CỤC TRƯỞNG CỤC CẢNH SÁT QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI",
                  font=_font(TEXT_FONT_BOLD, 18), fill=(30, 30, 30))
        _fingerprint(draw, (width - 420, 30, width - 230, 260))
        _fingerprint(draw, (width - 210, 30, width - 20, 260))
        draw.rounded_rectangle((60, 170, 210, 280), radius=14, fill=(200, 170, 80), outline=(120, 100, 40))
    else:
        title = {"td3": "PASSPORT / PASSEPORT / HỘ CHIẾU", "td1": "IDENTITY CARD / CARTE D'IDENTITÉ",
                 "mrv-a": "VISA / THỊ THỰC", "mrv-b": "VISA / THỊ THỰC"}[doc.kind]
        draw.text((30, 18), title, font=header, fill=(40, 30, 90))
        photo_w = round(width * (0.28 if not card else 0.3))
        top = round(80 * scale)
        photo_h = min(round(photo_w * 1.3), height - top - round((n_lines * LINE_PITCH_MM + 8) * PX_PER_MM))
        _portrait(page, (30, top, 30 + photo_w, top + photo_h), rng)
        _text_fields(draw, doc, 60 + photo_w, top, width - photo_w - 90, rng, scale=scale)
    ocrb = _font(OCRB_FONT, round(CHAR_PITCH_MM * PX_PER_MM / 0.723))
    left = (width - len(doc.lines[0]) * CHAR_PITCH_MM * PX_PER_MM) / 2
    last_baseline = height - bottom_mm * PX_PER_MM
    ascent = ocrb.getmetrics()[0]
    for i, line in enumerate(doc.lines):
        baseline = last_baseline - (n_lines - 1 - i) * LINE_PITCH_MM * PX_PER_MM
        draw.text((left, baseline - ascent), line, font=ocrb, fill=(18, 18, 24))
    return np.asarray(page, np.uint8)


# --- camera frames -------------------------------------------------------------------------------------------

def _frame_parameters(rng: np.random.Generator, kind: str, kinds: Sequence[str], strength: float) -> dict[str, Any]:
    def soft(lo: float, hi: float, base: float) -> float:
        return float(base + (rng.uniform(lo, hi) - base) * strength)

    card = kind in ("td1", "cccd")
    p: dict[str, Any] = {
        "page_fraction": float(rng.uniform(0.36, 0.6) if card else rng.uniform(0.45, 0.8)),
        "rotation": float(rng.uniform(-12, 12)), "tilt": float(rng.uniform(0, 0.05)),
        "laminate": float(rng.uniform(0.05, 0.15)), "reflection": 0.0, "glare": 0.0,
        "blur_sigma": float(rng.uniform(0.3, 0.7)), "motion": 0.0, "noise_sigma": float(rng.uniform(1.5, 3.5)),
        "gain": float(rng.uniform(0.8, 1.1)), "shadow": 1.0, "jpeg_quality": int(rng.uniform(72, 92)),
        "clutter": int(rng.integers(2, 5)),
    }
    for k in kinds:
        if k == "glare":
            p["glare"] = soft(110, 190, 0)
            p["glare_radius"] = float(rng.uniform(0.15, 0.35))
            p["glare_at"] = (float(rng.uniform(0.15, 0.85)), float(rng.uniform(0.55, 0.95)))
        elif k == "laminate":
            p["laminate"] = soft(0.25, 0.4, 0.1)
            p["reflection"] = soft(40, 90, 0)
            p["reflection_angle"] = float(rng.uniform(-60, 60))
        elif k == "defocus":
            p["blur_sigma"] = soft(1.0, 1.6, 0.5)
        elif k == "motion":
            p["motion"] = soft(2.5, 5, 1)
            p["motion_angle"] = float(rng.uniform(0, 180))
        elif k == "tilt":
            p["tilt"] = soft(0.1, 0.2, 0.03)
            p["rotation"] = float(rng.uniform(-20, 20))
        elif k == "low-light":
            p["gain"] = soft(0.25, 0.45, 0.95)
            p["noise_sigma"] = soft(6, 11, 2.5)
            p["shadow"] = soft(0.4, 0.7, 1.0)
            p["shadow_angle"] = float(rng.uniform(0, 2 * math.pi))
        elif k == "jpeg":
            p["jpeg_quality"] = int(soft(20, 35, 80))
        elif k == "clutter":
            p["page_fraction"] = float(rng.uniform(0.3, 0.36) if card else rng.uniform(0.4, 0.5))
            p["clutter"] = int(rng.integers(6, 10))
        elif k != "clean":
            raise ValueError(f"unknown degradation {k!r}")
    return p


def _counter_top(rng: np.random.Generator, width: int, height: int, clutter: int) -> np.ndarray:
    """A desk under the camera: a dull colour field with grain and printed papers with text (float32 BGR)."""
    tone = rng.uniform(70, 190)
    small = (tone + rng.uniform(-30, 30, (4, 6, 1)) + rng.uniform(-15, 15, (1, 1, 3))).astype(np.float32)
    scene = np.asarray(cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC), np.uint8)
    font = cv2.FONT_HERSHEY_SIMPLEX
    for _ in range(clutter):
        w, h = int(rng.integers(width // 8, width // 3)), int(rng.integers(height // 8, height // 2))
        x, y = int(rng.integers(-w // 2, width - w // 2)), int(rng.integers(-h // 2, height - h // 2))
        paper = np.full((h, w, 3), int(rng.uniform(170, 250)), np.uint8)
        scale = float(rng.uniform(0.4, 1.0)) * height / 720
        for row in range(int(22 * scale) + 4, h, int(30 * scale) + 6):
            text = "".join(rng.choice(list(ALNUM + "   <"), int(rng.integers(8, 40))))
            cv2.putText(paper, text, (6, row), font, scale, (int(rng.uniform(0, 90)),) * 3, 1 + int(scale > 0.8))
        m = cv2.getRotationMatrix2D((w / 2, h / 2), float(rng.uniform(-30, 30)), 1.0)
        m[:, 2] += (x, y)
        cv2.warpAffine(paper, m, (width, height), dst=scene, borderMode=cv2.BORDER_TRANSPARENT)
    grain = cv2.resize(rng.normal(0, 6, (height // 4, width // 4)).astype(np.float32), (width, height))
    return np.asarray(scene, np.float32) + grain[..., None]


def _page_matrix(rng: np.random.Generator, p: dict[str, Any], page_w: int, page_h: int, width: int,
                 height: int) -> np.ndarray:
    """Page → frame perspective matrix: scale, tilt of one edge, rotation, a position that keeps the page in view."""
    w = p["page_fraction"] * width
    h = w * page_h / page_w
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], np.float32) * [w / 2, h / 2]
    edge = int(rng.integers(0, 4))  # the edge further from the camera
    factor = np.ones(4, np.float32)
    factor[[edge, (edge + 1) % 4]] = 1 - p["tilt"]
    corners[:, 0 if edge in (0, 2) else 1] *= factor
    theta = math.radians(p["rotation"])
    corners = corners @ np.array([[math.cos(theta), math.sin(theta)], [-math.sin(theta), math.cos(theta)]],
                                 np.float32)
    span = corners.max(axis=0) - corners.min(axis=0)
    fit = min(1.0, (width - 10) / span[0], (height - 10) / span[1])
    corners *= fit
    span *= fit
    free = np.maximum(0.0, (np.array([width, height], np.float32) - span) / 2 - 5)
    centre = np.array([width / 2, height / 2], np.float32) + rng.uniform(-1, 1, 2).astype(np.float32) * free
    src = np.array([[0, 0], [page_w, 0], [page_w, page_h], [0, page_h]], np.float32)
    return np.asarray(cv2.getPerspectiveTransform(src, (corners + centre).astype(np.float32)))


def _line_kernel(length: float, angle: float) -> np.ndarray:
    size = math.ceil(length) | 1
    kernel = np.zeros((size, size), np.float32)
    c = size // 2
    dx, dy = math.cos(math.radians(angle)) * length / 2, math.sin(math.radians(angle)) * length / 2
    cv2.line(kernel, (round(c - dx), round(c - dy)), (round(c + dx), round(c + dy)), 1.0, 1, cv2.LINE_AA)
    return np.asarray(kernel / kernel.sum(), np.float32)


def _page_light(page: np.ndarray, p: dict[str, Any], rng: np.random.Generator) -> np.ndarray:
    """Laminate hologram, reflection band and glare on the page itself (float32 BGR)."""
    h, w = page.shape[:2]
    out = page.astype(np.float32)
    if page.shape[:2] != (0, 0) and p["laminate"] > 0:
        out = out * (1 - p["laminate"]) + _laminate(rng, w, h) * p["laminate"]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if p["reflection"] > 0:
        a = math.radians(p["reflection_angle"])
        d = (xx - w * rng.uniform(0.3, 0.7)) * math.cos(a) + (yy - h * rng.uniform(0.4, 0.8)) * math.sin(a)
        out += (p["reflection"] * np.exp(-(d / (0.06 * w)) ** 2))[..., None]
    if p["glare"] > 0:
        gx, gy = p["glare_at"][0] * w, p["glare_at"][1] * h
        r = p["glare_radius"] * w
        out += (p["glare"] * np.exp(-((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * r * r)))[..., None]
    return out


def page_frame(doc: Document, *, degradation: str = "clean", seed: int = 0,
               size: tuple[int, int] = (1280, 720)) -> PageFrame:
    """A camera frame of ``doc`` in a scene of ``size`` (width, height) with one degradation (see module doc)."""
    rng = np.random.default_rng(seed)
    width, height = size
    px = height / 720.0
    if degradation == "combined":
        kinds = [str(k) for k in rng.choice(_COMBINABLE, 3, replace=False)]
        params = _frame_parameters(rng, doc.kind, kinds, strength=0.6)
        params["combined"] = kinds
    else:
        params = _frame_parameters(rng, doc.kind, [degradation], strength=1.0)
    page = render_page(doc, rng)[..., ::-1]
    if doc.kind in ("td1", "cccd"):
        params["laminate"] *= 0.5  # a card's surface film, thinner than a passport's laminate
    lit = _page_light(page, params, rng)
    page_h, page_w = page.shape[:2]
    matrix = _page_matrix(rng, params, page_w, page_h, width, height)
    frame = _counter_top(rng, width, height, params["clutter"])
    warped = cv2.warpPerspective(lit, matrix, (width, height), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.ones((page_h, page_w), np.float32), matrix, (width, height))
    if params["motion"] > 0:
        kernel = _line_kernel(params["motion"] * px, params["motion_angle"])
        warped, mask = cv2.filter2D(warped, -1, kernel), cv2.filter2D(mask, -1, kernel)
    frame = frame * (1 - mask[..., None]) + warped * mask[..., None]
    if params["shadow"] < 1.0:
        yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
        a = params["shadow_angle"]
        d = (xx - width / 2) * math.cos(a) + (yy - height / 2) * math.sin(a)
        frame *= (params["shadow"] + (1 - params["shadow"]) / (1 + np.exp(-d / (0.08 * width))))[..., None]
    frame = np.clip(frame * params["gain"], 0, 255)
    frame = cv2.GaussianBlur(frame, (0, 0), params["blur_sigma"] * px)
    frame += rng.normal(0, params["noise_sigma"], frame.shape).astype(np.float32)
    ok, encoded = cv2.imencode(".jpg", np.clip(frame, 0, 255).astype(np.uint8),
                               [cv2.IMWRITE_JPEG_QUALITY, params["jpeg_quality"]])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    image = np.asarray(cv2.imdecode(encoded, cv2.IMREAD_COLOR), np.uint8)
    return PageFrame(image=image, lines=doc.lines, kind=doc.kind, degradation=degradation, params=params)
