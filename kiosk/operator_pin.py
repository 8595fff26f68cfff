"""The operator screen's PIN: compared in constant time, with a lockout after repeated wrong guesses.

There is no built-in PIN: the installer writes a random one into the site file, and a development run takes the
one in the shipped site file of its profile (``config/sites/<profile>.toml``). Without a PIN the operator screen
stays locked.

The failure count lives in memory. Guessing at the screen is limited to ``MAX_FAILURES`` tries per lockout, and
each lockout doubles (up to an hour). Resetting the count takes restarting the kiosk service, which already needs
access to the machine, or cutting the power, which costs a boot per ``MAX_FAILURES`` guesses (a 6-digit PIN then
takes months to guess); a count on disk would add a writable file on the kiosk for no real gain.
"""

from __future__ import annotations

import hmac
import math
import threading
import time
from collections.abc import Callable

from kiosk.errors import KioskError

MAX_FAILURES = 5
LOCKOUT_SECONDS = 300.0
MAX_LOCKOUT_SECONDS = 3600.0


class PinError(KioskError):
    """The operator PIN was refused: ``pin-wrong``, ``pin-locked`` or ``pin-not-set``."""

    code = "pin-wrong"


class OperatorPin:
    def __init__(self, pin: str | None, *, max_failures: int = MAX_FAILURES, lockout_seconds: float = LOCKOUT_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._pin = pin.encode() if pin else None
        self.max_failures = max_failures
        self.lockout_seconds = lockout_seconds
        self._clock = clock
        self._failures = 0
        self._lockouts = 0
        self._locked_until = 0.0
        self._lock = threading.Lock()

    def locked_for(self) -> float:
        """Seconds until a PIN may be tried again (0 when it may)."""
        return max(0.0, self._locked_until - self._clock())

    def check(self, typed: str) -> None:
        """Accept the PIN or raise ``PinError``; while locked out nothing is compared."""
        with self._lock:
            if self._pin is None:
                raise PinError("no operator PIN is configured: set kiosk.operator_pin in the site file",
                               code="pin-not-set", message_vi="Chưa đặt mã PIN người vận hành (kiosk.operator_pin).")
            wait = self.locked_for()
            if wait > 0:
                raise self._locked(wait)
            if hmac.compare_digest(typed.encode(), self._pin):
                self._failures = self._lockouts = 0
                return
            self._failures += 1
            if self._failures >= self.max_failures:
                self._failures = 0
                self._lockouts += 1
                wait = min(MAX_LOCKOUT_SECONDS, self.lockout_seconds * 2 ** (self._lockouts - 1))
                self._locked_until = self._clock() + wait
                raise self._locked(wait)
            left = self.max_failures - self._failures
            raise PinError(f"Wrong PIN. {left} tries left before the screen locks.",
                           message_vi=f"Sai mã PIN. Còn {left} lần thử trước khi bị khóa.")

    @staticmethod
    def _locked(wait: float) -> PinError:
        minutes = max(1, math.ceil(wait / 60))
        return PinError(f"Too many wrong PINs. Try again in {minutes} min.", code="pin-locked",
                        message_vi=f"Nhập sai quá nhiều lần. Vui lòng thử lại sau {minutes} phút.")
