"""The lodging owner's board on the home screen, readable at a glance from across the reception desk: how many guests
are not yet declared to the police, how many are due soon (amber) and overdue (red), each a large number, and the
nearest deadline with its clock time and countdown. A thin widget over ``kiosk.lodging.pending``: the home screen
calls ``show(rows)`` every minute and ``clear()`` on each wipe.

The next guest stands at the same screen, so the rows (room, initials, countdown) stay folded behind "Xem danh sách /
Show the list"; they fold again on each wipe and ``FOLD_AFTER_SECONDS`` after they were opened. Counts and the
nearest deadline name no one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kivy.clock import Clock
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from kiosk.i18n import tr
from kiosk.lodging.pending import PendingGuest, summarize
from screens.theme import Color, Theme
from screens.widgets import BigButton, Panel, Text, two_lines

MAX_ROWS = 6
TILE_GROWTH = 1.4  # the count tiles grow at most this much with the room the column has to spare
FOLD_AFTER_SECONDS = 60.0


class CountTile(Panel):
    """One large number and what it counts (Vietnamese, English below), coloured by what it means."""

    def __init__(self, theme: Theme, key: str, **kwargs: Any) -> None:
        super().__init__(theme, orientation="vertical", radius=14, padding=(8, 6), spacing=0,
                         color=theme.bg, **kwargs)
        self.key = key
        self.number = Text(theme, "0", level="title", bold=True, halign="center")
        self.label = Text(theme, f"{tr(key, 'vi')}\n[size={theme.font('small')}]{tr(key, 'en')}[/size]",
                          level="small", bold=True, halign="center", markup=True)
        # centred in the height the board leaves it (the tiles take what the column has to spare)
        self.add_widget(Widget())
        self.add_widget(self.number)
        self.add_widget(self.label)
        self.add_widget(Widget())

    def set(self, count: int, color: Color) -> None:
        self.number.text = str(count)
        self.number.color = color


class PendingGuestsPanel(Panel):
    def __init__(self, theme: Theme, **kwargs: Any) -> None:
        super().__init__(theme, orientation="vertical", radius=16, padding=theme.pad / 2, spacing=theme.pad / 3,
                         size_hint_y=None, **kwargs)
        self.theme = theme
        self.fill_height = 0.0  # at least this tall while shown (the column beside the services)
        self.bind(minimum_height=lambda *_: self._fit())
        t = theme
        self.heading = Text(t, f"{tr('home.pending.title', 'vi')}\n{tr('home.pending.title', 'en')}", level="small",
                            bold=True)
        # The tiles at least as tall as their text, taller when the column has room; what is left stays below.
        self.tiles_row = BoxLayout(spacing=t.pad / 2)
        self.rest = Widget(size_hint_y=0.01)  # only what the tiles leave (a weight of its own would take theirs)
        self.tiles = {key: CountTile(t, f"home.pending.{key}") for key in ("waiting", "due_soon", "overdue")}
        for tile in self.tiles.values():
            self.tiles_row.add_widget(tile)
            tile.bind(minimum_height=lambda *_: self._fit_tiles())
        self.nearest = Text(t, level="body", bold=True, markup=True)
        self.summary = BigButton(t, "", self.toggle, kind="secondary", level="small", size_hint_x=0.42)
        self.heading_row = BoxLayout(size_hint_y=None, height=t.touch, spacing=t.pad / 2)
        self.heading_row.add_widget(self.heading)
        self.heading.size_hint_y = 1
        self.heading.size_hint_x = 0.58  # "Show list" on one line beside it
        self.heading.bind(texture_size=lambda *_: self._fit_heading())
        self.summary.bind(height=lambda *_: self._fit_heading())
        self.row_texts: list[Text] = []
        self.rows: list[PendingGuest] = []
        self.expanded = False
        self._fold_event: Any = None
        self.clear()

    def _fit(self) -> None:
        self.height = max(self.minimum_height, self.fill_height) if getattr(self, "shown", False) else 0

    def fill(self, height: float) -> None:
        self.fill_height = height
        self._fit()

    def _fit_heading(self) -> None:
        self.heading_row.height = max(self.theme.touch, self.heading.texture_size[1] + 8, self.summary.height)

    def _fit_tiles(self) -> None:
        needed = max(tile.minimum_height for tile in self.tiles.values())
        self.tiles_row.size_hint_min_y = needed
        self.tiles_row.size_hint_max_y = None if getattr(self, "expanded", False) else round(needed * TILE_GROWTH)

    @property
    def counts(self) -> dict[str, int]:
        """What the tiles show (for the owner's glance and the tests)."""
        return {key: int(tile.number.text) for key, tile in self.tiles.items()}

    def show(self, rows: Sequence[PendingGuest]) -> None:
        """Redraw from ``rows`` (earliest deadline first); with none, the board says every guest is declared."""
        self._show(rows)
        if not self.expanded:  # folded: the room the tiles leave stays under everything (open: the rows use it)
            self.add_widget(self.rest)
        self._fit_tiles()

    def _show(self, rows: Sequence[PendingGuest]) -> None:
        t = self.theme
        self.rows = list(rows)
        summary = summarize(self.rows)
        self.clear_widgets()
        self.opacity, self.padding, self.shown = 1, t.pad / 2, True
        self._fit()
        for widget in (self.heading_row, self.tiles_row, self.nearest):
            self.add_widget(widget)
        if self.summary.parent is not None:
            self.heading_row.remove_widget(self.summary)
        self.tiles["waiting"].set(summary.pending, t.text)
        self.tiles["due_soon"].set(summary.due_soon, t.warn if summary.due_soon else t.text)
        self.tiles["overdue"].set(summary.overdue, t.danger if summary.overdue else t.text)
        vi, en = summary.nearest_line()
        self.nearest.color = {"overdue": t.danger, "due-soon": t.warn, None: t.ok}.get(summary.urgency, t.text)
        countdown = "" if summary.nearest is None else \
            f"[size={t.font('heading')}]{summary.nearest.countdown_vi}[/size]\n"
        english = "" if summary.nearest is None else f" · {summary.nearest.countdown_en}"
        self.nearest.text = f"{countdown}{vi}\n[size={t.font('small')}]{en}{english}[/size]"
        self.row_texts = []
        if not self.rows:
            self.expanded = False
            return
        key = "home.pending.hide" if self.expanded else "home.pending.show"
        self.summary.text = two_lines(t, tr(key, "vi"), tr(key, "en"))
        self.heading_row.add_widget(self.summary)
        if not self.expanded:
            return
        for row in self.rows[:MAX_ROWS]:
            colour = t.danger if row.overdue else t.warn if row.urgency == "due-soon" else t.text
            foreign = "  [b][NN] Khách nước ngoài · Foreigner[/b]" if row.foreign else ""
            line = (f"Phòng {row.room} · {row.initials}{foreign} · [b]{row.countdown_vi}[/b]"
                    f"  [size={t.font('small')}]({row.countdown_en})[/size]")
            label = Text(t, line, level="body", color=colour, markup=True)
            label.guest_id = row.guest_id
            label.overdue = row.overdue
            self.row_texts.append(label)
            self.add_widget(label)
        if len(self.rows) > MAX_ROWS:
            more = len(self.rows) - MAX_ROWS
            self.add_widget(Text(t, f"… và {more} khách khác · {more} more", level="small", color=t.muted))

    def toggle(self) -> None:
        """Open or fold the rows (the owner's touch)."""
        self.expanded = not self.expanded
        self._cancel_fold()
        if self.expanded:
            self._fold_event = Clock.schedule_once(lambda _dt: self.fold(), FOLD_AFTER_SECONDS)
        self.show(self.rows)
        if self.expanded and self.row_texts and isinstance(self.parent, ScrollView):
            # the rows just opened come into view (the board scrolls within its column)
            Clock.schedule_once(lambda _dt: self._reveal_rows(), 0)

    def _reveal_rows(self) -> None:
        if self.row_texts and isinstance(self.parent, ScrollView) and self.row_texts[0].parent is self:
            self.parent.scroll_to(self.row_texts[-1], padding=10, animate=False)

    def fold(self) -> None:
        self.expanded = False
        self._cancel_fold()
        if self.shown:
            self.show(self.rows)

    def _cancel_fold(self) -> None:
        if self._fold_event is not None:
            self._fold_event.cancel()
            self._fold_event = None

    def clear(self) -> None:
        """Forget the rows and fold (each wipe; a kiosk without a guest register): hidden until the next ``show``."""
        self._cancel_fold()
        self.clear_widgets()
        self.rows, self.expanded, self.row_texts, self.shown = [], False, [], False
        self.opacity, self.padding, self.height = 0, 0, 0
