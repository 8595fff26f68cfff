"""What `make run` and `make test` install: the Debian package lists are split so that running the kiosk needs no
test tools, and the project declares only what it uses at run time (SPDX licence, bench-only packages apart)."""

from __future__ import annotations

import os
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.deploy.conftest import ROOT

TEST_ONLY = {"chromium", "nginx", "postgresql", "shellcheck", "wrk", "xvfb", "cage", "nodejs"}


def packages(name: str) -> list[str]:
    lines = (ROOT / "deploy" / "dev" / name).read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def test_the_run_list_holds_no_test_only_package() -> None:
    run, test = packages("apt-packages.txt"), packages("apt-packages-test.txt")
    assert set(test) >= TEST_ONLY and not TEST_ONLY & set(run) and not set(run) & set(test)
    assert {"pcscd", "libzbar0", "libpcsclite-dev", "fonts-noto-core"} <= set(run)


def stubbed_bootstrap(tmp_path: Path, mode: str | None) -> tuple[list[str], list[str]]:
    """Run deploy/dev/bootstrap.sh with apt and pip replaced by recorders: (apt arguments, pip arguments)."""
    stubs, venv = tmp_path / "stubs", tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    stubs.mkdir()
    log = tmp_path / "log"
    for name, body in (("dpkg-query", "exit 1"), ("apt-get", f'echo "apt $*" >> {log}'),
                       ("sudo", '"$@"')):
        (stubs / name).write_text(f"#!/bin/sh\n{body}\n")
        (stubs / name).chmod(0o755)
    (venv / "bin" / "python").write_text(f'#!/bin/sh\necho "python $*" >> {log}\n')
    (venv / "bin" / "python").chmod(0o755)
    env = {**os.environ, "PATH": f"{stubs}:{os.environ['PATH']}", "VENV": str(venv)}
    subprocess.run(["bash", str(ROOT / "deploy" / "dev" / "bootstrap.sh"), *([mode] if mode else [])], env=env,
                   check=True, capture_output=True, timeout=60)
    lines = log.read_text().splitlines()
    return [x for x in lines if x.startswith("apt install")], [x for x in lines if "pip install -q -e" in x]


@pytest.mark.parametrize("mode", ["run", None])
def test_bootstrap_installs_the_lists_of_its_mode(tmp_path: Path, mode: str | None) -> None:
    apt, pip = stubbed_bootstrap(tmp_path, mode)
    [install] = apt
    wanted = set(install.split()[install.split().index("--no-install-recommends") + 1:])
    run = set(packages("apt-packages.txt"))
    if mode == "run":
        assert wanted == run and pip == ["python -m pip install -q -e ."]
    else:
        assert wanted == run | set(packages("apt-packages-test.txt")) and pip == ["python -m pip install -q -e .[dev]"]


def test_the_project_declares_an_spdx_licence_and_only_run_time_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "Apache-2.0"
    names = {dep.split(">")[0].split("[")[0].split("=")[0].strip().lower() for dep in project["dependencies"]}
    assert not names & {"bogo", "pyzbar", "opencv-contrib-python-headless", "opencv-contrib-python"}
    assert "opencv-python-headless" in names
    bench = {dep.split(">")[0] for dep in project["optional-dependencies"]["bench"]}
    assert bench == {"pyzbar", "opencv-contrib-python-headless"}


def test_nothing_at_run_time_imports_a_bench_only_package() -> None:
    offenders = []
    for package in ("kiosk", "drivers", "screens", "cli", "intake"):
        for path in (ROOT / package).rglob("*.py"):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                stripped = line.strip()
                if stripped.startswith(("import bogo", "from bogo", "import pyzbar", "from pyzbar")):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}")
                if "wechat_qrcode" in stripped:
                    offenders.append(f"{path.relative_to(ROOT)}:{number}")
    # the benchmark-only decoder that calls pyzbar as usually called imports it lazily, inside the class
    assert [offender.split(":")[0] for offender in offenders] == ["drivers/qr/decoders.py"]
    source = (ROOT / offenders[0].split(":")[0]).read_text(encoding="utf-8").splitlines()
    assert source[int(offenders[0].split(":")[1]) - 1].startswith("        ")  # inside a method: imported lazily
