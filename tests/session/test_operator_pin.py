"""The operator PIN: constant-time comparison, no built-in PIN, lockout after repeated wrong tries, typed errors."""

from __future__ import annotations

import hmac
import re
from pathlib import Path

import pytest

import kiosk.operator_pin
from cli.run import build_controller
from kiosk.controller import KioskController
from kiosk.operator_pin import MAX_FAILURES, OperatorPin, PinError
from kiosk.site_config import development_operator_pin, load_site_config, shipped_site_file, site_file_given
from kiosk.workflows.registry import default_registry

ROOT = Path(__file__).resolve().parents[2]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def refused(pin: OperatorPin, typed: str) -> PinError:
    with pytest.raises(PinError) as info:
        pin.check(typed)
    return info.value


def test_the_pin_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[bytes, bytes]] = []
    original = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return original(a, b)

    monkeypatch.setattr(kiosk.operator_pin.hmac, "compare_digest", spy)
    pin = OperatorPin("246810")
    assert refused(pin, "111111").code == "pin-wrong"
    pin.check("246810")
    assert compared == [(b"111111", b"246810"), (b"246810", b"246810")]


def test_there_is_no_built_in_pin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KIOSK_OPERATOR_PIN", raising=False)
    controller = KioskController(default_registry(), "one-stop")
    for guess in ("1234", "0000", ""):
        error = controller.unlock_operator(guess)
        assert error is not None and error.code == "pin-not-set" and "kiosk.operator_pin" in error.message
    assert not controller.check_pin("1234")
    sources = [p for p in (*ROOT.glob("kiosk/**/*.py"), *ROOT.glob("cli/*.py"), *ROOT.glob("screens/*.py"))
               if re.search(r"""pin[^\n]*["']1234["']""", p.read_text(encoding="utf-8"))]
    assert sources == []


def test_the_development_pin_comes_from_the_shipped_site_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    for profile in ("one-stop", "clinic", "lodging"):
        pin = development_operator_pin(profile)
        assert pin is not None and pin == load_site_config(shipped_site_file(profile)).operator_pin
    assert not site_file_given(None)
    assert site_file_given(Path("/etc/cccd-kiosk/kiosk.toml"))
    monkeypatch.setenv("KIOSK_CONFIG", "/etc/cccd-kiosk/kiosk.toml")
    assert site_file_given(None)


def test_the_controller_takes_the_configured_pin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_OPERATOR_PIN", "97531")

    class Services:
        register = outbox = None
        devices = workflow = None

    controller = build_controller(Services(), "one-stop", post=lambda fn: fn())  # type: ignore[arg-type]
    assert controller.check_pin("97531") and not controller.check_pin("246810")


def test_repeated_wrong_pins_lock_the_screen_then_it_opens_again() -> None:
    clock = Clock()
    pin = OperatorPin("246810", clock=clock)
    for left in range(MAX_FAILURES - 1, 0, -1):
        error = refused(pin, "000000")
        assert error.code == "pin-wrong" and f"Còn {left} lần thử" in error.message_vi
    locked = refused(pin, "000000")
    assert locked.code == "pin-locked" and "5 phút" in locked.message_vi and "5 min" in locked.message
    assert refused(pin, "246810").code == "pin-locked"  # the right PIN is not even compared while locked
    clock.now += 299
    assert refused(pin, "246810").code == "pin-locked"
    clock.now += 2
    pin.check("246810")
    assert pin.locked_for() == 0


def test_each_lockout_is_longer_than_the_last() -> None:
    clock = Clock()
    pin = OperatorPin("246810", clock=clock)
    waits = []
    for _ in range(3):
        for _ in range(MAX_FAILURES):
            last = refused(pin, "1")
        assert last.code == "pin-locked"
        waits.append(pin.locked_for())
        clock.now += pin.locked_for()
    assert waits == [300, 600, 1200]
    pin.check("246810")  # a success resets the count
    for _ in range(MAX_FAILURES):
        last = refused(pin, "1")
    assert pin.locked_for() == 300
