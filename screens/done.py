"""Done: sent, or saved to be sent when the network returns; the receipt code as text and QR; the queue number
(printed at once) when the procedure has a counter; print the receipt, and the form (CT01) on request; automatic
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
        root = BoxLayout(orientation="vertical", padding=(t.pad, 8), spacing=8)
        self.status = Text(t, level="title", bold=True, halign="center")
        self.status_other = Text(t, level="small", halign="center", color=t.muted)
        root.add_widget(self.status)
        root.add_widget(self.status_other)
        # The card is as tall as the code and its details (the QR fits that height); the room left goes below it.
        card = Panel(t, radius=16, padding=t.pad / 2, spacing=t.pad * 2, size_hint_y=None)
        self.qr = Image(fit_mode="contain", size_hint_x=0.4)
        codes = BoxLayout(orientation="vertical", spacing=8, size_hint_y=None, pos_hint={"center_y": 0.5})
        codes.bind(minimum_height=codes.setter("height"))
        self.card, self.codes = card, codes
        self.code_label = Text(t, level="small", color=t.muted)
        self.code = Text(t, level="code", bold=True)
        self.details = Text(t, level="small", color=t.muted)
        for w in (self.code_label, self.code, self.details):
            codes.add_widget(w)
        # The queue number, when the procedure has a counter: a third column of the card (none without one).
        self.ticket_box = BoxLayout(orientation="vertical", spacing=4, size_hint_x=0, opacity=0, size_hint_y=None,
                                    pos_hint={"center_y": 0.5})
        self.ticket_box.bind(minimum_height=self.ticket_box.setter("height"))
        self.ticket_label = Text(t, level="small", color=t.muted, halign="center")
        self.ticket = Text(t, level="code", bold=True, halign="center", color=t.primary)
        self.ticket_counter = Text(t, level="small", halign="center")
        for w in (self.ticket_label, self.ticket, self.ticket_counter):
            self.ticket_box.add_widget(w)
        card.add_widget(self.qr)
        card.add_widget(codes)
        card.add_widget(self.ticket_box)
        for part in (codes, self.ticket_box):
            part.bind(height=self._fit_card)
        root.add_widget(card)
        root.add_widget(BoxLayout())
        self.print_status = Text(t, level="body", bold=True, halign="center")
        root.add_widget(self.print_status)
        actions = BoxLayout(size_hint_y=None, height=t.touch, spacing=t.pad)
        self.print_button = self.button("done.print", self.controller.done.print_receipt, kind="secondary")
        self.document_button = self.button("done.print_document", self._print_document, kind="secondary")
        self.finish_button = self.button("done.finish", self.controller.done.finish)
        follow_height(actions, [self.print_button, self.document_button, self.finish_button])
        for b in (self.print_button, self.document_button, self.finish_button):
            actions.add_widget(b)
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
        if self._remaining <= 0 and not self.controller.done.printing:
            self.controller.done.finish()
            return
        self.refresh()

    def refresh(self) -> None:
        c = self.controller
        step = c.done
        outcome = step.outcome
        if outcome is None:
            return
        for b in (self.print_button, self.document_button, self.finish_button):
            self.relabel(b)
        key = "done.sent" if step.delivered() else "done.saved"
        self.status.text, self.status_other.text = c.t(key), c.other(key)
        self.status.color = self.theme.ok if key == "done.sent" else self.theme.warn
        self.code_label.text = f"{c.t('done.code')} · {c.other('done.code')}"
        self.code.text = outcome.receipt_code
        ticket = outcome.receipt.get("ticket")
        shown = [outcome.receipt_code, *([ticket["display"]] if ticket else [])]  # each shown large already
        lines = outcome.receipt.get("lines_vi" if c.lang == "vi" else "lines_en", [])
        self.details.text = "\n".join(line for line in lines if not any(text in line for text in shown))
        if self._qr_for != outcome.receipt_code:
            image = qr_image(outcome.receipt_code, scale=8).convert("RGB")
            buffer = io.BytesIO()
            image.save(buffer, format="png")
            buffer.seek(0)
            self.qr.texture = CoreImage(buffer, ext="png").texture
            self._qr_for = outcome.receipt_code
        if ticket:
            label = ticket["counter_label_vi" if c.lang == "vi" else "counter_label_en"]
            self.ticket_label.text = c.t("done.ticket")
            self.ticket.text = ticket["display"]
            self.ticket_counter.text = c.t("done.ticket_counter", counter=label)
        self.ticket_box.size_hint_x, self.ticket_box.opacity = (0.45, 1) if ticket else (0, 0)
        # With a queue number the card has three columns: the QR and the gaps give the code's details their room.
        self.qr.size_hint_x, self.card.spacing = (0.3, self.theme.pad) if ticket else (0.4, self.theme.pad * 2)
        self._fit_card()
        can_print = step.can_print()
        self.print_button.opacity = 1.0 if can_print else 0.5
        documents = step.documents()
        self.document_button.opacity = (1.0 if can_print else 0.5) if documents else 0.0
        self.document_button.disabled = not documents
        self.print_status.text = step.print_result or ""
        # Once printed, the same button prints another copy, and says so.
        self.print_button.text_key = "done.print_again" if step.print_result == c.t("done.printed") else "done.print"
        self.relabel(self.print_button)
        n = max(0, int(self._remaining))
        self.countdown.text = f"{c.t('done.auto_home', n=n)} · {c.other('done.auto_home', n=n)}"

    def _fit_card(self, *_: Any) -> None:
        shown = [self.codes.height] + ([self.ticket_box.height] if self.ticket_box.opacity else [])
        self.card.height = max(*shown, 160) + self.theme.pad

    def _print_document(self) -> None:
        documents = self.controller.done.documents()
        if documents:
            self.controller.done.print_document(documents[0].name)

    def clear(self) -> None:
        for w in (self.ticket_label, self.ticket, self.ticket_counter):
            w.text = ""
        self.ticket_box.size_hint_x, self.ticket_box.opacity = 0, 0
        self.code.text = ""
        self.details.text = ""
        self.qr.texture = None
        self._qr_for = None
        self.print_status.text = ""
