"""The keyboard's help for people who do not know Telex: the mark keys put the mark on the word being typed, and
the Telex hint is shown above the letters (not above the number pad)."""

from __future__ import annotations

import pytest

from kiosk.i18n import tr
from screens.keyboard import MARK_KEYS, OnScreenKeyboard
from screens.theme import Theme, register_fonts

pytestmark = pytest.mark.ui


def typed(keys: list[str]) -> str:
    register_fonts()
    keyboard = OnScreenKeyboard(Theme())
    shown: list[str] = []
    keyboard.attach("", field_type="text", max_length=None, on_text=shown.append, on_done=lambda _t: None)
    for key in keys:
        keyboard.press(key)
    return shown[-1]


def test_mark_keys_spell_vietnamese_without_telex() -> None:
    assert typed([*"Nguyen", "hat", "tone:x"]) == "Nguyễn"
    assert typed(["dd", *"uc", "tone:s"]) == "đúc"
    assert typed(["⇧", "dd", "u", "tone:w", "c", "tone:s"]) == "Đức"
    assert typed([*"tu", "tone:w", "␣", *"do", "tone:w"]) == "tư dơ"
    assert typed([*"nha", "tone:f"]) == "nhà" and typed([*"me", "tone:j"]) == "mẹ"
    assert typed([*"ca", "hat", "tone:r", "␣", "dd", *"i"]) == "cẩ đi"


def test_the_hint_and_the_mark_row_belong_to_the_letters() -> None:
    register_fonts()
    keyboard = OnScreenKeyboard(Theme())
    keyboard.attach("", field_type="text", max_length=None, on_text=lambda _t: None, on_done=lambda _t: None)
    texts = [str(getattr(w, "text", "")) for w in keyboard.walk()]
    keys = [getattr(w, "key", None) for w in keyboard.walk()]
    assert tr("keyboard.telex_hint") in texts and all(key in keys for _, key in MARK_KEYS)
    keyboard.attach("", field_type="phone", max_length=10, on_text=lambda _t: None, on_done=lambda _t: None)
    assert tr("keyboard.telex_hint") not in [str(getattr(w, "text", "")) for w in keyboard.walk()]
    assert "hat" not in [getattr(w, "key", None) for w in keyboard.walk()]
