"""``kiosk qr``: parse CCCD QR payloads and decode QR codes from images."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from cli.qr_decode import register_decode
from kiosk.qr_payload import parse_qr_payload
from wire.console import print_json


def register(sub: Any) -> None:
    qr = sub.add_parser("qr", help="CCCD QR payloads and QR images")
    qr_sub = qr.add_subparsers(dest="qr_command", required=True, metavar="ACTION")

    parse = qr_sub.add_parser("parse", help="parse a QR payload into the identity JSON")
    parse.add_argument("payload", help="the payload text, or - to read raw bytes from standard input")
    parse.add_argument("--json", action="store_true", help="print JSON")
    parse.set_defaults(handler=_parse)

    register_decode(qr_sub)


def _parse(args: argparse.Namespace) -> int:
    data: bytes | str = sys.stdin.buffer.read() if args.payload == "-" else args.payload
    identity = parse_qr_payload(data)
    if args.json:
        print_json(identity.to_dict())
    else:
        for key, value in identity.to_dict().items():
            if key not in ("raw", "verification") and value not in (None, False):
                print(f"{key}: {value}")
    return 0
