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
        body = BoxLayout(orientation="vertical", padding=t.pad, spacing=t.pad)
        self.procedure = Text(t, level="heading", bold=True)
        self.notice = Text(t, level="body")
        self.notice_other = Text(t, level="small", color=t.muted)
        body.add_widget(scrolling_texts(t, self.procedure, self.notice, self.notice_other))
        self.error = Text(t, level="body", bold=True, color=t.danger)
        body.add_widget(self.error)
        actions = BoxLayout(size_hint_y=None, height=t.touch * 1.2, spacing=t.pad)
        self.decline_button = self.button("consent.decline", self.controller.consent.decline, kind="danger",
                                          height=t.touch * 1.2)
        self.back_button = self.button("common.back", self._back, kind="secondary", height=t.touch * 1.2)
        self.accept_button = self.button("consent.accept", self._accept, height=t.touch * 1.2)
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
            self.procedure.text = f"{main}\n[size={self.theme.font('small')}]{second}[/size]"
            self.procedure.markup = True
        self.notice.text, self.notice_other.text = c.consent.notice()

    def _back(self) -> None:
        self.controller.consent.back_to_review()

    def _accept(self) -> None:
        error = self.controller.consent.submit()
        self.error.text = error_text(error) if error is not None else ""

    def clear(self) -> None:
        self.error.text = ""
