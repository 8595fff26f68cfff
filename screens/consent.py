"""Consent: the workflow's personal-data notice (purpose, recipients, retention) with accept and decline.
Declining wipes the session and returns home."""

from __future__ import annotations

from typing import Any

from kivy.uix.boxlayout import BoxLayout

from kiosk.i18n import error_text
from screens.base import KioskScreen
from screens.widgets import Text, follow_height, scrolling_texts


class ConsentScreen(KioskScreen):
    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(app, name="consent", **kwargs)
        t = self.theme
        root = BoxLayout(orientation="vertical")
        root.add_widget(self.header("consent.title"))
        body = BoxLayout(orientation="vertical", padding=t.pad, spacing=t.pad / 2)
        self.procedure = Text(t, level="heading", bold=True)
        self.notice = Text(t, level="body")
        self.notice_other = Text(t, level="small")
        # The two languages side by side, each scrolling on its own: on a 1280×800 screen at the normal text size
        # the whole notice is in view, with no paragraph cut at the bottom edge.
        texts = BoxLayout(spacing=t.pad)
        main = scrolling_texts(t, self.procedure, self.notice)
        main.size_hint_x = 0.68
        other = scrolling_texts(t, self.notice_other)
        other.size_hint_x = 0.32
        texts.add_widget(main)
        texts.add_widget(other)
        body.add_widget(texts)
        self.error = Text(t, level="body", bold=True, color=t.danger)
        body.add_widget(self.error)
        actions = BoxLayout(size_hint_y=None, height=t.touch, spacing=t.pad)
        self.decline_button = self.button("consent.decline", self.controller.consent.decline, kind="danger",
                                          height=t.touch)
        self.back_button = self.button("common.back", self._back, kind="secondary", height=t.touch)
        self.accept_button = self.button("consent.accept", self._accept, height=t.touch)
        for b in (self.decline_button, self.back_button, self.accept_button):
            actions.add_widget(b)
        follow_height(actions, [self.decline_button, self.back_button, self.accept_button])
        body.add_widget(actions)
        root.add_widget(body)
        self.add_widget(root)

    def refresh(self) -> None:
        c = self.controller
        self.refresh_header()
        for b in (self.decline_button, self.back_button, self.accept_button):
            self.relabel(b)
        procedure = c.procedure
        if procedure is not None:
            main, second = c.title(procedure)
            self.procedure.text = f"{main}  [size={self.theme.font('small')}]· {second}[/size]"
            self.procedure.markup = True
        self.notice.text, self.notice_other.text = c.consent.notice()

    def _back(self) -> None:
        self.controller.consent.back_to_review()

    def _accept(self) -> None:
        error = self.controller.consent.submit()
        self.error.text = error_text(error) if error is not None else ""

    def clear(self) -> None:
        self.error.text = ""
