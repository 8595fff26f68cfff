"""Base of every screen: access to the controller and theme, ``refresh()`` to redraw from the controller's state,
``clear()`` to drop every widget text that could hold personal data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from kiosk.controller import KioskController
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

    def header(self, key: str) -> BoxLayout:
        """A title bar: the step's title in the current language, the other language below."""
        bar = BoxLayout(orientation="vertical", size_hint_y=None, height=self.theme.font("title") * 2.6,
                        padding=(self.theme.pad, 8))
        paint(bar, self.theme.primary)
        self._title = Text(self.theme, level="title", bold=True, color=self.theme.on_primary, fixed_height=0)
        self._subtitle = Text(self.theme, level="small", color=self.theme.on_primary, fixed_height=0,
                              size_hint_y=0.45)
        bar.add_widget(self._title)
        bar.add_widget(self._subtitle)
        self._title_key = key
        return bar

    def refresh_header(self) -> None:
        if hasattr(self, "_title"):
            self._title.text = self.controller.t(self._title_key)
            self._subtitle.text = self.controller.other(self._title_key)

    def button(self, key: str, action: Any, *, kind: str = "primary", **kwargs: Any) -> BigButton:
        c = self.controller
        b = BigButton(self.theme, two_lines(self.theme, c.t(key), c.other(key)), action, kind=kind, **kwargs)
        b.text_key = key
        return b

    def relabel(self, button: BigButton) -> None:
        key = getattr(button, "text_key", None)
        if key:
            button.text = two_lines(self.theme, self.controller.t(key), self.controller.other(key))
