"""The lodging owner's list on the home screen: guests not yet declared, each with its countdown ("còn 3 giờ 20
phút"), red once overdue, foreigners marked. A thin widget over ``kiosk.lodging.pending.pending_guests``: the home
screen calls ``show(rows)`` every minute and ``clear()`` on each wipe."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kiosk.lodging.pending import PendingGuest
from screens.theme import Theme
from screens.widgets import Panel, Text

MAX_ROWS = 6


class PendingGuestsPanel(Panel):
    def __init__(self, theme: Theme, **kwargs: Any) -> None:
        super().__init__(theme, orientation="vertical", radius=16, padding=(theme.pad, 10), spacing=4,
                         size_hint_y=None, **kwargs)
        self.theme = theme
        self.bind(minimum_height=self.setter("height"))
        self.rows: list[PendingGuest] = []
        self.opacity = 0
        self.height = 0

    def show(self, rows: Sequence[PendingGuest]) -> None:
        """Redraw from ``rows`` (earliest deadline first); hidden when there is nobody to declare."""
        t = self.theme
        self.clear_widgets()
        self.rows = list(rows)
        if not self.rows:
            self.clear()
            return
        self.opacity = 1
        overdue = sum(1 for r in self.rows if r.overdue)
        heading = f"Khách chưa khai báo lưu trú: {len(self.rows)}"
        heading += f" · quá hạn: {overdue}" if overdue else ""
        self.add_widget(Text(t, f"{heading}  [size={t.font('small')}]· Guests not yet declared[/size]",
                             level="body", bold=True, markup=True))
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

    def clear(self) -> None:
        """Forget the rows (each wipe): nothing is shown until the next ``show``."""
        self.clear_widgets()
        self.rows = []
        self.opacity = 0
        self.height = 0
