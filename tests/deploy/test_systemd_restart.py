"""The shipped kiosk unit under a real systemd (PID 1 of a sandbox, tests/deploy/systemd-sandbox.sh): a killed
kiosk is back within 10 s, a frozen one is killed by the watchdog and started again. The intake unit runs there too,
with its hardening (system call filter, no capabilities), answers, and comes back when killed.

The unit runs as shipped (Type=notify, NotifyAccess, Restart, RestartSec, hardening) with a drop-in for what this
machine lacks: no seat or tty for cage (the app draws on the Xvfb display instead), no cccd-kiosk account (root),
a state directory enrolled with an intake started by the test, and a 6 s watchdog instead of 20 s to keep the test
short. The devices are the real drivers, opened on first use as on a kiosk.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

import tests.ui.conftest  # noqa: F401  the Xvfb display of the UI tests ($DISPLAY)
from intake.devserver import IntakeServer, free_port
from kiosk.device_key import load_or_create_device_key
from kiosk.enrolment import enrol, save_enrolment
from tests.deploy.conftest import DEPLOY, ROOT

pytestmark = pytest.mark.ui

SANDBOX = Path(__file__).with_name("systemd-sandbox.sh")
# What the units run must stay visible in the sandbox, wherever the checkout is: the checkout, its virtual
# environment and the Python that made it (outermost paths only).
KEEP = [str(p) for p in sorted({ROOT, Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()})]
KEEP = [p for p in KEEP if not any(p != q and p.startswith(q + "/") for q in KEEP)]
WATCHDOG_SECONDS = 6
INTAKE_PORT = free_port()
DROP_IN = """[Unit]
DefaultDependencies=no
ConditionPathExists=
[Service]
User=root
Group=root
SupplementaryGroups=
PAMName=
TTYPath=
StandardInput=null
UtmpIdentifier=
WatchdogSec={watchdog}
# the checkout and its virtual environment may live under /root or /home, or under /tmp (hidden by PrivateTmp)
ProtectHome=read-only
BindReadOnlyPaths={keep}
Environment=DISPLAY={display}
# the enrolment made by the test (the unit's state directory starts empty in the sandbox)
ExecStartPre=+/bin/cp -an /run/sandbox/state/. /var/lib/cccd-kiosk/
ExecStart=
ExecStart={kiosk} run --config /run/sandbox/kiosk.toml
"""
INTAKE_DROP_IN = """[Unit]
DefaultDependencies=no
[Service]
User=root
Group=root
ProtectHome=read-only
BindReadOnlyPaths={keep}
EnvironmentFile=
Environment=INTAKE_HOST=127.0.0.1 INTAKE_PORT={port} INTAKE_WORKERS=2 INTAKE_STATE_DIR=/var/lib/cccd-intake
ExecStart=
ExecStart={venv}/bin/kiosk-intake serve --host ${{INTAKE_HOST}} --port ${{INTAKE_PORT}} --workers ${{INTAKE_WORKERS}}
"""


@dataclass
class Sandbox:
    process: subprocess.Popen[bytes]
    init_pid: int

    def systemctl(self, *args: str) -> str:
        result = subprocess.run(["nsenter", "-t", str(self.init_pid), "-m", "-p", "--", "systemctl", *args],
                                capture_output=True, text=True, timeout=30)
        return result.stdout.strip()

    def prop(self, name: str, unit: str = "cccd-kiosk.service") -> str:
        return self.systemctl("show", unit, "-p", name, "--value")

    def signal_main(self, sig: signal.Signals, unit: str = "cccd-kiosk.service") -> None:
        main = self.prop("MainPID", unit)
        subprocess.run(["nsenter", "-t", str(self.init_pid), "-m", "-p", "--", "kill", f"-{sig.name}", main],
                       check=True, timeout=10)

    def wait_running_other_than(self, old_main: str, timeout: float, unit: str = "cccd-kiosk.service") -> float:
        """Seconds until the unit runs (for the kiosk: READY=1 received) with a main process other than
        ``old_main``."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            main = self.prop("MainPID", unit)
            if self.prop("SubState", unit) == "running" and main not in ("0", old_main):
                return time.monotonic() - start
            time.sleep(0.1)
        raise TimeoutError(f"{unit} not running again within {timeout} s: "
                           f"{self.systemctl('status', unit, '--no-pager')}")


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return found


