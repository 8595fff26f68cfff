"""Console output shared by the ``kiosk`` and ``kiosk-intake`` commands: JSON lines, typed errors, exit codes."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any

from wire.errors import CodedError

log = logging.getLogger("wire.console")

EXIT_INVALID = 2


def print_json(obj: Any) -> None:
    """One JSON document per line, UTF-8, NFC text as produced by the core."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def error_object(exc: CodedError) -> dict[str, Any]:
    return {"ok": False, "error": exc.to_dict()}


def print_error(exc: CodedError, *, as_json: bool) -> int:
    """Report a typed error (English in the log, both languages to the caller) and return exit code 2."""
    log.warning("%s: %s (field %s)", exc.code, exc.message, exc.field)
    if as_json:
        print_json(error_object(exc))
    else:
        sys.stderr.write(f"error [{exc.code}]: {exc.message}\n{exc.message_vi}\n")
    return EXIT_INVALID


def run_command(args: argparse.Namespace) -> int:
    """Run a parsed sub-command's handler; typed errors become exit code 2, an interrupt 130."""
    try:
        return int(args.handler(args) or 0)
    except CodedError as exc:
        return print_error(exc, as_json=getattr(args, "json", False))
    except KeyboardInterrupt:
        return 130
