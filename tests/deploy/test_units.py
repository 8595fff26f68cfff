"""`systemd-analyze verify` on every installed unit, and the unit settings the recovery promises rest on."""

from __future__ import annotations

import re
from pathlib import Path

from tests.deploy.conftest import DEPLOY, Installed, installed_paths


def unit_settings(path: Path) -> dict[str, list[str]]:
    """``Key=value`` lines of a unit file, every value of a repeated key kept in order."""
    settings: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def seconds(value: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(ms|s|min)?", value)
    assert match, value
    return float(match.group(1)) * {"ms": 0.001, "s": 1, None: 1, "min": 60}[match.group(2)]


def test_every_unit_verifies_without_a_warning(kiosk_root: Installed, intake_root: Installed) -> None:
    shipped = sorted(p.name for p in (DEPLOY / "systemd").iterdir())
    units = [root.path(f"/etc/systemd/system/{name}") for name in shipped
             for root in (kiosk_root, intake_root) if root.path(f"/etc/systemd/system/{name}").is_file()]
    assert sorted(u.name for u in units) == shipped  # every shipped unit is installed by one installer
    for unit in units:
        result = installed_paths(["systemd-analyze", "verify", "--man=no", str(unit)],
                                 kiosk_root.root, intake_root.root)
        assert result.returncode == 0 and result.stdout + result.stderr == "", (unit.name, result.stderr)


def test_verification_catches_a_bad_unit(intake_root: Installed, tmp_path: Path) -> None:
    bad = tmp_path / "bad.service"
    bad.write_text((DEPLOY / "systemd" / "cccd-intake.service").read_text()
                   .replace("kiosk-intake serve", "kiosk-intake serve\nRestartSecs=2"))
    result = installed_paths(["systemd-analyze", "verify", "--man=no", str(bad)], intake_root.root)
    assert "RestartSecs" in result.stderr


def test_kiosk_unit_restarts_within_ten_seconds_and_has_a_watchdog() -> None:
    unit = unit_settings(DEPLOY / "systemd" / "cccd-kiosk.service")
    assert unit["Restart"] == ["always"] and seconds(unit["RestartSec"][0]) <= 5
    assert unit["Type"] == ["notify"] and unit["NotifyAccess"] == ["all"]  # the app is cage's child
    assert 5 <= seconds(unit["WatchdogSec"][0]) <= 60
    assert unit["StartLimitIntervalSec"] == ["0"]  # restarts are never rate-limited into a stop
    assert unit["User"] == ["cccd-kiosk"] and unit["Conflicts"] == ["getty@tty1.service"]
    assert unit["TTYPath"] == ["/dev/tty1"] and unit["PAMName"] == ["cccd-kiosk"]
    exec_start = unit["ExecStart"][0]
    assert exec_start.startswith("/usr/bin/cage -- /opt/cccd-kiosk/venv/bin/kiosk run --fullscreen --config ")
    assert " -s " not in exec_start  # no virtual-terminal switching out of the kiosk
    assert "KIOSK_STATE_DIR=/var/lib/cccd-kiosk" in unit["Environment"]
    assert unit["ProtectSystem"] == ["strict"] and "/var/lib/cccd-kiosk" in unit["ReadWritePaths"][0].split()
    assert unit["NoNewPrivileges"] == ["yes"] and unit["PrivateTmp"] == ["yes"] and unit["ProtectHome"] == ["yes"]


def test_intake_units_restart_and_back_up_daily() -> None:
    service = unit_settings(DEPLOY / "systemd" / "cccd-intake.service")
    assert service["Restart"] == ["always"] and seconds(service["RestartSec"][0]) <= 5
    assert service["EnvironmentFile"] == ["/etc/cccd-kiosk-intake/intake.env"]
    assert "--host ${INTAKE_HOST} --port ${INTAKE_PORT} --workers ${INTAKE_WORKERS}" in service["ExecStart"][0]
    timer = unit_settings(DEPLOY / "systemd" / "cccd-intake-backup.timer")
    assert timer["Persistent"] == ["true"] and timer["OnCalendar"][0].endswith("02:30:00")
