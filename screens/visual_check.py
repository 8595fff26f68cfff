"""What a person would see wrong on a screen, measured from the widget tree rather than judged from a picture.

``check(root)`` walks the widgets the way Kivy draws them and reports, for every text shown:

- **clipped** — the text, laid out at its natural size, does not fit its label's box, spills out of the card or
  button it sits on, is cut by a viewport that cannot scroll to it, runs under a scroll bar, or touches the edge of
  its own button;
- **overlap** — the text's drawn area overlaps another text's;
- **overflow** — a box or grid layout whose contents are taller or wider than it lays them out beyond its edges,
  over its neighbours (a column taller than the screen drawn over the title bar), whatever is drawn there;
- **contrast** — the text's colour (after opacity) against the colour actually painted behind it (the fills drawn
  before it, blended over the window's clear colour) is below WCAG AA, 4.5:1.

Nothing is read back from the GPU: the check is exact and fast enough to run on every screen, at every text size
and window size, in CI.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from kivy.core.window import Window
from kivy.graphics import Color, Ellipse, Rectangle, RoundedRectangle
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.scrollview import ScrollView
from kivy.uix.stencilview import StencilView
from kivy.uix.widget import Widget

WCAG_AA = 4.5
TOLERANCE = 1.5  # px: rounding of positions and texture sizes
BUTTON_MARGIN = 4.0  # px of button left free around its text
_MARKUP_COLOR = re.compile(r"\[color=#?([0-9a-fA-F]{6})\]")

Rect = tuple[float, float, float, float]  # x, y, width, height in window coordinates
RGB = tuple[float, float, float]


@dataclass(frozen=True)
class Finding:
    problem: str  # clipped, overlap, overflow, contrast
    text: str
    detail: str

    def __str__(self) -> str:
        return f"{self.problem}: {self.text!r} — {self.detail}"


@dataclass(frozen=True)
class _Fill:
    rect: Rect
    rgba: tuple[float, float, float, float] | None  # None: an image (colour unknown)


@dataclass
class _Text:
    label: Label
    box: Rect
    ink: Rect  # where the text's glyphs are laid out
    clip: Rect  # what the stencils above it let through
    opacity: float
    fills_before: int
    own_fill: Rect | None  # the label's own painted background (a button)
    containers: list[tuple[Widget, Rect]]  # painted ancestors, nearest first
    scrolls: list[ScrollView]


def _intersect(a: Rect, b: Rect) -> Rect:
    x, y = max(a[0], b[0]), max(a[1], b[1])
    right, top = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    return (x, y, max(0.0, right - x), max(0.0, top - y))


def _inside(inner: Rect, outer: Rect, tolerance: float = TOLERANCE) -> bool:
    return (inner[0] >= outer[0] - tolerance and inner[1] >= outer[1] - tolerance
            and inner[0] + inner[2] <= outer[0] + outer[2] + tolerance
            and inner[1] + inner[3] <= outer[1] + outer[3] + tolerance)


def _window_rect(widget: Widget, x: float, y: float, w: float, h: float) -> Rect:
    """A rectangle given in ``widget``'s drawing coordinates (those of its ``pos``), in window coordinates."""
    wx, wy = widget.to_window(x, y)
    return (wx, wy, w, h)


_default_texture: list[object] = []


def _plain(texture: object) -> bool:
    """No texture, or Kivy's default plain white one: the shape is filled with its colour."""
    if not _default_texture:
        _default_texture.append(Rectangle().texture)
    return texture is None or texture is _default_texture[0] or \
        getattr(texture, "id", None) == getattr(_default_texture[0], "id", -1)


def _fills(widget: Widget, canvas: object, opacity: float) -> Iterator[_Fill]:
    color = (1.0, 1.0, 1.0, 1.0)
    for instruction in getattr(canvas, "children", []):
        if isinstance(instruction, Color):
            color = tuple(instruction.rgba)
        elif isinstance(instruction, Rectangle | RoundedRectangle | Ellipse):
            (x, y), (w, h) = instruction.pos, instruction.size
            if w <= 0 or h <= 0 or color[3] * opacity <= 0.01:
                continue
            rect = _window_rect(widget, x, y, w, h)
            if not _plain(instruction.texture):
                if not isinstance(widget, Label):
                    yield _Fill(rect, None)
            else:
                yield _Fill(rect, (color[0], color[1], color[2], color[3] * opacity))


def natural_size(label: Label) -> tuple[float, float]:
    """The size of the label's text laid out in its wrapping width, without any height limit."""
    core = label._label
    width = label.text_size[0]
    measured = type(core)(**{**core.options, "text": label.text, "text_size": (width, None)})
    measured.refresh()
    w, h = measured._internal_size
    return float(w), float(h)


