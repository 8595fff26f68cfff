"""Drives the real kiosk app inside the current process, through Kivy's own event loop and input dispatch.

Used by the UI tests and the UI benchmark: touches are ``MotionEvent``s fed to the event loop (the same path a
touchscreen's events take), frames are advanced with ``EventLoop.idle()``, screenshots come from the GL window.
``configure_kivy()`` must run before anything imports ``kivy.core.window``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from itertools import count
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kivy.uix.widget import Widget

    from screens.app import KioskApp

_touch_ids = count(1000)


def configure_kivy(*, width: int = 1280, height: int = 800, fullscreen: bool = False,
                   home: str | None = None) -> None:
    """Kivy settings for a kiosk window: no command-line parsing, no log files, no mouse multitouch emulation."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")  # leave stderr and the root logger alone
    if home:
        Path(home).mkdir(parents=True, exist_ok=True)
        os.environ["KIVY_HOME"] = home
    from kivy.config import Config

    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    Config.set("graphics", "resizable", "0")
    Config.set("graphics", "multisamples", "0")  # no MSAA: flat shapes do not need it, software GL pays dearly
    Config.set("input", "mouse", "mouse,disable_multitouch")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "log_level", "warning")


def _touch_class() -> type:
    from kivy.input.motionevent import MotionEvent

    class Touch(MotionEvent):
        def depack(self, args: dict[str, float]) -> None:
            self.sx, self.sy = args["x"], args["y"]
            self.profile = ["pos"]
            super().depack(args)

    return Touch


class AppDriver:
    def __init__(self, app: KioskApp) -> None:
        self.app = app
        self._touch = _touch_class()

    # -- life cycle ----------------------------------------------------------------------------------------------
    def start(self) -> None:
        from kivy.base import EventLoop

        EventLoop.ensure_window()
        self.app._run_prepare()
        self.pump(frames=3)

    def stop(self) -> None:
        from kivy.core.window import Window

        self.app.shutdown()
        if self.app.root is not None:
            Window.remove_widget(self.app.root)
        self.pump(frames=2)

    # -- time ----------------------------------------------------------------------------------------------------
    def pump(self, seconds: float = 0.0, frames: int = 1) -> None:
        """Run the event loop for at least ``frames`` frames and ``seconds`` seconds."""
        from kivy.base import EventLoop

        end = time.monotonic() + seconds
        n = 0
        while n < frames or time.monotonic() < end:
            EventLoop.idle()
            n += 1

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> float:
        """Pump frames until ``predicate()``; returns the seconds it took. ``TimeoutError`` after ``timeout``."""
        start = time.monotonic()
        while not predicate():
            if time.monotonic() - start > timeout:
                raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
            self.pump()
        return time.monotonic() - start

    # -- touches -------------------------------------------------------------------------------------------------
    def _event(self, x: float, y: float) -> Any:
        from kivy.core.window import Window

        return self._touch("driver", next(_touch_ids), {"x": x / max(1, Window.width - 1),
                                                        "y": y / max(1, Window.height - 1)},
                           is_touch=True, type_id="touch")

    def tap(self, widget: Widget, hold: float = 0.0) -> None:
        """Touch the centre of ``widget`` and release after ``hold`` seconds, through the event loop."""
        from kivy.base import EventLoop

        if widget.get_root_window() is None:
            raise AssertionError(f"{type(widget).__name__} is not on screen")
        self.scroll_into_view(widget)
        x, y = widget.to_window(*widget.center)
        touch = self._event(x, y)
        EventLoop._dispatch_input("begin", touch)
        self.pump(seconds=hold, frames=2)
        EventLoop._dispatch_input("end", touch)
        self.pump(frames=2)

    def scroll_into_view(self, widget: Widget) -> None:
        """Scroll the enclosing ScrollView (if any) so that ``widget`` is visible, as a person would."""
        from kivy.uix.scrollview import ScrollView

        parent = widget.parent
        while parent is not None and not isinstance(parent, ScrollView) and parent.parent is not parent:
            parent = parent.parent
        if isinstance(parent, ScrollView):
            parent.scroll_to(widget, padding=20, animate=False)
            self.pump(frames=2)

    # -- inspection ----------------------------------------------------------------------------------------------
    def screenshot(self, path: Path) -> Path:
        from kivy.core.window import Window
        from kivy.graphics.opengl import GL_RGB, GL_UNSIGNED_BYTE, glReadPixels
        from PIL import Image

        self.pump(frames=2)
        width, height = Window.size
        pixels = glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE)
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.frombytes("RGB", (width, height), pixels).transpose(Image.Transpose.FLIP_TOP_BOTTOM).save(path)
        return path

    def widgets(self) -> Iterator[Widget]:
        """Every widget of every screen, shown or not."""
        stack: list[Widget] = list(self.app.screens.values())
        while stack:
            widget = stack.pop()
            yield widget
            stack.extend(widget.children)

    def texts(self) -> list[str]:
        return [str(w.text) for w in self.widgets() if getattr(w, "text", "")]

    def find(self, predicate: Callable[[Widget], bool]) -> Widget:
        for widget in self.widgets():
            if predicate(widget):
                return widget
        raise LookupError("no such widget")
