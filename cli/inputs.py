"""Reading command-line inputs shared by the workflow commands: identity files and ``--set`` pairs."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

from kiosk.identity import Identity
from kiosk.workflows.errors import FieldInputError, InputFileError
from kiosk.workflows.values import parse_datetime


def load_identity(path: str) -> Identity:
    try:
        return Identity.from_json(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputFileError("identity file", "tệp thông tin nhân thân", exc.strerror or type(exc).__name__,
                             "không mở được tệp, hãy kiểm tra đường dẫn") from None
    except (ValueError, TypeError):
        raise InputFileError("identity file", "tệp thông tin nhân thân",
                             "not an identity JSON document (see kiosk/identity.py)",
                             "tệp không đúng định dạng JSON của thông tin nhân thân") from None


def parse_sets(pairs: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise FieldInputError(name.strip() or "set", "FIELD=VALUE", "dạng TRƯỜNG=GIÁ_TRỊ")
        out[name.strip()] = value
    return out


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FieldInputError(
            "date", "a date YYYY-MM-DD", "ngày dạng năm-tháng-ngày (YYYY-MM-DD)"
        ) from None


def parse_moment(text: str, name: str) -> datetime:
    try:
        return parse_datetime(text)
    except ValueError:
        raise FieldInputError(
            name, "an ISO date and time, e.g. 2026-11-23T14:30", "ngày giờ dạng ISO, ví dụ 2026-11-23T14:30"
        ) from None


def dump(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False)
