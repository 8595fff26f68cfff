"""shellcheck on every shell script of the project: no finding at any severity."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.deploy.conftest import ROOT

SKIPPED_DIRS = {".venv", "build", ".git", "node_modules", ".pytest_cache", ".mypy_cache", ".ruff_cache"}


def shell_scripts() -> list[Path]:
    found = []
    for path in sorted(ROOT.rglob("*.sh")):
        if not SKIPPED_DIRS & set(path.relative_to(ROOT).parts):
            found.append(path)
    for path in sorted((ROOT / "deploy" / "lib").glob("*")):  # sourced libraries, named *.sh too
        if path not in found:
            found.append(path)
    return found


def shellcheck(*paths: Path) -> subprocess.CompletedProcess[str]:
    # -x follows `source`d files; run from the repository root like CI does.
    return subprocess.run(["shellcheck", "--external-sources", "--severity=style", *map(str, paths)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_every_script_is_clean() -> None:
    scripts = shell_scripts()
    names = {str(p.relative_to(ROOT)) for p in scripts}
    assert {"deploy/install-kiosk.sh", "deploy/install-intake.sh", "deploy/update-kiosk.sh",
            "deploy/update-intake.sh", "deploy/dev/bootstrap.sh", "deploy/dev/services.sh",
            "deploy/dev/services.d/xvfb.sh", "deploy/lib/common.sh"} <= names
    result = shellcheck(*scripts)
    assert result.returncode == 0, result.stdout


def test_shellcheck_reports_a_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sh"
    bad.write_text("#!/usr/bin/env bash\nrm -rf $1/*\n")
    result = shellcheck(bad)
    assert result.returncode == 1 and "SC2086" in result.stdout
