"""Base of every screen: access to the controller and theme, ``refresh()`` to redraw from the controller's state,
``clear()`` to drop every widget text that could hold personal data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from kivy.core.text import Label as CoreLabel
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from kiosk.controller import KioskController
from screens.staff_button import StaffButton
from screens.theme import Theme
from screens.widgets import BigButton, Text, paint, two_lines

if TYPE_CHECKING:
    from drivers.speech import Speaker


class KioskApp(Protocol):
    """What a screen needs of the application (``screens.app.KioskApp``)."""

    controller: KioskController
    theme: Theme
    speaker: Speaker | None  # spoken guidance; None: silent

    def open_operator(self) -> None: ...

    def close_operator(self) -> None: ...

    def set_display(self, *, scale: float | None = None, high_contrast: bool | None = None) -> None: ...


class KioskScreen(Screen):
    def __init__(self, app: KioskApp, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app = app  # the window's clear colour is the background: no full-screen fill (software GL)

    @property
    def controller(self) -> KioskController:
        return self.app.controller

    @property
    def theme(self) -> Theme:
        return self.app.theme

    def refresh(self) -> None:
        """Redraw from the controller (called after every change while this screen is shown)."""

    def clear(self) -> None:
        """Forget every personal value shown (called on each wipe)."""

    def shutdown(self) -> None:
        """Stop this screen's timers (the app is closing or its screens are rebuilt)."""

    def header(self, key: str, *, staff: bool = True) -> BoxLayout:
        """A title bar: the step's title in the current language, the other language below; with ``staff`` (the
        steps of a visit), "Call staff" at its right (``StaffButton``)."""
        t = self.theme
        bar = BoxLayout(size_hint_y=None, height=t.font("title") * 2.6, padding=(t.pad, 8), spacing=t.pad)
        paint(bar, t.primary)
        titles = BoxLayout(orientation="vertical")
        self._title = Text(t, level="title", bold=True, color=t.on_primary, fixed_height=0)
        self._subtitle = Text(t, level="small", color=t.on_primary, fixed_height=0, size_hint_y=0.45)
        self._title.bind(width=self._fit_title, text=self._fit_title)
        titles.add_widget(self._title)
        titles.add_widget(self._subtitle)
        bar.add_widget(titles)
        if staff:  # small text, so that the title keeps its line; the bar grows if the button's text wraps
            button = self.staff_button = StaffButton(t, self.controller, idle="secondary", level="small",
                                                     size_hint_x=None, width=round(300 * min(t.scale, 1.2)),
                                                     pos_hint={"center_y": 0.5})
            bar.add_widget(button)
            least = bar.height
            button.bind(height=lambda _button, height: setattr(bar, "height", max(least, height + 16)))
        self._title_key = key
        return bar

    def _fit_title(self, *_: object) -> None:
        """The title on one line: a step down in size when it would wrap (a long title, large text, "Call staff"
        beside it)."""
        title = self._title
        for level in ("title", "heading"):
            size = self.theme.font(level)
            line = CoreLabel(text=title.text, font_size=size, font_name=title.font_name, bold=True)
            line.refresh()
            if level == "heading" or line.texture.size[0] <= title.width:
                title.font_size = size
                return

    def refresh_header(self) -> None:
        if hasattr(self, "_title"):
            self._title.text = self.controller.t(self._title_key)
            self._subtitle.text = self.controller.other(self._title_key)
        if hasattr(self, "staff_button"):
            self.staff_button.show()

    def button(self, key: str, action: Any, *, kind: str = "primary", **kwargs: Any) -> BigButton:
        c = self.controller
        b = BigButton(self.theme, two_lines(self.theme, c.t(key), c.other(key)), action, kind=kind, **kwargs)
        b.text_key = key
        return b

    def relabel(self, button: BigButton) -> None:
        key = getattr(button, "text_key", None)
        if key:
            button.text = two_lines(self.theme, self.controller.t(key), self.controller.other(key))
