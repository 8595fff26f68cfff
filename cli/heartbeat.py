"""``kiosk heartbeat send``: build, sign and send one fleet-health heartbeat now, and print the intake's answer."""

from __future__ import annotations

import argparse
import os
from datetime import timedelta
from typing import Any

from cli.devices import device_states, guest_register, profile_settings, workflow_context
from kiosk.device_key import load_device_key
from kiosk.enrolment import load_enrolment
from kiosk.heartbeat import Collector, HeartbeatSender
from kiosk.outbox import open_outbox
from kiosk.state_dir import state_dir
from kiosk.workflows.model import SHIPPED_KINDS
from wire.console import print_json


def cmd_send(args: argparse.Namespace) -> int:
    directory = state_dir(args.state_dir)
    key = load_device_key(directory)
    intake_url = args.intake or load_enrolment(directory).intake_url
    outbox = open_outbox(directory, for_submitting=False)
    profile = args.profile or "unknown"
    settings = profile_settings(profile)
    collector = Collector(
        profile,
        outbox,
        device_states=lambda: device_states(simulate=args.simulate, camera=args.camera, reader=args.reader),
        register=guest_register(workflow_context(directory, profile)),
        remote_area=bool(settings.get("remote_area", False)),
        due_soon=timedelta(minutes=int(settings.get("due_soon_minutes", 60))),
        establishment=args.establishment,
    )
    try:
        sender = HeartbeatSender(key, intake_url, collector)
        heartbeat = sender.payload()
        answer = sender.send_once()
    finally:
        outbox.close()
    print_json({"ok": answer.ok, "status": answer.status, "answer": answer.body, "heartbeat": heartbeat})
    return 0 if answer.ok else 1


def register(subparsers: Any) -> None:
    heartbeat = subparsers.add_parser("heartbeat", help="fleet health: the signed heartbeat sent to the intake")
    actions = heartbeat.add_subparsers(dest="action", required=True, metavar="ACTION")
    send = actions.add_parser("send", help="send one heartbeat now and print the intake's answer")
    send.add_argument("--state-dir", help="kiosk state directory (env KIOSK_STATE_DIR)")
    send.add_argument("--intake", help="intake URL (default: the enrolled one)")
    send.add_argument("--profile", choices=SHIPPED_KINDS, default=os.environ.get("KIOSK_PROFILE"),
                      help="the kiosk's profile (env KIOSK_PROFILE)")
    send.add_argument("--establishment", help="establishment code reported with the heartbeat")
    send.add_argument("--camera", default="0", help="camera index or V4L2 device path")
    send.add_argument("--reader", help="PC/SC reader name (substring)")
    send.add_argument("--simulate", action="store_true", help="report simulated devices")
    send.add_argument("--json", action="store_true", help="errors as JSON too (results are JSON)")
    send.set_defaults(handler=cmd_send)
