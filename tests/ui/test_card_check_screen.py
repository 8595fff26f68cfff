"""The clinic's check screen on the real app under Xvfb: every BHXH result code of the card-check service becomes
its plain next step on screen (Vietnamese first), and an offline relay lets check-in go on, flagged "chưa kiểm tra
thẻ" for reception. The relay is reached through its one seam (``WorkflowContext.card_check``): a relay that
answers each code in turn, then one that is down."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kiosk.clinic.insurance import CardCheckRequest, CardCheckResult, CardCheckUnavailableError, parse_response
from kiosk.clinic.next_step import KNOWN_CODES, UNCHECKED_FLAG, next_step
from kiosk.session import Step

pytestmark = pytest.mark.ui

RunningKiosk = Any  # tests/ui/conftest.py
SHOWN = ("000", "010", "060", "101")  # screenshots of one code per kind of next step


class AnsweringRelay:
    """A clinic relay whose gateway answers ``code`` (the answer as the BHXH service shapes it)."""

    def __init__(self) -> None:
        self.code = "000"
        self.asked: list[CardCheckRequest] = []

    def check(self, request: CardCheckRequest) -> CardCheckResult:
        self.asked.append(request)
        return parse_response({"maKetQua": self.code, "maThe": "DN4010123456789", "maDKBD": "01001"})


class DownRelay:
    def check(self, request: CardCheckRequest) -> CardCheckResult:
        raise CardCheckUnavailableError("ConnectTimeout")


def button(k: RunningKiosk, text_key: str) -> Any:
    return k.driver.find(lambda w: getattr(w, "text_key", None) == text_key and w.get_root_window() is not None
                         and w.opacity > 0 and w.parent is not None and w.get_parent_window() is not None
                         and _on(k, w))


def _on(k: RunningKiosk, widget: Any) -> bool:
    screen = k.app.current_screen()
    while widget is not None and widget.parent is not widget:
        if widget is screen:
            return True
        widget = widget.parent
    return False


def check_again(k: RunningKiosk) -> Any:
    """From the review screen: Next runs the card check; returns the check screen once it has the result."""
    k.driver.tap(button(k, "common.next"))
    k.driver.wait_until(lambda: k.app.sm.current == "check" and not k.controller.checking, 10, "the card check")
    k.driver.pump(frames=2)
    return k.app.screens["check"]


def on_the_review(kiosk: Callable[..., RunningKiosk], idle_seconds: float) -> tuple[RunningKiosk, AnsweringRelay]:
    """A clinic kiosk on a complete check-in form, its card check answered by the returned relay."""
    k = kiosk("clinic", idle_seconds=idle_seconds)
    relay = AnsweringRelay()
    k.controller.workflow.card_check = relay
    k.services.world.prepare(43, chip=True)
    k.driver.tap(k.app.screens["home"].procedure_button("clinic-checkin"))
    k.services.world.present(43)
    k.driver.wait_until(lambda: k.controller.session.step is Step.REVIEW, 10, "the review screen")
    k.controller.set_value("visit_reason", "Khám tổng quát")
    k.driver.pump(frames=2)
    return k, relay


def test_every_result_code_and_the_offline_relay_give_a_next_step(kiosk: Callable[..., RunningKiosk]) -> None:
    k, relay = on_the_review(kiosk, 120)
    assert k.controller.can_continue(), k.controller.missing_labels()
    assert len(KNOWN_CODES) >= 20
    for code in KNOWN_CODES:
        relay.code = code
        check = check_again(k)
        step = next_step(relay.check(relay.asked[-1]), facility_code="01001")
        assert check.code.text == f"Mã kết quả: {code}"
        assert check.title.text == step.title_vi and check.text.text == step.text_vi
        assert check.text_other.text == step.text_en  # English second
        assert bool(check.flag.text) is bool(step.flag)
        assert not check.continue_button.disabled  # the visit always goes on (CV 931/BYT-BH)
        if code in SHOWN:
            k.shot(f"check-{code}")
        k.driver.tap(button(k, "common.back"))
        assert k.app.sm.current == "review"

    k.controller.workflow.card_check = DownRelay()
    check = check_again(k)
    assert check.code.text == "Chưa có mã kết quả"
    assert check.title.text == "Chưa kiểm tra được thẻ BHYT"
    assert check.flag.text == f"Quầy tiếp đón sẽ thấy: {UNCHECKED_FLAG}"
    k.shot("check-offline")
    k.driver.tap(button(k, "check.continue"))
    assert k.app.sm.current == "consent"
    k.driver.tap(button(k, "consent.accept"))
    k.driver.wait_until(lambda: k.app.sm.current == "done", 5, "the done screen")
    submitted = k.controller.submitted
    assert submitted is not None and submitted.outputs["card_check"]["flag"] == UNCHECKED_FLAG
    assert submitted.outputs["card_check"]["checked"] is False
