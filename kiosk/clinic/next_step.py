"""What the patient does next after the BHYT card check: one ``NextStep`` per result, in plain words.

``next_step(result, facility_code=...)`` turns a card-check answer (or ``None`` when the relay was offline or
timed out) into the text a screen shows, Vietnamese first, English second, and a machine-readable ``action``:

- ``continue``: the card is valid here; go on with the visit.
- ``explain``: the card is valid but registered at another initial facility (``maDKBD``, "tuyến"): the visit goes
  on, and the screen explains that the benefit level may differ and reception will confirm.
- ``expired``: the card has expired (010); the visit can go on without BHYT, or the patient renews the card.
- ``reception``: the card was not found, the name or date of birth do not match, or the card is revoked or
  reported reduced: the patient goes to the reception desk with the card.
- ``unchecked``: the gateway or the relay did not answer (offline, timeout, server error, the clinic's account
  refused): check-in continues, flagged ``chưa kiểm tra thẻ`` for reception (CV 931/BYT-BH: never block the visit);
  or there was nothing to check (``NO_CARD_STEP``: a foreign patient's passport and no BHYT card number typed):
  check-in continues as a self-paying visit, flagged ``không có thẻ BHYT``.

A workflow plugin calls ``next_step`` with the card check's answer in ``before_consent`` and turns it into the
screen's notice with ``Notice(**step.notice())`` (``code``, ``level`` ok/warn/stop, titles, texts, ``flag``);
``NextStep.to_dict()`` goes into the submission and the ``--json`` demo.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from kiosk.clinic.insurance import CardCheckResult

Action = Literal["continue", "explain", "expired", "reception", "unchecked"]
Level = Literal["ok", "warn", "stop"]
UNCHECKED_FLAG = "chưa kiểm tra thẻ"
LEVELS: dict[Action, Level] = {"continue": "ok", "explain": "warn", "expired": "warn", "reception": "stop",
                               "unchecked": "warn"}


@dataclass(frozen=True)
class NextStep:
    """One screen's worth of guidance after the card check."""

    action: Action
    code: str | None  # the BHXH result code, None when the check did not happen
    title_vi: str
    title_en: str
    text_vi: str
    text_en: str
    proceed: bool  # whether check-in goes ahead at the kiosk
    flag: str | None = None  # shown to reception with the check-in (e.g. "chưa kiểm tra thẻ")

    @property
    def level(self) -> Level:
        """How a screen colours it: ``ok`` go on, ``warn`` go on but read this, ``stop`` see the staff."""
        return LEVELS[self.action]

    def notice(self) -> dict[str, Any]:
        """The fields of a screen notice: ``code`` (the BHXH result code, or ``offline``), ``level``, titles,
        texts and ``flag``."""
        return {"code": self.code or "offline", "level": self.level, "title_vi": self.title_vi,
                "title_en": self.title_en, "text_vi": self.text_vi, "text_en": self.text_en, "flag": self.flag}

    def lines(self) -> tuple[str, str]:
        """The two lines a screen shows: Vietnamese, then English."""
        return f"{self.title_vi}. {self.text_vi}", f"{self.title_en}. {self.text_en}"

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "level": self.level}


_RECEPTION_VI = "Vui lòng đến quầy tiếp đón, mang theo thẻ căn cước và thẻ BHYT (nếu có)."
_RECEPTION_EN = "Please go to the reception desk with your ID card and your BHYT card if you have it."

# Codes grouped by what the patient does; every code of the BHXH card-check service is listed exactly once.
_STEPS: dict[str, tuple[Action, str, str, str, str]] = {}


def _add(codes: str, action: Action, title_vi: str, title_en: str, text_vi: str, text_en: str) -> None:
    for code in codes.split():
        _STEPS[code] = (action, title_vi, title_en, text_vi, text_en)


_add("000 001 002", "continue", "Thẻ BHYT hợp lệ", "Your BHYT card is valid",
     "Mời bạn tiếp tục đăng ký khám.", "Please continue your check-in.")
_add("003 004", "continue", "Thẻ BHYT hợp lệ (thẻ mới)", "Your BHYT card is valid (new card)",
     "Bạn đã được cấp thẻ mới; lượt khám dùng mã thẻ mới. Mời bạn tiếp tục.",
     "A new card was issued to you; this visit uses the new card number. Please continue.")
_add("010", "expired", "Thẻ BHYT đã hết hạn", "Your BHYT card has expired",
     "Bạn vẫn được khám nhưng không theo BHYT. Hãy gia hạn thẻ hoặc hỏi quầy tiếp đón.",
     "You can still be seen, but not under BHYT. Renew the card or ask at reception.")
_add("050 051 052 053", "reception", "Không tìm thấy thẻ BHYT", "No BHYT card found",
     "Thẻ căn cước có thể chưa tích hợp BHYT hoặc mã thẻ không đúng. " + _RECEPTION_VI,
     "Your ID card may not be linked to BHYT, or the card number is wrong. " + _RECEPTION_EN)
_add("060 061 070", "reception", "Thông tin không khớp với thẻ BHYT", "Your details do not match the BHYT card",
     "Họ tên hoặc ngày sinh khác với thẻ BHYT. " + _RECEPTION_VI,
     "The name or date of birth differs from the BHYT card. " + _RECEPTION_EN)
