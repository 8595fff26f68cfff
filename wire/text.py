"""Text normalisation shared by every parser: NFC, whitespace folding, mojibake detection."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")

# Characters a Vietnamese card payload may contain: ASCII printable, Latin-1 and Latin Extended
# letters used by Vietnamese (À–ỹ ranges), whitespace. Anything else (CJK, half-width katakana, box drawing,
# control characters) means the bytes were decoded with the wrong charset somewhere upstream.
_VIETNAMESE_TEXT = re.compile(
    r"^[\x20-\x7e\u00c0-\u00ff\u0100-\u017f\u01a0-\u01b0\u1ea0-\u1ef9\u0300-\u0303\u0309\u0323\s]*$"
)


def nfc(text: str) -> str:
    """Return ``text`` in Unicode Normalisation Form C."""
    return unicodedata.normalize("NFC", text)


def clean(text: str) -> str:
    """NFC-normalise, fold runs of whitespace to one space and strip the ends."""
    return _SPACES.sub(" ", nfc(text)).strip()


# C0 and C1 control characters and lone surrogates: never part of a name or an address, and refused by XML and XLSX.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]+")


def printable(text: str) -> str:
    """``clean`` text without control characters: whitespace controls (tab, line breaks) become a space, the others
    (and lone surrogates) are removed."""
    return clean(_CONTROLS.sub("", clean(text)))


def looks_vietnamese(text: str) -> bool:
    """True when every character is one a Vietnamese card could carry (no mojibake)."""
    return bool(_VIETNAMESE_TEXT.match(text))


def fold_diacritics(text: str) -> str:
    """Remove Vietnamese diacritics (``Nguyễn Đức`` → ``Nguyen Duc``), as the MRZ and some exports require."""
    text = nfc(text).replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
