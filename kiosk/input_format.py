"""Typing dates and times on a numeric pad: the person types digits, the separators appear by themselves."""

from __future__ import annotations

# Where separators go for each field type, after how many digits.
_LAYOUTS: dict[str, tuple[tuple[int, str], ...]] = {
    "date": ((2, "/"), (4, "/")),
    "datetime": ((2, "/"), (4, "/"), (8, " "), (10, ":")),
}
_MAX_DIGITS = {"date": 8, "datetime": 12, "phone": 10, "id_number": 12}


def digits_only(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def format_digits(field_type: str, digits: str) -> str:
    """``("date", "2305202")`` → ``"23/05/202"``; other types keep the digits (up to their length)."""
    digits = digits_only(digits)[: _MAX_DIGITS.get(field_type, 64)]
    layout = _LAYOUTS.get(field_type)
    if not layout:
        return digits
    out = []
    for i, ch in enumerate(digits):
        for pos, sep in layout:
            if i == pos:
                out.append(sep)
        out.append(ch)
    return "".join(out)


def uses_numeric_pad(field_type: str) -> bool:
    return field_type in ("date", "datetime", "phone", "id_number")
