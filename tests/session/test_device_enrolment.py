"""Enrolment from the operator screen (``kiosk.device_enrolment``): what the operator typed is checked first."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.device_enrolment import DeviceEnrolment, check_intake_url, check_token
from kiosk.enrolment import EnrolmentError


@pytest.mark.parametrize("text", ["", "127.0.0.1:8080", "ftp://intake.example.vn", "https://", "https://a.vn/?x=1"])
def test_a_wrong_intake_address_is_refused(text: str) -> None:
    with pytest.raises(EnrolmentError) as info:
        check_intake_url(text)
    assert info.value.code == "invalid-intake-url" and info.value.field == "intake_url"
    assert "https://" in info.value.message_vi


def test_the_intake_address_is_tidied() -> None:
    assert check_intake_url(" https://intake.example.vn:8443/kiosk/ ") == "https://intake.example.vn:8443/kiosk"


@pytest.mark.parametrize("text", ["", "short", "has a space in it"])
def test_a_wrong_token_is_refused_before_any_request(text: str) -> None:
    with pytest.raises(EnrolmentError) as info:
        check_token(text)
    assert info.value.code == "invalid-token" and info.value.field == "token"


def test_status_of_a_kiosk_never_enrolled(tmp_path: Path) -> None:
    status = DeviceEnrolment(tmp_path).status()
    assert not status.enrolled and status.device and status.problem is not None
    assert "chưa được đăng ký" in status.problem and "not enrolled" in status.problem
