"""The Telex engine: known answers for names and places, every Vietnamese administrative-unit word typed back from
its own keys, foreign names left as typed, and no key sequence that raises or leaves NFC."""

from __future__ import annotations

import logging
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vietnam_provinces import FLAT_DIVISIONS_JSON_PATH

from kiosk.samples import sample_identity
from kiosk.telex_engine import compose, is_syllable, telex_keys, tone_position


@pytest.mark.parametrize(("keys", "word"), [
    ("Nguyeenx", "Nguyễn"), ("Ddwcs", "Đức"), ("Phuowng", "Phương"), ("Hoaf", "Hòa"), ("Bifnh", "Bình"),
    ("tieengs", "tiếng"), ("Vieejt", "Việt"), ("Huyfnh", "Huỳnh"), ("Traanf", "Trần"), ("Lee", "Lê"),
    ("Phamj", "Phạm"), ("nguwowif", "người"), ("Quoocs", "Quốc"), ("giaf", "già"), ("quas", "quá"),
    ("Thuyr", "Thủy"), ("khoer", "khỏe"), ("ngoaif", "ngoài"), ("hoangf", "hoàng"), ("Vawn", "Văn"),
    ("Dduwowngf", "Đường"), ("giowf", "giờ"), ("quyeenf", "quyền"), ("Ngoo", "Ngô"), ("Luwu", "Lưu"),
    ("NGUYEENX", "NGUYỄN"), ("DDOOX", "ĐỖ"), ("w", "ư"), ("W", "Ư"), ("dd", "đ"),
])
def test_known_words(keys: str, word: str) -> None:
    assert compose(keys) == word


@pytest.mark.parametrize(("keys", "word"), [
    ("aaa", "aa"), ("ss", "ss"), ("hoafz", "hoa"), ("hoaff", "hoaf"), ("Vaww", "Vaw"),  # a mark typed twice: undone
    ("ross", "ros"),
    ("Thomas", "Thomas"), ("Aaron", "Aaron"), ("David", "David"), ("Smith", "Smith"),
    ("Muller", "Muller"), ("xyz", "xyz"),
])
def test_undo_and_foreign_names(keys: str, word: str) -> None:
    assert compose(keys) == word


def test_the_tone_follows_the_word_as_it_grows() -> None:
    assert [compose("Bifnh"[:n]) for n in range(1, 6)] == ["B", "Bi", "Bì", "Bìn", "Bình"]
    assert [compose("hoangf"[:n]) for n in (4, 5, 6)] == ["hoan", "hoang", "hoàng"]
    assert compose("hoaf") == "hòa" and compose("hoafn") == "hoàn"  # moves to the last vowel before a final


def vietnamese_words() -> list[str]:
    text = Path(FLAT_DIVISIONS_JSON_PATH).read_text(encoding="utf-8")
    names = " ".join(" ".join(v for v in sample_identity(n).personal_values()) for n in range(1, 30))
    words = set(re.findall(r"[^\W\d_]+", text + " " + names))
    return sorted(unicodedata.normalize("NFC", w) for w in words if is_syllable(w))


TONE_KEYS = {"\u0300": "f", "\u0301": "s", "\u0303": "x", "\u0309": "r", "\u0323": "j"}


def without_tone(word: str) -> tuple[str, str]:
    """The word without its tone mark, and the Telex key of that tone ("" for none)."""
    decomposed = unicodedata.normalize("NFD", word)
    tones = [TONE_KEYS[c] for c in decomposed if c in TONE_KEYS]
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_KEYS)), "".join(tones)


def test_every_word_of_the_administrative_units_and_sample_names_is_typed_back_from_its_keys() -> None:
    words = vietnamese_words()
    assert len(words) > 1000
    missed = [w for w in words if (keys := telex_keys(w)) is None or compose(keys) != w]
    # only new-style spellings (Hoà, Thuỷ) are missed: their keys give the old style (Hòa, Thủy)
    assert len(missed) < 10
    for word in missed:
        letters, tone = without_tone(word)
        typed = compose((telex_keys(letters) or "") + tone)
        assert typed != word and without_tone(typed) == (letters, tone), word


def test_tone_placement_old_style() -> None:
    for word, marked in (("hoa", 0 + 1), ("thuy", 2), ("cua", 1), ("hoang", 2), ("nguoi", 3), ("quy", 2),
                         ("gia", 2)):
        assert tone_position(list(word)) == marked, word


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="aAdDeEiIoOuUwWyYsfrxjzqgnhtcmkbvlpBCNT", max_size=12))
def test_any_keys_compose_to_nfc_text_without_error(keys: str) -> None:
    word = compose(keys)
    assert word == unicodedata.normalize("NFC", word)
    assert len(word) <= len(keys)
    back = telex_keys(word)
    assert back is None or compose(back) == word


def test_nothing_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        compose("Nguyeenx")
        telex_keys("Nguyễn")
    assert caplog.records == []
