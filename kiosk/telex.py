"""Vietnamese Telex typing for the on-screen keyboard, composed in-app by ``kiosk.telex_engine`` (no system input
method, nothing logged).

``TelexBuffer`` holds a field's text and the raw keys of the word being typed: each key press re-composes that word
(``Nguyeenx`` → ``Nguyễn``, ``Ddwcs`` → ``Đức``); a space or punctuation ends the word. Pure Python, no UI.
"""

from __future__ import annotations

from kiosk.telex_engine import compose, telex_keys
from kiosk.text import nfc

_WORD_BREAKS = frozenset(" ,.;:/-()'\"\n")


class TelexBuffer:
    """Text being typed with Telex. ``telex=False`` types keys literally (numbers, codes, e-mail addresses)."""

    def __init__(self, text: str = "", *, telex: bool = True, max_length: int | None = None) -> None:
        self.telex = telex
        self.max_length = max_length
        self._committed = nfc(text)
        self._word = ""
        self._raw = ""

    @property
    def text(self) -> str:
        return nfc(self._committed + self._word)

    def set_text(self, text: str) -> None:
        self._committed, self._word, self._raw = nfc(text), "", ""

    def clear(self) -> None:
        self.set_text("")

    def press(self, key: str) -> str:
        """Type one key (a character); returns the new text."""
        if len(key) != 1:
            raise ValueError("press() takes one character")
        if self.max_length is not None and len(self.text) >= self.max_length and not self._may_recompose(key):
            return self.text
        if not self.telex or key in _WORD_BREAKS or key.isdigit():
            self._commit_word()
            self._committed += key
        else:
            self._raw += key
            self._word = compose(self._raw)
        return self.text

    def backspace(self) -> str:
        """Delete the last visible character (a whole ``ễ``, not only its tone)."""
        if self._word:
            self._reopen(self._word[:-1])
        elif self._committed:
            self._committed = self._committed[:-1]
            self._reopen_last_word()
        return self.text

    def _may_recompose(self, key: str) -> bool:
        """At the length limit a Telex key may still change the last word without lengthening it (a tone mark)."""
        if not self.telex or not self._word or key in _WORD_BREAKS:
            return False
        return len(compose(self._raw + key)) <= len(self._word)

    def _commit_word(self) -> None:
        self._committed += self._word
        self._word, self._raw = "", ""

    def _reopen_last_word(self) -> None:
        """After deleting back into a previous word, let tone keys apply to it again."""
        cut = max((self._committed.rfind(ch) for ch in _WORD_BREAKS), default=-1) + 1
        word = self._committed[cut:]
        if word and self.telex and not any(ch.isdigit() for ch in word):
            self._committed = self._committed[:cut]
            self._reopen(word)

    def _reopen(self, word: str) -> None:
        """``word`` as the word being typed, so that tone keys apply to it; kept as typed text when no Telex keys
        make it (a name that is not a Vietnamese syllable)."""
        keys = telex_keys(word) if word else ""
        if keys is None:
            self._committed += word
            self._word, self._raw = "", ""
        else:
            self._word, self._raw = word, keys
