"""Vietnamese Telex composition of one word: the keys typed → the word shown. Pure functions, no logging.

Keys: ``aa`` ``ee`` ``oo`` put a circumflex (â ê ô), ``aw`` ``ow`` ``uw`` a breve or a horn (ă ơ ư; ``uow`` gives
ươ; a ``w`` with no vowel to mark is ư), ``dd`` gives đ; the tones are ``s`` (sắc), ``f`` (huyền), ``r`` (hỏi),
``x`` (ngã), ``j`` (nặng), and ``z`` removes the tone. A mark typed twice is undone and the key typed as a letter
(``ss`` → ``s``). The tone is placed by the usual (old-style) rule on the word as it stands, so it may be typed at the
end (``Nguyeenx`` → ``Nguyễn``). Keys that do not make a Vietnamese syllable (``Thomas``, ``Aaron``) are shown as
typed.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

TONES = {"s": "\u0301", "f": "\u0300", "r": "\u0309", "x": "\u0303", "j": "\u0323"}
_TONE_KEYS = {mark: key for key, mark in TONES.items()}
_CIRCUMFLEX = {"a": "â", "e": "ê", "o": "ô", "ă": "â", "ơ": "ô"}
_HORN = {"a": "ă", "o": "ơ", "u": "ư", "â": "ă", "ô": "ơ"}
_PLAIN = {"â": "a", "ă": "a", "ê": "e", "ô": "o", "ơ": "o", "ư": "u", "đ": "d"}
_SHAPE_KEYS = {"â": "a", "ê": "e", "ô": "o", "ă": "w", "ơ": "w", "ư": "w", "đ": "d"}
VOWELS = frozenset("aăâeêioôơuưy")
_INITIALS = frozenset({"", "b", "c", "ch", "d", "đ", "g", "gh", "h", "k", "kh", "l", "m", "n", "ng", "ngh", "nh",
                       "p", "ph", "q", "r", "s", "t", "th", "tr", "v", "x"})
_FINALS = frozenset({"", "c", "ch", "m", "n", "ng", "nh", "p", "t"})
# The vowel groups of Vietnamese syllables (after the u of qu and the i of gi), without tone marks.
_NUCLEI = frozenset([
    "a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y",
    "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iê", "iu", "oa", "oă", "oe", "oi", "ôi", "ơi", "oo", "uâ",
    "ua", "uê", "ui", "uô", "uơ", "uy", "ưa", "ưi", "ươ", "ưu", "yê",
    "iêu", "oai", "oao", "oay", "oeo", "uây", "uôi", "uya", "uyê", "uyu", "ươi", "ươu", "yêu",
])


def _with_case(letter: str, like: str) -> str:
    return letter.upper() if like.isupper() else letter


@dataclass
class _Word:
    letters: list[str] = field(default_factory=list)  # with their shape marks and case, without the tone
    tone: str | None = None  # a key of TONES
    changed: bool = False  # a key did more than add its letter
    undone: bool = False  # a mark typed twice: the letters are what the person chose, syllable or not

    def vowel_positions(self) -> list[int]:
        return [i for i, ch in enumerate(self.letters) if ch.lower() in VOWELS]

    def add(self, key: str) -> None:
        self.letters.append(key)

    def press(self, key: str) -> None:
        low = key.lower()
        vowels = self.vowel_positions()
        if low in TONES and vowels:
            self.changed = True
            if self.tone == low:  # typed twice: no tone, the key as a letter
                self.tone, self.undone = None, True
                self.add(key)
            else:
                self.tone = low
        elif low == "z" and self.tone is not None:
            self.changed, self.tone = True, None
        elif low in "aeo" and self._circumflex(key, vowels):
            self.changed = True
        elif low == "w":
            self.changed = True
            self._horn(key, vowels)
        elif low == "d" and self.letters and self.letters[0].lower() in "dđ":
            self.changed = True
            first = self.letters[0]
            if first.lower() == "d":
                self.letters[0] = _with_case("đ", first)
            else:  # typed again: undone
                self.letters[0] = _with_case("d", first)
                self.add(key)
                self.undone = True
        else:
            self.add(key)

    def _circumflex(self, key: str, vowels: list[int]) -> bool:
        low = key.lower()
        for i in reversed(vowels):
            letter = self.letters[i]
            base = _PLAIN.get(letter.lower(), letter.lower())
            if base != low:
                continue
            if letter.lower() in "âêô":  # typed again: undone
                self.letters[i] = _with_case(low, letter)
                self.add(key)
                self.undone = True
                return True
            self.letters[i] = _with_case(_CIRCUMFLEX[letter.lower()], letter)
            return True
        return False

    def _horn(self, key: str, vowels: list[int]) -> None:
        lows = [self.letters[i].lower() for i in vowels]
        for j in range(len(vowels) - 1):  # uo, ưo, uơ → ươ (not the u of qu: quơ)
            after_q = vowels[j] > 0 and self.letters[vowels[j] - 1].lower() == "q"
            if lows[j] in "uư" and lows[j + 1] in "oơ" and (lows[j], lows[j + 1]) != ("ư", "ơ") and not after_q:
                for i, horned in ((vowels[j], "ư"), (vowels[j + 1], "ơ")):
                    self.letters[i] = _with_case(horned, self.letters[i])
                return
        for i in reversed(vowels):
            letter = self.letters[i]
            if letter.lower() in _HORN:
                self.letters[i] = _with_case(_HORN[letter.lower()], letter)
                return
        marked = [i for i in vowels if self.letters[i].lower() in "ăơư"]
        if marked:  # typed again: undone
            for i in marked:
                self.letters[i] = _with_case(_PLAIN[self.letters[i].lower()], self.letters[i])
            self.add(key)
            self.undone = True
        else:  # a w with no vowel to mark is ư
            self.add(_with_case("ư", key))

    def render(self) -> str:
        letters = list(self.letters)
        if self.tone is not None:
            position = tone_position(letters)
            if position is not None:
                letters[position] += TONES[self.tone]
        return unicodedata.normalize("NFC", "".join(letters))


def _split(low: list[str]) -> tuple[str, list[int], str] | None:
    """Initial consonants, the positions of the vowel run, final consonants; ``None`` when the vowels are not one
    run."""
    vowels = [i for i, ch in enumerate(low) if ch in VOWELS]
    if not vowels or vowels != list(range(vowels[0], vowels[-1] + 1)):
        return None
    return "".join(low[: vowels[0]]), vowels, "".join(low[vowels[-1] + 1 :])


def _nucleus(low: list[str], initial: str, vowels: list[int]) -> list[int]:
    """The vowels that carry the tone: the u of qu and the i of gi belong to the consonant."""
    if len(vowels) > 1 and ((initial == "q" and low[vowels[0]] == "u") or (initial == "g" and low[vowels[0]] == "i")):
        return vowels[1:]
    return vowels


def tone_position(letters: list[str]) -> int | None:
    """Where the tone mark goes (old style: ``hòa``, ``thủy``; ``hoàng``, ``người``, ``Nguyễn``)."""
    low = [ch.lower() for ch in letters]
    parts = _split(low)
    if parts is None:
        return None
    initial, vowels, final = parts
    vowels = _nucleus(low, initial, vowels)
    marked = [i for i in vowels if low[i] in "ăâêôơư"]
    if marked:
        return marked[-1]
    if len(vowels) == 1 or final:
        return vowels[-1]
    return vowels[1] if len(vowels) == 3 else vowels[0]


def is_syllable(word: str) -> bool:
    """Whether ``word`` (without tone marks or with them) has the shape of a Vietnamese syllable."""
    base = unicodedata.normalize("NFD", word.lower())
    letters = list(unicodedata.normalize("NFC", "".join(c for c in base if c not in _TONE_KEYS)))
    if not any(ch in VOWELS for ch in letters):  # a consonant typed so far (đ before its vowel)
        return "".join(letters) in _INITIALS
    parts = _split(letters)
    if parts is None:
        return False
    initial, vowels, final = parts
    nucleus = "".join(letters[i] for i in _nucleus(letters, initial, vowels))
    return initial in _INITIALS and nucleus in _NUCLEI and final in _FINALS


def compose(keys: str) -> str:
    """The word Telex makes of ``keys`` (NFC); the keys themselves when they make no Vietnamese syllable."""
    word = _Word()
    for key in keys:
        word.press(key)
    shown = word.render()
    if word.changed and not word.undone and not is_syllable(shown):
        return keys
    return shown


def telex_keys(word: str) -> str | None:
    """Keys that compose to ``word`` (so a shown word can be edited again), or ``None`` when none do."""
    letters: list[str] = []
    tone = ""
    for ch in unicodedata.normalize("NFC", word):
        decomposed = unicodedata.normalize("NFD", ch)
        marks = [m for m in decomposed[1:] if m in _TONE_KEYS]
        if marks:
            tone = _TONE_KEYS[marks[0]]
            ch = unicodedata.normalize("NFC", "".join(m for m in decomposed if m not in _TONE_KEYS))
        low = ch.lower()
        if low in "aeod" and letters and letters[-1].lower() == low:
            ch += ch  # "oo" is typed "ooo" (the circumflex typed twice is undone), "dd" "ddd"
        letters.append(ch if low not in _SHAPE_KEYS else _with_case(_PLAIN[low], ch) + _SHAPE_KEYS[low])
    keys = "".join(letters) + tone
    return keys if compose(keys) == unicodedata.normalize("NFC", word) else None
