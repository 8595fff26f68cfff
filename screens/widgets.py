"""Building blocks shared by the screens: coloured panels, large buttons, labels that wrap."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.graphics import Color as GColor
from kivy.graphics import Line, Rectangle, RoundedRectangle
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from screens.theme import FONT, Color, Theme


def paint(widget: Widget, color: Color, *, radius: float = 0, border: Color | None = None) -> None:
    """Give ``widget`` a background (and optional border) that follows its size."""
    with widget.canvas.before:
        GColor(*color)
        shape = RoundedRectangle(radius=[radius]) if radius else Rectangle()
        if border is not None:
            GColor(*border)
            line = Line(width=1.5)
        else:
            line = None

    def update(*_: Any) -> None:
        shape.pos, shape.size = widget.pos, widget.size
        if line is not None:
            line.rounded_rectangle = (*widget.pos, *widget.size, radius or 1)

    widget.bind(pos=update, size=update)
    update()


class Panel(BoxLayout):
    def __init__(self, theme: Theme, *, color: Color | None = None, radius: float = 0,
                 border: Color | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        paint(self, color or theme.surface, radius=radius, border=border)


class Text(Label):
    """A label that wraps to its width and grows to its text height."""

    def __init__(self, theme: Theme, text: str = "", *, level: str = "body", color: Color | None = None,
                 bold: bool = False, halign: str = "left", fixed_height: float | None = None,
                 **kwargs: Any) -> None:
        kwargs.setdefault("size_hint_y", None if fixed_height is None or fixed_height > 0 else 1)
        super().__init__(text=text, font_name=FONT, font_size=theme.font(level), color=color or theme.text,
                         bold=bold, halign=halign, valign="middle", markup=kwargs.pop("markup", False), **kwargs)
        if fixed_height is not None and fixed_height > 0:
            self.height = fixed_height
            self.bind(size=lambda w, s: setattr(w, "text_size", (s[0], s[1])))
        elif fixed_height is None:
            self.height = 0
            self.bind(width=lambda w, v: setattr(w, "text_size", (v, None)))
            self.bind(texture_size=lambda w, s: setattr(w, "height", s[1] + 8))
        else:
            self.bind(size=lambda w, s: setattr(w, "text_size", (s[0], s[1])))


class TapText(Text):
    """A text that does something when touched (a footer that leads to the fields it lists)."""

    def __init__(self, theme: Theme, text: str = "", on_press: Callable[[], None] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(theme, text, **kwargs)
        self._on_press = on_press

    def on_touch_up(self, touch: Any) -> bool:
        if self._on_press is not None and self.text and not self.disabled and self.collide_point(*touch.pos):
            self._on_press()
            return True
        return bool(super().on_touch_up(touch))


BUTTON_TEXT_MARGIN = 8  # px kept free above and below a button's text


class BigButton(ButtonBehavior, Label):
    """A large, flat, rounded touch target. ``kind``: primary, secondary, danger.

    A label with button behaviour rather than a ``Button``: the button's (here invisible) background image would
    be blended over its whole area on every frame, which software rendering pays for."""

    def __init__(self, theme: Theme, text: str, on_press: Callable[[], None] | None = None, *,
                 kind: str = "primary", level: str = "heading", height: float | None = None,
                 fit_text: bool = True, **kwargs: Any) -> None:
        bg = {"primary": theme.primary, "secondary": theme.secondary, "danger": theme.danger,
              "key": theme.surface}[kind]
        fg = {"primary": theme.on_primary, "key": theme.text}.get(kind, theme.on_secondary)
        if kind == "danger":
            fg = theme.on_primary
        super().__init__(text=text, font_name=FONT, font_size=theme.font(level), color=fg, bold=True,
                         disabled_color=fg,
                         halign="center", valign="middle", markup=True, **kwargs)
        if height is not None or "size_hint_y" not in kwargs:
            self.size_hint_y = None
            self.height = height or theme.touch
        self._min_height = self.height
        if fit_text:  # wraps within the button; a key (fixed size) keeps its one line
            self.bind(size=lambda w, s: setattr(w, "text_size", (s[0] - 24, None)))
        # A button of fixed height grows with its text (two languages, large text size): never text on its edges.
        if fit_text:
            self.bind(texture_size=self._fit_text)
        border = theme.border if theme.high_contrast else None
        with self.canvas.before:
            self._bg_color = GColor(*bg)
            self._bg = RoundedRectangle(radius=[14])
        if border is not None:
            with self.canvas.before:
                GColor(*border)
                self._line = Line(width=2)
        self._normal = bg
        self._colors = (bg, fg)
        self._theme = theme
        self._pressed = (*tuple(c * 0.75 for c in bg[:3]), 1.0)
        self.bind(pos=self._sync, size=self._sync, state=self._sync)
        if on_press is not None:
            self.bind(on_release=lambda *_: on_press())

    def set_fill(self, color: Color) -> None:
        """The button's background colour (pressed: a darker shade of it)."""
        self._normal = color
        self._colors = (color, self._colors[1])
        self._pressed = (*tuple(c * 0.75 for c in color[:3]), 1.0)
        self._sync()

    @property
    def fill(self) -> Color:
        """The button's background colour (not pressed)."""
        return self._normal

    @property
    def available(self) -> bool:
        return self._normal == self._colors[0]

    @available.setter
    def available(self, available: bool) -> None:
        """An action not possible yet (a form with errors) looks plainly different — grey with dark text — but
        stays readable; it is not faded, and a touch still explains what is missing."""
        bg, fg = self._colors if available else (self._theme.secondary, self._theme.muted)
        self._normal, self.color, self.disabled_color = bg, fg, fg
        self._sync()

    def _fit_text(self, _w: Any, size: tuple[float, float]) -> None:
        if self.size_hint_y is None and not self.disabled:  # not while hidden (collapsed: no height)
            self.height = max(self._min_height, size[1] + 2 * BUTTON_TEXT_MARGIN)

    def _sync(self, *_: Any) -> None:
        self._bg.pos, self._bg.size = self.pos, self.size
        self._bg_color.rgba = self._pressed if self.state == "down" else self._normal
        if hasattr(self, "_line"):
            self._line.rounded_rectangle = (*self.pos, *self.size, 14)


