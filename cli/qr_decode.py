"""``kiosk qr decode IMAGE…``: decode the CCCD QR code of image files."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from drivers.qr.decoders import DECODERS, make_decoder
from drivers.qr.pipeline import ImageError, ImageTooLargeError, QrPipeline, Stage
from kiosk.errors import DecodeError, KioskError
from kiosk.qr_payload import parse_qr_payload
from wire.console import print_json

log = logging.getLogger("kiosk.cli.qr")

PIPELINE = "pipeline"


def register_decode(qr_sub: Any) -> None:
    """Add the ``decode`` action to the ``kiosk qr`` sub-parsers."""
    decode = qr_sub.add_parser("decode", help="decode the CCCD QR code of image files")
    decode.add_argument("images", nargs="+", metavar="IMAGE", help="image files (PNG, JPEG...)")
    decode.add_argument("--json", action="store_true", help="print one JSON object per image")
    decode.add_argument("--decoder", default=PIPELINE, choices=[PIPELINE, *sorted(DECODERS)],
                        help="the full pipeline (default) or a single backend, for comparison")
    decode.set_defaults(handler=_decode)


def _decode(args: argparse.Namespace) -> int:
    pipeline = QrPipeline() if args.decoder == PIPELINE else QrPipeline([Stage(args.decoder,
                                                                              make_decoder(args.decoder))])
    failures = 0
    for path in args.images:
        result = decode_file(pipeline, path)
        failures += not result["ok"]
        if args.json:
            print_json(result)
        elif result["ok"]:
            print(f"{path}: ok ({result['decoder']}, {result['ms']} ms)")
            for key, value in result["identity"].items():
                if key not in ("raw", "verification") and value not in (None, False):
                    print(f"  {key}: {value}")
        else:
            print(f"{path}: error [{result['error']['code']}] {result['error']['message']}")
    return 1 if failures else 0


def decode_file(pipeline: Any, path: str) -> dict[str, Any]:
    """Decode and parse one image file into the JSON object ``kiosk qr decode --json`` prints."""
    try:
        try:
            result = pipeline.decode(path)
        except ImageTooLargeError as exc:
            raise DecodeError(str(exc), field="image", code=exc.code,
                              message_vi="Ảnh quá lớn; hãy dùng ảnh nhỏ hơn") from exc
        except ImageError as exc:
            raise DecodeError(str(exc), field="image", code="unreadable-image",
                              message_vi="Không đọc được tệp ảnh") from exc
        if result is None:
            raise DecodeError("no QR code could be decoded from the image", field="image",
                              message_vi="Không tìm thấy mã QR trong ảnh; hãy giữ thẻ yên và rõ nét")
        identity = parse_qr_payload(result.payload)
    except KioskError as exc:
        log.info("%s: %s", exc.code, exc.message)
        return {"file": path, "ok": False, "error": exc.to_dict()}
    return {"file": path, "ok": True, "identity": identity.to_dict(), "decoder": result.decoder,
            "ms": round(result.ms, 2)}
