"""The files a read returned, as typed LDS objects: each file parses its own content (JMRTD's ``DGnFile`` shape).

``parse_lds_files`` turns the bytes of a read into ``LdsFiles``; a file that cannot be parsed is left out and its
error code kept in ``errors`` (by file name), so one malformed group never hides the others. The core maps these
typed files to an identity in one place (``kiosk/chip_identity.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from drivers.emrtd.card_access import SecurityInfos
from drivers.emrtd.dg1 import Dg1, parse_dg1
from drivers.emrtd.dg2 import Dg2, parse_dg2
from drivers.emrtd.dg7 import Dg7, parse_dg7
from drivers.emrtd.dg11 import Dg11, parse_dg11
from drivers.emrtd.dg12 import Dg12, parse_dg12
from drivers.emrtd.dg13 import Dg13, parse_dg13
from drivers.emrtd.dg14 import parse_dg14
from drivers.emrtd.dg15 import Dg15, parse_dg15
from drivers.emrtd.errors import EmrtdError
from drivers.emrtd.sod import Sod, parse_sod

_PARSERS: dict[int, Any] = {1: parse_dg1, 2: parse_dg2, 7: parse_dg7, 11: parse_dg11, 12: parse_dg12,
                            13: parse_dg13, 14: parse_dg14, 15: parse_dg15}


@dataclass(frozen=True)
class LdsFiles:
    dg1: Dg1 | None = None
    dg2: Dg2 | None = None
    dg7: Dg7 | None = None
    dg11: Dg11 | None = None
    dg12: Dg12 | None = None
    dg13: Dg13 | None = None
    dg14: SecurityInfos | None = None
    dg15: Dg15 | None = None
    sod: Sod | None = None
    errors: Mapping[str, str] = field(default_factory=dict)  # file name → error code, for files not parsed


def parse_lds_files(data_groups: Mapping[int, bytes], sod: bytes | None = None, *,
                    skip: tuple[int, ...] = ()) -> LdsFiles:
    """Typed files of the data groups (and EF.SOD) read; ``skip`` leaves groups out (e.g. 2 when only the text
    is wanted: the face is the largest file to parse)."""
    parsed: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for number, data in data_groups.items():
        parser = _PARSERS.get(number)
        if parser is None or number in skip:
            continue
        try:
            parsed[f"dg{number}"] = parser(data)
        except EmrtdError as exc:
            errors[f"DG{number}"] = exc.code
    if sod is not None:
        try:
            parsed["sod"] = parse_sod(sod)
        except EmrtdError as exc:
            errors["EF.SOD"] = exc.code
    return LdsFiles(**parsed, errors=errors)
