"""Review: the filled form. Each field shows where its value came from (chip verified / not verified, QR, typed);
verified chip values are locked, others are edited with the on-screen keyboard and validated at once. The chip's
progress is shown while it is still being read; its portrait appears when read (memory only)."""

from __future__ import annotations

import io
from functools import partial
from typing import Any

from kivy.clock import Clock
from kivy.graphics.texture import Texture
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.image import Image
from kivy.uix.scrollview import ScrollView
from PIL import Image as PILImage

from kiosk.controller import FieldRow
from screens.address_confirm import AddressConfirmPanel
from screens.base import KioskScreen
from screens.illustrations import ProgressRing
from screens.keyboard import OnScreenKeyboard
from screens.mrz_entry import MrzEntryPanel
from screens.table_rows import RowHeader, TableFooter
from screens.widgets import BigButton, Panel, TapText, Text, collapse, follow_height, paint

ROWS_PER_FRAME = 6
PHOTO_WIDTH = 240
MISSING_SHOWN = 2  # the others are counted: the line under the form has room for two


ADDRESS_SHARE = 0.42  # of the screen's height, at most, for the address question


class FieldView(BoxLayout):
    """One form row: label and source on the left, the value box on the right, the error below."""

    def __init__(self, screen: ReviewScreen, row: FieldRow, **kwargs: Any) -> None:
        t = screen.theme
        super().__init__(orientation="vertical", size_hint_y=None, spacing=4, padding=(0, 6), **kwargs)
        self.screen, self.name = screen, row.name
        line = BoxLayout(size_hint_y=None, height=t.touch, spacing=t.pad)
        labels = BoxLayout(orientation="vertical", size_hint_x=0.42, size_hint_y=None, spacing=2,
                           pos_hint={"top": 1})  # level with the top of the value box
        self.label = Text(t, level="body", bold=True)
        self.source = Text(t, level="small", markup=True)
        labels.bind(minimum_height=labels.setter("height"))
        labels.bind(height=lambda _w, h: self._fit(line))
        labels.add_widget(self.label)
        labels.add_widget(self.source)
        line.add_widget(labels)
        self.box = BigButton(t, "", self._tap, kind="secondary", level="body", size_hint_y=1, height=None)
        self.box.halign = "left"
        self.box.bind(texture_size=lambda *_: self._fit(line))
        line.add_widget(self.box)
        self.add_widget(line)
        self.error = Text(t, level="small", color=t.danger, bold=True)
        self.add_widget(self.error)
        self.bind(minimum_height=self.setter("height"))
        self.row: FieldRow | None = row

    def _fit(self, line: BoxLayout) -> None:
        """The row is as tall as its label or its value (a long address wraps), at least a touch target."""
        labels = line.children[-1]
        line.height = max(self.screen.theme.touch, labels.height, self.box.texture_size[1] + 16)

    def wipe(self) -> None:
        """Forget the value shown (the layout and the field's label stay for the next visit)."""
        self.box.text = self.source.text = self.error.text = ""
        self.row = None

    def _tap(self) -> None:
        self.screen.edit(self.name)

    def update(self, row: FieldRow, *, editing: bool) -> None:
        c, t = self.screen.controller, self.screen.theme
        self.row = row
        mark = "\u00a0*" if row.required else ""  # the mark never wraps onto a line of its own
        self.label.text = f"{row.label}{mark}"
        if row.source:
            color = "".join(f"{int(v * 255):02x}" for v in t.source_color(row.source)[:3])
            key = "review.source." + row.source
            self.source.text = f"[color={color}]• {c.t(key)} · {c.other(key)}[/color]"
        else:
            self.source.text = c.t("review.required") if row.required else ""
        if not editing:
            self.box.text = row.shown
        # A locked value reads as plainly as any other: no fading; it sits on the page, without a field's box.
        self.box.disabled = row.locked
        self.box.set_fill(t.primary if editing else (t.bg if row.locked else t.surface))
        self.box.color = t.on_primary if editing else t.text
        self.error.text = row.error or (c.t("review.required") if row.missing and not editing else "")
        self.error.color = t.danger


