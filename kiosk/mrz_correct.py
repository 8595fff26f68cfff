"""From per-cell character probabilities to a parsed MRZ whose every check digit holds.

Each MRZ position has a known character class (ICAO 9303-4…7): digits in dates and check digits, letters and
``<`` in names and state codes, ``M``/``F``/``<``/``X`` for the sex, any character in document numbers and optional
data. The first reading takes each cell's most probable character *within its class*, which already turns an
``O``-looking glyph in a date into ``0`` and a ``5``-looking glyph in a name into ``S``. Where a check digit still
fails, the free-class positions of that field and the check digit itself are re-read from their next most
probable characters and their confusable twins (0/O, 1/I, 5/S, 8/B, 2/Z, and D/0, Q/O, G/6), fewest and most
likely changes first, until ``kiosk.mrz.parse_mrz`` accepts the whole zone — every check digit and every date.

The probabilities come from a recogniser (``drivers.mrz_ocr``) as plain numbers; this module has no image code.
Nothing is ever accepted with a failing check digit: the answer is ``parse_mrz``'s. Because a wrong change can
pass a mod-10 check by chance, changes are limited (at most two per field, only characters the network rates
≥ ``MIN_ALTERNATIVE``), and positions no check digit covers (names, state codes, sex) must each be read with
probability ≥ ``MIN_UNCHECKED`` (≥ ``MIN_KEPT`` for unchanged characters under their field's own check digit;
optional data that only the composite digit covers counts as unchecked), and the name field must have the shape
names have (``plausible_name``); otherwise the zone is rejected as unsure rather than risk a wrong name or
number. A Vietnamese card (``IDVNM``) has digits in its optional data: the 12-digit ID, ``<<`` and the ID's check
digit; an ``IDVNM`` card with letters in its number (not a CCCD) is read as a plain TD1.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from kiosk.errors import KioskError
from kiosk.mrz import Mrz, check_digit, parse_mrz
from kiosk.mrz_states import is_state_code

MIN_ALTERNATIVE = 0.02
MIN_UNCHECKED = 0.8
MIN_SURE_UNCOPIED_ID = 0.98  # each digit of a CCCD ID whose document number is not its last nine digits
MIN_KEPT = 0.3  # a first-reading character kept under its field's own check digit
MAX_TRIES = 60

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"
DIGITS = "0123456789"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ<"
ANY = ALPHABET
SEX = "MFX<"
CHECK = DIGITS + "<"  # an empty field may carry a filler check digit
CONFUSABLE = {"0": "OQD", "O": "0Q", "Q": "O0", "D": "0", "1": "I", "I": "1", "5": "S", "S": "5", "8": "B",
              "B": "8", "2": "Z", "Z": "2", "6": "G", "G": "6"}


@dataclass(frozen=True)
class Field:
    """Positions ``start:end`` of line ``line`` (a check digit field when ``check`` is its digit's position)."""

    line: int
    start: int
    end: int
    check: int | None = None


@dataclass(frozen=True)
class Layout:
    """A zone's shape: per line, the character class of each position; the fields under a check digit."""

    name: str
    classes: tuple[tuple[str, ...], ...]
    checked: tuple[Field, ...]  # fields whose characters a check digit covers (free-class positions to revise)
    composite: tuple[tuple[int, int, int], ...]  # (line, start, end) parts also covered by the composite digit


def _line(width: int, *spans: tuple[int, int, str], default: str = LETTERS) -> tuple[str, ...]:
    classes = [default] * width
    for start, end, cls in spans:
        classes[start:end] = [cls] * (end - start)
    return tuple(classes)


def _two_line_body(width: int, optional_end: int, tail: tuple[tuple[int, int, str], ...]) -> tuple[str, ...]:
    return _line(width, (0, 9, ANY), (9, 10, CHECK), (13, 19, DIGITS), (19, 20, DIGITS), (20, 21, SEX),
                 (21, 27, DIGITS), (27, 28, DIGITS), (28, optional_end, ANY), *tail)


_TWO_LINE_FIELDS = (Field(1, 0, 9, 9), Field(1, 13, 19, 19), Field(1, 21, 27, 27))

LAYOUTS = {
    "TD1": Layout("TD1", (
        _line(30, (5, 14, ANY), (14, 15, CHECK), (15, 30, ANY)),
        _line(30, (0, 7, DIGITS), (7, 8, SEX), (8, 15, DIGITS), (18, 29, ANY), (29, 30, DIGITS)),
        _line(30),
    ), (Field(0, 5, 14, 14), Field(0, 15, 30), Field(1, 0, 6, 6), Field(1, 8, 14, 14), Field(1, 18, 29)),
        ((0, 5, 30), (1, 0, 7), (1, 8, 15), (1, 18, 29))),
    "TD3": Layout("TD3", (
        _line(44), _two_line_body(44, 42, ((42, 43, CHECK), (43, 44, DIGITS))),
    ), (*_TWO_LINE_FIELDS, Field(1, 28, 42, 42)), ((1, 0, 10), (1, 13, 20), (1, 21, 43))),
    "TD2": Layout("TD2", (
        _line(36), _two_line_body(36, 35, ((35, 36, DIGITS),)),
    ), (*_TWO_LINE_FIELDS, Field(1, 28, 35)), ((1, 0, 10), (1, 13, 20), (1, 21, 35))),
    "MRV-A": Layout("MRV-A", (_line(44), _two_line_body(44, 44, ())), _TWO_LINE_FIELDS, ()),
    "MRV-B": Layout("MRV-B", (_line(36), _two_line_body(36, 36, ())), _TWO_LINE_FIELDS, ()),
}
LAYOUTS["TD1-VNM"] = Layout(
    "TD1-VNM", (_line(30, (5, 14, DIGITS), (14, 15, DIGITS), (15, 27, DIGITS), (29, 30, DIGITS)),
                *LAYOUTS["TD1"].classes[1:]),
    (*LAYOUTS["TD1"].checked, Field(0, 15, 27, 29)), LAYOUTS["TD1"].composite)
# The first letter of the document code each layout allows (ICAO 9303-5/-6/-4/-7): a line read one cell off
# starts with something else.
_DOCUMENT_CODE_START = {"TD1": "ACI", "TD1-VNM": "I", "TD2": "ACIP", "TD3": "P", "MRV-A": "V", "MRV-B": "V"}
_COMPOSITE_DIGIT = {"TD1": (1, 29), "TD1-VNM": (1, 29), "TD3": (1, 43), "TD2": (1, 35)}


@dataclass(frozen=True)
class Corrected:
    mrz: Mrz
    lines: tuple[str, ...]
    probabilities: tuple[tuple[float, ...], ...]  # per character, of the character accepted
    changed: int  # characters changed from the first reading to make the check digits hold


def layout_for(chars: int, rows: int, head: str) -> Layout:
    """The layout for a zone of ``rows`` × ``chars`` whose first line starts with ``head`` (read as letters)."""
    if rows == 3:
        return LAYOUTS["TD1-VNM" if head == "IDVNM" else "TD1"]
    if head.startswith("V"):
        return LAYOUTS["MRV-A" if chars == 44 else "MRV-B"]
    return LAYOUTS["TD3" if chars == 44 else "TD2"]


def _ranked(probs: dict[str, float], allowed: str) -> list[tuple[str, float]]:
    """Characters of ``allowed`` by decreasing score: a character's own probability plus that of its confusable
    twins outside ``allowed`` (a glyph read as ``1`` in a name is an ``I``, and only an ``I``). Not renormalised:
    a glyph the network gives to an out-of-class character with no twin here stays unsure."""
    scored = [(c, min(1.0, probs.get(c, 0.0) + sum(probs.get(t, 0.0) for t in twins)))
              for c, twins in _twins_outside(allowed)]
    scored.sort(key=lambda item: -item[1])
    return scored


@functools.cache
def _twins_outside(allowed: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((c, tuple(t for t in CONFUSABLE.get(c, "") if t not in allowed)) for c in allowed)


def _alternatives(ranked: list[tuple[str, float]], allowed: str) -> list[tuple[str, float]]:
    """Other readings of one cell worth trying: next best characters and the top one's confusable twins."""
    best = ranked[0][0]
    score = dict(ranked)
    out = [(c, p) for c, p in ranked[1:4] if p >= MIN_ALTERNATIVE]
    out += [(c, score[c]) for c in CONFUSABLE.get(best, "") if c in allowed and c not in dict(out)
            and score[c] >= MIN_ALTERNATIVE / 4]
    return out


def _field_ok(lines: list[list[str]], f: Field) -> bool:
    if f.check is None:
        return True
    data = "".join(lines[f.line][f.start:f.end])
    digit = lines[f.line][f.check]
    return (digit == "<" and set(data) <= {"<"}) or check_digit(data) == digit


def _variants(options: dict[tuple[int, int], list[tuple[str, float]]],
              max_changes: int) -> Iterator[tuple[float, list[tuple[int, int, str]]]]:
    """Sets of up to ``max_changes`` substitutions, most likely first (cost: sum of −log probability ratios)."""
    costs = []
    for (line, pos), alts in options.items():
        for ch, p in alts:
            costs.append((line, pos, ch, -math.log(max(p, 1e-6))))
    combos: list[tuple[float, list[tuple[int, int, str]]]] = []
    for k in range(1, max_changes + 1):
        for combo in itertools.combinations(costs, k):
            if len({(c[0], c[1]) for c in combo}) < k:
                continue
            combos.append((sum(c[3] for c in combo), [(c[0], c[1], c[2]) for c in combo]))
    combos.sort(key=lambda c: c[0])
    yield from combos


class UnsureZoneError(KioskError):
    """No reading of the zone has every check digit holding, or a character no check digit covers is uncertain."""

    code = "mrz-unsure"


def correct(probabilities: Sequence[Sequence[Sequence[float]]], alphabet: str = ALPHABET) -> Corrected:
    """The zone from per line, per character cell, the probability of each character of ``alphabet``;
    ``UnsureZoneError`` if no reading is sure (see the module doc)."""
    cells = [[dict(zip(alphabet, (float(p) for p in cell), strict=True)) for cell in line] for line in probabilities]
    rows, chars = len(cells), len(cells[0]) if cells else 0
    if (rows, chars) not in ((3, 30), (2, 36), (2, 44)) or any(len(line) != chars for line in cells):
        raise UnsureZoneError(f"no MRZ has {rows} lines of {chars} characters", field="mrz")
    head = "".join(_ranked(cells[0][i], LETTERS)[0][0] for i in range(5))
    layout = layout_for(chars, rows, head)
    result = _correct_as(cells, layout)
    if result is None and layout.name == "TD1-VNM":
        result = _correct_as(cells, LAYOUTS["TD1"])  # an IDVNM card with letters in its number (not a CCCD)
    if result is None:
        raise UnsureZoneError("MRZ check digits do not hold for any likely reading, or a character no check digit "
                              "covers is uncertain", field="mrz")
    return result


def _correct_as(cells: list[list[dict[str, float]]], layout: Layout) -> Corrected | None:
    rows, chars = len(cells), len(cells[0])
    ranked = [[_ranked(cells[r][i], layout.classes[r][i]) for i in range(chars)] for r in range(rows)]
    lines = [[ranked[r][i][0][0] for i in range(chars)] for r in range(rows)]
    options: dict[tuple[int, int], list[tuple[str, float]]] = {}
    failing = [f for f in layout.checked if not _field_ok(lines, f)]
    composite = _COMPOSITE_DIGIT.get(layout.name)
    revise = failing or list(layout.checked)  # only the composite fails: any covered field may be wrong
    for f in revise:
        positions = list(range(f.start, f.end)) + ([f.check] if f.check is not None else [])
        for pos in positions:
            alts = _alternatives(ranked[f.line][pos], layout.classes[f.line][pos])
            if alts:
                options[(f.line, pos)] = alts
    if composite:
        options[composite] = _alternatives(ranked[composite[0]][composite[1]], DIGITS)
    return _try(lines, ranked, layout, options, len(failing))


def _try(lines: list[list[str]], ranked: list[list[list[tuple[str, float]]]], layout: Layout,
         options: dict[tuple[int, int], list[tuple[str, float]]], failing: int) -> Corrected | None:
    attempts: Iterator[tuple[float, list[tuple[int, int, str]]]] = itertools.chain(
        [(0.0, [])], _variants(options, max_changes=2 if failing else 1))
    for tries, (_, changes) in enumerate(attempts):
        if tries > MAX_TRIES:
            return None
        trial = [list(line) for line in lines]
        for line, pos, ch in changes:
            trial[line][pos] = ch
        if not all(_field_ok(trial, f) for f in layout.checked):
            continue
        text = ["".join(line) for line in trial]
        try:
            mrz = parse_mrz(text)
        except KioskError:
            continue
        probs = tuple(tuple(dict(ranked[r][i])[trial[r][i]] for i in range(len(trial[r]))) for r in range(len(trial)))
        changed = {(line, pos) for line, pos, _ in changes}
        if text[0][0] not in _DOCUMENT_CODE_START[layout.name] or not _sure_enough(probs, layout, changed):
            return None
        if not (is_state_code(mrz.issuing_state) and is_state_code(mrz.nationality)):
            return None  # no check digit covers these: a code no state has is a misread
        if not plausible_name(_name_field(text, layout)):
            return None
        if text[0].startswith("IDVNM") and text[0][15:27].isdigit() and not _cccd_numbers_agree(text, probs):
            return None
        return Corrected(mrz, tuple(text), probs, len(changes))
    return None


def _name_field(text: list[str], layout: Layout) -> str:
    return text[2] if layout.name.startswith("TD1") else text[0][5:]


def plausible_name(field: str) -> bool:
    """A name field as ICAO 9303-3 writes it: components joined by ``<``, surname and given names by ``<<``, then
    filler to the end. Letters after a run of three or more fillers are a misread (of filler or of glare), and so
    is a single filler before the first letter (the first letter read as filler)."""
    name = field.rstrip("<")
    return "<<<" not in name and not (name.startswith("<") and not name.startswith("<<"))


def _cccd_numbers_agree(text: list[str], probs: tuple[tuple[float, ...], ...]) -> bool:
    """A CCCD's document number is the last nine digits of its 12-digit ID (public samples, and readers verified
    on real cards), so the ID is read twice. A pair of misread digits can pass the ID's check digit and the
    composite (digits three apart carry the same weight in both), but then the two copies differ. Cards numbered
    otherwise are not refused: their ID is taken only when every digit of it is read with near certainty."""
    if text[0][5:14] == text[0][18:27]:
        return True
    return min(probs[0][15:27]) >= MIN_SURE_UNCOPIED_ID


def _sure_enough(probs: tuple[tuple[float, ...], ...], layout: Layout, changed: set[tuple[int, int]]) -> bool:
    # only a field's own check digit counts here: one composite digit over several fields is too weak a guard
    covered = {(f.line, p) for f in layout.checked if f.check is not None for p in range(f.start, f.end)}
    covered |= {(f.line, f.check) for f in layout.checked if f.check is not None}
    for r, row in enumerate(probs):
        for i, p in enumerate(row):
            if (r, i) in changed:
                continue
            if p < (MIN_KEPT if (r, i) in covered else MIN_UNCHECKED):
                return False
    return True
