"""One screen at a time, without transitions and without a clipping stencil.

Kivy's ``ScreenManager`` wraps everything it shows in a full-window stencil, which costs two extra full-window
passes and a stencil test on every pixel of every frame; under software rendering that is a tenth of each frame.
The kiosk needs neither transitions nor clipping (each screen fills the window), so this host only swaps children
and dispatches the screens' enter/leave events the way ``ScreenManager`` does.
"""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.screenmanager import Screen


class ScreenHost(FloatLayout):
    current = StringProperty("")
    """Name of the screen shown; setting it switches at once."""

    def __init__(self, **kwargs: Any) -> None:
        self._screens: dict[str, Screen] = {}
        self._shown: Screen | None = None
        super().__init__(**kwargs)
        self.bind(size=self._resize, pos=self._resize)

    @property
    def screens(self) -> list[Screen]:
        return list(self._screens.values())

    def add_widget(self, widget: Any, *args: Any, **kwargs: Any) -> None:
        """Register a screen (shown when it is the first one or the current name); other widgets as usual."""
        if not isinstance(widget, Screen):
            super().add_widget(widget, *args, **kwargs)
            return
        widget.size_hint, widget.pos_hint = (1, 1), {"x": 0, "y": 0}
        widget.size, widget.pos = self.size, self.pos  # laid out while hidden: shown without a relayout
        self._screens[widget.name] = widget
        if not self.current:
            self.current = widget.name
        elif self.current == widget.name:
            self._show(widget)

    def clear_widgets(self, *args: Any, **kwargs: Any) -> None:
        self._leave()
        self._screens.clear()
        super().clear_widgets(*args, **kwargs)

    def _resize(self, *_: Any) -> None:
        for screen in self._screens.values():
            screen.size, screen.pos = self.size, self.pos

    def on_current(self, _host: ScreenHost, name: str) -> None:
        screen = self._screens.get(name)
        if screen is not None and screen is not self._shown:
            self._show(screen)

    def _show(self, screen: Screen) -> None:
        self._leave()
        screen.dispatch("on_pre_enter")
        super().add_widget(screen)
        self._shown = screen
        screen.dispatch("on_enter")

    def _leave(self) -> None:
        old, self._shown = self._shown, None
        if old is not None:
            old.dispatch("on_pre_leave")
            super().remove_widget(old)
            old.dispatch("on_leave")
