"""On-screen keyboards: Vietnamese letters with Telex composition (``kiosk.telex``) and a numeric pad.

No system input method is involved: each key press goes to a ``TelexBuffer`` and the result is handed to
``on_text``. ``Xong``/Done calls ``on_done``. Keys are large (the theme's touch size) for elderly users.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import partial
from typing import Any

from kivy.core.window import Window
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout

from kiosk.i18n import Lang, tr
from kiosk.input_format import digits_only, format_digits
from kiosk.telex import TelexBuffer
from screens.theme import Theme
from screens.widgets import BigButton, Text, paint

LETTER_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
TEXT_EXTRA = ",.-/"
# Letters typed literally, with the signs each kind of field needs beside the space bar.
PLAIN_EXTRAS = {"email": "@.-_", "url": ":/.-", "code": "-_.:"}
NUMPAD_ROWS = ("123", "456", "789")
# For people who do not know Telex: each key puts a mark on the word being typed (through the same Telex keys).
MARK_KEYS = (("á", "tone:s"), ("à", "tone:f"), ("ả", "tone:r"), ("ã", "tone:x"), ("ạ", "tone:j"),
             ("â ê ô", "hat"), ("ă ơ ư", "tone:w"), ("đ", "dd"))
KEYBOARD_SHARE = 0.56  # at most this part of the window height, whatever the text size
SPACING = 6


class OnScreenKeyboard(BoxLayout):
    """``mode``: ``text`` (Telex), ``plain`` (letters typed literally: e-mail, web address, codes) or ``numeric``
    (digits; dates and times get their separators automatically, following ``field_type``)."""

    def __init__(self, theme: Theme, lang: Lang = "vi", **kwargs: Any) -> None:
        super().__init__(orientation="vertical", spacing=6, padding=8, **kwargs)
        self.theme, self.lang = theme, lang
        self.buffer = TelexBuffer()
        self.mode = "text"
        self.field_type = "text"
        self.key_height = float(theme.key)
        self.shift = False
        self.on_text: Callable[[str], None] = lambda _t: None
        self.on_done: Callable[[str], None] = lambda _t: None
        paint(self, theme.secondary)
        self.size_hint_y = None
        self._build()

    # -- public --------------------------------------------------------------------------------------------------
    def attach(self, text: str, *, field_type: str, max_length: int | None, on_text: Callable[[str], None],
               on_done: Callable[[str], None]) -> None:
        """Start editing ``text`` of a field of ``field_type``."""
        numeric = field_type in ("date", "datetime", "phone", "id_number")
        self.mode = "numeric" if numeric else ("plain" if field_type in PLAIN_EXTRAS else "text")
        self.field_type = field_type
        self.buffer = TelexBuffer(text, telex=self.mode == "text", max_length=max_length)
        self.on_text, self.on_done = on_text, on_done
        self.shift = False
        self._build()

    def detach(self) -> None:
        """Stop editing and forget the text (it may be personal data)."""
        self.buffer = TelexBuffer()
        self.on_text = lambda _t: None
        self.on_done = lambda _t: None

    def press(self, key: str) -> None:
        """One key, as a touch on it would do (also used to drive the keyboard in tests)."""
        if key == "⌧":
            self.buffer.clear()
        elif key == "⌫":
            if self.mode == "numeric":
                self._set_digits(digits_only(self.buffer.text)[:-1])
            else:
                self.buffer.backspace()
        elif key == "⇧":
            self.shift = not self.shift
            self._build()
            return
        elif key == "␣":
            self.buffer.press(" ")
        elif key == "↵":
            self.on_done(self.buffer.text)
            return
        elif key.startswith("tone:"):
            self.buffer.press(key[5:])
        elif key == "hat":
            self._hat()
        elif key == "dd":
            letter = "D" if self.shift or self.buffer.text.endswith("D") else "d"
            if not self.buffer.text.endswith(("d", "D")):
                self.buffer.press(letter)
            self.buffer.press(letter)
            if self.shift:
                self.shift = False
                self._build()
        elif self.mode == "numeric":
            self._set_digits(digits_only(self.buffer.text) + key)
        else:
            self.buffer.press(key.upper() if self.shift else key)
            if self.shift:
                self.shift = False
                self._build()
        self.on_text(self.buffer.text)

    def _hat(self) -> None:
        """â, ê or ô: the last a, e or o of the word gets its circumflex (Telex: the vowel typed again)."""
        word = self.buffer.text.rsplit(" ", 1)[-1]
        for ch in reversed(word):
            base = unicodedata.normalize("NFD", ch)[0].lower()
            if base in "aeo":
                self.buffer.press(base)
                return

    def _set_digits(self, digits: str) -> None:
        self.buffer.set_text(format_digits(self.field_type, digits))

    # -- layout --------------------------------------------------------------------------------------------------
    def _key_height(self, rows: int, extra: float = 0) -> float:
        """The theme's key height, or less when that many rows would take more than their share of the window
        (large text on a small screen); never below 56 px."""
        room = Window.height * KEYBOARD_SHARE - extra - 16 - (rows - 1) * SPACING
        return max(56.0, min(float(self.theme.key), room / rows))

    def _key(self, label: str, key: str | None = None, kind: str = "key", width: float = 1.0,
             level: str = "key") -> BigButton:
        button = BigButton(self.theme, label, partial(self.press, key or label), kind=kind, level=level,
                           height=self.key_height, size_hint_x=width, fit_text=False)
        # Smaller keys (large text on a small screen) get a font that leaves room around it; words a smaller one.
        size = min(self.theme.font("key"), self.key_height * 0.48)
        button.font_size = min(size, self.theme.font("body")) if len(label) > 2 else size
        button.key = key or label
        return button

    def _row(self, widgets: list[BigButton]) -> BoxLayout:
        row = BoxLayout(spacing=SPACING, size_hint_y=None, height=self.key_height)
        for widget in widgets:
            row.add_widget(widget)
        return row

    def _build(self) -> None:
        self.clear_widgets()
        done = tr("keyboard.done", self.lang)
        if self.mode == "numeric":
            self.key_height = self._key_height(4)
            ideal = 4 * self.key_height * 2.2
            grid = GridLayout(cols=4, spacing=6, size_hint=(None, None), width=ideal, pos_hint={"center_x": 0.5})
            # In a narrow column (large text) the pad shrinks to the room it has instead of overflowing.
            self.bind(width=lambda _w, width: setattr(grid, "width", min(ideal, width - 16)))
            grid.width = min(ideal, self.width - 16) if self.width > 100 else ideal
            keys = [*NUMPAD_ROWS[0], "⌫", *NUMPAD_ROWS[1], "⌧", *NUMPAD_ROWS[2], "", "", "0", "", "↵"]
            for key in keys:
                if key == "↵":
                    grid.add_widget(self._key(done, "↵", kind="primary"))
                elif key == "⌫":
                    grid.add_widget(self._key(tr("keyboard.delete", self.lang), "⌫"))
                elif key == "⌧":
                    grid.add_widget(self._key(tr("keyboard.clear", self.lang), "⌧"))
                elif key:
                    grid.add_widget(self._key(key))
                else:
                    grid.add_widget(BoxLayout())
            grid.height = 4 * self.key_height + 3 * SPACING
            self.add_widget(grid)
            self.height = grid.height + 16
            return
        telex = self.mode == "text"
        hint_height = self.theme.font("small") * 3.2 if telex else 0
        hint = Text(self.theme, tr("keyboard.telex_hint", self.lang), level="small", color=self.theme.text,
                    halign="center", fixed_height=hint_height) if telex else None
        self.key_height = self._key_height(6 if telex else 5, hint_height)
        if hint is not None:
            self.add_widget(hint)
        self.add_widget(self._row([self._key(d) for d in "1234567890"]))
        for i, letters in enumerate(LETTER_ROWS):
            keys = [self._key(ch.upper() if self.shift else ch, ch) for ch in letters]
            if i == 2:
                keys.insert(0, self._key("abc" if self.shift else "ABC", "⇧",
                                         kind="primary" if self.shift else "key", width=1.5))
                keys.append(self._key(tr("keyboard.delete", self.lang), "⌫", width=1.5))
            self.add_widget(self._row(keys))
        extra = PLAIN_EXTRAS.get(self.field_type, TEXT_EXTRA) if self.mode == "plain" else TEXT_EXTRA
        bottom = [self._key(tr("keyboard.clear", self.lang), "⌧", width=1.5)]
        bottom.extend(self._key(ch) for ch in extra[:2])
        bottom.append(self._key(tr("keyboard.space", self.lang), "␣", width=4))
        bottom.extend(self._key(ch) for ch in extra[2:])
        bottom.append(self._key(done, "↵", kind="primary", width=2))
        self.add_widget(self._row(bottom))
        rows = 5
        if telex:
            self.add_widget(self._row([self._key(label, key, width=1.5 if " " in label else 1.0)
                                       for label, key in MARK_KEYS]))
            rows = 6
        self.height = rows * self.key_height + (rows - 1) * SPACING + 16 + (hint_height + SPACING if telex else 0)
