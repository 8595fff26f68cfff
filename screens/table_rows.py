"""The review screen's table fields (the CT01 household members): a header above each row with its number and a
button removing it, and under the rows the section with "Add a member" (up to the form's limit). The cells are
ordinary review rows (``screens.review.FieldView``): edited with the keyboard, the numeric pad or a picker."""

from __future__ import annotations

from typing import Any, Protocol

from kivy.uix.boxlayout import BoxLayout

from kiosk.controller import KioskController, TableInfo
from screens.theme import Theme
from screens.widgets import BigButton, Panel, Text, two_lines


class ReviewScreen(Protocol):
    """What the rows need of the review screen (``screens.review.ReviewScreen``)."""

    @property
    def controller(self) -> KioskController: ...

    @property
    def theme(self) -> Theme: ...

    def button(self, key: str, action: Any, *, kind: str = "primary", **kwargs: Any) -> BigButton: ...

    def add_member(self, table: str) -> None: ...

    def remove_member(self, table: str, index: int) -> None: ...


def section_title(screen: ReviewScreen, info: TableInfo) -> Text:
    t = screen.theme
    return Text(t, f"{info.label}\n[size={t.font('small')}]{info.other_label}[/size]", level="heading", bold=True,
                markup=True)


class RowHeader(Panel):
    """"Member N" and "Remove this member" above the cells of row N (the section title above row 1)."""

    def __init__(self, screen: ReviewScreen, info: TableInfo, index: int, **kwargs: Any) -> None:
        t, c = screen.theme, screen.controller
        super().__init__(t, color=t.secondary, radius=12, orientation="vertical", size_hint_y=None,
                         padding=(12, 8), spacing=8, **kwargs)
        self.table, self.index = info.name, index
        if index == 1:
            self.add_widget(section_title(screen, info))
        line = BoxLayout(size_hint_y=None, height=t.touch, spacing=t.pad)
        line.add_widget(Text(t, f"{c.t('review.member', n=index)} · [size={t.font('small')}]"
                                f"{c.other('review.member', n=index)}[/size]", level="heading", bold=True,
                             markup=True, fixed_height=0))
        self.remove_button = screen.button("review.remove_member", lambda: screen.remove_member(info.name, index),
                                           kind="danger", level="body", size_hint_x=0.45)
        self.remove_button.table_row = (info.name, index)
        self.remove_button.bind(height=lambda _b, h: setattr(line, "height", max(t.touch, h)))
        line.add_widget(self.remove_button)
        self.add_widget(line)
        self.bind(minimum_height=self.setter("height"))


class TableFooter(BoxLayout):
    """Under the rows: the section title when there is no row yet, and "Add a member (n/max)"."""

    def __init__(self, screen: ReviewScreen, info: TableInfo, **kwargs: Any) -> None:
        t = screen.theme
        super().__init__(orientation="vertical", size_hint_y=None, spacing=8, padding=(0, 12), **kwargs)
        self.screen, self.table = screen, info.name
        self.title = section_title(screen, info)
        self.add_button = BigButton(t, "", lambda: screen.add_member(info.name), kind="primary", level="body")
        self.add_button.text_key = "review.add_member"
        self.add_button.table = info.name
        self.bind(minimum_height=self.setter("height"))
        self.update(info)

    def update(self, info: TableInfo) -> None:
        c, t = self.screen.controller, self.screen.theme
        self.clear_widgets()
        if info.rows == 0:
            self.add_widget(self.title)
        room = c.t("review.members_room", n=info.rows, max=info.max_rows)
        self.add_button.text = two_lines(t, f"+ {c.t('review.add_member')} ({room})", c.other("review.add_member"))
        full = info.rows >= info.max_rows
        self.add_button.disabled, self.add_button.opacity = full, 0.45 if full else 1.0
        self.add_widget(self.add_button)
