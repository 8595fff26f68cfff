"""Health-insurance (BHYT) card check through the clinic's own system.

The kiosk never holds insurance-agency credentials: lookups are tied to a named staff member and go
through the clinic's system (represented by the intake), which calls the BHXH gateway and returns its
answer unchanged. The answer fields and result codes are those of the BHXH card-check service as used by
clinic systems (``KQNhanLichSuKCB2024``); this is not an official specification, so unknown codes are
reported, not guessed, and the raw answer is always kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Literal, Protocol

import requests

from kiosk.errors import KioskError

Outcome = Literal["valid", "valid-new-card", "invalid", "mismatch", "retry", "unknown"]


@dataclass(frozen=True)
class ResultCode:
    code: str
    outcome: Outcome
    message_en: str
    message_vi: str


_CODES = [
    ResultCode("000", "valid", "Card valid, data correct", "Thẻ hợp lệ, thông tin đúng."),
    ResultCode(
        "001",
        "valid",
        "Card valid; managed by the social insurance of the Ministry of Defence",
        "Thẻ hợp lệ; thẻ do BHXH Bộ Quốc phòng quản lý.",
    ),
    ResultCode(
        "002",
        "valid",
        "Card valid; managed by the social insurance of the Ministry of Public Security",
        "Thẻ hợp lệ; thẻ do BHXH Bộ Công an quản lý.",
    ),
    ResultCode(
        "003",
        "valid-new-card",
        "Old card expired, a new card was issued: use the new card number",
        "Thẻ cũ đã hết giá trị, đã được cấp thẻ mới: dùng mã thẻ mới.",
    ),
    ResultCode(
        "004",
        "valid-new-card",
        "Old card still valid, a new card was issued: use the new card number",
        "Thẻ cũ còn giá trị, đã được cấp thẻ mới: dùng mã thẻ mới.",
    ),
    ResultCode("010", "invalid", "Card expired", "Thẻ đã hết hạn sử dụng."),
    ResultCode(
        "050",
        "invalid",
        "No card information found (the ID card may not be linked to a BHYT card)",
        "Không tìm thấy thông tin thẻ (CCCD có thể chưa tích hợp BHYT).",
    ),
    ResultCode("051", "invalid", "Wrong card code", "Mã thẻ không đúng."),
    ResultCode(
        "052",
        "invalid",
        "Wrong province code in the card number (characters 4–5)",
        "Mã tỉnh trên mã thẻ không đúng (ký tự 4–5).",
    ),
    ResultCode(
        "053",
        "invalid",
        "Wrong benefit code in the card number (character 3)",
        "Mã quyền lợi trên mã thẻ không đúng (ký tự 3).",
    ),
    ResultCode("060", "mismatch", "Name does not match the card", "Họ tên không khớp với thẻ."),
    ResultCode(
        "061",
        "mismatch",
        "Name does not match the card (first letter right)",
        "Họ tên không khớp với thẻ (đúng ký tự đầu).",
    ),
    ResultCode("070", "mismatch", "Date of birth does not match the card", "Ngày sinh không khớp với thẻ."),
    ResultCode(
        "100", "retry", "Error reading the card records; try again", "Lỗi khi đọc dữ liệu thẻ; thử lại."
    ),
    ResultCode(
        "101", "retry", "Insurance server error; try again later", "Máy chủ BHXH gặp lỗi; thử lại sau."
    ),
    ResultCode("110", "invalid", "Card revoked", "Thẻ đã bị thu hồi."),
    ResultCode("120", "invalid", "Card reported reduced (báo giảm)", "Thẻ đã bị báo giảm."),
    ResultCode(
        "121",
        "invalid",
        "Card reported reduced: moved to another province",
        "Thẻ đã bị báo giảm: chuyển ngoại tỉnh.",
    ),
    ResultCode(
        "122",
        "invalid",
        "Card reported reduced: moved within the province",
        "Thẻ đã bị báo giảm: chuyển nội tỉnh.",
    ),
    ResultCode(
        "123",
        "invalid",
        "Card reported reduced: revoked and re-enrolled at the same unit",
        "Thẻ đã bị báo giảm: thu hồi để tăng lại tại cùng đơn vị.",
    ),
    ResultCode(
        "124",
        "invalid",
        "Card reported reduced: stopped participating",
        "Thẻ đã bị báo giảm: ngừng tham gia.",
    ),
    ResultCode("130", "invalid", "Child: no card presented", "Trẻ em không xuất trình thẻ."),
    ResultCode("205", "retry", "Wrong parameter format in the lookup", "Sai định dạng tham số tra cứu."),
    ResultCode(
        "401",
        "retry",
        "The clinic system's account was refused by the insurance gateway",
        "Tài khoản của cơ sở khám chữa bệnh bị cổng BHXH từ chối.",
    ),
]
RESULT_CODES: dict[str, ResultCode] = {c.code: c for c in _CODES}

# What the receptionist should do, by outcome.
ACTIONS: dict[Outcome, tuple[str, str]] = {
    "valid": ("Continue the BHYT visit.", "Tiếp tục khám theo BHYT."),
    "valid-new-card": (
        "Continue the BHYT visit with the new card number.",
        "Tiếp tục khám theo BHYT với mã thẻ mới.",
    ),
    "invalid": (
        "Explain to the patient and register the visit without BHYT (CV 931/BYT-BH).",
        "Giải thích cho người bệnh và tiếp đón khám không theo BHYT (CV 931/BYT-BH).",
    ),
    "mismatch": (
        "Compare the identity card with the insurance card; correct the data or ask the patient.",
        "Đối chiếu thẻ căn cước với thẻ BHYT; sửa thông tin hoặc hỏi lại người bệnh.",
    ),
    "retry": (
        "Try again; if it persists, register the visit normally and check the card later.",
        "Thử lại; nếu vẫn lỗi, tiếp đón bình thường và kiểm tra thẻ sau.",
    ),
    "unknown": (
        "Unknown result code: check the card in the clinic system.",
        "Mã kết quả chưa biết: kiểm tra thẻ trên hệ thống của cơ sở.",
    ),
}


def describe(code: str) -> ResultCode:
    return RESULT_CODES.get(code) or ResultCode(
        code, "unknown", f"Unknown result code {code}", f"Mã kết quả chưa biết: {code}."
    )


class CardCheckUnavailableError(KioskError):
    code = "card-check-unavailable"

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"The clinic system could not check the insurance card: {reason}",
            field=None,
            message_vi="Chưa kiểm tra được thẻ BHYT qua hệ thống của cơ sở. "
            "Hãy tiếp đón theo quy trình thông thường.",
        )


def _date(text: Any) -> date | None:
    if not isinstance(text, str) or not text.strip():
        return None
    for fmt in ("%d/%m/%Y", "%Y%m%d", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


@dataclass(frozen=True)
class CardCheckRequest:
    """``card_number``: the 15-character BHYT code, or the 12-digit ID number (accepted by several
    systems). ``staff_name`` and ``staff_id_number`` name the reception staff member on whose behalf the
    lookup is made (``hoTenCb``, ``cccdCb``, required since CV 1923/BHXH-CNTT); they come from the site
    configuration, and the relay fills its own when they are empty."""

    card_number: str
    full_name: str
    date_of_birth: date
    staff_name: str = ""
    staff_id_number: str = ""

    def body(self) -> dict[str, str]:
        body = {
            "maThe": self.card_number,
            "hoTen": self.full_name,
            "ngaySinh": self.date_of_birth.strftime("%d/%m/%Y"),
        }
        if self.staff_name and self.staff_id_number:
            body.update({"hoTenCb": self.staff_name, "cccdCb": self.staff_id_number})
        return body


@dataclass(frozen=True)
class CardCheckResult:
    code: str
    info: ResultCode
    raw: dict[str, Any] = field(repr=False)

    @property
    def card_number(self) -> str | None:
        """The card to bill: the new card when one was issued (003/004), else the checked card."""
        if self.info.outcome == "valid-new-card" and self.raw.get("maTheMoi"):
            return str(self.raw["maTheMoi"])
        value = self.raw.get("maThe")
        return str(value) if value else None

    @property
    def registered_facility(self) -> str | None:
        value = self.raw.get("maDKBDMoi") if self.info.outcome == "valid-new-card" else None
        value = value or self.raw.get("maDKBD")
        return str(value) if value else None

    @property
    def valid_from(self) -> date | None:
        key = (
            "gtTheTuMoi"
            if self.info.outcome == "valid-new-card" and self.raw.get("gtTheTuMoi")
            else "gtTheTu"
        )
        return _date(self.raw.get(key))

    @property
    def valid_to(self) -> date | None:
        key = (
            "gtTheDenMoi"
            if self.info.outcome == "valid-new-card" and self.raw.get("gtTheDenMoi")
            else "gtTheDen"
        )
        return _date(self.raw.get(key))

    @property
    def his_patient_id(self) -> str:
        """``MA_BN`` as assigned by the clinic's HIS and returned by the relay (``maBN``); empty until assigned.
        The kiosk never makes one up."""
        value = self.raw.get("maBN")
        return str(value).strip() if value else ""

    @property
    def usable(self) -> bool:
        return self.info.outcome in ("valid", "valid-new-card")

    def to_dict(self) -> dict[str, Any]:
        action_en, action_vi = ACTIONS[self.info.outcome]
        return {
            "code": self.code,
            "outcome": self.info.outcome,
            "usable": self.usable,
            "message_en": self.info.message_en,
            "message_vi": self.info.message_vi,
            "action_en": action_en,
            "action_vi": action_vi,
            "note": self.raw.get("ghiChu"),
            "card_number": self.card_number,
            "registered_facility": self.registered_facility,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
        }


def parse_response(raw: dict[str, Any]) -> CardCheckResult:
    code = str(raw.get("maKetQua", "")).strip()
    return CardCheckResult(code, describe(code), raw)


class CardCheckAdapter(Protocol):
    def check(self, request: CardCheckRequest) -> CardCheckResult: ...


class HttpCardCheckAdapter:
    """Asks the clinic relay (the clinic's system): ``POST {base_url}/clinic/card-check`` with ``maThe``,
    ``hoTen``, ``ngaySinh`` and the staff member (``hoTenCb``, ``cccdCb``) from the site configuration.

    The relay adds the gateway credentials (the kiosk holds none), calls the BHXH gateway and returns its
    JSON answer, plus ``maBN`` when the clinic's HIS has assigned a patient id. Any transport failure,
    timeout or malformed answer raises ``CardCheckUnavailableError``: the visit then goes on unchecked.
    """

    path = "/clinic/card-check"

    def __init__(
        self,
        base_url: str,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (5, 30),
        staff_name: str = "",
        staff_id_number: str = "",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.timeout = timeout
        self.staff_name = staff_name
        self.staff_id_number = staff_id_number

    def check(self, request: CardCheckRequest) -> CardCheckResult:
        if not request.staff_name and self.staff_name and self.staff_id_number:
            request = replace(request, staff_name=self.staff_name, staff_id_number=self.staff_id_number)
        try:
            reply = self.session.post(self.base_url + self.path, json=request.body(), timeout=self.timeout)
        except requests.RequestException as exc:
            raise CardCheckUnavailableError(type(exc).__name__) from None
        if reply.status_code != 200:
            raise CardCheckUnavailableError(f"HTTP {reply.status_code}")
        try:
            data = reply.json()
        except ValueError:
            raise CardCheckUnavailableError("the answer is not JSON") from None
        if not isinstance(data, dict) or "maKetQua" not in data:
            raise CardCheckUnavailableError("the answer has no maKetQua")
        return parse_response(data)
