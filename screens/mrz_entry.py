"""Typing the chip's key from the card after a wrong key: the card number, the date of birth and the expiry date
(or "no expiry") on the numeric pad (a passport's number on the letter keyboard, also when the camera cannot read the
passport's page), each checked as soon as it is typed (``kiosk.mrz_entry``); "Read the chip"
retries the chip with that key. Drawing only: the fields' meaning and checks live in ``kiosk.mrz_entry``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.scrollview import ScrollView

from kiosk.errors import KioskError
from kiosk.i18n import error_text
from kiosk.mrz_entry import FIELD_TYPES, FIELDS, TypedMrz, check_field
from screens.keyboard import OnScreenKeyboard
from screens.widgets import BigButton, Panel, Text, collapse, follow_height, two_lines

if TYPE_CHECKING:
    from screens.base import KioskScreen

MAX_LENGTH = {"document_number": 12, "date_of_birth": 10, "date_of_expiry": 10}


class MrzField(BoxLayout):
    """A label (Vietnamese, English smaller), the value box to touch, the error under it."""

    def __init__(self, panel: MrzEntryPanel, name: str, **kwargs: Any) -> None:
        t = panel.theme
        super().__init__(orientation="vertical", size_hint_y=None, spacing=4, **kwargs)
        self.name = name
        self.label = Text(t, level="body", bold=True, markup=True)
        self.line = BoxLayout(size_hint_y=None, height=t.touch, spacing=8)
        self.box = BigButton(t, "", partial(panel.select, name), kind="secondary", level="heading", size_hint_y=1,
                             height=None)
        self.box.halign = "left"
        self.line.add_widget(self.box)
        self.error = Text(t, level="small", color=t.danger, bold=True, markup=True)
        for widget in (self.label, self.line, self.error):
            self.add_widget(widget)
        self.bind(minimum_height=self.setter("height"))


class MrzEntryPanel(BoxLayout):
    """Fields on the left, the numeric pad and the actions on the right. ``on_close`` goes back to the scan."""

    def __init__(self, screen: KioskScreen, on_close: Callable[[], None], **kwargs: Any) -> None:
        t = screen.theme
        super().__init__(padding=(t.pad, 12), spacing=t.pad, **kwargs)
        self.screen, self.theme, self.on_close = screen, t, on_close
        self.typed = TypedMrz()
        self.selected = FIELDS[0]
        left = self.fields_panel = Panel(t, orientation="vertical", radius=16, padding=(t.pad, 12), size_hint_x=0.46)
        # The fields scroll when large text makes them taller than the screen.
        self.scroll = ScrollView(do_scroll_x=False, bar_width=10)
        column = self.column = BoxLayout(orientation="vertical", spacing=4, size_hint_y=None)
        column.bind(minimum_height=column.setter("height"))
        column.bind(height=self._fit)
        self.scroll.bind(height=self._fit)
        self.fields = {name: MrzField(self, name) for name in FIELDS}
        for field in self.fields.values():
            column.add_widget(field)
        self.scroll.add_widget(column)
        left.add_widget(self.scroll)
        self.no_expiry = BigButton(t, "", self.toggle_no_expiry, kind="secondary", level="body", size_hint_x=0.5)
        expiry_line = self.fields["date_of_expiry"].line
        expiry_line.add_widget(self.no_expiry)
        follow_height(expiry_line, [self.no_expiry])  # "No expiry" wraps at a large text size
        self.fields["date_of_expiry"].box.size_hint_x = 0.5
        self.add_widget(left)

        right = self.pad_column = BoxLayout(orientation="vertical", spacing=8, size_hint_x=0.54)
        self.keypad = OnScreenKeyboard(t)
        right.add_widget(self.keypad)
        self.pad_space = BoxLayout()
        right.add_widget(self.pad_space)
        actions = self.actions = BoxLayout(size_hint_y=None, height=t.touch, spacing=t.pad)
        self.back_button = screen.button("common.back", self.close, kind="secondary")
        self.read_button = screen.button("mrz.read", self.submit)
        actions.add_widget(self.back_button)
        actions.add_widget(self.read_button)
        follow_height(actions, [self.back_button, self.read_button])
        right.add_widget(actions)
        self.add_widget(right)
        # The letter keyboard (a passport number) takes the whole width, the fields and the actions above it.
        self.top_row = BoxLayout(spacing=t.pad)
        self._letters = False
        self.clear()

    def on_touch_down(self, touch: Any) -> bool:
        """Hidden (disabled) the panel takes no touch, not even one over where its fields would be."""
        return False if self.disabled else bool(super().on_touch_down(touch))

    # -- public --------------------------------------------------------------------------------------------------
    def open(self, *, passport: bool = False) -> None:
        """Start with empty fields, the card number selected; ``passport``: a passport's number and dates."""
        self.typed = TypedMrz(passport=passport)
        for field in self.fields.values():
            field.error.text = ""
        # A passport always has an expiry date: no "no expiry" choice.
        self.no_expiry.opacity, self.no_expiry.disabled = (0, True) if passport else (1, False)
        self.no_expiry.size_hint_x = 0.001 if passport else 0.5
        self.fields["date_of_expiry"].box.size_hint_x = 1 if passport else 0.5
        self.relabel()
        self.select(FIELDS[0])

    def _label_key(self, name: str) -> str:
        return "mrz.passport_number" if name == "document_number" and self.typed.passport else f"mrz.{name}"

    def _field_type(self, name: str) -> str:
        return "code" if name == "document_number" and self.typed.passport else FIELD_TYPES[name]

    def relabel(self) -> None:
        c, small = self.screen.controller, self.theme.font("small")
        for name, field in self.fields.items():
            hint = f" ({c.t('mrz.date_hint')})" if FIELD_TYPES[name] == "date" else ""
            other = f" ({c.other('mrz.date_hint')})" if hint else ""
            key = self._label_key(name)
            field.label.text = f"{c.t(key)}{hint}\n[size={small}]{c.other(key)}{other}[/size]"
        for button in (self.back_button, self.read_button):
            self.screen.relabel(button)
        self.no_expiry.text = two_lines(self.theme, c.t("mrz.no_expiry"), c.other("mrz.no_expiry"))
        self._paint()

    def clear(self) -> None:
        """Forget everything typed (personal data)."""
        self.typed = TypedMrz()
        self.keypad.detach()
        self.keypad.clear_widgets()  # no keys while hidden: the pad is rebuilt when a field is selected
        for field in self.fields.values():
            field.box.text = ""
            field.error.text = ""

    # -- typing --------------------------------------------------------------------------------------------------
    def select(self, name: str) -> None:
        if self.selected != name:
            self._check(self.selected, required=False)
        self.selected = name
        if name == "date_of_expiry" and self.typed.no_expiry:
            self.typed = replace(self.typed, no_expiry=False)
        self._arrange(letters=self._field_type(name) != FIELD_TYPES[name])
        self.keypad.lang = self.screen.controller.lang
        self.keypad.attach(getattr(self.typed, name), field_type=self._field_type(name), max_length=MAX_LENGTH[name],
                           on_text=self._typed, on_done=self._done)
        self._paint()
        if self.column.height > self.scroll.height > 0:
            self.scroll.scroll_to(self.fields[name], padding=8, animate=False)
        self.screen.controller.touch()

    def _arrange(self, *, letters: bool) -> None:
        """The letter keyboard needs the whole width: the fields (scrolling to the one being typed) and the actions
        go above it; the numeric pad sits beside the fields, the actions under it."""
        if letters == self._letters:
            return
        self._letters = letters
        for widget in (self.fields_panel, self.pad_column, self.top_row, self.keypad, self.pad_space, self.actions):
            if widget.parent is not None:
                widget.parent.remove_widget(widget)
        # Above the letter keyboard there is room for one field's box: its label becomes the screen's title.
        for field in self.fields.values():
            collapse(field.label, letters)
        title = getattr(self.screen, "_title_key", None)
        if title in ("mrz.passport_title", "mrz.passport_number"):
            self.screen._title_key = "mrz.passport_number" if letters else "mrz.passport_title"
            self.screen.refresh_header()
        # Beside one field's box the actions have that box's height: their words a size smaller to fit it.
        for button in (self.back_button, self.read_button):
            button.font_size = self.theme.font("body" if letters else "heading")
        if letters:
            self.orientation = "vertical"
            self.fields_panel.size_hint = (0.5, 1)
            self.actions.size_hint = (0.5, 1)
            self.top_row.add_widget(self.fields_panel)
            self.top_row.add_widget(self.actions)
            self.add_widget(self.top_row)
            self.add_widget(self.keypad)
        else:
            self.orientation = "horizontal"
            self.fields_panel.size_hint = (0.46, 1)
            self.actions.size_hint = (1, None)
            self.actions.height = max(button.height for button in (self.back_button, self.read_button))
            for widget in (self.keypad, self.pad_space, self.actions):
                self.pad_column.add_widget(widget)
            self.add_widget(self.fields_panel)
            self.add_widget(self.pad_column)

    def _fit(self, *_: Any) -> None:
        """Fields that fit stay at the top (a scroll position left from a taller moment would leave a gap)."""
        if self.column.height <= self.scroll.height:
            self.scroll.scroll_y = 1

    def _typed(self, text: str) -> None:
        if self.typed.passport and self.selected == "document_number":
            text = text.upper()  # as printed in the passport
        self.typed = self.typed.with_value(self.selected, text)
        self.fields[self.selected].box.text = text
        self.fields[self.selected].error.text = ""
        self.screen.controller.touch()

    def _done(self, _text: str) -> None:
        """Done on the pad: check this field, go to the next one; on the last, read the chip."""
        if not self._check(self.selected, required=True):
            return
        following = FIELDS[FIELDS.index(self.selected) + 1:]
        if following and not (following[0] == "date_of_expiry" and self.typed.no_expiry):
            self.select(following[0])
        else:
            self.submit()

    def toggle_no_expiry(self) -> None:
        no_expiry = not self.typed.no_expiry
        self.typed = replace(self.typed, no_expiry=no_expiry, date_of_expiry="" if no_expiry else
                             self.typed.date_of_expiry)
        self.fields["date_of_expiry"].error.text = ""
        if no_expiry and self.selected == "date_of_expiry":
            self.select(FIELDS[0])
        self._paint()
        self.screen.controller.touch()

    def _check(self, name: str, *, required: bool) -> bool:
        """Show the field's error under it (Vietnamese, then English); False when there is one. An empty field is
        only an error when ``required`` (Done pressed on it), not when the person moves to another field."""
        try:
            if required or getattr(self.typed, name):
                check_field(name, self.typed)
        except KioskError as exc:
            self._show_error(exc)
            return False
        self.fields[name].error.text = ""
        return True

    def _show_error(self, error: KioskError) -> None:
        field = self.fields.get(error.field or "", self.fields[self.selected])
        vietnamese, _, english = error_text(error).partition("\n")
        field.error.text = f"{vietnamese}\n[size={self.theme.font('small')}]{english}[/size]" if english \
            else vietnamese

    def submit(self) -> None:
        error = self.screen.controller.provide_mrz(self.typed)
        if error is not None:
            self._show_error(error)
            if error.field in self.fields and error.field != self.selected:
                self.select(error.field)
                self._show_error(error)
            return
        self.close()

    def close(self) -> None:
        self.clear()
        self.on_close()

    def _paint(self) -> None:
        t = self.theme
        for name, field in self.fields.items():
            selected = name == self.selected
            field.box.set_fill(t.primary if selected else t.secondary)
            field.box.color = t.on_primary if selected else t.text
            field.box.text = getattr(self.typed, name)
            field.box._sync()
        self.no_expiry.set_fill(t.primary if self.typed.no_expiry else t.secondary)
        self.no_expiry.color = t.on_primary if self.typed.no_expiry else t.on_secondary
        self.no_expiry._sync()
        if self.typed.no_expiry:
            self.fields["date_of_expiry"].box.text = "—"
