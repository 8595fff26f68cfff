"""The lodging owner's list on the home screen: guests not yet declared, each with its countdown ("còn 3 giờ 20
phút"), red once overdue, foreigners marked. A thin widget over ``kiosk.lodging.pending.pending_guests``: the home
screen calls ``show(rows)`` every minute and ``clear()`` on each wipe.

The next guest stands at the same screen, so the list is folded by default: one touch target says how many guests
are waiting to be declared and how many are overdue (no room, no initials); the owner touches it to see the rows. The
rows fold again on each wipe and ``FOLD_AFTER_SECONDS`` after they were opened.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kivy.clock import Clock

from kiosk.lodging.pending import PendingGuest
from screens.theme import Theme
from screens.widgets import BigButton, Panel, Text

MAX_ROWS = 6
FOLD_AFTER_SECONDS = 60.0


class PendingGuestsPanel(Panel):
    def __init__(self, theme: Theme, **kwargs: Any) -> None:
        super().__init__(theme, orientation="vertical", radius=16, padding=(theme.pad, 10), spacing=4,
                         size_hint_y=None, **kwargs)
        self.theme = theme
        self.bind(minimum_height=self.setter("height"))
        self.rows: list[PendingGuest] = []
        self.expanded = False
        self.summary: BigButton | None = None
        self._fold_event: Any = None
        self.clear()

    def show(self, rows: Sequence[PendingGuest]) -> None:
        """Redraw from ``rows`` (earliest deadline first); hidden when there is nobody to declare."""
        t = self.theme
        self.clear_widgets()
        self.rows = list(rows)
        if not self.rows:
            self.clear()
            return
        self.opacity, self.padding = 1, (t.pad, 10)
        overdue = sum(1 for r in self.rows if r.overdue)
        heading = f"Khách chưa khai báo lưu trú: {len(self.rows)}" + (f" · quá hạn: {overdue}" if overdue else "")
        english = f"Guests not yet declared: {len(self.rows)}" + (f" · overdue: {overdue}" if overdue else "")
        action = "Ẩn · Hide" if self.expanded else "Xem · Show"
        self.summary = BigButton(t, f"{heading}  [size={t.font('small')}]· {english} · {action}[/size]",
                                 self.toggle, kind="danger" if overdue else "secondary", level="body")
        self.add_widget(self.summary)
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

    def fold(self) -> None:
        self.expanded = False
        self._cancel_fold()
        if self.rows:
            self.show(self.rows)

    def _cancel_fold(self) -> None:
        if self._fold_event is not None:
            self._fold_event.cancel()
            self._fold_event = None

    def clear(self) -> None:
        """Forget the rows and fold (each wipe): nothing is shown until the next ``show``."""
        self._cancel_fold()
        self.clear_widgets()
        self.rows, self.expanded, self.summary = [], False, None
        self.opacity, self.padding, self.height = 0, (0, 0), 0
