"""Scan: the live camera preview with a card outline, the hint to use the chip reader instead, chip progress, and
what to do when something fails. The preview is drawn from the newest frame only; nothing is recorded.

On the passport route (``kiosk.passport_scan``) the camera reads the photo page's MRZ and the chip follows; the
passport's details may be typed when the camera cannot read the page; a chip that could not be verified (unknown or
expired CSCA) is shown in plain words, with "Continue (not verified)" where the rules allow it."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.graphics import Color, Line
from kivy.graphics.texture import Texture
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.image import Image
from kivy.uix.scrollview import ScrollView

from kiosk.input_format import digits_only
from kiosk.scan import AccessKey
from screens.base import KioskScreen
from screens.illustrations import ChipGuide, QrToCamera
from screens.keyboard import OnScreenKeyboard
from screens.mrz_entry import MrzEntryPanel
from screens.widgets import Panel, Text, collapse, paint, scrolling_texts

CARD_ASPECT = 85.6 / 54.0  # ID-1 card
PAGE_ASPECT = 125.0 / 88.0  # ID-3, a passport's photo page (ICAO 9303-4)
MRZ_SHARE = 23.2 / 88.0  # the page's bottom band where the code lines are printed (ICAO 9303-4)


class Preview(FloatLayout):
    """The camera image (``fit_mode`` contain) with a guide drawn over its centre: card-shaped, or on the passport
    route page-shaped with the code lines' band marked at its bottom."""

    def __init__(self, guide_color: tuple[float, ...], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.image = Image(fit_mode="contain", size_hint=(1, 1), pos_hint={"x": 0, "y": 0}, opacity=0)
        self.add_widget(self.image)
        self.page = False
        with self.canvas.after:
            Color(*guide_color)
            self._guide = Line(width=4)
            self._band = Line(width=2)
        self.bind(pos=self._sync, size=self._sync)
        self.image.bind(norm_image_size=self._sync)
        self._texture: Texture | None = None

    def show_page_guide(self, page: bool) -> None:
        """A passport page's guide (``True``) or an ID card's."""
        if page != self.page:
            self.page = page
            self._sync()

    def _sync(self, *_: Any) -> None:
        aspect, share = (PAGE_ASPECT, 0.85) if self.page else (CARD_ASPECT, 0.7)
        width, height = self.image.norm_image_size if self.image.texture is not None else self.size
        w = min(width * share, height * 0.8 * aspect)  # within the camera's picture, not its letterbox
        h = w / aspect
        x, y = self.center_x - w / 2, self.center_y - h / 2
        self._guide.rounded_rectangle = (x, y, w, h, 18)
        band = y + h * MRZ_SHARE
        self._band.points = [x + 12, band, x + w - 12, band] if self.page else []

    def show(self, frame: Any) -> None:
        """Show a BGR (OpenCV) or greyscale frame as the image; the texture is reused between frames."""
        height, width = frame.shape[:2]
        fmt = "bgr" if frame.ndim == 3 else "luminance"
        if self._texture is None or self._texture.size != (width, height) or self._texture.colorfmt != fmt:
            self._texture = Texture.create(size=(width, height), colorfmt=fmt)
            self._texture.flip_vertical()
        self._texture.blit_buffer(frame.tobytes(), colorfmt=fmt, bufferfmt="ubyte")
        self.image.texture = self._texture
        self.image.opacity = 1
        self.image.canvas.ask_update()

    def blank(self) -> None:
        self._texture = None
        self.image.texture = None
        self.image.opacity = 0


class ScanScreen(KioskScreen):
    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(app, name="scan", **kwargs)
        t = self.theme
        root = self.root_box = BoxLayout(orientation="vertical")
        root.add_widget(self.header("scan.title"))
        body = self.body = BoxLayout(padding=t.pad, spacing=t.pad)
        camera_box = self.camera_box = Panel(t, orientation="vertical", radius=16, padding=12, spacing=8,
                                             size_hint_x=0.58)
        self.preview = Preview(t.primary)
        paint(self.preview, (0.08, 0.09, 0.11, 1))
        camera_box.add_widget(self.preview)
        # How to hold the card: a picture beside the words.
        hint_row = BoxLayout(size_hint_y=None, spacing=8)
        self.qr_picture = QrToCamera(t, size_hint_x=0.3)
        self.hint = Text(t, level="body", bold=True, halign="center")
        self.hint.bind(height=lambda _w, h: setattr(hint_row, "height", max(h, t.touch * 1.1)))
        hint_row.add_widget(self.qr_picture)
        hint_row.add_widget(self.hint)
        camera_box.add_widget(hint_row)
        body.add_widget(camera_box)

        # The column's contents scroll when large text makes them taller than the screen; cancel stays below them.
        column = self.column = BoxLayout(orientation="vertical", spacing=12, size_hint_x=0.42)
        view = ScrollView(do_scroll_x=False, bar_width=10)
        side = self.side = BoxLayout(orientation="vertical", spacing=12, size_hint_y=None)
        fit = self._fit_side
        view.bind(height=fit)
        side.bind(minimum_height=fit)
        view.add_widget(side)
        column.add_widget(view)
        self.side_view = view
        chip = self.chip_panel = Panel(t, orientation="vertical", radius=16, padding=16, spacing=8, size_hint_y=None)
        chip.bind(minimum_height=chip.setter("height"))
        self.chip_hint = Text(t, level="body", bold=True)
        self.chip_status = Text(t, level="body", color=t.muted)
        chip.add_widget(self.chip_hint)
        chip.add_widget(self.chip_status)
        side.add_widget(chip)
        self.error_box = Panel(t, orientation="vertical", color=t.surface, border=t.danger, radius=16,
                               padding=t.pad, size_hint_y=None, height=0)
        self.error = Text(t, level="body", bold=True, color=t.danger)
        self.error_box.add_widget(self.error)
        self.error.bind(height=lambda _w, h: setattr(self.error_box, "height",
                                                     h + 2 * t.pad if self.error.text else 0))
        side.add_widget(self.error_box)
        self.key_button = self.button("scan.enter_key", self.open_key_pad, kind="secondary", level="body")
        side.add_widget(self.key_button)
        # After a wrong key: rescan the QR code, or type the card's MRZ details.
        self.choices = BoxLayout(size_hint_y=None, height=0, opacity=0, spacing=12)
        self.rescan_button = self.button("scan.rescan_qr", self.controller.rescan_qr, kind="secondary",
                                         level="body")
        self.mrz_button = self.button("scan.enter_mrz", self.open_mrz, level="body")
        self.choices.add_widget(self.rescan_button)
        self.choices.add_widget(self.mrz_button)
        for b in (self.key_button, self.rescan_button, self.mrz_button):
            b.bind(height=self._fit_choices)
        side.add_widget(self.choices)
        # The passport route: "Use a passport" (a procedure that also accepts one), "Type the passport details".
        self.passport_row = BoxLayout(orientation="vertical", size_hint_y=None, height=0, spacing=12)
        self.passport_row.bind(minimum_height=self.passport_row.setter("height"))
        self.use_passport_button = self.button("scan.use_passport", self.controller.use_passport,
                                               kind="secondary", level="body")
        self.type_passport_button = self.button("scan.enter_passport", self.open_mrz, level="body")
        # A chip that could not be verified: what it means, and the way on where there is one.
        self.problem_title = Text(t, level="heading", bold=True, color=t.danger, markup=True)
        self.problem_text = Text(t, level="body", markup=True)
        self.problem_note = Text(t, level="body", color=t.muted, markup=True)
        # The words scroll when large text makes them taller than the column; the way on stays below them.
        self.problem_box = scrolling_texts(t, self.problem_title, self.problem_text, self.problem_note)
        self.continue_button = self.button("scan.problem.continue", self.controller.accept_unverified,
                                           level="body")
        # The room left in the column: where to place the card (animated), then the chip read's progress ring.
        self.guide = ChipGuide(t)
        self.room = BoxLayout()  # in the guide's place while the column holds the ways on
        side.add_widget(self.guide)
        self.cancel_button = self.button("common.cancel", self.controller.cancel, kind="danger")
        column.add_widget(self.cancel_button)
        body.add_widget(column)
        root.add_widget(body)

        self.keypad = OnScreenKeyboard(t, self.controller.lang)
        self.key_label = Text(t, level="body", bold=True, halign="center")
        self.key_area = BoxLayout(orientation="vertical", size_hint_y=None, height=0, opacity=0,
                                  padding=(t.pad, 8), spacing=8)
        self.key_back = self.button("common.back", self.close_key_pad, kind="secondary", level="body",
                                    size_hint_x=0.25)
        self.key_prompt = BoxLayout(size_hint_y=None, spacing=t.pad)  # what to type, and the way back
        self.key_prompt.add_widget(self.key_label)
        self.key_prompt.add_widget(self.key_back)
        self.key_label.bind(height=self._fit_key_prompt)
        self.key_back.bind(height=self._fit_key_prompt)
        root.add_widget(self.key_area)
        self.mrz = MrzEntryPanel(self, on_close=self.close_mrz)
        root.add_widget(self.mrz, index=1)
        collapse(self.mrz, True)
        self.add_widget(root)
        self._preview_event: Any = None
        self._shown_frame: Any = None
        self._typing_shown = False

    def on_enter(self, *_: Any) -> None:
        self._preview_event = Clock.schedule_interval(self._update_preview, 1 / 15)

    def shutdown(self) -> None:
        self.on_leave()

    def on_leave(self, *_: Any) -> None:
        if self._preview_event is not None:
            self._preview_event.cancel()
            self._preview_event = None
        self._shown_frame = None
        self.preview.blank()
        self.guide.picture.stop()

    def _update_preview(self, _dt: float) -> None:
        # While the chip is read the card lies on the reader: the preview stays on its last frame, so the window
        # is redrawn only for the chip's progress (each redraw is a full-window repaint under software rendering).
        if self.controller.scan.chip_busy:
            return
        if self.controller.scanning.typing_offered() != self._typing_shown:  # the camera has had its time
            self.refresh()
        frame = self.controller.latest_frame()
        if frame is not None and frame is not self._shown_frame:
            self._shown_frame = frame
            self.preview.show(frame)

    def refresh(self) -> None:
        c = self.controller
        if c.progress_only:
            self.guide.show(c.scan.chip_progress or 0.0)
            return
        self.refresh_header()
        for b in (self.key_button, self.cancel_button, self.rescan_button, self.mrz_button):
            self.relabel(b)
        if self.mrz_open:
            self.mrz.relabel()
        has_camera = c.devices.camera is not None
        small = self.theme.font("small")
        self.hint.markup = True
        self.hint.text = (f"{c.t('scan.hint')}\n[size={small}][b]{c.other('scan.hint')}[/b][/size]" if has_camera
                          else c.t("scan.camera_off"))
        self.chip_hint.text = f"{c.t('scan.or_chip')}\n[size={self.theme.font('small')}]{c.other('scan.or_chip')}" \
                              "[/size]"
        self.chip_hint.markup = True
        scan = c.scan
        self.chip_status.text = c.t(scan.status_key) if scan.chip_busy or scan.status_key != "scan.hint" else ""
        self.guide.show(scan.chip_progress if scan.chip_busy else None, animate=self.parent is not None)
        self._refresh_passport()
        error = c.scan_error_text()
        if error:
            vietnamese, _, english = error.partition("\n")
            error = f"{vietnamese}\n[size={small}]{english}[/size]" if english else vietnamese
        self.error.markup = True
        self.error.text = error or ""
        self.error_box.opacity = 1 if error else 0
        if not error:
            self.error_box.height = 0  # an error cleared (a rescan) leaves no empty box behind
        wrong_key = scan.error is not None and scan.error.code == "chip-wrong-key"
        wrong_key = wrong_key or scan.problem is not None  # either way, what to do next takes the camera's room
        # The chip refused the key: the two ways on take the camera's room (rescanning brings the camera back).
        self.camera_box.size_hint_x, self.camera_box.opacity = (0.001, 0) if wrong_key else (0.58, 1)
        self.column.size_hint_x = 1 if wrong_key else 0.42
        # The three ways on side by side: type the number, rescan the QR code, type the card's details.
        if scan.passport or scan.problem is not None:
            if self.key_button.parent is not None:  # a passport has no CAN to type
                self.key_button.parent.remove_widget(self.key_button)
        elif wrong_key and self.key_button.parent is not self.choices:
            self.side.remove_widget(self.key_button)
            self.choices.add_widget(self.key_button, index=len(self.choices.children))
        elif not wrong_key and self.key_button.parent is not self.side:
            if self.key_button.parent is not None:
                self.key_button.parent.remove_widget(self.key_button)
            self.side.add_widget(self.key_button, index=3)  # above the choices, the passport row, the guide
        self._show(self.choices, wrong_key and scan.problem is None, 0)
        self._fit_choices()
        # The chip answered (with a refusal): its hint makes room for the choices.
        if wrong_key and self.chip_panel.parent is not None:
            self.side.remove_widget(self.chip_panel)
        elif not wrong_key and self.chip_panel.parent is None:
            self.side.add_widget(self.chip_panel, index=len(self.side.children))

    def _refresh_passport(self) -> None:
        """The passport route's texts and buttons, and the verification problem when there is one."""
        c, scan, small = self.controller, self.controller.scan, self.theme.font("small")
        if not self.mrz_open:
            self._title_key = "scan.passport.title" if scan.passport else "scan.title"
            self.refresh_header()
        if scan.passport:
            self.hint.text = f"{c.t('scan.passport.hint')}\n[size={small}][b]{c.other('scan.passport.hint')}[/b][/size]"
            key = "scan.mrz.found" if scan.mrz_lines else "scan.passport.or_chip"
            self.chip_hint.text = f"{c.t(key)}\n[size={small}]{c.other(key)}[/size]"
        self.preview.show_page_guide(scan.passport)
        self.qr_picture.opacity = 0 if scan.passport else 1
        self.qr_picture.size_hint_x = 0.001 if scan.passport else 0.3
        self.rescan_button.text_key = "scan.rescan_page" if scan.passport else "scan.rescan_qr"
        self.mrz_button.text_key = "scan.enter_passport" if scan.passport else "scan.enter_mrz"
        for b in (self.rescan_button, self.mrz_button, self.use_passport_button, self.type_passport_button,
                  self.continue_button):
            self.relabel(b)
        wrong_key = scan.error is not None and scan.error.code == "chip-wrong-key"
        self._typing_shown = c.scanning.typing_offered()
        # After a refused key the ways on fill the column: "Use a passport" waits until they are gone.
        wanted = [b for b, shown in ((self.use_passport_button, c.scanning.passport_offered and not wrong_key),
                                     (self.type_passport_button, self._typing_shown and not wrong_key))
                  if shown]
        if list(reversed(self.passport_row.children)) != wanted:
            self.passport_row.clear_widgets()
            for b in wanted:
                self.passport_row.add_widget(b)
        # In the column only with a button in it (an empty row would still take the column's spacing).
        if wanted and self.passport_row.parent is None:
            below = [w for w in (self.guide, self.room) if w.parent is self.side]
            self.side.add_widget(self.passport_row, index=len(below))
        elif not wanted and self.passport_row.parent is not None:
            self.side.remove_widget(self.passport_row)
        problem = scan.problem
        # The ways on (after a refused key) and the problem's words take the room of the reader's picture.
        busy = problem is not None or (scan.passport and wrong_key)
        for widget, shown in ((self.guide, not busy), (self.room, busy and problem is None)):
            if shown and widget.parent is None:
                self.side.add_widget(widget, index=0)  # at the column's bottom, above cancel
            elif not shown and widget.parent is not None:
                self.side.remove_widget(widget)
        if problem is None:
            for widget in (self.problem_box, self.continue_button):
                if widget.parent is not None:
                    widget.parent.remove_widget(widget)
            return
        title = f"scan.problem.{problem.level}"
        self.problem_title.text = f"{c.t(title)}\n[size={small}]{c.other(title)}[/size]"
        self.problem_text.text = f"{problem.message_vi}\n[size={small}]{problem.message_en}[/size]"
        note = "scan.problem.continue_note"
        self.problem_note.text = (f"{c.t(note)}\n[size={small}]{c.other(note)}[/size]" if problem.level == "warn"
                                  else "")
        if self.problem_box.parent is None:
            self.side.add_widget(self.problem_box, index=len(self.side.children))
        if self.continue_button.parent is None and problem.level == "warn":
            self.side.add_widget(self.continue_button, index=0)  # at the column's bottom, above cancel
        elif self.continue_button.parent is not None and problem.level != "warn":
            self.side.remove_widget(self.continue_button)

    def _fit_side(self, *_: Any) -> None:
        """The column's contents fill its view (the reader's picture takes the room left), or are as tall as they
        need and scroll."""
        self.side.height = max(self.side_view.height, self.side.minimum_height)

    def _fit_key_prompt(self, *_: Any) -> None:
        self.key_prompt.height = max(self.key_label.height, self.key_back.height)

    def _fit_choices(self, *_: Any) -> None:
        """The row of choices is as tall as its tallest button (they grow with their text)."""
        if self.choices.opacity == 1:
            self.choices.height = max(b.height for b in self.choices.children)

    @staticmethod
    def _show(widget: Any, shown: bool, height: float) -> None:
        """Show or hide (no height, no touches) a widget of the side column."""
        widget.height, widget.opacity, widget.disabled = (height, 1, False) if shown else (0, 0, True)

    def clear(self) -> None:
        self.close_mrz()
        self.close_key_pad()
        self._shown_frame = None
        self.preview.blank()
        self.error.text = ""

    # -- typing the card's MRZ details (after a wrong key) ---------------------------------------------------------
    @property
    def mrz_open(self) -> bool:
        return not self.mrz.disabled

    def open_mrz(self) -> None:
        """The MRZ entry replaces the camera and the chip panel until the key is typed or the person goes back."""
        self.close_key_pad()
        collapse(self.body, True)
        collapse(self.mrz, False)
        passport = self.controller.scan.passport
        self._title_key = "mrz.passport_title" if passport else "mrz.title"
        self.refresh_header()
        self.mrz.open(passport=passport)  # (the passport number's label is the title while it is typed)
        self.controller.touch()

    def close_mrz(self) -> None:
        self.mrz.clear()
        collapse(self.mrz, True)
        collapse(self.body, False)
        self._title_key = "scan.passport.title" if self.controller.scan.passport else "scan.title"
        self.refresh()

    # -- typing the card access number ---------------------------------------------------------------------------
    def open_key_pad(self) -> None:
        c = self.controller
        self.key_area.clear_widgets()
        # The pad takes the place of the camera and the chip panel; "Back" returns to them.
        collapse(self.body, True)
        self.relabel(self.key_back)
        self.key_label.text = f"{c.t('scan.key_prompt')}\n"
        self.key_area.add_widget(self.key_prompt)
        self.key_area.add_widget(self.keypad)
        self.key_area.add_widget(BoxLayout())
        self.keypad.lang = c.lang
        self.keypad.attach("", field_type="id_number", max_length=12, on_text=self._key_typed,
                           on_done=self._key_done)
        self.key_area.size_hint_y, self.key_area.opacity = 1, 1
        c.touch()

    def _key_typed(self, text: str) -> None:
        self.key_label.text = f"{self.controller.t('scan.key_prompt')}\n{text}"

    def _key_done(self, text: str) -> None:
        digits = digits_only(text)
        if len(digits) in (6, 12):
            self.controller.provide_key(AccessKey(can=digits[-6:]))
            self.close_key_pad()
        else:
            self.key_label.text = f"{self.controller.t('scan.key_invalid')}\n{text}"

    def close_key_pad(self) -> None:
        self.keypad.detach()
        self.key_area.clear_widgets()
        self.key_area.size_hint_y, self.key_area.height, self.key_area.opacity = None, 0, 0
        self.key_label.text = ""
        if not self.mrz_open:
            collapse(self.body, False)
