"""Home: the profile's services as large buttons, language switch, clock, queue health light; a long press in the
top-left corner opens the operator screen. On a lodging kiosk, the guests not yet declared with their countdown
(refreshed every minute, wiped with the other screens)."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial
from typing import Any

from kivy.clock import Clock
from kivy.graphics import Color, Ellipse
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from kiosk.errors import KioskError
from screens.base import KioskScreen
from screens.pending_guests import PendingGuestsPanel
from screens.widgets import BigButton, Text, paint, two_lines

LONG_PRESS_SECONDS = 2.0
log = logging.getLogger(__name__)


class CornerHotspot(Widget):
    """An invisible square; holding it for ``LONG_PRESS_SECONDS`` calls ``on_long_press``."""

    def __init__(self, on_long_press: Any, **kwargs: Any) -> None:
        super().__init__(size_hint=(None, None), size=(110, 110), **kwargs)
        self._action = on_long_press
        self._event: Any = None

    def on_touch_down(self, touch: Any) -> bool:
        if self.collide_point(*touch.pos):
            self._event = Clock.schedule_once(lambda _dt: self._action(), LONG_PRESS_SECONDS)
            touch.grab(self)
            return True
        return False

    def on_touch_up(self, touch: Any) -> bool:
        if touch.grab_current is self:
            touch.ungrab(self)
            if self._event is not None:
                self._event.cancel()
                self._event = None
            return True
        return False


class HealthLight(Widget):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(size_hint=(None, None), size=(28, 28), **kwargs)
        with self.canvas:
            self._color = Color(0.5, 0.5, 0.5, 1)
            self._dot = Ellipse()
        self.bind(pos=self._sync, size=self._sync)

    def _sync(self, *_: Any) -> None:
        self._dot.pos, self._dot.size = self.pos, self.size

    def set(self, rgba: tuple[float, float, float, float]) -> None:
        self._color.rgba = rgba


class HomeScreen(KioskScreen):
    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(app, name="home", **kwargs)
        t = self.theme
        root = BoxLayout(orientation="vertical", padding=t.pad, spacing=t.pad)
        top = BoxLayout(size_hint_y=None, height=t.touch * 1.4, spacing=t.pad)
        self.hotspot = CornerHotspot(self.app.open_operator, pos_hint={"x": 0, "top": 1})
        titles = BoxLayout(orientation="vertical", spacing=4)
        self.title = Text(t, level="heading", bold=True)
        self.subtitle = Text(t, level="small", color=t.muted)
        titles.bind(minimum_height=lambda _w, h: setattr(top, "height", max(t.touch * 1.4, h)))
        titles.add_widget(self.title)
        titles.add_widget(self.subtitle)
        top.add_widget(titles)
        self.clock = Text(t, level="heading", bold=True, halign="right", fixed_height=0, size_hint_x=None, width=360)
        top.add_widget(self.clock)
        root.add_widget(top)

        self.prompt = Text(t, level="heading", bold=True)
        root.add_widget(self.prompt)
        # The guests to declare and the services scroll together: an opened list at a large text size never pushes
        # the header off the screen nor squeezes the services out of sight.
        scroll = ScrollView(do_scroll_x=False)
        column = BoxLayout(orientation="vertical", size_hint_y=None)
        column.bind(minimum_height=column.setter("height"))
        self.pending = PendingGuestsPanel(t)
        self.pending.bind(height=lambda _w, h: setattr(column, "spacing", t.pad if h else 0))
        column.add_widget(self.pending)
        self.grid = GridLayout(cols=2, spacing=t.pad, size_hint_y=None)
        self.grid.bind(minimum_height=self.grid.setter("height"))
        column.add_widget(self.grid)
        scroll.add_widget(column)
        root.add_widget(scroll)

        bottom = BoxLayout(size_hint_y=None, height=t.touch, spacing=t.pad)
        health = BoxLayout(spacing=12, padding=(16, 0))
        paint(health, t.surface, radius=14)
        self.light = HealthLight(pos_hint={"center_y": 0.5})
        self.health_text = Text(t, level="small", fixed_height=0)
        health.add_widget(self.light)
        health.add_widget(self.health_text)
        bottom.add_widget(health)
        self.lang_button = BigButton(t, "", self.controller.toggle_language, kind="secondary", level="body",
                                     size_hint_x=None, width=300)
        bottom.add_widget(self.lang_button)
        root.add_widget(bottom)
        self.add_widget(root)
        self.add_widget(self.hotspot)  # over the top-left corner, invisible
        self._procedure_ids: list[str] = []
        self._pending_minute: str | None = None
        self._clock_event = Clock.schedule_interval(self._tick, 5.0)

    def shutdown(self) -> None:
        self._clock_event.cancel()

    def _tick(self, _dt: float) -> None:
        now = datetime.now(self.controller.now().tzinfo)
        self.clock.text = now.strftime("%H:%M  %d/%m/%Y")
        if self.manager is not None and self.manager.current == self.name:
            self._health()
            if now.strftime("%H:%M") != self._pending_minute:
                self._show_pending()

    def _show_pending(self) -> None:
        """The owner's list, once a minute while the home screen is shown (lodging kiosks only)."""
        source = self.controller.devices.pending_guests
        if source is None:
            self.pending.clear()
            return
        self._pending_minute = self.controller.now().strftime("%H:%M")
        try:
            rows = source()
        except KioskError as exc:  # e.g. the register key is wrong: the home screen stays usable
            log.warning("pending guests: %s", exc.code)
            self.pending.clear()
            return
        self.pending.show(rows)

    def clear(self) -> None:
        self.pending.clear()
        self._pending_minute = None

    def _health(self) -> None:
        level, text = self.controller.queue_health()
        self.light.set({"ok": self.theme.ok, "pending": self.theme.warn, "problem": self.theme.danger}[level])
        self.health_text.text = text

    def refresh(self) -> None:
        c, t = self.controller, self.theme
        profile = c.profile
        self.title.text = profile.title_vi if c.lang == "vi" else profile.title_en
        self.subtitle.text = profile.title_en if c.lang == "vi" else profile.title_vi
        self.prompt.text = f"{c.t('home.choose')}  ·  [size={t.font('small')}]{c.other('home.choose')}[/size]"
        self.prompt.markup = True
        self.lang_button.text = c.t("home.language")
        self.grid.clear_widgets()
        procedures = c.procedures()
        self.grid.cols = 1 if len(procedures) < 3 else 2
        self._procedure_ids = [p.id for p in procedures]
        few = len(procedures) < 3
        tall = t.touch * (2.2 if few else 1.3)
        for procedure in procedures:
            main, second = c.title(procedure)
            button = BigButton(t, two_lines(t, main, second), partial(c.start, procedure.id),
                               height=tall, level="title" if few else "body")
            button.procedure_id = procedure.id
            self.grid.add_widget(button)
        self._tick(0)
        self._health()
        self._show_pending()

    def procedure_button(self, procedure_id: str) -> BigButton:
        return next(b for b in self.grid.children if getattr(b, "procedure_id", None) == procedure_id)
