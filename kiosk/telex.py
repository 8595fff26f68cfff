"""Vietnamese Telex typing for the on-screen keyboard, composed in-app with ``bogo`` (no system input method).

``TelexBuffer`` holds a field's text and the raw keys of the word being typed: each key press re-composes that word
(``Nguyeenx`` → ``Nguyễn``, ``Ddwcs`` → ``Đức``); a space or punctuation ends the word. Pure Python, no UI.
"""

from __future__ import annotations

import logging

import bogo

from kiosk.text import nfc

_WORD_BREAKS = frozenset(" ,.;:/-()'\"\n")


class _DropBogoRecords(logging.Filter):
    """``bogo`` logs every keystroke at debug level on the root logger: typed personal data must never be logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "bogo" not in record.pathname


_ROOT_FILTER = _DropBogoRecords()
if not any(isinstance(f, _DropBogoRecords) for f in logging.getLogger().filters):
    logging.getLogger().addFilter(_ROOT_FILTER)


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
            self._word, self._raw = bogo.process_key(self._word, key, fallback_sequence=self._raw)
            self._word = nfc(self._word)
        return self.text

    def backspace(self) -> str:
        """Delete the last visible character (a whole ``ễ``, not only its tone)."""
        if self._word:
            word, raw = bogo.handle_backspace(self._word, self._raw)
            if nfc(bogo.process_sequence(raw)) != nfc(word):
                raw = word  # the raw keys can no longer be recovered: keep the letters as typed text
            self._word, self._raw = nfc(word), raw
        elif self._committed:
            self._committed = self._committed[:-1]
            self._reopen_last_word()
        return self.text

    def _may_recompose(self, key: str) -> bool:
        """At the length limit a Telex key may still change the last word without lengthening it (a tone mark)."""
        if not self.telex or not self._word or key in _WORD_BREAKS:
            return False
        word, _ = bogo.process_key(self._word, key, fallback_sequence=self._raw)
        return len(nfc(word)) <= len(self._word)

    def _commit_word(self) -> None:
        self._committed += self._word
        self._word, self._raw = "", ""

    def _reopen_last_word(self) -> None:
        """After deleting back into a previous word, let tone keys apply to it again."""
        cut = max((self._committed.rfind(ch) for ch in _WORD_BREAKS), default=-1) + 1
        word = self._committed[cut:]
        if word and self.telex and not any(ch.isdigit() for ch in word):
            self._committed, self._word, self._raw = self._committed[:cut], word, word
