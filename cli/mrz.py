"""``kiosk mrz``: parse machine-readable zones (TD1 ID cards, TD3 passports)."""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from kiosk.mrz import bac_mrz_information, parse_mrz
from wire.console import print_json


def register(sub: Any) -> None:
    mrz = sub.add_parser("mrz", help="machine-readable zone")
    mrz_sub = mrz.add_subparsers(dest="mrz_command", required=True, metavar="ACTION")
    parse = mrz_sub.add_parser("parse", help="parse MRZ lines, checking every check digit")
    parse.add_argument("lines", nargs="+", metavar="LINE", help="the MRZ lines (3 for TD1, 2 for TD3)")
    parse.add_argument("--json", action="store_true", help="print JSON")
    parse.set_defaults(handler=_parse)


def _parse(args: argparse.Namespace) -> int:
    mrz = parse_mrz(args.lines)
    fields = {k: (v.isoformat() if hasattr(v, "isoformat") else v)
              for k, v in dataclasses.asdict(mrz).items() if k != "lines"}
    result = {
        "ok": True,
        "mrz": fields,
        "no_expiry": mrz.no_expiry,
        "identity": mrz.to_identity().to_dict(),
        "bac_mrz_information": bac_mrz_information(mrz.document_number, mrz.birth_raw, mrz.expiry_raw),
        "pace_can": mrz.to_identity().pace_can,
    }
    if args.json:
        print_json(result)
    else:
        for key, value in fields.items():
            print(f"{key}: {value}")
    return 0
