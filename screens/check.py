"""Checks before consent: what a workflow's extra steps found (the clinic's BHYT card check), each as its result
code and the next step in plain words, Vietnamese first. The visit goes on from here whatever the result: a card
that could not be checked is flagged for reception."""

from __future__ import annotations

from typing import Any

from kivy.uix.boxlayout import BoxLayout

from screens.base import KioskScreen
from screens.widgets import Text, follow_height, scrolling_texts


class CheckScreen(KioskScreen):
    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(app, name="check", **kwargs)
        t = self.theme
        root = BoxLayout(orientation="vertical")
        root.add_widget(self.header("check.title"))
        body = BoxLayout(orientation="vertical", padding=t.pad, spacing=t.pad)
        self.code = Text(t, level="code", bold=True)
        self.title = Text(t, level="heading", bold=True)
        self.text = Text(t, level="body")
        self.text_other = Text(t, level="small", color=t.muted)
        self.flag = Text(t, level="body", bold=True, color=t.warn)
        body.add_widget(scrolling_texts(t, self.code, self.title, self.text, self.text_other, self.flag))
        actions = BoxLayout(size_hint_y=None, height=t.touch * 1.2, spacing=t.pad)
        self.back_button = self.button("common.back", self.controller.consent.back_to_review, kind="secondary",
                                       height=t.touch * 1.2)
        self.continue_button = self.button("check.continue", self.controller.consent.continue_to_consent,
                                           height=t.touch * 1.2)
        actions.add_widget(self.back_button)
        actions.add_widget(self.continue_button)
        follow_height(actions, [self.back_button, self.continue_button])
        body.add_widget(actions)
        root.add_widget(body)
        self.add_widget(root)

    def refresh(self) -> None:
        c, t = self.controller, self.theme
        step = c.consent
        self.refresh_header()
        for b in (self.back_button, self.continue_button):
            self.relabel(b)
        self.continue_button.disabled = step.checking
        self.continue_button.opacity = 0.5 if step.checking else 1.0
        if step.checking:
            self.code.text = ""
            self.title.text, self.title.color = c.t("check.running"), t.muted
            self.text.text, self.text_other.text, self.flag.text = "", c.other("check.running"), ""
            return
        notices = step.notices()
        if not notices:
            self.clear()
            return
        notice = notices[0]
        vi = c.lang == "vi"
        # A gateway's result code, none when the check could not be made (offline, timed out), or no look-up at all
        # (nothing to look up: a foreign patient's passport)
        self.code.text = (c.t("check.code", code=notice.code) if notice.code.isdigit()
                          else c.t("check.no_lookup") if notice.code == "no-card" else c.t("check.no_code"))
        self.title.text = notice.title_vi if vi else notice.title_en
        self.title.color = {"ok": t.ok, "warn": t.warn, "stop": t.danger}[notice.level]
        self.text.text = notice.text_vi if vi else notice.text_en
        self.text_other.text = notice.text_en if vi else notice.text_vi
        self.flag.text = c.t("check.flag", flag=notice.flag) if notice.flag else ""

    def clear(self) -> None:
        for w in (self.code, self.title, self.text, self.text_other, self.flag):
            w.text = ""
