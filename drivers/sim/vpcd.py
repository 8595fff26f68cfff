"""Card side of the vsmartcard ``vpcd`` socket protocol, so a simulated card sits behind the real pcscd.

The Debian ``vsmartcard-vpcd`` driver makes pcscd listen on TCP 35963 ("Virtual PCD 00 00"). The card side
is a TCP client. Every message in both directions is a 2-byte big-endian length followed by that many bytes. A
1-byte message from the reader is a control code: ``00`` power off, ``01`` power on, ``02`` reset, ``04`` ATR
request (answered with the framed ATR); other codes get no answer. Longer messages are command APDUs, answered
with the framed response APDU. Closing the connection is how the card leaves the field.
"""

from __future__ import annotations

import logging
import socket
import threading

from drivers.transport import CardRemovedError, SimulatedCard

log = logging.getLogger(__name__)

DEFAULT_PORT = 35963
POWER_OFF, POWER_ON, RESET, GET_ATR = 0x00, 0x01, 0x02, 0x04


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def _send(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(len(payload).to_bytes(2, "big") + payload)


class VpcdCard:
    """Connects ``card`` to the vpcd driver and answers it until ``stop`` is set or the card is removed."""

    def __init__(self, card: SimulatedCard, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> None:
        self.card = card
        self.host = host
        self.port = port
        self.connected = threading.Event()
        self.removed = False
        self.commands = 0

    def serve(self, stop: threading.Event, *, retry_s: float = 0.2) -> None:
        """Connect (retrying while the driver is not up), then serve; reconnect if the driver restarts."""
        while not stop.is_set() and not self.removed:
            try:
                sock = socket.create_connection((self.host, self.port), timeout=1.0)
            except OSError:
                stop.wait(retry_s)
                continue
            try:
                self._session(sock, stop)
            except OSError as exc:
                log.info("vpcd connection lost (%s)", type(exc).__name__)
            finally:
                self.connected.clear()
                sock.close()
            if not self.removed:
                stop.wait(retry_s)

    def _session(self, sock: socket.socket, stop: threading.Event) -> None:
        sock.settimeout(0.2)
        self.card.power_on()
        self.connected.set()
        while not stop.is_set():
            try:
                first = sock.recv(1)  # only this wait may time out: a frame begun is read whole
            except TimeoutError:
                continue
            if not first:
                return
            sock.settimeout(None)
            rest = _recv_exact(sock, 1)
            message = _recv_exact(sock, int.from_bytes(first + rest, "big")) if rest is not None else None
            sock.settimeout(0.2)
            if message is None:
                return
            if len(message) == 1:
                self._control(sock, message[0])
                continue
            try:
                response = self.card.process(message)
            except CardRemovedError:
                self.removed = True
                return
            self.commands += 1
            _send(sock, response)

    def _control(self, sock: socket.socket, code: int) -> None:
        if code in (POWER_ON, RESET):
            self.card.power_on()
        elif code == GET_ATR:
            _send(sock, self._atr())

    def _atr(self) -> bytes:
        atr = getattr(self.card, "atr", None)
        return atr if isinstance(atr, bytes) else self.card.power_on()