def _ink(label: Label, box: Rect) -> Rect:
    w, h = natural_size(label)
    tex_w = label.text_size[0] if label.text_size[0] is not None else w
    tex_h = label.text_size[1] if label.text_size[1] is not None else h
    cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
    tx, ty = cx - tex_w / 2, cy - tex_h / 2
    x = {"left": tx, "right": tx + tex_w - w}.get(label.halign, tx + (tex_w - w) / 2)
    top = ty + tex_h
    y = {"top": top - h, "bottom": ty}.get(label.valign, ty + (tex_h - h) / 2)
    return (x, y, w, h)


def _walk(root: Widget) -> tuple[list[_Fill], list[_Text], list[Finding]]:
    """Every fill and every text, in the order Kivy draws them; the layouts' overflows."""
    fills: list[_Fill] = []
    texts: list[_Text] = []
    overflows: list[Finding] = []
    whole = (0.0, 0.0, float(Window.width), float(Window.height))

    def visit(widget: Widget, opacity: float, clip: Rect, containers: list[tuple[Widget, Rect]],
              scrolls: list[ScrollView]) -> None:
        opacity *= widget.opacity
        if opacity <= 0.01 or widget.width <= 0 or widget.height <= 0:
            return
        box = _window_rect(widget, widget.x, widget.y, widget.width, widget.height)
        start = len(fills)
        fills.extend(_fills(widget, widget.canvas.before, opacity))
        own = [f.rect for f in fills[start:] if f.rgba is not None and f.rgba[3] > 0.5]
        if isinstance(widget, Label):
            if widget.text.strip():
                texts.append(_Text(widget, box, _ink(widget, box), clip, opacity, len(fills),
                                   own[-1] if own else None, containers, scrolls))
        else:
            fills.extend(_fills(widget, widget.canvas, opacity))
        if own and not isinstance(widget, Label):
            containers = [(widget, own[-1]), *containers]
        if isinstance(widget, BoxLayout | GridLayout):
            overflows.extend(_overflow(widget, box))
        if isinstance(widget, StencilView):
            clip = _intersect(clip, box)
        if isinstance(widget, ScrollView):
            scrolls = [widget, *scrolls]
        for child in reversed(widget.children):
            visit(child, opacity, clip, containers, scrolls)
        fills.extend(_fills(widget, widget.canvas.after, opacity))

    visit(root, 1.0, whole, [], [])
    return fills, texts, overflows


def _overflow(layout: BoxLayout | GridLayout, box: Rect) -> list[Finding]:
    """The shown children ``layout`` places outside its box (its padding may be overrun, not its edges)."""
    found = []
    for child in layout.children:
        if child.opacity <= 0.01 or child.width <= 0 or child.height <= 0:
            continue
        rect = _window_rect(child, child.x, child.y, child.width, child.height)
        if not _inside(rect, box):
            name = _first_text(child) or f"<{type(child).__name__}>"
            found.append(Finding("overflow", name, f"{type(child).__name__} {rect[2]:.0f}×{rect[3]:.0f} px laid out "
                                 f"beyond its {type(layout).__name__} ({box[2]:.0f}×{box[3]:.0f} px)"))
    return found


def _first_text(widget: Widget) -> str | None:
    """The first text shown in ``widget`` (what a reader would name it by)."""
    if isinstance(widget, Label) and widget.text.strip():
        return _short(widget)
    return next((text for child in reversed(widget.children) if (text := _first_text(child))), None)


def _scrollable(scroll: ScrollView) -> bool:
    content = scroll.children[0] if scroll.children else None
    return content is not None and (content.height > scroll.height + 1 or content.width > scroll.width + 1)


def _bar(scroll: ScrollView) -> Rect | None:
    """Where the vertical scroll bar is drawn (window coordinates), when it is."""
    content = scroll.children[0] if scroll.children else None
    if content is None or content.height <= scroll.height + 1 or scroll.bar_width <= 0 or not scroll.do_scroll_y:
        return None
    x, y = scroll.to_window(scroll.right - scroll.bar_margin - scroll.bar_width, scroll.y)
    return (x, y, float(scroll.bar_width), float(scroll.height))


def _area(rect: Rect) -> float:
    return rect[2] * rect[3]


def _short(label: Label) -> str:
    text = re.sub(r"\[/?[a-z]+(=[^\]]*)?\]", "", label.text).replace("\n", " ⏎ ")
    return text[:48] + ("…" if len(text) > 48 else "")


