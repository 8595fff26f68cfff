"""``kiosk card``: serve an emulated card to pcscd, make a test PKI, read a card through PC/SC."""

from __future__ import annotations

import argparse
import json
import logging
import threading
from pathlib import Path
from typing import Any

from drivers.emrtd.chip_errors import ChipError
from drivers.emrtd.dg2 import parse_dg2
from drivers.emrtd.errors import EmrtdError
from drivers.emrtd.pki import TrustStore, make_test_pki
from drivers.emrtd.reader import ChipReader, ReadOptions
from drivers.pcsc import PcscTransport
from drivers.transport import NoCardError, TransportError
from kiosk.chip_identity import ChipVerificationError, identity_from_chip, verification_problem
from kiosk.chip_keys import access_keys
from kiosk.errors import KioskError
from kiosk.identity import Identity
from kiosk.mrz import format_td1, format_td3
from kiosk.qr_payload import parse_qr_payload
from kiosk.samples import sample_identity
from wire.console import print_json
from wire.private_file import write_private

log = logging.getLogger("kiosk.cli.card")


class ChipReadError(KioskError):
    """Reading the chip failed: wrong key, card removed, no card, unsupported document, protocol failure."""

    code = "chip-read-failed"


_MESSAGES_VI = {
    "chip-wrong-key": "Sai mã truy cập chip (CAN hoặc MRZ). Vui lòng kiểm tra lại.",
    "card-removed": "Thẻ đã bị rút ra trong khi đọc. Vui lòng đặt lại thẻ và giữ yên.",
    "no-card": "Không tìm thấy thẻ trên đầu đọc. Vui lòng đặt thẻ lên đầu đọc.",
    "no-reader": "Không tìm thấy đầu đọc thẻ.",
    "chip-unsupported-document": "Giấy tờ này không được hỗ trợ.",
    "chip-cancelled": "Đã hủy đọc thẻ.",
}


def register(sub: Any) -> None:
    card = sub.add_parser("card", help="chip cards: read, emulate, test PKI")
    card_sub = card.add_subparsers(dest="card_command", required=True, metavar="ACTION")

    pki = card_sub.add_parser("make-pki", help="write a test CSCA/DSC pair to DIR")
    pki.add_argument("directory")
    pki.add_argument("--json", action="store_true", help="print JSON")
    pki.set_defaults(handler=_make_pki)

    emulate = card_sub.add_parser("emulate", help="serve an emulated card to pcscd's virtual reader until stopped")
    source = emulate.add_mutually_exclusive_group()
    source.add_argument("--sample", type=int, default=1, help="synthetic citizen number (default 1)")
    source.add_argument("--identity", help="identity JSON file")
    emulate.add_argument("--pki", help="test PKI directory (created when missing; default: a fresh PKI)")
    emulate.add_argument("--port", type=int, default=35963, help="vpcd port (35963 = Virtual PCD 00 00)")
    emulate.add_argument("--host", default="127.0.0.1")
    emulate.add_argument("--fault", action="extend", nargs="+", default=[], metavar="MODE",
                         help="fault modes, e.g. wrong-key, removed-at=12, slow-link=106000:20, tampered-dg")
    emulate.add_argument("--face-size", type=int, default=20000, help="DG2 size in bytes")
    emulate.add_argument("--json", action="store_true", help="print JSON")
    emulate.set_defaults(handler=_emulate)

    read = card_sub.add_parser("read", help="read a card through PC/SC")
    read.add_argument("--reader", help="reader name (substring)")
    keys = read.add_mutually_exclusive_group(required=True)
    keys.add_argument("--can", help="card access number (6 digits)")
    keys.add_argument("--qr", help="QR payload scanned from the card")
    keys.add_argument("--mrz", nargs="+", metavar="LINE", help="MRZ lines")
    keys.add_argument("--document-number", help="document number (with --birth-date and --expiry-date)")
    read.add_argument("--birth-date", metavar="YYMMDD")
    read.add_argument("--expiry-date", metavar="YYMMDD")
    read.add_argument("--trust", help="trust store directory (CSCA certificates, master lists, CRLs)")
    read.add_argument("--face-out", help="write the face image here")
    read.add_argument("--no-face", action="store_true", help="do not read DG2")
    read.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for a card")
    read.add_argument("--json", action="store_true", help="print JSON")
    read.set_defaults(handler=_read)


def _make_pki(args: argparse.Namespace) -> int:
    pki = make_test_pki(Path(args.directory))
    print_json({"ok": True, "directory": str(args.directory), "csca": pki.csca_cert.subject.rfc4514_string(),
                "dsc": pki.dsc_cert.subject.rfc4514_string()})
    return 0


def _load_identity(args: argparse.Namespace) -> Any:
    if args.identity:
        try:
            return Identity.from_json(Path(args.identity).read_text(encoding="utf-8"))
        except (OSError, ValueError, TypeError) as exc:
            raise KioskError("the identity file cannot be read", field="identity", code="invalid-identity-file",
                             message_vi="Không đọc được tệp thông tin công dân.") from exc
    return sample_identity(args.sample)


