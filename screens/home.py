"""Home: the profile's services as large buttons, language switch, clock, queue health light; a long press in the
top-left corner opens the operator screen. On a lodging kiosk, the guests not yet declared with their countdown
(refreshed every minute, wiped with the other screens)."""

from __future__ import annotations

import logging
from dataclasses import replace
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
from screens.staff_button import StaffButton
from screens.widgets import BUTTON_TEXT_MARGIN, BigButton, Text, follow_height, paint, two_lines

LONG_PRESS_SECONDS = 2.0
BOARD_MAX_SCALE = 1.0  # the owner's board beside the services: its text size (at most), whatever the guests' size
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
    """Header (title, clock), the services filling the space left (one to three: one tall button each, in a column;
    more: two columns), the lodging owner's board beside them, and the bottom bar: outbox light, "Call staff",
    language."""

    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(app, name="home", **kwargs)
        t = self.theme
        root = BoxLayout(orientation="vertical", padding=t.pad, spacing=t.pad)
        top = BoxLayout(size_hint_y=None, height=t.touch, spacing=t.pad)
        self.hotspot = CornerHotspot(self.app.open_operator, pos_hint={"x": 0, "top": 1})
        titles = BoxLayout(orientation="vertical", spacing=4)
        self.title = Text(t, level="heading", bold=True)
        self.subtitle = Text(t, level="small", color=t.muted)
        titles.bind(minimum_height=lambda _w, h: setattr(top, "height", max(t.touch, h)))
        titles.add_widget(self.title)
        titles.add_widget(self.subtitle)
        top.add_widget(titles)
        self.clock = Text(t, level="heading", bold=True, halign="right", fixed_height=0, size_hint_x=None,
                          width=round(380 * max(1.0, t.scale)))
        top.add_widget(self.clock)
        root.add_widget(top)

        body = BoxLayout(spacing=t.pad)
        column = BoxLayout(orientation="vertical", spacing=t.pad)
        self.prompt = Text(t, level="heading", bold=True)
        column.add_widget(self.prompt)
        # The services share the height left (a large text size scrolls them rather than cutting them).
        self.services = ScrollView(do_scroll_x=False, bar_width=12)
        self.grid = GridLayout(cols=1, spacing=t.pad, size_hint_y=None)
        self.grid.bind(minimum_height=self._grid_height)
        self.services.add_widget(self.grid)
        self.services.bind(size=self._services_resized)
        column.add_widget(self.services)
        body.add_widget(column)
        # The lodging owner's board beside them, as tall as the prompt and the services (absent elsewhere: the
        # services take the whole width). The owner's, not the guests': its text keeps at most BOARD_MAX_SCALE.
        self.board = ScrollView(do_scroll_x=False, bar_width=12, size_hint_x=None, width=0)
        self.pending = PendingGuestsPanel(replace(t, scale=min(t.scale, BOARD_MAX_SCALE)))
        self.board.add_widget(self.pending)
        self.board.bind(height=lambda _w, h: self.pending.fill(h))
        body.add_widget(self.board)
        self.body = body
        body.bind(width=lambda *_: self._fit_board())
        root.add_widget(body)

        bottom = BoxLayout(size_hint_y=None, height=t.touch, spacing=t.pad)
        health = BoxLayout(spacing=12, padding=(16, 0))
        self.health_box = health
        paint(health, t.surface, radius=14)
        self.light = HealthLight(pos_hint={"center_y": 0.5})
        self.health_text = Text(t, level="small", fixed_height=0)
        health.add_widget(self.light)
        health.add_widget(self.health_text)
        bottom.add_widget(health)
        # "Call staff" turns into what it did (called, with the time; or go to the desk) until it can be asked
        # again, taking the status box's place: nothing above the footer moves.
        self.staff_button = StaffButton(t, self.controller, size_hint_x=None, width=round(340 * max(1.0, t.scale)))
        self._staff_width = self.staff_button.width
        bottom.add_widget(self.staff_button)
        self.lang_button = BigButton(t, "", self.controller.toggle_language, kind="secondary", level="body",
                                     size_hint_x=None, width=round(260 * max(1.0, t.scale)))
        bottom.add_widget(self.lang_button)
        follow_height(bottom, [self.staff_button, self.lang_button])
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
            self._staff()
            if now.strftime("%H:%M") != self._pending_minute:
                self._show_pending()

    def _show_pending(self) -> None:
        """The owner's board, once a minute while the home screen is shown (lodging kiosks only)."""
        source = self.controller.devices.pending_guests
        if source is None:
            self.pending.clear()
            self._fit_board()
            return
        self._pending_minute = self.controller.now().strftime("%H:%M")
        try:
            rows = source()
        except KioskError as exc:  # e.g. the register key is wrong: the home screen stays usable
            log.warning("pending guests: %s", exc.code)
            self.pending.clear()
            self._fit_board()
            return
        self.pending.show(rows)
        self._fit_board()

    def _fit_board(self) -> None:
        """The board takes less than half of the width when shown; the services the rest."""
        self.board.width = round(self.body.width * 0.45) if self.pending.shown else 0
        self.board.opacity = 1 if self.pending.shown else 0
        self.body.spacing = self.theme.pad if self.pending.shown else 0  # no gap for a board not shown

    def _services_resized(self, *_: Any) -> None:
        for button in self.grid.children:  # the titles' own size again; smaller only if they do not fit
            button.font_size = self.theme.font(button.level)
        self._grid_height(self.grid, self.grid.minimum_height)  # room for a scroll bar only while one is needed
        self._fit_services()

    def _fit_services(self, *_: Any) -> None:
        """One to three services: one column of buttons sharing the height (their titles a size smaller when two
        languages do not fit: never a scroll bar); more: two columns, as tall as their text needs. A button never
        gets shorter than its text (a large text size scrolls the two columns)."""
        buttons = list(self.grid.children)
        if not buttons:
            return
        t = self.theme
        rows = (len(buttons) + self.grid.cols - 1) // self.grid.cols
        share = (self.services.height - self.grid.spacing[1] * (rows - 1)) // rows - 1  # whole pixels
        if self.grid.cols == 1 and any(b.texture_size[1] + 2 * BUTTON_TEXT_MARGIN > share for b in buttons):
            smaller = next((size for size in (t.font("heading"), t.font("body")) if size < buttons[0].font_size),
                           None)
            if smaller is not None:  # the texts are laid out again: back here with their new size
                for button in buttons:
                    button.font_size = smaller
                return
        for button in buttons:
            button._min_height = max(t.touch * (2.0 if len(buttons) == 1 else 1.0), share)
            button.height = max(button._min_height, button.texture_size[1] + 2 * BUTTON_TEXT_MARGIN)

    def _grid_height(self, _grid: Any, height: float) -> None:
        """Taller than the space (a large text size): the buttons leave room for the scroll bar beside them."""
        self.grid.height = height
        self.grid.padding = (0, 0, 18 if height > self.services.height else 0, 0)

    def clear(self) -> None:
        self.pending.clear()
        self._pending_minute = None
        self._fit_board()
        self._staff()

    def _health(self) -> None:
        level, text = self.controller.queue_health()
        self.light.set({"ok": self.theme.ok, "pending": self.theme.warn, "problem": self.theme.danger}[level])
        self.health_text.text = text

    def _staff(self) -> None:
        """The "Call staff" button (``StaffButton``): what the call did takes the status box's place until the call
        can be asked again."""
        said = self.staff_button.show()
        bottom = self.staff_button.parent
        if said and self.health_box.parent is not None:
            bottom.remove_widget(self.health_box)
        elif not said and self.health_box.parent is None:
            bottom.add_widget(self.health_box, index=len(bottom.children))  # first, on the left
        self.staff_button.size_hint_x = 1 if said else None
        if not said:
            self.staff_button.width = self._staff_width

    def refresh(self) -> None:
        c, t = self.controller, self.theme
        profile = c.profile
        self.title.text = profile.title_vi if c.lang == "vi" else profile.title_en
        self.subtitle.text = profile.title_en if c.lang == "vi" else profile.title_vi
        self.prompt.text = f"{c.t('home.choose')}  ·  [size={t.font('small')}]{c.other('home.choose')}[/size]"
        self.prompt.markup = True
        self.lang_button.text = c.t("home.language")
        procedures = c.procedures()
        ids = [p.id for p in procedures]
        if ids != self._procedure_ids or c.lang != getattr(self, "_lang", None):
            self._lang = c.lang
            self.grid.clear_widgets()
            self.grid.cols = 1 if len(procedures) <= 3 else 2
            self._procedure_ids = ids
            for procedure in procedures:
                main, second = c.title(procedure)
                level = "title" if len(procedures) <= 3 else "body"
                button = BigButton(t, two_lines(t, main, second), partial(c.start, procedure.id), level=level)
                button.level = level
                button.procedure_id = procedure.id
                button.bind(texture_size=self._fit_services)
                self.grid.add_widget(button)
            self._fit_services()
        self._tick(0)
        self._health()
        self._staff()
        self._show_pending()

    def procedure_button(self, procedure_id: str) -> BigButton:
        return next(b for b in self.grid.children if getattr(b, "procedure_id", None) == procedure_id)
