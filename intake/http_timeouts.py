"""uvicorn's HTTP protocols with a deadline for idle connections.

uvicorn closes a kept-alive connection a few seconds after a response, but a connection that never sends a
request (or sends its headers a byte at a time) is kept for ever: a few hundred of them hold the worker's sockets.
These protocols close a connection that has no request under way ``INTAKE_CLIENT_TIMEOUT`` seconds after it was
opened or after its last response. Slow bodies are bounded in ``intake.app`` with the same timeout.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

try:  # the C parser uvicorn prefers when it is installed
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover - httptools is a declared dependency
    HttpToolsProtocol = None  # type: ignore[assignment,misc]

CLIENT_TIMEOUT_ENV = "INTAKE_CLIENT_TIMEOUT"
DEFAULT_CLIENT_TIMEOUT = 10.0


def client_timeout() -> float:
    return float(os.environ.get(CLIENT_TIMEOUT_ENV, str(DEFAULT_CLIENT_TIMEOUT)))


class _IdleDeadline:
    """Mixin over a uvicorn HTTP protocol (which has ``loop``, ``transport`` and ``cycle``)."""

    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    cycle: Any
    _idle_timer: asyncio.TimerHandle | None = None

    def _arm_idle_deadline(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        self._idle_timer = self.loop.call_later(client_timeout(), self._close_if_idle)

    def _close_if_idle(self) -> None:
        self._idle_timer = None
        if (self.cycle is None or self.cycle.response_complete) and not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._arm_idle_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        self._arm_idle_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        super().connection_lost(exc)  # type: ignore[misc]


class H11WithDeadline(_IdleDeadline, H11Protocol):
    pass


if HttpToolsProtocol is not None:

    class HttpToolsWithDeadline(_IdleDeadline, HttpToolsProtocol):
        pass


def protocol_for(name: str) -> type[asyncio.Protocol]:
    """The protocol class for ``--http`` (``auto``: httptools when installed, else h11)."""
    if name in ("auto", "httptools") and HttpToolsProtocol is not None:
        return HttpToolsWithDeadline
    return H11WithDeadline
