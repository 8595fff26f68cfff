"""Registering the kiosk's public key with the intake, and keeping what the intake answered.

The operator issues a one-time token (``kiosk-intake device token``); ``enrol`` sends it with the device's public
key and stores the intake's URL and public encryption key in ``enrolment.json`` next to the device key.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import requests

from kiosk.device_key import DeviceKey
from kiosk.errors import KioskError
from wire.envelope import IntakeKey, SubmissionError, intake_public_key
from wire.http import ENROL_PATH

FILE_NAME = "enrolment.json"
TIMEOUT = (5.0, 30.0)


class EnrolmentError(KioskError):
    """The kiosk is not enrolled, or the intake refused or failed the enrolment."""

    code = "enrolment"


@dataclass(frozen=True)
class Enrolment:
    intake_url: str
    device: str
    encryption_key: dict[str, Any]

    def intake_key(self) -> IntakeKey:
        return intake_public_key(self.encryption_key)


def load_enrolment(directory: Path) -> Enrolment:
    try:
        record = json.loads((directory / FILE_NAME).read_text())
        return Enrolment(str(record["intake_url"]), str(record["device"]), dict(record["encryption_key"]))
    except FileNotFoundError as exc:
        raise EnrolmentError(
            "this kiosk is not enrolled with an intake yet",
            code="not-enrolled",
            message_vi="Thiết bị chưa được đăng ký với máy chủ tiếp nhận.",
        ) from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise EnrolmentError("enrolment file is corrupt", message_vi="Tệp đăng ký thiết bị bị hỏng.") from exc


def save_enrolment(directory: Path, enrolment: Enrolment) -> None:
    path = directory / FILE_NAME
    tmp = path.with_name(f".{FILE_NAME}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, json.dumps(asdict(enrolment), indent=2).encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def enrol(intake_url: str, token: str, key: DeviceKey, session: requests.Session | None = None) -> Enrolment:
    """Register ``key`` with the intake using a one-time ``token``; return (not save) the enrolment."""
    url = intake_url.rstrip("/")
    http = session or requests.Session()
    try:
        response = http.post(
            url + ENROL_PATH,
            json={"token": token, "alg": key.alg, "public_key": key.public_jwk()},
            timeout=TIMEOUT,
        )
    except requests.RequestException as exc:
        raise EnrolmentError(
            f"intake unreachable ({type(exc).__name__})",
            code="intake-unreachable",
            message_vi="Không kết nối được máy chủ tiếp nhận.",
        ) from exc
    if response.status_code != 201:
        try:
            reason = str(response.json()["error"]["code"])
        except (ValueError, KeyError, TypeError):
            reason = f"http-{response.status_code}"
        raise EnrolmentError(
            f"intake refused the enrolment: {reason}",
            code="enrolment-refused",
            message_vi="Máy chủ tiếp nhận từ chối đăng ký thiết bị.",
        )
    try:
        body = response.json()
        enrolment = Enrolment(url, str(body["device"]), dict(body["encryption_key"]))
        enrolment.intake_key()
    except (ValueError, KeyError, TypeError, SubmissionError) as exc:
        raise EnrolmentError(
            "intake sent an invalid enrolment answer", message_vi="Máy chủ trả lời không hợp lệ."
        ) from exc
    if enrolment.device != key.kid:
        raise EnrolmentError(
            "intake registered a different key id", message_vi="Máy chủ trả lời không hợp lệ."
        )
    return enrolment
