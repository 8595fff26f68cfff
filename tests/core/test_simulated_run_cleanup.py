"""``kiosk run --simulate`` keeps keys and a database in a temporary directory: nothing is left behind when the run
ends, whether it finishes, is interrupted with Ctrl-C or is stopped with SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.scratch_dir import SIM_PREFIX, scratch_state_dir

ROOT = Path(__file__).resolve().parents[2]


def kiosk_run(tmp: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "KIOSK_STATE_DIR")}
    env["TMPDIR"] = str(tmp)
    with (tmp / "out.json").open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "cli.main", "run", "--simulate", "--headless", "--json"],
                                cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.DEVNULL)


def left_behind(tmp: Path) -> list[Path]:
    return sorted(tmp.glob(f"{SIM_PREFIX}*"))


def processes_using(tmp: Path) -> list[str]:
    """Command lines of running processes that name ``tmp`` (an embedded intake started by the run)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(tmp) in cmdline:
            found.append(cmdline)
    return found


def test_a_finished_simulated_run_leaves_nothing(tmp_path: Path) -> None:
    run = kiosk_run(tmp_path)
    assert run.wait(timeout=110) == 0 and b'"ok": true' in (tmp_path / "out.json").read_bytes()
    assert left_behind(tmp_path) == [] and processes_using(tmp_path) == []


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_simulated_run_leaves_nothing(tmp_path: Path, stop: signal.Signals) -> None:
    run = kiosk_run(tmp_path)
    deadline = time.monotonic() + 60
    while not any(d.joinpath("device-key.json").exists() for d in left_behind(tmp_path)):  # keys written
        assert run.poll() is None and time.monotonic() < deadline
        time.sleep(0.1)
    run.send_signal(stop)
    run.wait(timeout=60)
    assert left_behind(tmp_path) == []
    deadline = time.monotonic() + 10
    while processes_using(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_using(tmp_path) == []


def test_the_scratch_directory_is_private_and_removed_on_an_exception(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    with pytest.raises(RuntimeError), scratch_state_dir() as directory:
        (directory / "secret").write_text("x")
        assert directory.stat().st_mode & 0o777 == 0o700
        raise RuntimeError("crash")
    assert left_behind(tmp_path) == []
