"""Rows of a table field (the CT01 household members) as typed values: ``table.N.column`` keys, N from 1.

A person adds rows one at a time and may remove any of them; the rows after a removed one move up so the form's
numbering stays 1, 2, 3… without gaps.
"""

from __future__ import annotations

from collections.abc import Mapping


def _parts(key: str, table: str) -> tuple[int, str] | None:
    name, _, rest = key.partition(".")
    index, _, column = rest.partition(".")
    if name != table or not index.isdigit() or not column:
        return None
    return int(index), column


def typed_rows(typed: Mapping[str, str], table: str) -> int:
    """The highest row number typed in ``table`` (0 when none)."""
    return max((parts[0] for key in typed if (parts := _parts(key, table)) is not None), default=0)


def without_row(typed: Mapping[str, str], table: str, index: int) -> dict[str, str]:
    """``typed`` with row ``index`` of ``table`` removed and the following rows renumbered."""
    out: dict[str, str] = {}
    for key, value in typed.items():
        parts = _parts(key, table)
        if parts is None or parts[0] < index:
            out[key] = value
        elif parts[0] > index:
            out[f"{table}.{parts[0] - 1}.{parts[1]}"] = value
    return out
