"""``kiosk run``: the kiosk itself.

Without a display (or until a profile's UI is available) it runs the headless demo: decode the bundled sample
card image and print the parsed identity.
"""

from __future__ import annotations

import argparse
from typing import Any

from cli.output import print_json


def register(sub: Any) -> None:
    run = sub.add_parser("run", help="run the kiosk (headless demo without a display)")
    run.add_argument("--profile", default="one-stop", choices=("one-stop", "clinic", "lodging"))
    run.add_argument("--simulate", action="store_true", help="use the simulated devices")
    run.add_argument("--fullscreen", action="store_true")
    run.add_argument("--json", action="store_true", help="print the demo result as JSON")
    run.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from kiosk.qr_payload import format_qr_payload, parse_qr_payload
    from kiosk.samples import sample_identity

    payload = format_qr_payload(sample_identity(1)).encode()
    identity = parse_qr_payload(payload)
    if args.json:
        print_json(identity.to_dict())
    else:
        print("cccd-kiosk headless demo: sample card QR parsed")
        for key, value in identity.to_dict().items():
            if key not in ("raw", "verification") and value not in (None, False):
                print(f"  {key:16} {value}")
    return 0
