"""``kiosk device``: the kiosk's signing key and its enrolment with the intake."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.device_key import load_or_create_device_key
from kiosk.enrolment import EnrolmentError, enrol, load_enrolment, save_enrolment
from kiosk.state_dir import state_dir
from wire.console import print_json


def _state_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--state-dir", help="kiosk state directory (env KIOSK_STATE_DIR)")
    parser.add_argument("--json", action="store_true", help="print errors as JSON too")


def cmd_enroll(args: argparse.Namespace) -> int:
    directory = state_dir(args.state_dir)
    key = load_or_create_device_key(directory, args.alg)
    enrolment = enrol(args.intake, args.token, key)
    save_enrolment(directory, enrolment)
    print_json({"ok": True, "device": enrolment.device, "alg": key.alg, "intake": enrolment.intake_url})
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    directory = state_dir(args.state_dir)
    key = load_or_create_device_key(directory)
    result: dict[str, Any] = {"ok": True, "device": key.kid, "alg": key.alg, "public_key": key.public_jwk()}
    try:
        result["intake"] = load_enrolment(directory).intake_url
    except EnrolmentError:
        result["intake"] = None
    print_json(result)
    return 0


def register(subparsers: Any) -> None:
    device = subparsers.add_parser("device", help="device key and enrolment")
    actions = device.add_subparsers(dest="action", required=True, metavar="ACTION")
    enroll = actions.add_parser("enroll", aliases=["enrol"], help="register this kiosk's key with an intake")
    _state_dir_option(enroll)
    enroll.add_argument("--intake", required=True, help="intake base URL, e.g. https://intake.example/")
    enroll.add_argument("--token", required=True, help="one-time token from `kiosk-intake device token`")
    enroll.add_argument(
        "--alg",
        default="Ed25519",
        choices=["Ed25519", "ES256"],
        help="key algorithm if the key does not exist yet",
    )
    enroll.set_defaults(handler=cmd_enroll)
    show = actions.add_parser("show", help="key id, public key and intake (never the private key)")
    _state_dir_option(show)
    show.set_defaults(handler=cmd_show)
