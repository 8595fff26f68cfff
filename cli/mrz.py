"""``kiosk mrz``: parse machine-readable zones (TD1 ID cards, TD3 passports, visas), or read them from images."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from kiosk.mrz import Mrz, bac_mrz_information, parse_mrz
from wire.console import print_json


def register(sub: Any) -> None:
    mrz = sub.add_parser("mrz", help="machine-readable zone")
    mrz_sub = mrz.add_subparsers(dest="mrz_command", required=True, metavar="ACTION")
    parse = mrz_sub.add_parser("parse", help="parse MRZ lines, checking every check digit")
    parse.add_argument("lines", nargs="+", metavar="LINE", help="the MRZ lines (3 for TD1, 2 for TD3)")
    parse.add_argument("--json", action="store_true", help="print JSON")
    parse.set_defaults(handler=_parse)
    read = mrz_sub.add_parser("read", help="read the MRZ from photos or camera frames, one JSON line per file")
    read.add_argument("images", nargs="+", type=Path, metavar="IMAGE", help="image files (JPEG, PNG, …)")
    read.add_argument("--json", action="store_true", help="print JSON lines (the default; kept for symmetry)")
    read.set_defaults(handler=_read)


def _mrz_fields(mrz: Mrz) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v)
            for k, v in dataclasses.asdict(mrz).items() if k != "lines"}


def _read_one(reader: Any, path: Path) -> dict[str, Any]:
    """One file's result; every failure is a typed error in the result, never an exception."""
    import cv2  # image decoding: only this subcommand needs OpenCV

    from drivers.mrz_ocr.reader import MAX_PIXELS
    from drivers.qr.pipeline import ImageError, ImageTooLargeError, check_image_size
    from kiosk.mrz_camera import MrzUnreadableError, read_mrz

    try:
        check_image_size(path, MAX_PIXELS)  # from the header, before decoding any pixel
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            raise MrzUnreadableError("the file could not be decoded as an image", code="invalid-image")
        reading = read_mrz(reader, image)
    except ImageTooLargeError as exc:
        error = MrzUnreadableError(exc.message, code="image-too-large")
        return {"file": str(path), "ok": False, "error": error.to_dict()}
    except ImageError as exc:
        error = MrzUnreadableError(exc.message, code="invalid-image")
        return {"file": str(path), "ok": False, "error": error.to_dict()}
    except MrzUnreadableError as exc:
        return {"file": str(path), "ok": False, "error": exc.to_dict()}
    return {"file": str(path), "ok": True, **reading.to_dict(), "mrz": _mrz_fields(reading.mrz)}


def _read(args: argparse.Namespace) -> int:
    from drivers.mrz_ocr import MrzZoneReader  # loads OpenCV and the glyph network: only for this subcommand

    reader = MrzZoneReader()
    failed = 0
    for path in args.images:
        result = _read_one(reader, path)
        failed += not result["ok"]
        print_json(result)
    return 1 if failed else 0


def _parse(args: argparse.Namespace) -> int:
    mrz = parse_mrz(args.lines)
    fields = _mrz_fields(mrz)
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
