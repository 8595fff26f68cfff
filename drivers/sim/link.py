"""Timing model of the contactless link: bit rate and per-command latency.

``LinkModel.cost`` is the time one exchange takes on the modelled link. ``TimedTransport`` wraps any transport
and applies that cost either by sleeping (``sleep=True``: real slow link, used by the slow-link fault and
end-to-end runs) or by accounting it without sleeping (``sleep=False``: benchmarks; ``clock()`` then returns
real elapsed time plus the accounted link time, so CPU work is measured and link time is modelled).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from drivers.transport import CardTransport


@dataclass(frozen=True)
class LinkModel:
    bit_rate: int = 424_000
    latency_s: float = 0.005

    def cost(self, bytes_out: int, bytes_in: int) -> float:
        """Seconds for one command of ``bytes_out`` bytes and its response of ``bytes_in`` bytes."""
        return self.latency_s + 8 * (bytes_out + bytes_in) / self.bit_rate

    @classmethod
    def parse(cls, spec: str) -> LinkModel:
        """``"BITRATE:LATENCY_MS"`` such as ``"106000:20"``; either part may be empty for its default."""
        rate, _, latency = spec.partition(":")
        return cls(int(rate) if rate else cls.bit_rate, float(latency) / 1000 if latency else cls.latency_s)


class TimedTransport:
    """A transport whose exchanges take the time of a ``LinkModel``."""

    def __init__(self, inner: CardTransport, link: LinkModel, *, sleep: bool) -> None:
        self.inner = inner
        self.link = link
        self.sleep = sleep
        self.accounted_s = 0.0

    @property
    def atr(self) -> bytes:
        return self.inner.atr

    def clock(self) -> float:
        """Seconds: real time plus link time that was accounted rather than slept."""
        return time.perf_counter() + self.accounted_s

    def wait_for_card(self, timeout: float) -> bool:
        return self.inner.wait_for_card(timeout)

    def wait_for_removal(self, timeout: float) -> bool:
        return self.inner.wait_for_removal(timeout)

    def card_present(self) -> bool:
        return self.inner.card_present()

    def connect(self) -> None:
        self.inner.connect()

    def disconnect(self) -> None:
        self.inner.disconnect()

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        data, sw = self.inner.transmit(apdu)
        cost = self.link.cost(len(apdu), len(data) + 2)
        if self.sleep:
            time.sleep(cost)
        else:
            self.accounted_s += cost
        return data, sw