def _clipping(text: _Text) -> list[str]:
    problems = []
    ink = text.ink
    if not _inside(ink, text.box):
        problems.append(f"text {ink[2]:.0f}×{ink[3]:.0f} px does not fit its box {text.box[2]:.0f}×{text.box[3]:.0f}")
    for container, rect in text.containers:
        if text.scrolls and not _is_ancestor(text.scrolls[0], container):
            break  # beyond a scroll view's content: the viewport decides (below)
        if not _inside(ink, rect):
            problems.append(f"text spills out of its {type(container).__name__}")
            break
    if not _inside(ink, text.clip):
        scrollable = any(_scrollable(s) for s in text.scrolls)
        if not scrollable:
            problems.append("text is cut by a viewport that cannot scroll")
    for scroll in text.scrolls:
        bar = _bar(scroll)
        if bar is not None and _area(_intersect(_intersect(ink, text.clip), bar)) > 2:
            problems.append("text runs under the scroll bar")
    if text.own_fill is not None:
        inner = (text.own_fill[0] + BUTTON_MARGIN, text.own_fill[1] + BUTTON_MARGIN,
                 text.own_fill[2] - 2 * BUTTON_MARGIN, text.own_fill[3] - 2 * BUTTON_MARGIN)
        if _inside(ink, text.box) and not _inside(ink, inner, 0):
            problems.append(f"text touches the edge of its button (less than {BUTTON_MARGIN:.0f} px free)")
    return problems


def _is_ancestor(ancestor: Widget, widget: Widget) -> bool:
    node = widget.parent
    while node is not None and node is not node.parent:
        if node is ancestor:
            return True
        node = node.parent
    return False


def luminance(rgb: RGB) -> float:
    """WCAG relative luminance of an sRGB colour (components 0–1)."""
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: RGB, b: RGB) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _blend(top: RGB, alpha: float, below: RGB) -> RGB:
    return (top[0] * alpha + below[0] * (1 - alpha), top[1] * alpha + below[1] * (1 - alpha),
            top[2] * alpha + below[2] * (1 - alpha))


def _background(fills: list[_Fill], upto: int, point: tuple[float, float]) -> RGB | None:
    clear = Window.clearcolor
    colour: RGB = (clear[0], clear[1], clear[2])
    px, py = point
    for fill in fills[:upto]:
        x, y, w, h = fill.rect
        if x <= px <= x + w and y <= py <= y + h:
            if fill.rgba is None:
                return None
            colour = _blend(fill.rgba[:3], fill.rgba[3], colour)
    return colour


def _text_colours(label: Label) -> list[RGB]:
    base = label.disabled_color if label.disabled else label.color
    colours = [(base[0], base[1], base[2])]
    if label.markup:
        for code in _MARKUP_COLOR.findall(label.text):
            colours.append(tuple(int(code[i:i + 2], 16) / 255 for i in (0, 2, 4)))  # type: ignore[arg-type]
    return colours


def _contrast_problem(text: _Text, fills: list[_Fill]) -> str | None:
    visible = _intersect(text.ink, text.clip)
    if _area(visible) <= 0:
        return None
    bg = _background(fills, text.fills_before, (visible[0] + visible[2] / 2, visible[1] + visible[3] / 2))
    if bg is None:
        return None  # drawn over an image
    label = text.label
    base = label.disabled_color if label.disabled else label.color
    alpha = base[3] * text.opacity
    worst = min(contrast(_blend(colour, alpha, bg), bg) for colour in _text_colours(label))
    if worst < WCAG_AA:
        return f"contrast {worst:.2f}:1 is below {WCAG_AA}:1"
    return None


def check(root: Widget) -> list[Finding]:
    """Every clipped, overlapping or low-contrast text and every overflowing layout of what ``root`` draws (it
    must be laid out)."""
    fills, texts, findings = _walk(root)
    for text in texts:
        for problem in _clipping(text):
            findings.append(Finding("clipped", _short(text.label), problem))
        low = _contrast_problem(text, fills)
        if low:
            findings.append(Finding("contrast", _short(text.label), low))
    shown = [(t, _intersect(t.ink, t.clip)) for t in texts]
    shown = [(t, r) for t, r in shown if _area(r) > 0]
    for i, (a, ra) in enumerate(shown):
        for b, rb in shown[i + 1:]:
            both = _intersect(ra, rb)
            if both[2] > 2 and both[3] > 2:
                findings.append(Finding("overlap", _short(a.label), f"overlaps {_short(b.label)!r} "
                                        f"({both[2]:.0f}×{both[3]:.0f} px)"))
    return findings