class FormLayout:
    """One procedure's rows in one language, laid out once (one row per frame, ahead of time) and kept between
    visits: a visit only changes texts, and the wipe empties them."""

    def __init__(self, screen: ReviewScreen, rows: list[FieldRow]) -> None:
        self.screen = screen
        # Sized like the scroll area even while not shown, so every label is wrapped before it is needed.
        # Right padding: the scroll bar never lies over a value box.
        self.grid = GridLayout(cols=1, size_hint=(None, None), spacing=2, width=screen.scroll.width,
                               padding=(0, 0, screen.scroll.bar_width + 6, 0))
        self.grid.bind(minimum_height=self.grid.setter("height"))
        screen.scroll.bind(width=self.grid.setter("width"))
        self.views: dict[str, FieldView] = {}
        c, t = screen.controller, screen.theme
        # Said once above the form rather than on every locked row.
        self.grid.add_widget(Text(t, f"{c.t('review.locked_note')}\n{c.other('review.locked_note')}", level="small",
                                  color=t.muted))
        self.pending = list(rows)
        self.group: tuple[str, int] | None = None  # the table row whose cells are being laid out
        self.footers: dict[str, TableFooter] = {}

    @property
    def complete(self) -> bool:
        return not self.pending

    def build_one(self) -> None:
        row = self.pending.pop(0)
        view = FieldView(self.screen, row)
        view.update(row, editing=False)
        self.views[row.name] = view
        if row.table and row.row_index and (row.table, row.row_index) != self.group:
            # The first cell of each table row (household member) gets the row's header above it.
            info = next((i for i in self.screen.controller.tables() if i.name == row.table), None)
            if info is not None:
                self.grid.add_widget(RowHeader(self.screen, info, row.row_index))
            self.group = (row.table, row.row_index)
        self.grid.add_widget(view)

    def build_all(self) -> None:
        while self.pending:
            self.build_one()

    def sync_footers(self) -> None:
        """Under the last row: each table's "Add a member" (once every row is laid out)."""
        if self.pending:
            return
        for info in self.screen.controller.tables():
            footer = self.footers.get(info.name)
            if footer is None:
                self.footers[info.name] = TableFooter(self.screen, info)
                self.grid.add_widget(self.footers[info.name])
            else:
                footer.update(info)


