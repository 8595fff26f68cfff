"""Look of the kiosk: fonts with full Vietnamese coverage, colours (normal and high contrast), sizes for touch.

Sizes scale with the operator's text-size setting; every touch target is at least ``TOUCH`` pixels high.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kivy.core.text import LabelBase

FONT = "KioskSans"
FONT_DIRS = (Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/noto"))
_registered = False

Color = tuple[float, float, float, float]


def _hex(code: str) -> Color:
    code = code.lstrip("#")
    r, g, b = (int(code[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return (r, g, b, 1.0)


def register_fonts() -> None:
    """Register Noto Sans (Vietnamese glyphs, regular and bold) as ``KioskSans``."""
    global _registered
    if _registered:
        return
    for folder in FONT_DIRS:
        regular, bold = folder / "NotoSans-Regular.ttf", folder / "NotoSans-Bold.ttf"
        if regular.exists():
            LabelBase.register(FONT, str(regular), None, str(bold) if bold.exists() else None)
            _registered = True
            return
    raise FileNotFoundError("Noto Sans not found: install the Debian package fonts-noto-core")


@dataclass(frozen=True)
class Theme:
    scale: float = 1.0
    high_contrast: bool = False

    # -- sizes ---------------------------------------------------------------------------------------------------
    def font(self, level: str = "body") -> float:
        base = {"title": 44, "heading": 34, "body": 26, "small": 20, "key": 30, "code": 56}[level]
        return round(base * self.scale)

    @property
    def touch(self) -> float:
        """Minimum height of anything a finger must hit."""
        return round(88 * max(1.0, self.scale))

    @property
    def key(self) -> float:
        """Height of an on-screen keyboard key."""
        return round(72 * max(1.0, self.scale))

    @property
    def pad(self) -> float:
        return round(24 * self.scale)

    # -- colours -------------------------------------------------------------------------------------------------
    @property
    def bg(self) -> Color:
        return _hex("000000") if self.high_contrast else _hex("F4F6F9")

    @property
    def surface(self) -> Color:
        return _hex("000000") if self.high_contrast else _hex("FFFFFF")

    @property
    def text(self) -> Color:
        return _hex("FFFFFF") if self.high_contrast else _hex("1B2430")

    @property
    def muted(self) -> Color:
        return _hex("FFE600") if self.high_contrast else _hex("5A6675")

    @property
    def primary(self) -> Color:
        return _hex("FFE600") if self.high_contrast else _hex("0B5CAD")

    @property
    def on_primary(self) -> Color:
        return _hex("000000") if self.high_contrast else _hex("FFFFFF")

    @property
    def secondary(self) -> Color:
        return _hex("333333") if self.high_contrast else _hex("E3E8EF")

    @property
    def on_secondary(self) -> Color:
        return _hex("FFFFFF") if self.high_contrast else _hex("1B2430")

    @property
    def danger(self) -> Color:
        return _hex("FF6B6B") if self.high_contrast else _hex("B3261E")

    @property
    def ok(self) -> Color:
        return _hex("00FF66") if self.high_contrast else _hex("1E7D32")

    @property
    def warn(self) -> Color:
        return _hex("FFB000") if self.high_contrast else _hex("8A5300")  # 6:1 on white (WCAG AA)

    @property
    def border(self) -> Color:
        return _hex("FFFFFF") if self.high_contrast else _hex("C5CDD8")

    def source_color(self, source: str | None) -> Color:
        return {"chip-verified": self.ok, "chip-unverified": self.warn, "qr": self.primary,
                "typed": self.muted}.get(source or "", self.muted)
