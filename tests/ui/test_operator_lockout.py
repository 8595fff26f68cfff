"""The staff screen after repeated wrong PINs: a typed message in Vietnamese then English, and the right PIN is
refused until the lockout ends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kiosk.operator_pin import MAX_FAILURES
from tests.ui.test_screens import by_key

pytestmark = pytest.mark.ui


def type_pin(k: Any, pin: str) -> None:
    for digit in pin:
        k.driver.tap(by_key(k, digit))
    k.driver.tap(by_key(k, "↵"))


def test_wrong_pins_lock_the_staff_screen_with_a_message(kiosk: Callable[..., Any]) -> None:
    k = kiosk("one-stop", idle_seconds=60)
    k.driver.tap(k.app.screens["home"].hotspot, hold=2.3)
    operator = k.app.screens["operator"]
    type_pin(k, "1111")
    assert operator.pin_label.text.startswith(f"Sai mã PIN. Còn {MAX_FAILURES - 1} lần thử")
    assert "Wrong PIN. 4 tries left" in operator.pin_label.text
    for _ in range(MAX_FAILURES - 1):
        type_pin(k, "1111")
    assert operator.pin_label.text.startswith("Nhập sai quá nhiều lần. Vui lòng thử lại sau 5 phút.")
    assert "Too many wrong PINs. Try again in 5 min." in operator.pin_label.text
    type_pin(k, "2468")  # the right PIN, during the lockout
    assert not operator.unlocked and operator.pin_label.text.startswith("Nhập sai quá nhiều lần")
    k.shot("operator-locked")
