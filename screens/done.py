"""Done: sent, or saved to be sent when the network returns; the receipt code as text and QR; print; automatic
return home."""

from __future__ import annotations

import io
from typing import Any

from kivy.clock import Clock
from kivy.core.image import Image as CoreImage
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.image import Image

from kiosk.receipt_image import qr_image
from screens.base import KioskScreen
from screens.widgets import Panel, Text, follow_height

AUTO_HOME_SECONDS = 30


class DoneScreen(KioskScreen):
    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(app, name="done", **kwargs)
        t = self.theme
        root = BoxLayout(orientation="vertical", padding=(t.pad, t.pad / 2), spacing=t.pad / 2)
        self.status = Text(t, level="title", bold=True, halign="center")
        self.status_other = Text(t, level="small", halign="center", color=t.muted)
        root.add_widget(self.status)
        root.add_widget(self.status_other)
        # The card is as tall as the code and its details (the QR fits that height); the room left goes below it.
        card = Panel(t, radius=16, padding=t.pad / 2, spacing=t.pad * 2, size_hint_y=None)
        self.qr = Image(fit_mode="contain", size_hint_x=0.4)
        codes = BoxLayout(orientation="vertical", spacing=8, size_hint_y=None, pos_hint={"center_y": 0.5})
        codes.bind(minimum_height=codes.setter("height"))
        codes.bind(minimum_height=lambda _w, h: setattr(card, "height", max(h, 160) + t.pad))
        self.code_label = Text(t, level="small", color=t.muted)
        self.code = Text(t, level="code", bold=True)
        self.details = Text(t, level="small", color=t.muted)
        for w in (self.code_label, self.code, self.details):
            codes.add_widget(w)
        card.add_widget(self.qr)
        card.add_widget(codes)
        root.add_widget(card)
        root.add_widget(BoxLayout())
        self.print_status = Text(t, level="body", bold=True, halign="center")
        root.add_widget(self.print_status)
        actions = BoxLayout(size_hint_y=None, height=t.touch, spacing=t.pad)
        self.print_button = self.button("done.print", self.controller.print_receipt, kind="secondary")
        self.finish_button = self.button("done.finish", self.controller.finish)
        follow_height(actions, [self.print_button, self.finish_button])
        actions.add_widget(self.print_button)
        actions.add_widget(self.finish_button)
        root.add_widget(actions)
        self.countdown = Text(t, level="small", halign="center", color=t.muted)
        root.add_widget(self.countdown)
        self.add_widget(root)
        self._poll: Any = None
        self._remaining: float = AUTO_HOME_SECONDS
        self._qr_for: str | None = None

    def on_enter(self, *_: Any) -> None:
        self._remaining = AUTO_HOME_SECONDS
        self._poll = Clock.schedule_interval(self._tick, 0.5)

    def shutdown(self) -> None:
        self.on_leave()

    def on_leave(self, *_: Any) -> None:
        if self._poll is not None:
            self._poll.cancel()
            self._poll = None

    def _tick(self, dt: float) -> None:
        self._remaining -= dt
        if self._remaining <= 0 and not self.controller.printing:
            self.controller.finish()
            return
        self.refresh()

    def refresh(self) -> None:
        c = self.controller
        outcome = c.session.outcome
        if outcome is None:
            return
        for b in (self.print_button, self.finish_button):
            self.relabel(b)
        key = "done.sent" if c.delivered() else "done.saved"
        self.status.text, self.status_other.text = c.t(key), c.other(key)
        self.status.color = self.theme.ok if key == "done.sent" else self.theme.warn
        self.code_label.text = f"{c.t('done.code')} · {c.other('done.code')}"
        self.code.text = outcome.receipt_code
        lines = outcome.receipt.get("lines_vi" if c.lang == "vi" else "lines_en", [])
        self.details.text = "\n".join(line for line in lines if outcome.receipt_code not in line)
        if self._qr_for != outcome.receipt_code:
            image = qr_image(outcome.receipt_code, scale=8).convert("RGB")
            buffer = io.BytesIO()
            image.save(buffer, format="png")
            buffer.seek(0)
            self.qr.texture = CoreImage(buffer, ext="png").texture
            self._qr_for = outcome.receipt_code
        self.print_button.opacity = 0.5 if c.printing or c.devices.printer is None else 1.0
        self.print_status.text = c.print_result or ""
        # Once printed, the same button prints another copy, and says so.
        self.print_button.text_key = "done.print_again" if c.print_result == c.t("done.printed") else "done.print"
        self.relabel(self.print_button)
        n = max(0, int(self._remaining))
        self.countdown.text = f"{c.t('done.auto_home', n=n)} · {c.other('done.auto_home', n=n)}"

    def clear(self) -> None:
        self.code.text = ""
        self.details.text = ""
        self.qr.texture = None
        self._qr_for = None
        self.print_status.text = ""
