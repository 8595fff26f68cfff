"""A synthetic face photo for simulated cards: a drawn portrait, JPEG, padded to a requested file size."""

from __future__ import annotations

import hashlib
import io

from PIL import Image, ImageDraw

WIDTH = 240
HEIGHT = 320


def _palette(seed: str) -> list[tuple[int, int, int]]:
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    return [(digest[i], digest[i + 1], digest[i + 2]) for i in range(0, 15, 3)]


def draw_face(seed: str) -> Image.Image:
    """A deterministic cartoon portrait (background, hair, face, eyes, mouth) coloured from ``seed``."""
    background, hair, skin_shift, eyes, shirt = _palette(seed)
    image = Image.new("RGB", (WIDTH, HEIGHT), (200 + background[0] % 56, 210 + background[1] % 46, 230))
    draw = ImageDraw.Draw(image)
    skin = (225 - skin_shift[0] % 40, 185 - skin_shift[1] % 40, 150 - skin_shift[2] % 40)
    draw.ellipse((40, 250, 200, 400), fill=(shirt[0] // 2, shirt[1] // 2, shirt[2] // 2))
    draw.ellipse((55, 40, 185, 200), fill=(hair[0] // 4, hair[1] // 5, hair[2] // 6))
    draw.ellipse((65, 70, 175, 230), fill=skin)
    for x in (92, 130):
        draw.ellipse((x, 125, x + 18, 137), fill="white")
        draw.ellipse((x + 5, 127, x + 13, 135), fill=(eyes[0] // 3, eyes[1] // 3, eyes[2] // 3))
    draw.line((120, 140, 114, 170, 124, 172), fill=(150, 110, 90), width=2)
    draw.arc((100, 175, 140, 200), 20, 160, fill=(150, 60, 60), width=3)
    return image


def _with_comment_padding(jpeg: bytes, size: int) -> bytes:
    """Insert COM segments after SOI so the file is ``size`` bytes (when ``size`` is larger)."""
    missing = size - len(jpeg)
    segments = bytearray()
    while missing >= 4:
        chunk = min(missing - 4, 65533 - 2)
        segments += b"\xff\xfe" + (chunk + 2).to_bytes(2, "big") + bytes(chunk)
        missing -= chunk + 4
    return jpeg[:2] + bytes(segments) + jpeg[2:]


def synthetic_face_jpeg2000(seed: str, size: int = 20000, *, codestream: bool = False) -> tuple[bytes, int, int]:
    """A JPEG 2000 portrait (JP2 file, or bare J2K codestream) compressed to about ``size`` bytes."""
    image = draw_face(seed)
    ratio = max(1.0, WIDTH * HEIGHT * 3 / max(size, 1))
    out = io.BytesIO()
    image.save(out, format="JPEG2000", quality_mode="rates", quality_layers=[ratio], no_jp2=codestream)
    return out.getvalue(), WIDTH, HEIGHT


def synthetic_face_jpeg(seed: str, size: int = 20000) -> tuple[bytes, int, int]:
    """A JPEG portrait of about ``size`` bytes (exactly, unless the picture alone is larger), its width, height."""
    image = draw_face(seed)
    jpeg = b""
    for quality in (90, 75, 50, 30, 15):
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=quality)
        jpeg = out.getvalue()
        if len(jpeg) <= size:
            break
    return _with_comment_padding(jpeg, size), WIDTH, HEIGHT
