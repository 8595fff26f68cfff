"""Entry point of the ``kiosk`` console script."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from wire.console import run_command

# Sub-command groups, in the order ``kiosk --help`` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "cli.run",
    "cli.qr",
    "cli.mrz",
    "cli.card",
    "cli.form",
    "cli.lodging",
    "cli.clinic",
    "cli.device",
    "cli.submit",
    "cli.outbox",
    "cli.heartbeat",
    "cli.migrate",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="cccd-kiosk: CCCD chip ID card kiosk")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages (never personal data)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return run_command(args)


if __name__ == "__main__":
    sys.exit(main())
