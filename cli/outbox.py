"""``kiosk outbox``: inspect, retry, purge and drain the queue of signed submissions."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.enrolment import load_enrolment
from kiosk.outbox import open_outbox
from kiosk.sender import RetryPolicy, Sender
from kiosk.state_dir import state_dir
from wire.console import print_json


def _open(args: argparse.Namespace) -> Any:
    return open_outbox(state_dir(args.state_dir), for_submitting=False)


def cmd_status(args: argparse.Namespace) -> int:
    outbox = _open(args)
    print_json({"ok": True, **outbox.status(), "pragmas": outbox.pragmas()})
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    outbox = _open(args)
    if args.state == "acked":
        print_json({"ok": True, "receipts": outbox.receipts(args.limit)})
    else:
        print_json({"ok": True, "items": outbox.items(args.state, args.limit)})
    return 0


def cmd_retry(args: argparse.Namespace) -> int:
    outbox = _open(args)
    print_json({"ok": True, "rescheduled": outbox.retry(args.sid or None)})
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    outbox = _open(args)
    print_json({"ok": True, **outbox.purge_acknowledged(args.keep_receipts_days)})
    return 0


def cmd_send(args: argparse.Namespace) -> int:
    directory = state_dir(args.state_dir)
    intake_url = args.intake or load_enrolment(directory).intake_url
    outbox = _open(args)
    sender = Sender(outbox, intake_url, policy=RetryPolicy(startup_jitter=args.startup_jitter))
    report = sender.run(until_empty=True, timeout=args.timeout)
    print_json({"ok": report["queue"]["pending"] == 0, **report})
    return 0


def register(subparsers: Any) -> None:
    outbox = subparsers.add_parser("outbox", help="the queue of signed submissions")
    actions = outbox.add_subparsers(dest="action", required=True, metavar="ACTION")

    def action(name: str, handler: Any, help_text: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = actions.add_parser(name, help=help_text)
        parser.add_argument("--state-dir", help="kiosk state directory (env KIOSK_STATE_DIR)")
        parser.add_argument("--json", action="store_true", help="errors as JSON too (results are JSON)")
        parser.set_defaults(handler=handler)
        return parser

    action("status", cmd_status, "counts, oldest pending, breaker, alert, durability settings")
    listing = action("list", cmd_list, "queued submissions (metadata only) or receipts")
    listing.add_argument("--state", choices=["pending", "quarantined", "acked"])
    listing.add_argument("--limit", type=int, default=100)
    retry = action("retry", cmd_retry, "make quarantined or waiting submissions due now")
    retry.add_argument("--sid", action="append", help="only this sid (repeatable)")
    purge = action("purge-acknowledged", cmd_purge, "overwrite freed pages and truncate the WAL")
    purge.add_argument("--keep-receipts-days", type=float, help="also drop receipts older than this")
    send = action("send", cmd_send, "deliver until the queue is empty or the timeout")
    send.add_argument("--timeout", type=float, help="seconds")
    send.add_argument("--intake", help="intake URL (default: the enrolled one)")
    send.add_argument(
        "--startup-jitter",
        type=float,
        default=0.0,
        help="random delay before the first attempt, in seconds (services use 60)",
    )