_add("110 120 121 122 123 124", "reception", "Thẻ BHYT không còn sử dụng được",
     "Your BHYT card can no longer be used",
     "Thẻ đã bị thu hồi hoặc báo giảm. " + _RECEPTION_VI,
     "The card was revoked or reported reduced. " + _RECEPTION_EN)
_add("130", "reception", "Trẻ em chưa xuất trình thẻ BHYT", "Child without a BHYT card",
     "Cần xuất trình thẻ BHYT hoặc giấy tờ của trẻ. " + _RECEPTION_VI,
     "The child's BHYT card or papers are needed. " + _RECEPTION_EN)
_add("100 101 205 401", "unchecked", "Chưa kiểm tra được thẻ BHYT", "The BHYT card could not be checked",
     "Bạn vẫn được đăng ký khám; quầy tiếp đón sẽ kiểm tra thẻ sau.",
     "Your check-in goes ahead; reception will check the card later.")

OFFLINE_STEP = NextStep(
    "unchecked", None, "Chưa kiểm tra được thẻ BHYT", "The BHYT card could not be checked",
    "Hệ thống kiểm tra thẻ đang không trả lời. Bạn vẫn được đăng ký khám; quầy tiếp đón sẽ kiểm tra thẻ sau.",
    "The card-check service is not answering. Your check-in goes ahead; reception will check the card later.",
    True, UNCHECKED_FLAG,
)
NO_CARD_FLAG = "không có thẻ BHYT"
NO_CARD_STEP = NextStep(
    "unchecked", "no-card", "Không có thẻ BHYT để kiểm tra", "No health insurance card to check",
    "Bạn được đăng ký khám dịch vụ (tự chi trả). Nếu có thẻ BHYT, hãy đưa cho quầy tiếp đón.",
    "You are checked in as a self-paying patient. If you have a BHYT card, show it at reception.",
    True, NO_CARD_FLAG,
)
OTHER_FACILITY_STEP: tuple[Action, str, str, str, str] = (
    "explain", "Thẻ BHYT hợp lệ, nơi đăng ký khám ban đầu khác", "Your BHYT card is valid, registered elsewhere",
    "Thẻ đăng ký khám ban đầu tại cơ sở khác (mã {facility}). Mức hưởng BHYT khi khám tại đây có thể khác "
    "(đúng tuyến, trái tuyến hoặc chuyển tuyến); quầy tiếp đón sẽ giải thích. Mời bạn tiếp tục.",
    "The card's initial registration is at another facility (code {facility}). The BHYT benefit here may differ "
    "(in-network, out-of-network or referral); reception will explain. Please continue.",
)
KNOWN_CODES = tuple(sorted(_STEPS))


def next_step(result: CardCheckResult | None, *, facility_code: str = "") -> NextStep:
    """The next step for a card-check ``result``; ``None`` means the relay was offline or timed out.

    ``facility_code`` is this clinic's ``MA_CSKCB``: a usable card registered elsewhere gets the ``explain`` step.
    An unknown code sends the patient to reception (never guessed as valid).
    """
    if result is None:
        return OFFLINE_STEP
    code = result.code
    entry = _STEPS.get(code)
    if entry is None:
        return NextStep("reception", code, "Kết quả kiểm tra thẻ chưa rõ", "Unclear card-check result",
                        f"Mã kết quả {code}. " + _RECEPTION_VI, f"Result code {code}. " + _RECEPTION_EN, False)
    action, title_vi, title_en, text_vi, text_en = entry
    registered = result.registered_facility or ""
    if action == "continue" and facility_code and registered and registered != facility_code:
        action, title_vi, title_en, text_vi, text_en = OTHER_FACILITY_STEP
        text_vi, text_en = text_vi.format(facility=registered), text_en.format(facility=registered)
    proceed = action in ("continue", "explain", "expired", "unchecked")
    return NextStep(action, code, title_vi, title_en, text_vi, text_en, proceed,
                    UNCHECKED_FLAG if action == "unchecked" else None)


def spoken_steps() -> dict[str, str]:
    """What is said aloud for each next step, in Vietnamese, by ``speech_key``: every BHXH result code, ``offline``,
    ``explain`` (a card registered elsewhere) and ``unknown`` (a code not listed). Fixed texts: the other
    facility's code and an unknown result code are left out."""
    said = {code: f"{title_vi}. {text_vi}" for code, (_a, title_vi, _te, text_vi, _xe) in _STEPS.items()}
    said["offline"] = f"{OFFLINE_STEP.title_vi}. {OFFLINE_STEP.text_vi}"
    said["no-card"] = f"{NO_CARD_STEP.title_vi}. {NO_CARD_STEP.text_vi}"
    _action, title_vi, _title_en, text_vi, _text_en = OTHER_FACILITY_STEP
    said["explain"] = f"{title_vi}. {text_vi.replace(' (mã {facility})', '')}"
    said["unknown"] = f"Kết quả kiểm tra thẻ chưa rõ. {_RECEPTION_VI}"
    return said


def speech_key(code: str, title_vi: str) -> str:
    """The ``spoken_steps`` key of a shown next step (its notice ``code`` and Vietnamese title)."""
    if title_vi == OTHER_FACILITY_STEP[1]:
        return "explain"
    return code if code in ("offline", "no-card") or code in _STEPS else "unknown"
