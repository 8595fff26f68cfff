"""Enrolling the kiosk from its operator screen: where it is enrolled, and enrolling (again) with an intake URL and
a one-time token typed by the operator.

``DeviceEnrolment.enrol`` checks what was typed, registers the device key over HTTP (``kiosk.enrolment.enrol``),
saves the answer and tells ``on_enrolled`` so the outbox seals for the new intake and the sender delivers there.
It blocks on the network: callers run it off the UI thread. The token is never logged or kept.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests

from kiosk.device_key import load_or_create_device_key
from kiosk.enrolment import Enrolment, EnrolmentError, enrol, load_enrolment, save_enrolment
from kiosk.errors import KioskError
from kiosk.i18n import error_text

log = logging.getLogger(__name__)

MIN_TOKEN_LENGTH = 8


@dataclass(frozen=True)
class EnrolmentStatus:
    """``intake_url`` is ``None`` when the kiosk is not enrolled; ``problem`` then says why (Vietnamese, English)."""

    device: str  # the device key id (JWK thumbprint), as the intake lists it
    intake_url: str | None
    problem: str | None = None

    @property
    def enrolled(self) -> bool:
        return self.intake_url is not None


def check_intake_url(text: str) -> str:
    """The intake's base URL as typed: ``http(s)://host[:port][/path]``, without the trailing slash."""
    url = text.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise EnrolmentError("The intake address must look like https://intake.example.vn", field="intake_url",
                             code="invalid-intake-url",
                             message_vi="Địa chỉ máy chủ phải có dạng https://may-chu.example.vn")
    return url


def check_token(text: str) -> str:
    token = text.strip()
    if len(token) < MIN_TOKEN_LENGTH or any(ch.isspace() for ch in token):
        raise EnrolmentError("Type the one-time enrolment token given by the intake.", field="token",
                             code="invalid-token",
                             message_vi="Nhập mã đăng ký một lần do máy chủ tiếp nhận cấp.")
    return token


def _refused() -> EnrolmentError:
    return EnrolmentError("The intake refused the token: it is wrong, used or expired. Ask for a new one.",
                          field="token", code="enrolment-refused",
                          message_vi="Máy chủ từ chối mã đăng ký: sai, đã dùng hoặc hết hạn. Hãy xin mã mới.")


def _unreachable() -> EnrolmentError:
    return EnrolmentError("The intake cannot be reached. Check the address and the network.", field="intake_url",
                          code="intake-unreachable",
                          message_vi="Không kết nối được máy chủ tiếp nhận. Kiểm tra địa chỉ và mạng.")


class DeviceEnrolment:
    def __init__(self, directory: Path, *, on_enrolled: Callable[[Enrolment], None] | None = None,
                 session: requests.Session | None = None) -> None:
        self.directory = directory
        self.on_enrolled = on_enrolled
        self._session = session

    def status(self) -> EnrolmentStatus:
        device = load_or_create_device_key(self.directory).kid
        try:
            enrolment = load_enrolment(self.directory)
        except KioskError as exc:
            return EnrolmentStatus(device=device, intake_url=None, problem=error_text(exc))
        return EnrolmentStatus(device=device, intake_url=enrolment.intake_url)

    def enrol(self, intake_url: str, token: str) -> Enrolment:
        """Enrol with the intake at ``intake_url`` (typed errors name the field to correct)."""
        url, token = check_intake_url(intake_url), check_token(token)
        try:
            enrolment = enrol(url, token, load_or_create_device_key(self.directory), session=self._session)
        except EnrolmentError as exc:
            log.warning("enrolment failed: %s", exc.code)
            if exc.code == "enrolment-refused":
                raise _refused() from None
            if exc.code == "intake-unreachable":
                raise _unreachable() from None
            raise
        save_enrolment(self.directory, enrolment)
        log.info("enrolled with the intake as device %s", enrolment.device)
        if self.on_enrolled is not None:
            self.on_enrolled(enrolment)
        return enrolment
