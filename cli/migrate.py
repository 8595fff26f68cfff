"""``kiosk migrate``: bring the kiosk's state directory to this release's schema (idempotent)."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.heartbeat import software_version
from kiosk.state_dir import state_dir
from kiosk.state_migration import migrate_state
from wire.console import print_json


def cmd_migrate(args: argparse.Namespace) -> int:
    parts = migrate_state(state_dir(args.state_dir))
    outbox = parts["outbox"]
    print_json({"ok": True, "version": software_version(), "from": outbox["from"], "to": outbox["to"], **parts})
    return 0


def register(subparsers: Any) -> None:
    migrate = subparsers.add_parser("migrate", help="migrate the state directory (outbox, register) in place")
    migrate.add_argument("--state-dir", help="kiosk state directory (env KIOSK_STATE_DIR)")
    migrate.add_argument("--json", action="store_true", help="errors as JSON too (results are JSON)")
    migrate.set_defaults(handler=cmd_migrate)
