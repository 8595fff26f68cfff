"""The Kivy application: one window, a screen per step, driven by ``KioskController``.

Screens switch when the session's step changes; on every return home (finish, cancel, decline, inactivity) each
screen clears what it showed. Device results come back to the UI thread through ``Clock.schedule_once``.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window

from drivers.speech import Speaker
from kiosk.controller import KioskController
from kiosk.session import Step
from screens.base import KioskScreen
from screens.check import CheckScreen
from screens.consent import ConsentScreen
from screens.done import DoneScreen
from screens.home import HomeScreen
from screens.host import ScreenHost
from screens.operator import OperatorScreen
from screens.review import ReviewScreen
from screens.scan import ScanScreen
from screens.service_notify import ServiceNotifier
from screens.speech_guide import SpeechGuide
from screens.theme import Theme, register_fonts

SCREENS: tuple[type[KioskScreen], ...] = (HomeScreen, ScanScreen, ReviewScreen, CheckScreen, ConsentScreen,
                                          DoneScreen, OperatorScreen)


def post_to_ui(fn: Callable[[], None]) -> None:
    """Run ``fn`` on the UI thread at the next frame (safe to call from any thread)."""
    Clock.schedule_once(lambda _dt: fn(), 0)


class KioskApp(App):
    title = "cccd-kiosk"

    def __init__(self, controller: KioskController, *, theme: Theme | None = None, speaker: Speaker | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.controller = controller
        self.speaker = speaker  # spoken guidance (off the UI thread); None: silent
        self.guide = SpeechGuide(self, speaker) if speaker is not None else None
        self.theme = theme or Theme()
        self.sm: ScreenHost | None = None
        self.screens: dict[str, KioskScreen] = {}
        self._idle_event: Any = None
        self.notifier = ServiceNotifier()  # systemd readiness and watchdog (no-op outside a service)

    # -- life cycle ----------------------------------------------------------------------------------------------
    def build(self) -> ScreenHost:
        # Device threads (camera decoding, chip protocol) hand the interpreter back to the UI thread after 1 ms
        # instead of 5 ms: shorter frame stalls while a card is read.
        sys.setswitchinterval(0.001)
        register_fonts()
        self.sm = ScreenHost()
        self._build_screens()
        self.controller.subscribe(self.refresh)
        self.controller.subscribe_steps(self._on_step)
        Window.bind(on_touch_down=self._activity, on_key_down=self._activity)
        self._idle_event = Clock.schedule_interval(self._check_idle, 1.0)
        self.refresh()
        self.notifier.start()
        return self.sm

    def on_start(self) -> None:
        # Everything built so far lives as long as the app: move it out of the collector's sight, so that a
        # collection during a visit only walks that visit's objects.
        gc.collect()
        gc.freeze()

    def shutdown(self) -> None:
        """Stop timers and devices (the window stays for the next app in the same process)."""
        self.notifier.stop()
        if self.speaker is not None:
            self.speaker.silence()
        if self._idle_event is not None:
            self._idle_event.cancel()
        gc.unfreeze()
        gc.enable()
        for screen in self.screens.values():
            screen.shutdown()
        self.controller.cancel()
        Window.unbind(on_touch_down=self._activity, on_key_down=self._activity)

    def _build_screens(self) -> None:
        assert self.sm is not None
        Window.clearcolor = self.theme.bg
        current = self.sm.current if self.sm.screens else "home"
        self.sm.clear_widgets()
        for old in self.screens.values():
            old.shutdown()
        self.screens = {}
        for cls in SCREENS:
            screen = cls(self)
            self.screens[screen.name] = screen
            self.sm.add_widget(screen)
        self.sm.current = current
        review = self.screens["review"]
        if isinstance(review, ReviewScreen):
            review.prebuild()  # one row per frame while the home screen waits for someone

    def _activity(self, *_: Any) -> None:
        self.controller.touch()  # returns None: the touch continues to the widgets

    def _check_idle(self, _dt: float) -> None:
        if self.controller.check_idle() and self.sm is not None and self.sm.current == "operator":
            self.close_operator()

    def _on_step(self, step: Step) -> None:
        review = self.screens.get("review")
        if step is Step.SCAN and isinstance(review, ReviewScreen):
            review.prepare()
        if step is Step.HOME:
            for screen in self.screens.values():
                screen.clear()
            if isinstance(review, ReviewScreen):
                review.prebuild()
            # Collect the visit's reference cycles now, on the home screen, rather than in the middle of a card
            # read: the collector is paused during a visit (a full collection stalls the UI thread for tens of ms).
            gc.enable()
            Clock.schedule_once(lambda _dt: gc.collect(), 0)
        else:
            gc.disable()

    # -- rendering -----------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        if self.sm is None:
            return
        if self.sm.current != "operator":
            target = self.controller.step.value
            if self.sm.current != target:
                self.sm.current = target
        self.screens[self.sm.current].refresh()
        if self.guide is not None:
            self.guide.update()

    def current_screen(self) -> KioskScreen:
        assert self.sm is not None
        return self.screens[self.sm.current]

    # -- operator ------------------------------------------------------------------------------------------------
    def open_operator(self) -> None:
        if self.sm is not None and self.controller.step is Step.HOME:
            self.sm.current = "operator"
            self.screens["operator"].refresh()

    def close_operator(self) -> None:
        if self.sm is not None:
            self.screens["operator"].clear()
            self.sm.current = "home"
            self.refresh()

    def set_display(self, *, scale: float | None = None, high_contrast: bool | None = None) -> None:
        """Text size and contrast: the screens are rebuilt with the new theme."""
        self.theme = Theme(scale=self.theme.scale if scale is None else scale,
                           high_contrast=self.theme.high_contrast if high_contrast is None else high_contrast)
        old = self.screens.get("operator")
        unlocked = isinstance(old, OperatorScreen) and old.unlocked
        self._build_screens()
        operator = self.screens["operator"]
        if isinstance(operator, OperatorScreen):
            operator.unlocked = unlocked
        self.refresh()
        if isinstance(operator, OperatorScreen) and unlocked and self.sm is not None and \
                self.sm.current == "operator":
            operator.refresh()
