"""JSON from outside (files, signed payloads, request bodies) with a nesting limit, so that no document reaches code
that recurses over it deeper than Python allows.

A form, an identity or a heartbeat is a few levels deep; ``MAX_DEPTH`` leaves ample room. Deeper documents, and
documents that are not JSON at all, raise ``JsonInputError`` naming what was read. The kiosk and the intake both read
JSON through here.
"""

from __future__ import annotations

import json
from typing import Any

from wire.errors import CodedError

MAX_DEPTH = 64


class JsonInputError(CodedError, ValueError):
    """A JSON document is malformed (``invalid-payload``) or nested deeper than ``MAX_DEPTH`` (``json-too-deep``);
    a ``ValueError`` too, as ``json.loads`` raises, for callers that catch that."""

    code = "invalid-payload"


def too_deep(what: str, max_depth: int = MAX_DEPTH) -> JsonInputError:
    return JsonInputError(
        f"{what} is nested more than {max_depth} levels deep",
        code="json-too-deep",
        message_vi=f"Dữ liệu lồng nhau quá {max_depth} cấp.",
    )


def nesting_depth(value: Any, stop_after: int | None = None) -> int:
    """How many arrays/objects deep ``value`` goes (a scalar is 0), without recursion; stops counting once past
    ``stop_after``."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        if stop_after is not None and deepest > stop_after:
            break
        stack.extend((child, depth) for child in children)
    return deepest


def check_depth(value: Any, what: str, max_depth: int = MAX_DEPTH) -> None:
    """Raise ``JsonInputError`` when ``value`` is nested deeper than ``max_depth``."""
    if nesting_depth(value, stop_after=max_depth) > max_depth:
        raise too_deep(what, max_depth)


def _could_be_deep(text: str | bytes, max_depth: int) -> bool:
    """Cheap pre-check: a document with at most ``max_depth`` opening brackets cannot be deeper."""
    if isinstance(text, str):
        return text.count("[") + text.count("{") > max_depth
    return text.count(b"[") + text.count(b"{") > max_depth


def loads(text: str | bytes, what: str = "the JSON document", max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` with the nesting limit; every failure is a ``JsonInputError``."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise too_deep(what, max_depth) from None
    except (ValueError, TypeError) as exc:
        raise JsonInputError(
            f"{what} is not valid UTF-8 JSON ({type(exc).__name__})",
            message_vi="Dữ liệu không phải JSON hợp lệ.",
        ) from None
    if _could_be_deep(text, max_depth):
        check_depth(value, what, max_depth)
    return value
