"""The card side of the vpcd socket protocol against a scripted driver: framing, control codes, reconnection."""

from __future__ import annotations

import socket
import threading

from drivers.sim.emulated_card import build_atr
from drivers.sim.vpcd import VpcdCard
from drivers.transport import CardRemovedError


class EchoCard:
    atr = build_atr(True)

    def __init__(self) -> None:
        self.powered = 0
        self.remove_on: bytes | None = None

    def power_on(self) -> bytes:
        self.powered += 1
        return self.atr

    def process(self, apdu: bytes) -> bytes:
        if apdu == self.remove_on:
            raise CardRemovedError("gone")
        return apdu[::-1] + b"\x90\x00"


def _frame(payload: bytes) -> bytes:
    return len(payload).to_bytes(2, "big") + payload


def _read_frame(conn: socket.socket) -> bytes:
    header = conn.recv(2, socket.MSG_WAITALL)
    return conn.recv(int.from_bytes(header, "big"), socket.MSG_WAITALL)


def test_framing_control_codes_and_reconnect() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    card = EchoCard()
    stop = threading.Event()
    client = VpcdCard(card, port=port)
    thread = threading.Thread(target=client.serve, args=(stop,), kwargs={"retry_s": 0.05}, daemon=True)
    thread.start()
    try:
        for _ in range(2):  # the second round is the driver restarting
            conn, _ = server.accept()
            with conn:
                conn.sendall(_frame(b"\x01") + _frame(b"\x04"))
                assert _read_frame(conn) == card.atr
                conn.sendall(_frame(b"\x00\xa4\x04\x00"))
                assert _read_frame(conn) == b"\x00\x04\xa4\x00\x90\x00"
                conn.sendall(_frame(b"\x03"))  # unknown control code: no answer, the session goes on
                conn.sendall(_frame(bytes(300)))
                assert _read_frame(conn) == bytes(300) + b"\x90\x00"
        conn, _ = server.accept()
        with conn:
            card.remove_on = b"\xde\xad"
            conn.sendall(_frame(b"\xde\xad"))
            assert conn.recv(2) == b""  # the card left: connection closed
        thread.join(5)
        assert client.removed and not thread.is_alive()
    finally:
        stop.set()
        server.close()
