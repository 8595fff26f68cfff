from __future__ import annotations

import logging
import unicodedata

import pytest

from kiosk.errors import PayloadError
from kiosk.i18n import both, error_text, keys, tr
from kiosk.telex import TelexBuffer


def type_keys(buf: TelexBuffer, keys_: str) -> str:
    for k in keys_:
        buf.press(k)
    return buf.text


@pytest.mark.parametrize(("keys_", "expected"), [
    ("Nguyeenx Vawn Ddwcs", "Nguyễn Văn Đức"),
    ("Phuowng", "Phương"),
    ("Hoaf Bifnh", "Hòa Bình"),
    ("tieengs Vieejt", "tiếng Việt"),
    ("Soos 12 ngox", "Số 12 ngõ"),
])
def test_telex_composes_vietnamese(keys_: str, expected: str) -> None:
    assert type_keys(TelexBuffer(), keys_) == expected


def test_output_is_nfc() -> None:
    text = type_keys(TelexBuffer(), "Nguyeenx Thij Hoaf")
    assert text == unicodedata.normalize("NFC", text)


def test_backspace_removes_a_whole_letter() -> None:
    buf = TelexBuffer()
    type_keys(buf, "Nguyeenx")
    assert buf.backspace() == "Nguyễ"
    assert buf.press("n") == "Nguyễn"


def test_backspace_into_previous_word_lets_tones_apply() -> None:
    buf = TelexBuffer()
    type_keys(buf, "Hoa ")
    buf.backspace()
    assert buf.press("f") == "Hòa"


def test_literal_mode_for_codes() -> None:
    assert type_keys(TelexBuffer(telex=False), "aa-ddw") == "aa-ddw"


def test_max_length_still_accepts_tone_keys() -> None:
    buf = TelexBuffer(max_length=3)
    type_keys(buf, "Haf")
    assert buf.text == "Hà"
    buf = TelexBuffer(max_length=2)
    assert type_keys(buf, "Hax") == "Hã"
    assert type_keys(buf, "y") == "Hã"


def test_keystrokes_never_reach_the_log(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        type_keys(TelexBuffer(), "Nguyeenx")
    assert "Nguy" not in caplog.text


def test_strings_vietnamese_first() -> None:
    assert both("consent.accept") == "Tôi đồng ý\nI agree"
    assert tr("home.queue.pending", "en", n=3) == "Waiting to send: 3"
    assert all(tr(k, "vi") and tr(k, "en") for k in keys() if "{" not in tr(k, "vi"))


def test_error_text_vietnamese_then_english() -> None:
    err = PayloadError("bad QR", message_vi="Mã QR không hợp lệ")
    assert error_text(err) == "Mã QR không hợp lệ\nbad QR"