class ReviewScreen(KioskScreen):
    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(app, name="review", **kwargs)
        t = self.theme
        root = BoxLayout(orientation="vertical")
        root.add_widget(self.header("review.title"))
        self.banner = BoxLayout(size_hint_y=None, height=0, opacity=0, padding=(t.pad, 4), spacing=t.pad)
        paint(self.banner, t.secondary)
        self.banner_text = Text(t, level="small", bold=True, fixed_height=0)
        self.banner_progress = ProgressRing(t, label=False, line=5, size_hint_x=None, width=t.touch)
        self.banner.add_widget(self.banner_text)
        self.banner.add_widget(self.banner_progress)
        # The chip refused every key the QR code gave: the card's details can be typed (as on the scan screen).
        self.mrz_button = self.button("scan.enter_mrz", self.open_mrz, level="small", size_hint_x=0.3,
                                      size_hint_y=1, height=None)
        self.banner.add_widget(self.mrz_button)
        root.add_widget(self.banner)
        # The card's address in the 2025 units: above the form, never more than ADDRESS_SHARE of the screen (at
        # large text sizes its choices scroll), so the form keeps its room.
        self.address_step = False  # the address question shown in the form's place
        self.address_panel = AddressConfirmPanel(self)
        self.address_scroll = ScrollView(do_scroll_x=False, bar_width=12, scroll_type=["bars", "content"],
                                         size_hint_y=None, height=0)
        self.address_scroll.add_widget(self.address_panel)
        self.address_panel.bind(height=self._fit_address)
        self.bind(height=self._fit_address)
        root.add_widget(self.address_scroll)

        body = self.body = BoxLayout(padding=(t.pad, t.pad / 2), spacing=t.pad)
        self.scroll = ScrollView(do_scroll_x=False, bar_width=12, scroll_type=["bars", "content"])
        body.add_widget(self.scroll)
        # The photo column keeps its width whether or not a portrait is shown: the portrait arriving (or the wipe
        # removing it) must not re-wrap every label of the form.
        self.photo_box = Panel(t, orientation="vertical", radius=16, padding=12, spacing=6, size_hint_x=None,
                               width=PHOTO_WIDTH)
        self.photo = Image(fit_mode="contain", opacity=0)
        self.photo_caption = Text(t, level="small", halign="center", color=t.muted)
        self.photo_box.add_widget(self.photo)
        self.photo_box.add_widget(self.photo_caption)
        body.add_widget(self.photo_box)
        root.add_widget(body)

        self.input_area = BoxLayout(orientation="vertical", size_hint_y=None, height=0, opacity=0)
        root.add_widget(self.input_area)
        self.input_area.bind(height=self._fit_address)
        self.keyboard = OnScreenKeyboard(t)
        self.actions = BoxLayout(size_hint_y=None, height=t.touch, spacing=t.pad, padding=(t.pad, 0, t.pad, 12))
        self.actions.height = t.touch + 12
        self.cancel_button = self.button("common.cancel", self.controller.cancel, kind="danger", size_hint_x=0.35)
        # Touching the list of what is missing opens the first of those fields.
        self.missing = TapText(t, "", self._next, level="small", color=t.danger, bold=True, fixed_height=0)
        self.next_button = self.button("common.next", self._next, size_hint_x=0.45)
        self.actions.add_widget(self.cancel_button)
        self.actions.add_widget(self.missing)
        self.actions.add_widget(self.next_button)
        follow_height(self.actions, [self.cancel_button, self.next_button], extra=12)
        root.add_widget(self.actions)
        self.mrz = MrzEntryPanel(self, on_close=self.close_mrz)
        root.add_widget(self.mrz)  # added last: while shown it is the first to get touches
        collapse(self.mrz, True)
        self.add_widget(root)
        self.layouts: dict[tuple[Any, ...], FormLayout] = {}
        self.layout: FormLayout | None = None
        self.editing: str | None = None
        self._portrait_id: int | None = None
        self._build_event: Any = None
        self._updates: dict[str, FieldRow] = {}
        self._update_event: Any = None

    def _fit_address(self, *_: Any) -> None:
        """While the address question waits for the person to pick their current ward (the former one was split)
        it is a step of its own: it takes the form's place (its choices at a readable size, nothing cramped at a
        large text size) until answered. Otherwise (a certain conversion to confirm, the answer) it sits above the
        form, at most ``ADDRESS_SHARE`` of the screen. While a field is typed the keyboard needs the
        room: the question waits, hidden."""
        typing = self.input_area.height > 0
        q = self.controller.address
        choosing = q.result is not None and q.result.needs_choice
        asking = not typing and choosing and not q.pending and q.answer is None and not self.mrz_open
        if asking != self.address_step:
            self.address_step = asking
            if not self.mrz_open:
                collapse(self.body, asking)
            self.address_scroll.scroll_y = 1
        if asking:
            self.address_scroll.size_hint_y = 1
        else:
            self.address_scroll.size_hint_y = None
            self.address_scroll.height = 0 if typing else min(self.address_panel.height, self.height * ADDRESS_SHARE)
        self.address_scroll.opacity = 0 if typing else 1

    # -- rendering -----------------------------------------------------------------------------------------------
    @property
    def views(self) -> dict[str, FieldView]:
        return self.layout.views if self.layout is not None else {}

    def _key(self, procedure_id: str | None, rows: list[FieldRow]) -> tuple[Any, ...]:
        return procedure_id, self.controller.lang, tuple(r.name for r in rows)

    def prebuild(self) -> None:
        """Lay out, in the background, the form of every procedure the kiosk offers (in the current language)."""
        for procedure in self.controller.procedures():
            rows = self.controller.blank_rows(procedure.id)
            key = self._key(procedure.id, rows)
            if rows and key not in self.layouts:
                self.layouts[key] = FormLayout(self, rows)
        self._keep_building()

    def prepare(self) -> None:
        """Show this visit's form while the card is being scanned: laid out already (or now, one row per frame),
        so that the values arriving later only change texts (no long frame when the card is read)."""
        rows = self.controller.rows()
        if rows:
            self._show(self._key(self.controller.review.procedure_id, rows), rows)
            self._updates = {r.name: r for r in rows}  # a few rows per frame
            if self._update_event is None:
                self._update_event = Clock.schedule_interval(self._update_some, 0)

    def _show(self, key: tuple[Any, ...], rows: list[FieldRow]) -> None:
        layout = self.layouts.get(key)
        if layout is None:
            layout = self.layouts[key] = FormLayout(self, rows)
        if layout is not self.layout:
            self.scroll.clear_widgets()
            self.scroll.add_widget(layout.grid)
            self.scroll.scroll_y = 1
            self.layout = layout
        self._keep_building()

    def _keep_building(self) -> None:
        if self._build_event is None and any(not layout.complete for layout in self.layouts.values()):
            self._build_event = Clock.schedule_interval(self._build_step, 0)

    def _build_step(self, _dt: float = 0) -> bool:
        """One row per frame, the form on screen first."""
        current = self.layout if self.layout is not None and not self.layout.complete else None
        layout = current or next((x for x in self.layouts.values() if not x.complete), None)
        if layout is None:
            self._build_event = None
            return False
        layout.build_one()
        return True

    def refresh(self) -> None:
        c = self.controller
        if c.progress_only and self.views:
            self._banner()
            return
        self.refresh_header()
        for b in (self.cancel_button, self.next_button, self.mrz_button):
            self.relabel(b)
        if self.mrz_open:
            self.mrz.relabel()
        rows = c.rows()
        self._show(self._key(c.review.procedure_id, rows), rows)
        assert self.layout is not None
        self.layout.build_all()  # shown now: every row must be there
        self.layout.sync_footers()
        changed = [r for r in rows if r != self.views[r.name].row or r.name == self.editing]
        if len(changed) > ROWS_PER_FRAME:
            # Many values at once (the card was just read): spread the redraw over a few frames.
            self._updates = {**self._updates, **{r.name: r for r in changed}}
            if self._update_event is None:
                self._update_event = Clock.schedule_interval(self._update_some, 0)
        else:
            for row in changed:
                self._updates.pop(row.name, None)
                self.views[row.name].update(row, editing=row.name == self.editing)
        self._banner()
        self._portrait()
        self.address_panel.refresh()
        self._fit_address()
        ready = c.can_continue()
        self.next_button.available = ready
        missing = c.missing_labels()
        fields = ", ".join(missing[:MISSING_SHOWN]) + (f" … (+{len(missing) - MISSING_SHOWN})"
                                                       if len(missing) > MISSING_SHOWN else "")
        # (not during the address step: the form it speaks of is out of sight)
        self.missing.text = c.t("review.missing", fields=fields) if missing and not self.editing \
            and not self.address_step else ""

    def _update_some(self, _dt: float = 0) -> bool:
        for name in list(self._updates)[:ROWS_PER_FRAME]:
            row = self._updates.pop(name)
            if name in self.views:
                self.views[name].update(row, editing=name == self.editing)
        if self._updates:
            return True
        self._update_event = None
        return False

    @property
    def settled(self) -> bool:
        """Every row shows the controller's current values (no redraw pending)."""
        return not self._updates and (self.layout is None or self.layout.complete)

    def _banner(self) -> None:
        scan = self.controller.scan
        show = scan.chip_busy or scan.error is not None
        self.banner.height = self.theme.touch * 0.7 if show else 0
        self.banner.opacity = 1 if show else 0
        self.banner_progress.set(scan.chip_progress or 0.0)
        self.banner_progress.opacity = 0 if scan.error is not None else 1
        error = self.controller.scan_error_text()
        self.banner_text.text = error.split("\n")[0] if error else self.controller.t(scan.status_key)
        self.banner_text.color = self.theme.danger if error else self.theme.text
        wrong_key = scan.error is not None and scan.error.code == "chip-wrong-key"
        self.mrz_button.opacity, self.mrz_button.disabled = (1, False) if wrong_key else (0, True)
        self.banner.height = max(self.banner.height, self.theme.touch if wrong_key else 0)

    def _portrait(self) -> None:
        portrait = self.controller.review.portrait
        if portrait is None:
            self._hide_portrait()
            return
        if id(portrait) == self._portrait_id:
            return
        try:
            image = PILImage.open(io.BytesIO(portrait)).convert("RGB")
        except (OSError, ValueError):
            self._hide_portrait()
            return
        texture = Texture.create(size=image.size, colorfmt="rgb")
        texture.blit_buffer(image.tobytes(), colorfmt="rgb", bufferfmt="ubyte")
        texture.flip_vertical()
        self.photo.texture, self.photo.opacity = texture, 1
        self.photo_caption.text = self.controller.t("review.photo")
        self._portrait_id = id(portrait)

    def _hide_portrait(self) -> None:
        self.photo.texture, self.photo.opacity = None, 0
        self.photo_caption.text = self.controller.t("review.photo_pending")
        self._portrait_id = None

    def shutdown(self) -> None:
        for event in (self._build_event, self._update_event):
            if event is not None:
                event.cancel()

    def clear(self) -> None:
        self.close_mrz()
        self._updates = {}
        if self._update_event is not None:
            self._update_event.cancel()
            self._update_event = None
        if self._build_event is not None:
            self._build_event.cancel()
            self._build_event = None
        self.close_input()
        for key, layout in list(self.layouts.items()):
            if not layout.complete:  # its rows still to build may hold values: dropped (prebuilt again blank)
                del self.layouts[key]
                if layout is self.layout:
                    self.scroll.clear_widgets()
                    self.layout = None
            for view in layout.views.values():
                view.wipe()
        self._hide_portrait()
        self.address_panel.clear()
        self._fit_address()
        self.missing.text = ""
        self.banner_text.text = ""

    # -- editing -------------------------------------------------------------------------------------------------
    def edit(self, name: str) -> None:
        view = self.views.get(name)
        row = view.row if view is not None else None
        if row is None or row.locked:
            return
        if self.editing and self.editing != name:
            self._commit(self.views[self.editing].box.text)
        self.editing = name
        self.input_area.clear_widgets()
        if row.type == "choice":
            grid = GridLayout(cols=3 if len(row.choices) > 4 else len(row.choices) or 1, spacing=6, padding=8,
                              size_hint_y=None)
            for code, label in row.choices:
                b = BigButton(self.theme, label, partial(self._choose, code), kind="secondary",
                              level="body", height=self.theme.key)
                b.choice_code = code
                grid.add_widget(b)
            grid.height = ((len(row.choices) + grid.cols - 1) // grid.cols) * (self.theme.key + 6) + 16
            paint(grid, self.theme.secondary)
            self.input_area.add_widget(grid)
            self.input_area.height = grid.height
        else:
            self.keyboard.lang = self.controller.lang
            self.keyboard.attach(row.value, field_type=row.type, max_length=row.max_length,
                                 on_text=self._typed, on_done=self._commit)
            self.input_area.add_widget(self.keyboard)
            self.input_area.height = self.keyboard.height
        self.input_area.opacity = 1
        self.photo_box.width, self.photo_box.opacity = 0, 0  # its room goes to the form while typing
        self.refresh()
        self.views[name].box.text = row.value
        Clock.schedule_once(lambda _dt: self._reveal(name), 0)
        self.controller.touch()

    def _reveal(self, name: str) -> None:
        view = self.views.get(name)
        if view is None or view.parent is None or self.layout is None:
            return
        # The row being edited at the top of the visible part: no half-cut row above it.
        grid = self.layout.grid
        overflow = grid.height - self.scroll.height
        if overflow > 0:
            self.scroll.scroll_y = min(1.0, max(0.0, 1 - (grid.top - view.top - 6) / overflow))

    def _typed(self, text: str) -> None:
        if self.editing:
            self.views[self.editing].box.text = text
            self.controller.touch()

    def _choose(self, code: str) -> None:
        self._commit(code)

    def _commit(self, text: str) -> None:
        name = self.editing
        self.close_input()
        if name is not None:
            self.controller.set_value(name, text)  # refreshes through the controller's listeners

    def close_input(self) -> None:
        self.editing = None
        self.keyboard.detach()
        self.input_area.clear_widgets()
        self.input_area.height, self.input_area.opacity = 0, 0
        self.photo_box.width, self.photo_box.opacity = PHOTO_WIDTH, 1

    # -- typing the card's details after a wrong key ---------------------------------------------------------------
    @property
    def mrz_open(self) -> bool:
        return not getattr(getattr(self, "mrz", None), "collapsed", True)

    def open_mrz(self) -> None:
        """The MRZ entry takes the place of the form until the key is typed or the person goes back."""
        self.close_input()
        for part in (self.body, self.actions):
            collapse(part, True)
        collapse(self.mrz, False)
        self._title_key = "mrz.title"
        self.refresh_header()
        self.mrz.open()

    def close_mrz(self) -> None:
        self.mrz.clear()
        collapse(self.mrz, True)
        for part in (self.body, self.actions):
            collapse(part, False)
        self.address_step = False
        self._fit_address()
        self._title_key = "review.title"
        self.refresh_header()

    # -- table rows (household members) ----------------------------------------------------------------------------
    def add_member(self, table: str) -> None:
        """One more row; its first cell opens for typing at once."""
        if self.editing:
            self._commit(self.views[self.editing].box.text)
        index = self.controller.add_table_row(table)
        if index is None:
            return
        first = next((r.name for r in self.controller.rows() if r.table == table and r.row_index == index), None)
        if first is not None:
            self.edit(first)

    def remove_member(self, table: str, index: int) -> None:
        if self.editing:
            self.close_input()
        self.controller.remove_table_row(table, index)

    @property
    def footers(self) -> dict[str, TableFooter]:
        return self.layout.footers if self.layout is not None else {}

    def _next(self) -> None:
        if self.editing:
            self._commit(self.views[self.editing].box.text)
        if self.controller.can_continue():
            self.controller.to_consent()
        else:
            rows = sorted(self.controller.rows(), key=lambda r: r.error is None)  # a wrong value first
            first = next((r for r in rows if r.missing or r.error), None)
            if first is None:
                return
            if first.error:  # the value and what is wrong with it, in view (a keyboard would cover them)
                self.close_input()
                Clock.schedule_once(lambda _dt: self.show_row(first.name), 0)
            else:
                self.edit(first.name)

    def show_row(self, name: str) -> None:
        """Scroll the form so that the row ``name`` and the error under it are in view."""
        view = self.views.get(name)
        if view is not None and view.parent is not None and self.layout is not None:
            self.scroll.scroll_to(view, padding=10, animate=False)