def _mrz_lines(identity: Any) -> list[str]:
    if identity.card_type == "passport":
        if identity.expiry_date is None or identity.date_of_birth is None or not identity.document_number:
            raise KioskError("a passport needs its number, birth and expiry dates", field="identity",
                             code="invalid-identity-file", message_vi="Thiếu thông tin hộ chiếu.")
        return format_td3(document_number=identity.document_number, state="VNM", nationality="VNM",
                          full_name=identity.full_name or "", birth=identity.date_of_birth, sex=identity.sex,
                          expiry=identity.expiry_date)
    try:
        return format_td1(identity)
    except ValueError as exc:
        raise KioskError(str(exc), field="identity", code="invalid-identity-file",
                         message_vi="Thiếu số định danh hoặc ngày sinh.") from exc


def _emulate(args: argparse.Namespace) -> int:
    # The card emulator (the simulated chip, its PKI and vpcd link) loads only for ``kiosk card emulate``.
    from drivers.sim.emulated_card import emulated_card_from_record
    from drivers.sim.vpcd import VpcdCard

    identity = _load_identity(args)
    lines = _mrz_lines(identity)
    pki = make_test_pki(Path(args.pki) if args.pki else None)
    variant = identity.card_type if identity.card_type in ("cccd-2021", "can-cuoc-2024", "passport") else "cccd-2021"

    def make_card() -> Any:
        try:
            return emulated_card_from_record(identity.to_dict(), pki, lines, faults=args.fault, variant=variant,
                                             dg2_size=args.face_size)
        except ValueError as exc:
            raise KioskError(str(exc), field="fault", code="invalid-fault",
                             message_vi="Chế độ lỗi không hợp lệ.") from exc

    card = make_card()
    print_json({"ok": True, "serving": True, "port": args.port, "faults": sorted(args.fault)})
    stop = threading.Event()
    try:
        while not stop.is_set():
            server = VpcdCard(card, args.host, args.port)
            server.serve(stop)
            if server.removed:
                log.info("card removed; presenting it again in 1 s")
                stop.wait(1.0)
                card = make_card()
    except KeyboardInterrupt:
        stop.set()
    return 0


def _read_keys(args: argparse.Namespace) -> list[Any]:
    if args.qr:
        return access_keys(qr_identity=parse_qr_payload(args.qr))
    if args.can:
        return access_keys(can=args.can)
    if args.mrz:
        return access_keys(mrz_lines=args.mrz)
    if not (args.birth_date and args.expiry_date):
        raise KioskError("--document-number needs --birth-date and --expiry-date", field="birth_date",
                         code="missing-field", message_vi="Cần số giấy tờ, ngày sinh và ngày hết hạn.")
    return access_keys(bac=(args.document_number, args.birth_date, args.expiry_date))


def chip_error(exc: Exception) -> KioskError:
    """A typed kiosk error for a driver-level failure (chip protocol, transport, data layer)."""
    code = getattr(exc, "code", "chip-error")
    message = getattr(exc, "message", type(exc).__name__)
    return ChipReadError(f"chip read failed: {message}", code=code,
                         message_vi=_MESSAGES_VI.get(code, "Không đọc được chip. Vui lòng thử lại."))


def verification_failures(verification: dict[str, Any], *, trusted: bool) -> list[str]:
    """Checks that failed: anything invalid, and anything short of valid passive authentication when a trust
    store was given."""
    failures = []
    for name in ("passive", "active", "chip_authentication"):
        status = (verification.get(name) or {}).get("status")
        if status in ("invalid", "failed"):
            failures.append(f"{name}: {(verification.get(name) or {}).get('reason')}")
    passive = (verification.get("passive") or {}).get("status")
    if trusted and passive != "valid" and not any(f.startswith("passive") for f in failures):
        failures.append(f"passive: {passive}")
    return failures


def _read(args: argparse.Namespace) -> int:
    keys = _read_keys(args)
    try:
        trust = TrustStore.from_directory(args.trust) if args.trust else None
    except EmrtdError as exc:
        raise KioskError("the trust store cannot be loaded", field="trust", code="invalid-trust-store",
                         message_vi="Không tải được kho chứng thư tin cậy.") from exc
    transport = PcscTransport(args.reader)
    try:
        if not transport.wait_for_card(args.timeout):
            raise NoCardError("no card was presented")
        reader = ChipReader(transport, keys, trust=trust, options=ReadOptions(read_face=not args.no_face))
        result = reader.read()
    except (ChipError, TransportError, EmrtdError) as exc:
        raise chip_error(exc) from exc
    finally:
        transport.disconnect()
    identity = identity_from_chip(result.data_groups, result.verification)
    face = _write_face(result.data_groups.get(2), args.face_out)
    failures = verification_failures(result.verification, trusted=trust is not None)
    if failures:
        raise verification_problem(result.verification) or ChipVerificationError(
            "chip data failed verification: " + "; ".join(failures),
            message_vi="Dữ liệu chip không xác thực được. Không sử dụng thẻ này.")
    out = {"ok": True, "identity": identity.to_dict(), "stats": result.stats.as_dict(), "missing": result.missing,
           "face": face}
    if args.json:
        print_json(out)
    else:
        print(json.dumps(out, ensure_ascii=False, indent=2, default=str))
    return 0


def _write_face(dg2: bytes | None, path: str | None) -> dict[str, Any] | None:
    if dg2 is None:
        return None

    try:
        face = parse_dg2(dg2).face
    except EmrtdError as exc:
        return {"status": "malformed", "reason": exc.code}
    info: dict[str, Any] = {"format": face.format, "bytes": len(face.data)}
    if path:
        write_private(path, face.data)  # a portrait: 0600
        info["path"] = path
    return info
