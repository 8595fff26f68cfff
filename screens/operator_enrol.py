"""The operator's enrolment form: the intake address and the one-time token typed on the on-screen keyboard, then
"Enrol" (``KioskController.enrol_device``, off the UI thread). Errors come back under the fields, Vietnamese then
English, with the field to correct selected.

A staff form with a full keyboard: it keeps the normal text size (at most 100 %) whatever size the citizens'
screens use, so that the fields and the keyboard fit together; the fields scroll if the header takes more room."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.scrollview import ScrollView

from kiosk.i18n import error_text
from screens.base import KioskScreen
from screens.keyboard import OnScreenKeyboard
from screens.widgets import BigButton, Text, two_lines

FIELDS = {"intake_url": ("operator.intake_url", "url", 200), "token": ("operator.token", "code", 64)}


class EnrolForm(BoxLayout):
    def __init__(self, screen: KioskScreen, intake_url: str, **kwargs: Any) -> None:
        t = replace(screen.theme, scale=min(screen.theme.scale, 1.0))
        super().__init__(orientation="vertical", spacing=8, **kwargs)
        self.screen, self.theme, self.keyboard = screen, t, OnScreenKeyboard(t)
        self.values = {"intake_url": intake_url, "token": ""}
        self.selected = "intake_url"
        c = screen.controller
        top = BoxLayout(spacing=t.pad)
        self.scroll = ScrollView(do_scroll_x=False, bar_width=10)
        fields = self.fields = BoxLayout(orientation="vertical", spacing=4, size_hint_y=None)
        fields.bind(minimum_height=fields.setter("height"))
        self.boxes: dict[str, BigButton] = {}
        small = t.font("small")
        for name, (key, _kind, _length) in FIELDS.items():
            row = BoxLayout(size_hint_y=None, height=t.touch, spacing=12)
            row.add_widget(Text(t, f"{c.t(key)}\n[size={small}]{c.other(key)}[/size]", level="body", bold=True,
                                markup=True, fixed_height=0, size_hint_x=0.32))
            box = BigButton(t, "", partial(self.select, name), kind="secondary", level="body", size_hint_y=1,
                            height=None)
            box.halign = "left"
            box.field = name
            self.boxes[name] = box
            row.add_widget(box)
            fields.add_widget(row)
        self.message = Text(t, level="small", bold=True, markup=True)
        fields.add_widget(self.message)
        self.scroll.add_widget(fields)
        top.add_widget(self.scroll)
        actions = BoxLayout(orientation="vertical", spacing=8, size_hint_x=0.26)
        self.enrol_button = self._button("operator.enrol_now", self.submit, "primary")
        actions.add_widget(self.enrol_button)
        actions.add_widget(self._button("common.back", screen.close_enrol, "secondary"))
        actions.add_widget(BoxLayout())
        top.add_widget(actions)
        self.add_widget(top)
        self.add_widget(self.keyboard)
        self.select("intake_url")

    def _button(self, key: str, action: Any, kind: str) -> BigButton:
        c = self.screen.controller
        button = BigButton(self.theme, two_lines(self.theme, c.t(key), c.other(key)), action, kind=kind)
        button.text_key = key
        return button

    def select(self, name: str) -> None:
        self.selected = name
        _key, kind, length = FIELDS[name]
        self.keyboard.lang = self.screen.controller.lang
        self.keyboard.attach(self.values[name], field_type=kind, max_length=length, on_text=self._typed,
                             on_done=self._done)
        self.update()

    def _typed(self, text: str) -> None:
        self.values[self.selected] = text
        self.boxes[self.selected].text = text

    def _done(self, _text: str) -> None:
        if self.selected == "intake_url":
            self.select("token")
        else:
            self.submit()

    def submit(self) -> None:
        self.screen.controller.enrol_device(self.values["intake_url"], self.values["token"])

    def update(self) -> None:
        """Boxes, the selected one highlighted, and the progress or the error from the controller."""
        c, t = self.screen.controller, self.theme
        for name, box in self.boxes.items():
            chosen = name == self.selected
            box.text = self.values[name]
            box.set_fill(t.primary if chosen else t.secondary)
            box.color = t.on_primary if chosen else t.on_secondary
            box._sync()
        self.enrol_button.opacity = 0.5 if c.enrolling else 1.0
        small = t.font("small")
        if c.enrolling:
            self.message.color = t.text
            self.message.text = f"{c.t('operator.enrolling')} [size={small}]{c.other('operator.enrolling')}[/size]"
        elif c.enrol_error is not None:
            self.message.color = t.danger
            self.message.text = error_text(c.enrol_error)
            if self.fields.height > self.scroll.height > 0:  # large text: bring the error into view
                self.scroll.scroll_to(self.message, padding=4, animate=False)
        else:
            self.message.text = ""

    def show_error_field(self) -> None:
        """Select the field the last error names (the one to correct)."""
        error = self.screen.controller.enrol_error
        if error is not None and error.field in self.boxes and error.field != self.selected:
            self.select(error.field)

    def clear(self) -> None:
        self.values = {"intake_url": "", "token": ""}
        self.keyboard.detach()
        for box in self.boxes.values():
            box.text = ""
        self.message.text = ""