@pytest.fixture(scope="module")
def intake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IntakeServer]:
    with IntakeServer(tmp_path_factory.mktemp("intake")) as server:
        yield server


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory, intake: IntakeServer) -> Iterator[Sandbox]:
    units = tmp_path_factory.mktemp("units")  # /run/sandbox in the sandbox
    for unit in ("cccd-kiosk.service", "cccd-intake.service"):
        (units / f"{unit}.d").mkdir()
        shutil.copy(DEPLOY / "systemd" / unit, units / unit)
    state = units / "state"
    state.mkdir(mode=0o700)
    save_enrolment(state, enrol(intake.url, intake.token(), load_or_create_device_key(state)))
    sample = (ROOT / "config" / "sites" / "lodging.toml").read_text()
    (units / "kiosk.toml").write_text(sample.replace("https://intake.example.vn/", intake.url)
                                      .replace("fullscreen = true", "fullscreen = false"))
    (units / "cccd-kiosk.service.d" / "sandbox.conf").write_text(DROP_IN.format(
        watchdog=WATCHDOG_SECONDS, display=os.environ["DISPLAY"], kiosk=Path(sys.executable).parent / "kiosk",
        keep=" ".join(KEEP)))
    (units / "cccd-intake.service.d" / "sandbox.conf").write_text(INTAKE_DROP_IN.format(
        port=INTAKE_PORT, venv=Path(sys.executable).parent.parent, keep=" ".join(KEEP)))
    (units / "sandbox.target").write_text("[Unit]\nDefaultDependencies=no\nWants=cccd-kiosk.service "
                                          "cccd-intake.service\n")
    command = ["unshare", "--pid", "--fork", "--mount", "--propagation", "private", "--cgroup", "--mount-proc",
               "bash", str(SANDBOX), str(units), "sandbox.target", *KEEP]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    init_pid = 0
    try:
        deadline = time.monotonic() + 10
        while not init_pid and time.monotonic() < deadline:
            init_pid = next(iter(_children(process.pid)), 0)
            time.sleep(0.05)
        assert init_pid, f"the sandbox did not start: {process.stderr.read() if process.poll() is not None else ''}"
        box = Sandbox(process, init_pid)
        box.wait_running_other_than("0", 90)
        box.wait_running_other_than("0", 30, "cccd-intake.service")
        yield box
    finally:
        if init_pid:
            os.kill(init_pid, signal.SIGKILL)  # PID 1 of the namespace: every process in it ends with it
        process.wait(10)


def test_killed_kiosk_is_back_within_ten_seconds_and_a_frozen_one_is_restarted(sandbox: Sandbox) -> None:
    assert sandbox.prop("WatchdogUSec") == f"{WATCHDOG_SECONDS}s" and sandbox.prop("Restart") == "always"

    main, restarts = sandbox.prop("MainPID"), int(sandbox.prop("NRestarts"))
    sandbox.signal_main(signal.SIGKILL)
    back = sandbox.wait_running_other_than(main, 30)
    print(f"killed: running again (READY=1) after {back:.1f} s")
    assert back < 10
    assert int(sandbox.prop("NRestarts")) == restarts + 1

    main = sandbox.prop("MainPID")
    frozen_at = time.monotonic()
    sandbox.signal_main(signal.SIGSTOP)  # no thread runs, the UI thread included: no more WATCHDOG=1
    while sandbox.prop("MainPID") == main and time.monotonic() - frozen_at < WATCHDOG_SECONDS + 10:
        time.sleep(0.1)
    killed_after = time.monotonic() - frozen_at
    back = sandbox.wait_running_other_than(main, 30) + killed_after
    print(f"frozen: killed by the watchdog after {killed_after:.1f} s, running again after {back:.1f} s")
    assert WATCHDOG_SECONDS / 2 <= killed_after <= WATCHDOG_SECONDS + 2  # the watchdog, not an earlier failure
    assert int(sandbox.prop("NRestarts")) == restarts + 2


def intake_answers(timeout: float) -> float:
    """Seconds until the sandboxed intake serves its OpenAPI schema."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            if requests.get(f"http://127.0.0.1:{INTAKE_PORT}/v1/health", timeout=2).status_code == 200:
                return time.monotonic() - start
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"the intake did not answer within {timeout} s")


def test_intake_runs_hardened_and_comes_back_when_killed(sandbox: Sandbox) -> None:
    unit = "cccd-intake.service"
    assert sandbox.prop("SystemCallFilter", unit) and sandbox.prop("CapabilityBoundingSet", unit) == ""
    intake_answers(30)
    main = sandbox.prop("MainPID", unit)
    sandbox.signal_main(signal.SIGKILL, unit)
    sandbox.wait_running_other_than(main, 15, unit)
    back = intake_answers(30)
    assert back < 15
