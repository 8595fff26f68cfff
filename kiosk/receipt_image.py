"""The printed receipt as a 1-bit image (any ESC/POS printer prints it, whatever its code pages), with a QR code.

Pillow draws the text with a Vietnamese TrueType font; the receipt holds no personal data, only the procedure, the
receipt code, the time and the queue number.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import segno
from PIL import Image, ImageDraw, ImageFont

from kiosk.text import nfc

PAPER_WIDTH = 576  # dots: 80 mm paper at 203 dpi
FONT_DIRS = (Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/noto"))


@functools.lru_cache(maxsize=32)
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The Noto Sans face at ``size`` (loaded once per size: reading the font file dominates a slip's rendering)."""
    name = "NotoSans-Bold.ttf" if bold else "NotoSans-Regular.ttf"
    for folder in FONT_DIRS:
        if (folder / name).exists():
            return ImageFont.truetype(str(folder / name), size)
    return ImageFont.load_default()


def wrap_text(draw: ImageDraw.ImageDraw, text: str, face: Any, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}".strip()
            if draw.textlength(candidate, font=face) <= width or not line:
                line = candidate
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def qr_image(text: str, *, scale: int = 8, border: int = 2) -> Image.Image:
    """A QR code of ``text`` as a black-on-white greyscale image."""
    matrix = segno.make(text, error="m").matrix
    size = (len(matrix) + 2 * border) * scale
    image = Image.new("L", (size, size), 255)
    draw = ImageDraw.Draw(image)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                x, y = (c + border) * scale, (r + border) * scale
                draw.rectangle((x, y, x + scale - 1, y + scale - 1), fill=0)
    return image


def render_receipt(receipt: dict[str, Any], *, title: str = "BIÊN NHẬN / RECEIPT") -> Image.Image:
    """A 1-bit image ``PAPER_WIDTH`` dots wide: title, code in large type, QR of the code, lines VI then EN."""
    margin = 16
    width = PAPER_WIDTH - 2 * margin
    canvas = Image.new("L", (PAPER_WIDTH, 2000), 255)
    draw = ImageDraw.Draw(canvas)
    y = margin
    big, body, small = font(30, bold=True), font(24), font(20)
    code_font = font(56, bold=True)
    for line in wrap_text(draw, nfc(title), big, width):
        draw.text((PAPER_WIDTH / 2, y), line, font=big, fill=0, anchor="ma")
        y += 40
    y += 8
    code = str(receipt["receipt_code"])
    draw.text((PAPER_WIDTH / 2, y), code, font=code_font, fill=0, anchor="ma")
    y += 76
    qr = qr_image(code, scale=8)
    canvas.paste(qr, ((PAPER_WIDTH - qr.width) // 2, y))
    y += qr.height + 12
    for lines, face, gap in ((receipt.get("lines_vi", []), body, 32), (receipt.get("lines_en", []), small, 27)):
        for text in lines:
            for line in wrap_text(draw, nfc(str(text)), face, width):
                draw.text((margin, y), line, font=face, fill=0)
                y += gap
        y += 12
    return canvas.crop((0, 0, PAPER_WIDTH, y + margin)).point(lambda v: 255 if v > 128 else 0, mode="1")
