"""systemd readiness and watchdog from the real kiosk app in a real Kivy window (Xvfb): READY=1 once the home
screen is drawn, WATCHDOG=1 from the UI thread while it runs, silence while it hangs — which is what makes systemd
restart a hung kiosk (WatchdogSec in deploy/systemd/cccd-kiosk.service)."""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import tests.ui.conftest as ui_setup  # the display (Xvfb) and Kivy settings of the UI tests, before Kivy loads
from tests.deploy.conftest import DEPLOY, ROOT
from tests.deploy.test_units import unit_settings

pytestmark = pytest.mark.ui

WATCHDOG_SECONDS = 0.6  # pings every 0.2 s


@dataclass
class NotifySocket:
    """A unix datagram socket standing in for systemd's notification socket, recording (time, message)."""

    path: Path
    messages: list[tuple[float, str]] = field(default_factory=list)

    def times(self, message: str) -> list[float]:
        return [t for t, m in list(self.messages) if m == message]

    def wait_for(self, message: str, timeout: float) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.times(message):
                return self.times(message)[0]
            time.sleep(0.05)
        raise TimeoutError(f"no {message} within {timeout} s; got {self.messages}")


@pytest.fixture
def notify_socket() -> Iterator[NotifySocket]:
    directory = Path(os.environ.get("XDG_RUNTIME_DIR") or "/tmp")
    path = directory / f"cccd-kiosk-notify-{os.getpid()}-{time.monotonic_ns()}"  # short: AF_UNIX path limit
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(0.1)
    recorder = NotifySocket(path)
    stop = threading.Event()

    def receive() -> None:
        while not stop.is_set():
            try:
                data = sock.recv(4096)
            except TimeoutError:
                continue
            recorder.messages.append((time.monotonic(), data.decode()))

    thread = threading.Thread(target=receive, daemon=True)
    thread.start()
    yield recorder
    stop.set()
    thread.join(2)
    sock.close()
    path.unlink(missing_ok=True)


def test_ready_then_pings_that_stop_while_the_ui_thread_hangs(notify_socket: NotifySocket, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from kivy.clock import Clock

    monkeypatch.setenv("NOTIFY_SOCKET", str(notify_socket.path))
    monkeypatch.setenv("WATCHDOG_USEC", str(int(WATCHDOG_SECONDS * 1_000_000)))
    services = ui_setup.build_services(tmp_path / "state", simulate=True, profile="lodging")
    app = ui_setup.KioskApp(ui_setup.build_controller(services, "lodging", post=ui_setup.post_to_ui))
    driver = ui_setup.AppDriver(app)
    try:
        started = time.monotonic()
        driver.start()
        driver.wait_until(lambda: bool(notify_socket.times("READY=1")), 10, "READY=1")
        ready = notify_socket.times("READY=1")[0]
        assert app.sm is not None and app.sm.current == "home" and ready >= started
        driver.pump(seconds=1.5)
        healthy = [t for t in notify_socket.times("WATCHDOG=1") if t > ready]
        assert len(healthy) >= 5
        assert max(b - a for a, b in itertools.pairwise(healthy)) < WATCHDOG_SECONDS

        hang_started = time.monotonic()
        Clock.schedule_once(lambda _dt: time.sleep(4 * WATCHDOG_SECONDS), 0)  # the UI thread is stuck
        driver.pump(frames=2)
        hang_ended = time.monotonic()
        driver.pump(seconds=1.0)
        pings = notify_socket.times("WATCHDOG=1")
        during = [t for t in pings if hang_started + 0.05 < t < hang_ended - 0.05]
        assert during == []  # no ping for longer than WatchdogSec: systemd would restart the service
        assert hang_ended - hang_started >= 3 * WATCHDOG_SECONDS
        assert [t for t in pings if t > hang_ended]  # and they come back when the thread does
    finally:
        driver.stop()
        services.close()
    assert notify_socket.times("STOPPING=1")


def test_no_notification_outside_a_service(monkeypatch: pytest.MonkeyPatch) -> None:
    from kiosk.systemd_notify import notify, ping_interval

    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    monkeypatch.setenv("WATCHDOG_USEC", "20000000")
    assert notify("READY=1") is False and ping_interval() is None


def test_the_kiosk_command_notifies_systemd(notify_socket: NotifySocket, tmp_path: Path) -> None:
    """`kiosk run` as the unit starts it: real devices (opened on first use), the site file, an enrolled state
    directory, NOTIFY_SOCKET and WATCHDOG_USEC. Ready, then pinging; killed, back within 10 s with RestartSec."""
    from intake.devserver import IntakeServer
    from kiosk.device_key import load_or_create_device_key
    from kiosk.enrolment import enrol, save_enrolment

    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    with IntakeServer(tmp_path / "intake") as intake:
        save_enrolment(state, enrol(intake.url, intake.token(), load_or_create_device_key(state)))
        sample = (ROOT / "config" / "sites" / "clinic.toml").read_text()
        site = tmp_path / "kiosk.toml"
        site.write_text(sample.replace("https://intake.example.vn/", intake.url)
                        .replace("fullscreen = true", "fullscreen = false"))
        env = {**os.environ, "NOTIFY_SOCKET": str(notify_socket.path), "WATCHDOG_USEC": "1500000",
               "KIOSK_STATE_DIR": str(state), "KIVY_HOME": str(tmp_path / "kivy")}
        started = time.monotonic()
        process = subprocess.Popen([sys.executable, "-m", "cli.main", "run", "--config", str(site)], cwd=ROOT,
                                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            ready = notify_socket.wait_for("READY=1", 60) - started
            deadline = time.monotonic() + 10
            while len(notify_socket.times("WATCHDOG=1")) < 3 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert len(notify_socket.times("WATCHDOG=1")) >= 3
            assert process.poll() is None
            print(f"kiosk run: READY=1 {ready:.2f} s after start")
            restart = unit_settings(DEPLOY / "systemd" / "cccd-kiosk.service")["RestartSec"]
            assert float(restart[0]) + ready < 10
        finally:
            process.send_signal(signal.SIGKILL)  # what systemd does to a hung service after WatchdogSec
            process.wait(10)
