"""Card transports: how APDUs reach a contactless card.

``CardTransport`` is what the eMRTD reader talks to. Implementations: PC/SC through pyscard (``drivers.pcsc``)
and ``InProcessTransport`` for a simulated card living in the same process (unit tests, benchmarks).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from wire.errors import CodedError


class TransportError(CodedError):
    """Base of transport errors; ``code`` is stable and machine-readable."""

    code = "transport-error"

    def __init__(self, message: str) -> None:
        super().__init__(message)


class NoReaderError(TransportError):
    """No smart card reader (or none matching the requested name) is available."""

    code = "no-reader"


class NoCardError(TransportError):
    """No card was presented within the time allowed."""

    code = "no-card"


class CardRemovedError(TransportError):
    """The card left the field (or the link broke) during an exchange."""

    code = "card-removed"


class CardTransport(Protocol):
    """A connection to one card slot."""

    @property
    def atr(self) -> bytes: ...

    def wait_for_card(self, timeout: float) -> bool:
        """Block until a card is present (True) or ``timeout`` seconds pass (False)."""
        ...

    def card_present(self) -> bool: ...

    def wait_for_removal(self, timeout: float) -> bool:
        """Block until the card is gone (True) or ``timeout`` seconds pass (False)."""
        ...

    def connect(self) -> None:
        """Power the card and open the channel; ``NoCardError`` when there is none."""
        ...

    def disconnect(self) -> None: ...

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        """Send one command APDU: (response data, status word). ``CardRemovedError`` if the card left."""
        ...


class SimulatedCard(Protocol):
    """What an in-process simulated card offers: power on (returns the ATR) and one response per command."""

    def power_on(self) -> bytes: ...

    def process(self, apdu: bytes) -> bytes:
        """Response APDU (data ‖ SW1 SW2); raises ``CardRemovedError`` when the card leaves the field."""
        ...


class InProcessTransport:
    """Transport to a simulated card in the same process; ``insert``/``remove`` model presenting the card."""

    def __init__(self, card: SimulatedCard | None = None) -> None:
        self._card = card
        self._atr = b""
        self._connected = False
        self._changed = threading.Condition()

    @property
    def atr(self) -> bytes:
        return self._atr

    def insert(self, card: SimulatedCard) -> None:
        with self._changed:
            self._card = card
            self._connected = False
            self._changed.notify_all()

    def remove(self) -> None:
        with self._changed:
            self._card = None
            self._connected = False
            self._changed.notify_all()

    def card_present(self) -> bool:
        return self._card is not None

    def _wait(self, want_present: bool, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._changed:
            while self.card_present() != want_present:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
            return True

    def wait_for_card(self, timeout: float) -> bool:
        return self._wait(True, timeout)

    def wait_for_removal(self, timeout: float) -> bool:
        return self._wait(False, timeout)

    def connect(self) -> None:
        if self._card is None:
            raise NoCardError("no card in the simulated reader")
        self._atr = self._card.power_on()
        self._connected = True

    def disconnect(self) -> None:
        self._connected = False

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        card = self._card
        if card is None or not self._connected:
            raise CardRemovedError("the simulated card is not connected")
        try:
            raw = card.process(bytes(apdu))
        except CardRemovedError:
            self.remove()
            raise
        if len(raw) < 2:
            raise CardRemovedError("the card gave no status word")
        return raw[:-2], int.from_bytes(raw[-2:], "big")


class PresenceWatcher:
    """Calls ``on_change(present)`` from a background thread whenever a card arrives or leaves.

    Polls ``card_present()`` every ``poll_s`` seconds (PC/SC answers from pcscd's state, no card I/O).
    Transport errors (reader unplugged, service down) are reported as "absent" and polling continues.
    """

    def __init__(self, transport: CardTransport, on_change: Callable[[bool], None], poll_s: float = 0.1) -> None:
        self.transport = transport
        self.on_change = on_change
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="card-presence", daemon=True)

    def _present(self) -> bool:
        try:
            return self.transport.card_present()
        except TransportError:
            return False

    def _run(self) -> None:
        last: bool | None = None
        while not self._stop.is_set():
            present = self._present()
            if present != last:
                last = present
                self.on_change(present)
            self._stop.wait(self.poll_s)

    def start(self) -> PresenceWatcher:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(2)
