"""The CCCD QR payload: ``id|old id|name|birth ddMMyyyy|Nam/Nữ|residence|issue ddMMyyyy[|…]``.

The 2021 card carries exactly 7 fields; the 2024 "thẻ căn cước" 10 or more, the extra ones empty in every known
sample (their meaning is unconfirmed, so they are kept raw). Bytes are decoded as strict UTF-8: a charset guess
upstream (zbar's Shift-JIS/Big5 habit) shows up as mojibake and is rejected, never repaired.
"""

from __future__ import annotations

import re
from datetime import date

from kiosk.dates import parse_ddmmyyyy, today_in_vietnam
from kiosk.errors import EncodingError, FieldCountError, FieldValueError
from kiosk.identity import CardType, Identity, Sex
from kiosk.text import clean, looks_vietnamese, nfc

ID_NUMBER = re.compile(r"[0-9]{12}")
OLD_ID_NUMBER = re.compile(r"[0-9]{9}")
_SEX: dict[str, Sex] = {"nam": "M", "nữ": "F"}
_SEX_LABEL: dict[str, str] = {"M": "Nam", "F": "Nữ"}
FIELDS_2021 = 7
MIN_FIELDS_2024 = 10
EARLIEST_BIRTH = date(1900, 1, 1)


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


def parse_qr_payload(data: bytes | str, *, today: date | None = None) -> Identity:
    """Parse and validate a CCCD QR payload into an :class:`Identity` (``source="qr"``).

    Raises a :class:`~kiosk.errors.PayloadError` subclass naming the field and the reason.
    """
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
