"""Connected-device detection and ``kiosk run --auto`` falling back to the simulated devices."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from drivers.detect import SIMULATED_READER_PREFIX, cameras, card_readers

ROOT = Path(__file__).resolve().parents[2]


def _node(sysfs: Path, name: str, index: str | None) -> None:
    (sysfs / name).mkdir(parents=True)
    if index is not None:
        (sysfs / name / "index").write_text(f"{index}\n")


def test_only_capture_nodes_count_as_cameras(tmp_path: Path) -> None:
    _node(tmp_path, "video0", "0")  # a UVC camera's capture node
    _node(tmp_path, "video1", "1")  # the same camera's metadata node
    _node(tmp_path, "video2", "0")  # a second camera
    _node(tmp_path, "video3", None)  # unreadable: ignored
    assert cameras(tmp_path) == ["/dev/video0", "/dev/video2"]
    assert cameras(tmp_path / "absent") == []


@pytest.mark.pcscd
def test_the_simulated_reader_is_not_a_connected_reader() -> None:
    subprocess.run(["bash", str(ROOT / "deploy/dev/services.d/pcscd.sh"), "start"], check=True,
                   capture_output=True)
    from smartcard.System import readers

    names = [str(r) for r in readers()]
    assert any(n.startswith(SIMULATED_READER_PREFIX) for n in names), names  # vpcd is there…
    assert not any(n.startswith(SIMULATED_READER_PREFIX) for n in card_readers())  # …but does not count


@pytest.mark.pcscd
def test_run_auto_without_devices_runs_the_simulated_demo(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "KIOSK_STATE_DIR")}
    out = subprocess.run([sys.executable, "-m", "cli.main", "run", "--auto", "--json", "--profile", "clinic",
                          "--state-dir", str(tmp_path / "state")], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "simulated" in out.stderr
    result = json.loads(out.stdout)
    assert result["ok"] and result["delivered"] and result["identity_source"] == "chip"
    assert result["verification"]["passive"] == "valid"
    assert (tmp_path / "state" / "receipts").is_dir()
