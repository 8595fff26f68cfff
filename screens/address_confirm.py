"""The address question on the review screen: the card's former unit and the current one ("Xã Cẩm Châu (cũ) →
Xã Cẩm Vân"), a touch list of at most six candidates when the conversion is not certain, the typing path when the
address is not recognised, or keeping the card's text. Draws ``KioskController.address``
(``kiosk.address.confirm.AddressConfirmation``); the kiosk never picks for the person."""

from __future__ import annotations

from functools import partial
from typing import Any

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout

from kiosk.address.confirm import AddressConfirmation, old_to_new
from kiosk.i18n import error_text
from screens.widgets import BUTTON_TEXT_MARGIN, BigButton, Panel, Text, two_lines

SYMBOL_FONT = "DejaVuSans"  # shipped with Kivy; the interface font has no arrow or check mark


def with_arrow(text: str) -> str:
    """Kivy markup for ``text`` with its arrows and check marks drawn in a font that has them."""
    escaped = text.replace("&", "&amp;").replace("[", "&bl;").replace("]", "&br;")
    for symbol in "→✓":
        escaped = escaped.replace(symbol, f"[font={SYMBOL_FONT}]{symbol}[/font]")
    return escaped


class AddressConfirmPanel(Panel):
    """Shown above the form while the address needs the person; one line once answered."""

    def __init__(self, screen: Any, **kwargs: Any) -> None:
        t = screen.theme
        super().__init__(t, color=t.surface, radius=14, orientation="vertical", size_hint_y=None, height=0,
                         padding=(t.pad, 8), spacing=6, **kwargs)
        self.screen = screen
        self.bind(minimum_height=self.setter("height"))
        self.typing = False
        self.choice_buttons: list[BigButton] = []
        self._drawn: tuple[Any, ...] | None = None
        self.opacity = 0

    @property
    def question(self) -> AddressConfirmation:
        return self.screen.controller.address

    def clear(self) -> None:
        """Forget what is shown (the wipe between visits)."""
        self.typing = False
        self._drawn = None
        self.clear_widgets()
        self.choice_buttons = []
        self.opacity, self.height, self.disabled = 0, 0, True

    def refresh(self) -> None:
        q, c = self.question, self.screen.controller
        if not q.shown:
            if self._drawn is not None:
                self.clear()
            return
        state = (id(q.result), q.pending, id(q.answer), id(q.error), self.typing, c.lang)
        if state == self._drawn:
            return
        self._drawn = state
        self.clear_widgets()
        self.choice_buttons = []
        self.opacity, self.disabled = 1, False
        t = self.screen.theme
        self.add_widget(Text(t, c.t("address.title"), level="small", bold=True))
        if q.pending:
            self.add_widget(Text(t, c.t("address.pending")))
        elif q.answer is not None:
            self._answered(q)
        elif self.typing:
            self.add_widget(Text(t, c.t("address.typing")))
            if q.error is not None:
                self.add_widget(Text(t, error_text(q.error), level="small", color=t.danger, bold=True))
        elif q.result is not None and q.result.agreement == "agree" and q.result.place is not None:
            self.add_widget(Text(t, c.t("address.agree")))
            self.add_widget(Text(t, with_arrow(q.lines()[0]), level="heading", bold=True, markup=True))
            self._actions("address.confirm", "address.type", "address.keep")
        elif q.result is not None and q.result.needs_choice:
            self.add_widget(Text(t, c.t("address.pick")))
            self.add_widget(Text(t, with_arrow(q.old_label() + " →"), bold=True, markup=True))
            self._choices(q)
            self._actions("address.type", "address.keep")
        else:  # unknown: the typing path
            if q.error is not None:
                self.add_widget(Text(t, error_text(q.error), color=t.danger, bold=True))
            self._actions("address.type", "address.keep")

    def _answered(self, q: AddressConfirmation) -> None:
        c, t = self.screen.controller, self.screen.theme
        answer = q.answer
        assert answer is not None
        line = BoxLayout(size_hint_y=None, height=t.touch, spacing=t.pad)
        # As tall as its wrapped text at any text size (a long ward name wraps onto a second line).
        labels = BoxLayout(orientation="vertical", size_hint_y=None, pos_hint={"center_y": 0.5})
        labels.bind(minimum_height=labels.setter("height"))
        button = self.screen.button("address.change", self._change, kind="secondary", level="body", size_hint_x=0.3)

        def fit(*_: object) -> None:  # as tall as the answer's lines or the button's words, whichever is taller
            line.height = max(t.touch, labels.height, button.height)

        labels.bind(height=fit)
        button.bind(height=fit)
        if answer.place is None:
            labels.add_widget(Text(t, with_arrow("✓ " + c.t("address.kept", text=answer.text)), bold=True,
                                   color=t.ok, markup=True))
        else:
            change = old_to_new(q.result, answer.place) if q.result is not None else answer.place.text
            labels.add_widget(Text(t, with_arrow(f"✓ {change}"), bold=True, color=t.ok, markup=True))
            labels.add_widget(Text(t, c.t("address.done", text=answer.text), level="small"))
        line.add_widget(labels)
        line.add_widget(button)
        self.add_widget(line)

    def _choices(self, q: AddressConfirmation) -> None:
        t = self.screen.theme
        # Three columns at the normal text size, two at a large one: a ward's name on at most two lines.
        grid = GridLayout(cols=3 if len(q.candidates) > 4 and t.scale < 1.2 else 2, spacing=8, size_hint_y=None)
        grid.bind(minimum_height=grid.setter("height"))
        for place in q.candidates:
            label = two_lines(t, with_arrow(place.commune.name), with_arrow(place.province.name))
            b = BigButton(t, label, partial(self._choose, place.commune.code), kind="secondary", level="body",
                          height=t.touch)
            b.choice_code = place.commune.code
            grid.add_widget(b)
            self.choice_buttons.append(b)
            b.bind(texture_size=lambda *_: self._even_choices())
        self.add_widget(grid)

    def _even_choices(self) -> None:
        """Every choice as tall as the tallest (a name on two lines): rows of equal buttons, none on its own."""
        t = self.screen.theme
        need = max((b.texture_size[1] + 2 * BUTTON_TEXT_MARGIN for b in self.choice_buttons), default=0)
        for b in self.choice_buttons:
            b._min_height = b.height = max(t.touch, need)

    def _actions(self, *keys: str) -> None:
        t = self.screen.theme
        row = BoxLayout(size_hint_y=None, height=t.touch, spacing=t.pad)
        actions = {"address.confirm": self._confirm, "address.type": self._type, "address.keep": self._keep}
        for key in keys:
            kind = "primary" if key == "address.confirm" else "secondary"
            row.add_widget(self.screen.button(key, actions[key], kind=kind, level="body"))
        self.add_widget(row)

    # -- touches -------------------------------------------------------------------------------------------------
    def _choose(self, code: int) -> None:
        self.question.choose(code)
        self.screen.controller.session.touch()

    def _confirm(self) -> None:
        result = self.question.result
        if result is not None and result.place is not None:
            self._choose(result.place.commune.code)

    def _keep(self) -> None:
        self.question.keep_card_text()
        self.screen.controller.session.touch()

    def _change(self) -> None:
        self.question.reopen()
        self.screen.controller.session.touch()

    def _type(self) -> None:
        """The typing path: the review screen's keyboard, the text read as a current two-level address."""
        s = self.screen
        s.close_input()
        self.typing = True
        s.keyboard.lang = s.controller.lang
        s.keyboard.attach("", field_type="text", max_length=200, on_text=lambda _t: s.controller.session.touch(),
                          on_done=self._typed)
        s.input_area.add_widget(s.keyboard)
        s.input_area.height, s.input_area.opacity = s.keyboard.height, 1
        self.refresh()

    def _typed(self, text: str) -> None:
        self.screen.close_input()
        error = self.question.type_address(text) if text.strip() else None
        self.typing = error is not None
        if self.typing:
            self._type()
        else:
            self._drawn = None
            self.refresh()