def follow_height(row: Widget, buttons: list[BigButton], extra: float = 0) -> None:
    """Keep a row of buttons as tall as its tallest button (buttons grow with their text)."""
    def fit(*_: Any) -> None:
        row.height = max(b.height for b in buttons) + extra

    for button in buttons:
        button.bind(height=fit)
    fit()


def collapse(widget: Widget, collapsed: bool) -> None:
    """Take a part of a screen out of sight and out of reach of touches (it stays in the widget tree, so the
    privacy checks still see it), or bring it back with the height it had."""
    if collapsed and not getattr(widget, "collapsed", False):
        widget.expanded = (widget.size_hint_y, widget.height)
        widget.size_hint_y, widget.height, widget.opacity, widget.disabled = None, 0, 0, True
        widget.collapsed = True
    elif not collapsed:
        hint, height = getattr(widget, "expanded", (widget.size_hint_y, widget.height))
        widget.size_hint_y, widget.height, widget.opacity, widget.disabled = hint, height, 1, False
        widget.collapsed = False


def two_lines(theme: Theme, primary: str, secondary: str) -> str:
    """Button markup: the main text, then the other language smaller."""
    small = theme.font("small")
    return f"{primary}\n[size={small}][b]{secondary}[/b][/size]" if secondary else primary


def scrolling_texts(theme: Theme, *texts: Widget) -> Panel:
    """A rounded panel whose texts scroll when they do not fit (a notice, a check's result)."""
    panel = Panel(theme, orientation="vertical", radius=16, padding=theme.pad)
    scroll = ScrollView(do_scroll_x=False, bar_width=12)
    # Right padding: the text never runs under the scroll bar.
    column = BoxLayout(orientation="vertical", size_hint_y=None, spacing=theme.pad, padding=(0, 0, 12 + 12, 0))
    column.bind(minimum_height=column.setter("height"))
    for text in texts:
        column.add_widget(text)
    scroll.add_widget(column)
    panel.add_widget(scroll)
    return panel
