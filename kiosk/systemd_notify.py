"""The systemd notification protocol (sd_notify(3)): readiness and watchdog pings to the service manager.

One datagram per message on the unix socket named by ``$NOTIFY_SOCKET`` (a path, or ``@name`` for the abstract
namespace). Everything is a no-op when the variable is unset, i.e. outside a ``Type=notify`` service.

``$WATCHDOG_PID`` is deliberately not checked: under the kiosk unit the service's main process is the ``cage``
compositor and the app is its child, which the unit allows with ``NotifyAccess=all``.
"""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger(__name__)

READY = "READY=1"
WATCHDOG = "WATCHDOG=1"
STOPPING = "STOPPING=1"


def notify_socket() -> str | None:
    return os.environ.get("NOTIFY_SOCKET") or None


def notify(message: str) -> bool:
    """Send ``message`` (e.g. ``READY=1``) to the service manager; ``False`` when there is none or it failed."""
    address = notify_socket()
    if address is None:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.sendto(message.encode("utf-8"), address)
    except OSError as exc:
        log.warning("systemd notification failed: %s", type(exc).__name__)
        return False
    return True


def watchdog_seconds() -> float | None:
    """The unit's ``WatchdogSec`` in seconds (from ``$WATCHDOG_USEC``), ``None`` when no watchdog is asked for."""
    if notify_socket() is None:
        return None
    try:
        usec = int(os.environ.get("WATCHDOG_USEC", "0"))
    except ValueError:
        return None
    return usec / 1_000_000 if usec > 0 else None


def ping_interval(divisor: float = 3.0) -> float | None:
    """How often to ping: a third of the watchdog timeout, so that one late ping is not a restart."""
    timeout = watchdog_seconds()
    return timeout / divisor if timeout else None
