"""Card presence events from the transport (what the UI listens to)."""

from __future__ import annotations

import queue

import pytest

from drivers.sim.emulated_card import build_atr
from drivers.transport import InProcessTransport, NoCardError, PresenceWatcher


class _Card:
    def power_on(self) -> bytes:
        return build_atr(True)

    def process(self, apdu: bytes) -> bytes:
        return b"\x90\x00"


def test_presence_changes_are_reported_in_order() -> None:
    transport = InProcessTransport()
    changes: queue.Queue[bool] = queue.Queue()
    watcher = PresenceWatcher(transport, changes.put, poll_s=0.01).start()
    try:
        assert changes.get(timeout=2) is False
        transport.insert(_Card())
        assert changes.get(timeout=2) is True
        assert transport.wait_for_card(1)
        transport.remove()
        assert changes.get(timeout=2) is False
        assert transport.wait_for_removal(1)
    finally:
        watcher.stop()


def test_connect_without_card() -> None:
    transport = InProcessTransport()
    assert not transport.wait_for_card(0.05)
    with pytest.raises(NoCardError):
        transport.connect()
