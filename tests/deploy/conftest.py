"""The installers run for real against throwaway root trees (``--root DIR``), once per test session.

``installed_paths`` runs a command in a private mount namespace where the installed venvs and commands exist at
their deployed paths (``/opt/cccd-*/venv`` → this checkout's venv, ``/usr/local/sbin`` → the root's), so that
``systemd-analyze verify`` checks the units against the binaries they name, without touching the machine.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
VENV = Path(sys.prefix)
INTAKE_URL = "https://intake.example.vn/"
DOMAIN = "intake.example.vn"


@dataclass
class Installed:
    root: Path
    output: str

    def path(self, deployed: str) -> Path:
        return self.root / deployed.lstrip("/")


def run_script(script: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["bash", str(DEPLOY / script), *args], capture_output=True, text=True, timeout=120)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def manifest(root: Path) -> dict[str, tuple[str, str]]:
    """Every path under ``root`` with its mode and its content hash (or link target)."""
    entries: dict[str, tuple[str, str]] = {}
    for path in sorted(root.rglob("*")):
        relative = "/" + str(path.relative_to(root))
        if path.is_symlink():
            entries[relative] = ("link", os.readlink(path))
        elif path.is_dir():
            entries[relative] = (oct(path.stat().st_mode & 0o7777), "dir")
        else:
            entries[relative] = (oct(path.stat().st_mode & 0o7777), hashlib.sha256(path.read_bytes()).hexdigest())
    return entries


@pytest.fixture(scope="session")
def kiosk_root(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    root = tmp_path_factory.mktemp("kiosk-root")
    result = run_script("install-kiosk.sh", "--root", str(root), "--profile", "lodging", "--intake-url", INTAKE_URL,
                        "--enrol-token", "token-123")
    return Installed(root, result.stdout)


@pytest.fixture(scope="session")
def intake_root(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    root = tmp_path_factory.mktemp("intake-root")
    result = run_script("install-intake.sh", "--root", str(root), "--domain", DOMAIN)
    return Installed(root, result.stdout)


def installed_paths(command: Sequence[str], *roots: Path) -> subprocess.CompletedProcess[str]:
    """Run ``command`` where /opt/cccd-kiosk/venv, /opt/cccd-intake/venv and the roots' /usr/local/sbin exist."""
    setup = ["mount -t tmpfs tmpfs /opt"]
    for name in ("cccd-kiosk", "cccd-intake"):
        setup += [f"mkdir -p /opt/{name}", f"ln -s {shlex.quote(str(VENV))} /opt/{name}/venv"]
    setup.append("mount -t tmpfs tmpfs /usr/local/sbin")
    for root in roots:
        sbin = root / "usr" / "local" / "sbin"
        if sbin.is_dir():
            setup.append(f"cp -a {shlex.quote(str(sbin))}/. /usr/local/sbin/")
    script = " && ".join([*setup, "exec " + shlex.join(command)])
    unshare = ["unshare", "--mount", "--propagation", "private"]
    if os.getuid() != 0:
        unshare.append("--map-root-user")
    return subprocess.run([*unshare, "sh", "-c", script], capture_output=True, text=True, timeout=120)
