"""The CCCD QR payload: ``id|old id|name|birth ddMMyyyy|Nam/Nữ|residence|issue ddMMyyyy[|…]``.

The 2021 card carries exactly 7 fields; the 2024 "thẻ căn cước" 10 or more, the extra ones empty in every known
sample (their meaning is unconfirmed, so they are kept raw). Bytes are decoded as strict UTF-8: a charset guess
upstream (zbar's Shift-JIS/Big5 habit) shows up as mojibake and is rejected, never repaired.

VNeID: the app's "Mã QR định danh" may carry the same 7-field payload (one source says so; UNCONFIRMED) or
something else (signed, dynamic, a link). A CCCD payload is accepted whatever shows it; when the caller knows the
code was shown by the app (``origin="vneid"``, e.g. the person chose VNeID), the identity's source is
``"vneid-qr"``, since the payload alone cannot tell a phone from a card. Any other payload that is, or is said to
be, a VNeID code raises :class:`~kiosk.errors.UnsupportedQrError` with the plain message the screen shows
("Mã này chưa được hỗ trợ — vui lòng dùng thẻ"). No error message carries the payload.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import Literal

from kiosk.dates import parse_ddmmyyyy, today_in_vietnam
from kiosk.errors import EncodingError, FieldCountError, FieldValueError, PayloadError, UnsupportedQrError
from kiosk.identity import CardType, Identity, Sex
from kiosk.text import clean, looks_vietnamese, nfc

ID_NUMBER = re.compile(r"[0-9]{12}")
OLD_ID_NUMBER = re.compile(r"[0-9]{9}")
_SEX: dict[str, Sex] = {"nam": "M", "nữ": "F"}
_SEX_LABEL: dict[str, str] = {"M": "Nam", "F": "Nữ"}
FIELDS_2021 = 7
MIN_FIELDS_2024 = 10
EARLIEST_BIRTH = date(1900, 1, 1)

Origin = Literal["unknown", "card", "vneid"]
UNSUPPORTED_VI = "Mã này chưa được hỗ trợ — vui lòng dùng thẻ"
# Signs of a VNeID app code that is not a CCCD payload: the app's name, a government link, a signed token
# (three base64url parts, as a JWT).
_VNEID_MARKERS = re.compile(r"vneid|\.gov\.vn\b|^[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}$", re.I)


def unsupported_vneid() -> UnsupportedQrError:
    return UnsupportedQrError(
        "this QR code is a VNeID app code that is not a CCCD payload; it is not supported: ask for the card",
        field="payload", message_vi=UNSUPPORTED_VI,
    )


def looks_like_vneid(text: str) -> bool:
    """Whether a non-CCCD payload shows signs of coming from the VNeID app."""
    return bool(_VNEID_MARKERS.search(text.strip()))


def decode_payload_bytes(data: bytes) -> str:
    """Strict UTF-8 (a leading BOM is tolerated), NFC; typed error otherwise."""
    try:
        text = data.decode("utf-8-sig", errors="strict")
    except UnicodeDecodeError as exc:
        raise EncodingError(
            f"QR payload is not valid UTF-8 (byte {exc.start}); the code was misread or is not a CCCD QR",
            message_vi="Mã QR không đọc được (sai bảng mã). Vui lòng quét lại.",
        ) from None
    return nfc(text)


def clean_address(raw: str) -> str:
    """Drop the empty administrative levels the card writes as ``, -`` or ``, ,``; fold whitespace."""
    parts = [clean(part) for part in raw.split(",")]
    return ", ".join(part for part in parts if part and part not in {"-", "--"})


def _date_field(value: str, field: str, label_vi: str, today: date) -> date:
    try:
        parsed = parse_ddmmyyyy(value.strip())
    except ValueError:
        raise FieldValueError(
            f"{field} is not a valid ddMMyyyy calendar date",
            field=field, message_vi=f"{label_vi} không hợp lệ. Vui lòng quét lại mã QR.",
        ) from None
    if parsed > today:
        raise FieldValueError(f"{field} is in the future", field=field,
                              message_vi=f"{label_vi} nằm trong tương lai. Vui lòng quét lại mã QR.")
    if parsed < EARLIEST_BIRTH:
        raise FieldValueError(f"{field} is before 1900", field=field,
                              message_vi=f"{label_vi} không hợp lệ. Vui lòng quét lại mã QR.")
    return parsed


def _split_fields(text: str) -> tuple[list[str], CardType]:
    fields = text.strip("\r\n\t ").split("|")
    count = len(fields)
    if count >= MIN_FIELDS_2024:
        return fields, "can-cuoc-2024"
    if count >= FIELDS_2021 and all(not f.strip() for f in fields[FIELDS_2021:]):
        return fields[:FIELDS_2021], "cccd-2021"  # trailing separators
    raise FieldCountError(
        f"QR payload has {count} fields; a CCCD has 7 (2021 card) or at least 10 (2024 card)",
        field="payload", message_vi="Mã QR không phải của thẻ CCCD/căn cước. Vui lòng quét mã QR trên thẻ.",
    )


def is_card_payload(data: bytes) -> bool:
    """Whether ``data`` parses as a CCCD QR payload (the pipeline's ``accept`` for the card reader)."""
    try:
        parse_qr_payload(data)
    except PayloadError:
        return False
    return True


def parse_qr_payload(data: bytes | str, *, today: date | None = None, origin: Origin = "unknown") -> Identity:
    """Parse and validate a CCCD QR payload into an :class:`Identity` (``source="qr"``, or ``"vneid-qr"``
    when ``origin="vneid"``).

    Raises a :class:`~kiosk.errors.PayloadError` subclass naming the field and the reason;
    :class:`~kiosk.errors.UnsupportedQrError` for a VNeID code that is not a CCCD payload.
    """
    try:
        identity = _parse(data, today)
    except FieldCountError:
        text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
        if origin == "vneid" or looks_like_vneid(text):
            raise unsupported_vneid() from None
        raise
    except EncodingError:
        if origin == "vneid":  # binary (e.g. signed) data shown by the app
            raise unsupported_vneid() from None
        raise
    return replace(identity, source="vneid-qr") if origin == "vneid" else identity


def _parse(data: bytes | str, today: date | None) -> Identity:
    text = decode_payload_bytes(data) if isinstance(data, bytes) else nfc(data)
    if not looks_vietnamese(text):
        raise EncodingError(
            "QR payload contains characters no CCCD carries (charset mojibake)",
            message_vi="Mã QR bị đọc sai bảng mã. Vui lòng quét lại.",
        )
    fields, card_type = _split_fields(text)
    today = today or today_in_vietnam()

    id_number = fields[0].strip()
    if not ID_NUMBER.fullmatch(id_number):
        raise FieldValueError("id_number must be exactly 12 digits", field="id_number",
                              message_vi="Số định danh phải gồm đúng 12 chữ số.")
    old_id = fields[1].strip()
    if old_id and not OLD_ID_NUMBER.fullmatch(old_id):
        raise FieldValueError("old_id_number must be empty or 9 digits", field="old_id_number",
                              message_vi="Số CMND cũ phải gồm 9 chữ số.")
    full_name = clean(fields[2])
    if not full_name or any(ch.isdigit() for ch in full_name):
        raise FieldValueError("full_name is empty or contains digits", field="full_name",
                              message_vi="Họ và tên trên mã QR không hợp lệ.")
    birth = _date_field(fields[3], "date_of_birth", "Ngày sinh", today)
    sex = _SEX.get(clean(fields[4]).lower())
    if sex is None:
        raise FieldValueError("sex must be 'Nam' or 'Nữ'", field="sex",
                              message_vi="Giới tính trên mã QR không hợp lệ.")
    residence_raw = nfc(fields[5])
    issue = _date_field(fields[6], "issue_date", "Ngày cấp", today)
    if issue < birth:
        raise FieldValueError("issue_date is before date_of_birth", field="issue_date",
                              message_vi="Ngày cấp trước ngày sinh. Vui lòng quét lại mã QR.")

    return Identity(
        id_number=id_number,
        old_id_number=old_id or None,
        full_name=full_name,
        date_of_birth=birth,
        sex=sex,
        residence=clean_address(residence_raw) or None,
        issue_date=issue,
        card_type=card_type,
        source="qr",
        raw={"qr": text, "qr_residence": residence_raw, "qr_extra_fields": fields[FIELDS_2021:]},
    )


def format_qr_payload(identity: Identity, *, fields: int = FIELDS_2021) -> str:
    """Build the payload a card would carry for ``identity`` (7 fields, or ``fields`` ≥ 10 for the 2024 card)."""
    if fields != FIELDS_2021 and fields < MIN_FIELDS_2024:
        raise ValueError("a CCCD QR has 7 or at least 10 fields")

    def ddmmyyyy(value: date | None) -> str:
        return value.strftime("%d%m%Y") if value else ""

    values = [
        identity.id_number or "",
        identity.old_id_number or "",
        identity.full_name or "",
        ddmmyyyy(identity.date_of_birth),
        _SEX_LABEL.get(identity.sex or "", ""),
        identity.residence or "",
        ddmmyyyy(identity.issue_date),
    ]
    return "|".join(values + [""] * (fields - FIELDS_2021))
