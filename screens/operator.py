"""Operator (PIN-protected; opened by a long press in the top-left corner of the home screen): outbox counts and
oldest pending age, quarantined items with reasons and retry, the lodging deadline board, device status, the
enrolment (intake and device key; enrol again with a one-time token), exports, text size and high contrast."""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from functools import partial
from typing import Any

from kivy.clock import Clock
from kivy.uix.anchorlayout import AnchorLayout
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.scrollview import ScrollView

from kiosk.errors import KioskError
from kiosk.i18n import error_text
from kiosk.speech_prompts import catalogue
from screens.base import KioskScreen
from screens.keyboard import OnScreenKeyboard
from screens.operator_enrol import EnrolForm
from screens.widgets import BigButton, Panel, Text

# The names the device wiring reports, in the operator's two languages.
DEVICE_NAMES = {"Camera": "operator.camera", "Chip": "operator.reader", "Printer": "operator.printer",
                "Intake": "operator.intake"}

SCALES = (1.0, 1.2, 1.4)
log = logging.getLogger(__name__)


class OperatorScreen(KioskScreen):
    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(app, name="operator", **kwargs)
        t = self.theme
        self.root_box = BoxLayout(orientation="vertical")
        self.root_box.add_widget(self.header("operator.title", staff=False))
        self.body = BoxLayout(orientation="vertical", padding=t.pad, spacing=t.pad)
        self.root_box.add_widget(self.body)
        self.add_widget(self.root_box)
        self.unlocked = False
        self.pad = OnScreenKeyboard(t)
        self.pin_label = Text(t, level="heading", bold=True, halign="center")
        self.message = ""
        self.message_failed = False
        self.exporting = False
        self.enrol_form: EnrolForm | None = None

    def on_pre_enter(self, *_: Any) -> None:
        self.unlocked = False
        self._show_pin()

    def refresh(self) -> None:
        self.refresh_header()
        if not self.unlocked:
            return
        c = self.controller
        if self.enrol_form is not None and c.enrolled_now:
            c.forget_enrolment_result()
            self.message = f"{c.t('operator.enrolled')} · {c.other('operator.enrolled')}"
            self.close_enrol()
        elif self.enrol_form is not None:
            self.enrol_form.update()
            self.enrol_form.show_error_field()
        else:
            self._show_dashboard()

    def clear(self) -> None:
        self.unlocked = False
        self.pad.detach()
        self.message, self.message_failed = "", False
        if self.enrol_form is not None:
            self.enrol_form.clear()
            self.enrol_form = None

    # -- PIN -----------------------------------------------------------------------------------------------------
    def _show_pin(self) -> None:
        c = self.controller
        self.body.clear_widgets()
        self.pin_label.text = f"{c.t('operator.pin')}\n"
        self.body.add_widget(self.pin_label)
        self.pad.lang = c.lang
        self.pad.attach("", field_type="phone", max_length=8, on_text=self._pin_typed, on_done=self._pin_done)
        self.body.add_widget(self.pad)
        self.body.add_widget(self.button("operator.exit", self.app.close_operator, kind="secondary"))

    def _pin_typed(self, text: str) -> None:
        self.pin_label.text = f"{self.controller.t('operator.pin')}\n{'•' * len(text)}"

    def _pin_done(self, text: str) -> None:
        refused = self.controller.unlock_operator(text)
        if refused is None:
            self.unlocked = True
            self.pad.detach()
            self._show_dashboard()
        else:  # wrong (tries left), locked out (minutes to wait) or no PIN set: Vietnamese, then English
            self.pad.attach("", field_type="phone", max_length=8, on_text=self._pin_typed, on_done=self._pin_done)
            self.pin_label.text = error_text(refused)

    # -- dashboard -----------------------------------------------------------------------------------------------
    def _section(self, title_key: str) -> Panel:
        t = self.theme
        panel = Panel(t, orientation="vertical", radius=16, padding=t.pad, spacing=8, size_hint_y=None)
        panel.bind(minimum_height=panel.setter("height"))
        panel.add_widget(Text(t, f"{self.controller.t(title_key)} · {self.controller.other(title_key)}",
                              level="heading", bold=True))
        return panel

    def _show_dashboard(self) -> None:
        c, t = self.controller, self.theme
        self.body.clear_widgets()
        scroll = ScrollView(do_scroll_x=False, bar_width=12)
        grid = BoxLayout(spacing=t.pad, size_hint_y=None)
        left, right = (BoxLayout(orientation="vertical", spacing=t.pad, size_hint_y=None) for _ in range(2))
        for column in (left, right):
            column.bind(minimum_height=column.setter("height"))
            anchor = AnchorLayout(anchor_y="top")
            anchor.add_widget(column)
            grid.add_widget(anchor)

        def fit(*_: Any) -> None:
            grid.height = max(left.height, right.height)

        left.bind(height=fit)
        right.bind(height=fit)

        if self.message:  # the result of the last action, where the operator looks first
            left.add_widget(Text(t, self.message, level="body", bold=True,
                                 color=t.danger if self.message_failed else t.ok))
        summary = c.outbox_summary()
        counts = summary["counts"]
        outbox = self._section("operator.outbox")
        oldest = summary["oldest_pending_minutes"]
        for key, value in (("operator.pending", counts.get("pending", 0)), ("operator.sent", counts.get("acked", 0)),
                           ("operator.quarantined", counts.get("quarantined", 0)),
                           ("operator.oldest", "—" if oldest is None else f"{oldest} min")):
            outbox.add_widget(Text(t, f"{c.t(key)}: [b]{value}[/b]", markup=True))
        for item in summary["quarantined"][:5]:
            outbox.add_widget(Text(t, f"• {item['kind']} {item['sid'][:8]}…: {item['reason']}", level="small",
                                   color=t.danger))
        if summary["quarantined"]:
            outbox.add_widget(self.button("operator.retry", self._retry, kind="secondary"))
        left.add_widget(outbox)

        devices = self._section("operator.devices")
        for name, status in c.devices.status().items():
            name_key = DEVICE_NAMES.get(name)
            label = name if name_key is None else c.t(name_key) if c.t(name_key) == c.other(name_key) else \
                f"{c.t(name_key)} · {c.other(name_key)}"
            devices.add_widget(Text(t, f"{label}: [b]{status}[/b]", markup=True, level="small"))
        devices.add_widget(Text(t, c.t("address.data", version=c.address.service.data_version,
                                       state=c.t("address.data_ready" if c.address.service.ready
                                                 else "address.data_loading")), level="small"))
        right.add_widget(devices)
        enrolment = self._enrolment()
        if enrolment is not None:
            right.add_widget(enrolment)

        if c.devices.deadlines is not None:
            board = self._section("operator.deadlines")
            entries = [e for e in c.devices.deadlines() if e.get("status") in ("due-soon", "overdue")]
            for entry in entries[:8]:
                key = "operator.overdue" if entry["status"] == "overdue" else "operator.due_soon"
                color = t.danger if entry["status"] == "overdue" else t.warn
                due = datetime.fromisoformat(entry["due"]).strftime("%H:%M %d/%m")
                board.add_widget(Text(t, f"{c.t(key)} · {entry.get('room', '')} · {due}", color=color,
                                      level="small"))
            if not entries:
                board.add_widget(Text(t, "—", level="small"))
            left.add_widget(board)

        settings = self._section("operator.display")
        row = BoxLayout(size_hint_y=None, height=t.touch, spacing=8)
        for scale in SCALES:
            row.add_widget(BigButton(t, f"{c.t('operator.text_size')} {int(scale * 100)}%",
                                     partial(self.app.set_display, scale=scale),
                                     kind="primary" if abs(t.scale - scale) < 0.01 else "secondary", level="small"))
        settings.add_widget(row)
        state = "operator.speech_on" if t.high_contrast else "operator.speech_off"
        settings.add_widget(BigButton(t, f"{c.t('operator.contrast')} · {c.other('operator.contrast')}: "
                                         f"{c.t(state)} · {c.other(state)}",
                                      lambda: self.app.set_display(high_contrast=not t.high_contrast),
                                      kind="secondary", level="body"))
        speaker = self.app.speaker
        if speaker is not None:
            settings.add_widget(Text(t, f"{c.t('operator.speech')} · {c.other('operator.speech')}", level="small",
                                     bold=True))
            voice = BoxLayout(size_hint_y=None, height=t.touch, spacing=8)
            on_off = "operator.speech_on" if speaker.enabled else "operator.speech_off"
            voice.add_widget(BigButton(t, f"{c.t(on_off)} · {c.other(on_off)}",
                                       partial(self._speech, not speaker.enabled),
                                       kind="primary" if speaker.enabled else "secondary", level="small"))
            for step, label in ((-10, "-"), (10, "+")):
                voice.add_widget(BigButton(t, label, partial(self._speech, None, step), kind="secondary",
                                           level="heading", size_hint_x=0.4))
            settings.add_widget(voice)
            settings.add_widget(Text(t, f"{c.t('operator.volume', n=speaker.volume)} · "
                                        f"{c.other('operator.volume', n=speaker.volume)}", level="small"))
        if c.devices.export is not None:
            settings.add_widget(self.button("operator.export", self._export, kind="secondary"))
        right.add_widget(settings)
        scroll.add_widget(grid)
        self.body.add_widget(scroll)
        self.body.add_widget(self.button("operator.exit", self.app.close_operator))

    def _speech(self, enabled: bool | None, step: int = 0) -> None:
        """Spoken guidance on or off, volume up or down (kept for the next start); a sample is spoken."""
        speaker = self.app.speaker
        if speaker is None:
            return
        speaker.configure(enabled=enabled, volume=speaker.volume + step if step else None)
        if speaker.enabled:
            speaker.say("home", catalogue()["home"])
        self.refresh()

    def _enrolment(self) -> Panel | None:
        c, t = self.controller, self.theme
        status = c.enrolment_status()
        if status is None:
            return None
        section = self._section("operator.enrolment")
        if status.intake_url is not None:
            section.add_widget(Text(t, f"{c.t('operator.intake')}: [b]{status.intake_url}[/b]", markup=True,
                                    level="small"))
        else:
            section.add_widget(Text(t, status.problem or "—", level="small", bold=True, color=t.danger))
        # The key id on a line of its own (it is one long word): read in full, wrapped where needed.
        section.add_widget(Text(t, f"{c.t('operator.device_id')} · {c.other('operator.device_id')}:\n"
                                   f"[b]{status.device}[/b]", level="small", markup=True))
        section.add_widget(self.button("operator.reenrol" if status.enrolled else "operator.enrol", self.open_enrol,
                                       kind="secondary"))
        return section

    def open_enrol(self) -> None:
        c = self.controller
        c.forget_enrolment_result()
        status = c.enrolment_status()
        self.body.clear_widgets()
        self.body.padding = (self.theme.pad, 12)
        self.enrol_form = EnrolForm(self, (status.intake_url or "") if status is not None else "")
        self.body.add_widget(self.enrol_form)
        self._title_key = "operator.enrolment"
        self.refresh_header()

    def close_enrol(self) -> None:
        if self.enrol_form is not None:
            self.enrol_form.clear()
            self.enrol_form = None
        self.controller.forget_enrolment_result()
        self.body.padding = self.theme.pad
        self._title_key = "operator.title"
        self.refresh_header()
        self._show_dashboard()

    def _retry(self) -> None:
        n = self.controller.retry_quarantined()
        self.message = f"{self.controller.t('operator.retry')}: {n}"
        self._show_dashboard()

    def _export(self) -> None:
        """Today's police files onto the removable drive, off the UI thread (the XLSX takes about a second); the
        result replaces "Đang xuất…", in red when there is no drive or the write failed."""
        export = self.controller.devices.export
        if export is None or self.exporting:
            return
        self.exporting = True
        self.message, self.message_failed = "Đang xuất… · Exporting…", False
        self._show_dashboard()

        def run() -> None:
            try:
                message, failed = export(), False
            except KioskError as exc:
                message, failed = f"{exc.message_vi} · {exc}", True
            except Exception as exc:  # never a dead thread: whatever broke, the operator is told
                log.error("operator export failed: %s", type(exc).__name__)  # no message: it may hold data
                message, failed = f"Xuất tệp không thành công. Hãy báo cho nhân viên kỹ thuật. · Export failed " \
                                  f"({type(exc).__name__})", True
            Clock.schedule_once(lambda _dt: self._exported(message, failed), 0)

        threading.Thread(target=run, name="operator-export", daemon=True).start()

    def _exported(self, message: str, failed: bool) -> None:
        self.exporting = False
        if not self.unlocked:  # wiped meanwhile: show nothing
            return
        self.message, self.message_failed = message, failed
        self._show_dashboard()
