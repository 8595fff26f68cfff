"""The vpcd card side keeps partial messages: a frame arriving in pieces, with pauses longer than its socket
timeout in between, is still answered (losing a byte would desynchronise the stream and hang the reader)."""

from __future__ import annotations

import socket
import threading
import time

from drivers.sim.vpcd import VpcdCard


class EchoCard:
    atr = bytes.fromhex("3B8080010101")

    def power_on(self) -> bytes:
        return self.atr

    def process(self, apdu: bytes) -> bytes:
        return apdu[::-1] + b"\x90\x00"


def _recv_frame(conn: socket.socket) -> bytes:
    size = int.from_bytes(conn.recv(2), "big")
    data = b""
    while len(data) < size:
        data += conn.recv(size - len(data))
    return data


def test_a_frame_split_across_timeouts_is_answered() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    card = VpcdCard(EchoCard(), port=port)
    stop = threading.Event()
    thread = threading.Thread(target=card.serve, args=(stop,), daemon=True)
    thread.start()
    conn, _ = server.accept()
    conn.settimeout(5)
    try:
        conn.sendall(b"\x00")  # half of the ATR request's length
        time.sleep(0.5)  # longer than the card side's 0.2 s receive timeout
        conn.sendall(b"\x01\x04")
        assert _recv_frame(conn) == EchoCard.atr
        apdu = bytes.fromhex("00A4040C07A0000002471001")
        frame = len(apdu).to_bytes(2, "big") + apdu
        for piece in (frame[:1], frame[1:5], frame[5:]):
            conn.sendall(piece)
            time.sleep(0.3)
        assert _recv_frame(conn) == apdu[::-1] + b"\x90\x00"
        two = b"".join(len(a).to_bytes(2, "big") + a for a in (b"\x00\xb0\x00\x00\x10", b"\x00\xb0\x00\x10\x10"))
        conn.sendall(two)  # two frames in one segment: both answered, in order
        assert _recv_frame(conn) == b"\x10\x00\x00\xb0\x00\x90\x00"
        assert _recv_frame(conn) == b"\x10\x10\x00\xb0\x00\x90\x00"
        assert card.commands == 3
    finally:
        stop.set()
        conn.close()
        server.close()
        thread.join(5)
