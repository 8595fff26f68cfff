"""Tells systemd the kiosk is up and alive: ``READY=1`` once the first frame is on screen, then ``WATCHDOG=1`` from a
Kivy clock on the UI thread. A hung UI thread runs no clock callbacks, so the pings stop and systemd restarts the
service after ``WatchdogSec``. Nothing happens outside a ``Type=notify`` service."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.core.window import Window

from kiosk.systemd_notify import READY, STOPPING, WATCHDOG, notify, notify_socket, ping_interval


class ServiceNotifier:
    def __init__(self) -> None:
        self._ping_event: Any = None
        self._started = False
        self.ready = False

    def start(self) -> None:
        if notify_socket() is None or self._started:
            return
        self._started = True
        Window.bind(on_flip=self._first_frame)
        interval = ping_interval()
        if interval is not None:
            self._ping_event = Clock.schedule_interval(self._ping, interval)

    def _first_frame(self, *_: Any) -> None:
        Window.unbind(on_flip=self._first_frame)
        self.ready = notify(READY)

    def _ping(self, _dt: float) -> None:
        notify(WATCHDOG)

    def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        Window.unbind(on_flip=self._first_frame)
        if self._ping_event is not None:
            self._ping_event.cancel()
            self._ping_event = None
        notify(STOPPING)
