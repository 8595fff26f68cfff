"""Receipt codes and receipts.

The receipt code is derived from the submission id (``sid``) alone, so the intake computes the same code
from the ``sid`` it stores and can answer a status look-up by code. 40 bits in Crockford base32 (no I,
L, O, U) plus one check character: ``XXXX-XXXXC``. The receipt carries no personal data: printed slips
get left behind.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk.errors import KioskError
from kiosk.workflows.model import Procedure

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


class ReceiptCodeError(KioskError):
    code = "invalid-receipt-code"

    def __init__(self) -> None:
        super().__init__(
            "The receipt code is malformed or mistyped; check the 9 characters on the slip",
            field="receipt_code",
            message_vi="Mã hồ sơ không đúng. Hãy kiểm tra lại 9 ký tự in trên phiếu.",
        )


def _check_char(body: str) -> str:
    return ALPHABET[hashlib.sha256(body.encode()).digest()[0] % 32]


def receipt_code(sid: str) -> str:
    n = int.from_bytes(hashlib.sha256(f"receipt-code:{sid}".encode()).digest()[:5], "big")
    body = "".join(ALPHABET[(n >> (5 * i)) & 31] for i in reversed(range(8)))
    return f"{body[:4]}-{body[4:]}{_check_char(body)}"


def parse_receipt_code(text: str) -> str:
    """The canonical code from what a person typed (case, dashes, spaces, O/0 and I/L/1 confusions
    forgiven)."""
    chars = "".join(ch for ch in text.upper() if ch not in " -").translate(_READ_AS)
    if len(chars) != 9 or any(ch not in ALPHABET for ch in chars) or _check_char(chars[:8]) != chars[8]:
        raise ReceiptCodeError()
    return f"{chars[:4]}-{chars[4:]}"


@dataclass(frozen=True)
class Ticket:
    counter_id: str
    counter_number: int
    counter_label_vi: str
    counter_label_en: str
    number: int
    display: str
    day: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def build_receipt(
    procedure: Procedure, sid: str, issued_at: datetime, ticket: Ticket | None
) -> dict[str, Any]:
    """What the kiosk prints and shows after a submission has been durably queued."""
    code = receipt_code(sid)
    lines_vi = [
        f"Thủ tục: {procedure.title_vi}",
        f"Mã hồ sơ: {code}",
        f"Thời gian: {issued_at.strftime('%d/%m/%Y %H:%M')}",
    ]
    lines_en = [
        f"Procedure: {procedure.title_en}",
        f"Receipt code: {code}",
        f"Time: {issued_at.strftime('%d/%m/%Y %H:%M')}",
    ]
    if ticket:
        lines_vi.append(f"Số thứ tự: {ticket.display} – {ticket.counter_label_vi}")
        lines_en.append(f"Queue number: {ticket.display} – {ticket.counter_label_en}")
    lines_vi.append("Dùng mã hồ sơ để tra cứu tình trạng giải quyết.")
    lines_en.append("Use the receipt code to look up the dossier status.")
    return {
        "receipt_code": code,
        "sid": sid,
        "procedure": procedure.id,
        "issued_at": issued_at.isoformat(),
        "ticket": ticket.to_dict() if ticket else None,
        "lines_vi": lines_vi,
        "lines_en": lines_en,
    }
