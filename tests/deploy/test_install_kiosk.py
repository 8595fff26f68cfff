"""deploy/install-kiosk.sh and deploy/update-kiosk.sh run for real against a throwaway root tree."""

from __future__ import annotations

import re
import shutil
import stat
from pathlib import Path

from kiosk.site_config import load_site_config
from tests.deploy.conftest import DEPLOY, INTAKE_URL, ROOT, Installed, manifest, run_script


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_tree_has_every_file_with_tight_modes(kiosk_root: Installed) -> None:
    k = kiosk_root
    assert mode(k.path("/var/lib/cccd-kiosk")) == 0o700
    assert mode(k.path("/etc/cccd-kiosk")) == 0o750
    assert mode(k.path("/etc/cccd-kiosk/kiosk.toml")) == 0o640
    assert mode(k.path("/usr/local/sbin/cccd-kiosk")) == 0o755
    for deployed, source in {
        "/etc/systemd/system/cccd-kiosk.service": "systemd/cccd-kiosk.service",
        "/etc/pam.d/cccd-kiosk": "pam/cccd-kiosk",
        "/etc/polkit-1/rules.d/60-cccd-kiosk-pcsc.rules": "polkit/60-cccd-kiosk-pcsc.rules",
        "/etc/udev/rules.d/70-cccd-kiosk.rules": "udev/70-cccd-kiosk.rules",
        "/etc/systemd/journald.conf.d/60-cccd-kiosk.conf": "journald/60-cccd-kiosk.conf",
        "/usr/local/sbin/cccd-kiosk": "bin/cccd-kiosk.sh",
    }.items():
        assert k.path(deployed).read_bytes() == (DEPLOY / source).read_bytes(), deployed
        assert mode(k.path(deployed)) in (0o644, 0o755), deployed
    rule = k.path("/etc/polkit-1/rules.d/60-cccd-kiosk-pcsc.rules").read_text()
    assert '"org.debian.pcsc-lite.access_pcsc"' in rule and '"org.debian.pcsc-lite.access_card"' in rule
    assert 'subject.user == "cccd-kiosk"' in rule


def test_site_configuration_is_the_profile_sample_with_url_and_a_random_pin(kiosk_root: Installed) -> None:
    path = kiosk_root.path("/etc/cccd-kiosk/kiosk.toml")
    site = load_site_config(path)
    assert (site.profile, site.intake_url, site.fullscreen) == ("lodging", INTAKE_URL, True)
    assert site.operator_pin is not None and re.fullmatch(r"[0-9]{6}", site.operator_pin)
    sample = (ROOT / "config" / "sites" / "lodging.toml").read_text()
    assert site.operator_pin != load_site_config(ROOT / "config" / "sites" / "lodging.toml").operator_pin
    assert sample.count("\n") == path.read_text().count("\n")  # the documented sample, comments kept


def test_units_are_enabled_and_tty1_belongs_to_the_kiosk(kiosk_root: Installed) -> None:
    systemd = kiosk_root.path("/etc/systemd/system")
    wants = systemd / "graphical.target.wants" / "cccd-kiosk.service"
    assert wants.is_symlink() and str(wants.readlink()) == "/etc/systemd/system/cccd-kiosk.service"
    assert str((systemd / "getty@tty1.service").readlink()) == "/dev/null"  # masked
    assert str((systemd / "default.target").readlink()) == "/lib/systemd/system/graphical.target"


def test_machine_steps_are_listed_and_skipped(kiosk_root: Installed) -> None:
    skipped = [line.removeprefix("skip (machine step): ") for line in kiosk_root.output.splitlines()
               if line.startswith("skip (machine step): ")]
    expected = [
        r"apt-get install .*\bpcscd libccid pcsc-tools polkitd cage xwayland\b",
        r"^useradd --system .*--shell /usr/sbin/nologin .* cccd-kiosk$",
        r"^usermod --append --groups video,render,input,lp cccd-kiosk$",
        r"^/usr/bin/python3 -m venv /opt/cccd-kiosk/venv$",
        rf"^/opt/cccd-kiosk/venv/bin/python -m pip install --quiet --upgrade {re.escape(str(ROOT))}$",
        r"^chown cccd-kiosk:cccd-kiosk .*/var/lib/cccd-kiosk$",
        r"^chown root:cccd-kiosk .*/etc/cccd-kiosk/kiosk.toml$",
        r"^udevadm control --reload$",
        r"^runuser -u cccd-kiosk -- /opt/cccd-kiosk/venv/bin/kiosk device enroll --state-dir /var/lib/cccd-kiosk "
        rf"--intake {re.escape(INTAKE_URL)} --token=\*\*\*$",
        r"^systemctl --quiet enable pcscd.socket$",
        r"^systemctl try-restart cccd-kiosk.service$",
    ]
    for pattern in expected:
        assert any(re.search(pattern, line) for line in skipped), pattern
    assert "token-123" not in kiosk_root.output  # the enrolment token is never printed


def test_running_twice_changes_nothing_and_keeps_the_site_file(kiosk_root: Installed, tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(kiosk_root.root, root, symlinks=True)
    site = root / "etc" / "cccd-kiosk" / "kiosk.toml"
    site.write_text(site.read_text().replace("idle_seconds = 60", "idle_seconds = 90"))
    before = manifest(root)
    again = run_script("install-kiosk.sh", "--root", str(root), "--profile", "clinic", "--intake-url", INTAKE_URL)
    assert manifest(root) == before
    assert "file /etc/cccd-kiosk/kiosk.toml exists: kept as it is" in again.stdout
    assert "file /etc/systemd/system/cccd-kiosk.service mode 0644 (unchanged)" in again.stdout
    assert load_site_config(site).idle_seconds == 90


def test_a_changed_unit_is_replaced(kiosk_root: Installed, tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(kiosk_root.root, root, symlinks=True)
    unit = root / "etc" / "systemd" / "system" / "cccd-kiosk.service"
    unit.write_text("stale\n")
    unit.chmod(0o600)
    run_script("install-kiosk.sh", "--root", str(root))
    assert unit.read_bytes() == (DEPLOY / "systemd" / "cccd-kiosk.service").read_bytes() and mode(unit) == 0o644


def test_dry_run_prints_every_step_and_changes_nothing(kiosk_root: Installed, tmp_path: Path) -> None:
    root = tmp_path / "dry"
    dry = run_script("install-kiosk.sh", "--root", str(root), "--dry-run", "--profile", "lodging",
                     "--intake-url", INTAKE_URL, "--enrol-token", "token-123")
    assert not root.exists()

    def steps(output: str) -> list[str]:
        return [line for line in output.splitlines() if line.startswith(("==> ", "file ", "dir ", "link "))]

    assert steps(dry.stdout) == steps(kiosk_root.output)
    assert "+ systemctl --root=" in dry.stdout  # the enabling command is shown, not run
    # without --root, on this machine: still nothing is written
    on_machine = run_script("install-kiosk.sh", "--dry-run", "--profile", "clinic")
    assert "skip (machine step): useradd" in on_machine.stdout
    assert not Path("/etc/cccd-kiosk/kiosk.toml").exists() or "exists: kept" in on_machine.stdout


def test_bad_options_are_refused() -> None:
    for args, message in ((["--profile", "hotel"], "--profile must be"),
                          (["--intake-url", "ftp://x"], "--intake-url must be"),
                          (["--enrol-token", "t"], "--enrol-token needs --intake-url"),
                          (["--colour", "red"], "unknown option --colour"),
                          (["--profile"], "--profile needs a value")):
        result = run_script("install-kiosk.sh", "--dry-run", *args, check=False)
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr)


def test_update_keeps_state_and_configuration_in_order(kiosk_root: Installed, tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(kiosk_root.root, root, symlinks=True)
    state = root / "var" / "lib" / "cccd-kiosk"
    (state / "outbox.db").write_bytes(b"pending submissions")
    (state / "device-key.json").write_text("{}")
    kept = {p: p.read_bytes() for p in (state / "outbox.db", state / "device-key.json",
                                        root / "etc" / "cccd-kiosk" / "kiosk.toml")}
    result = run_script("update-kiosk.sh", "--root", str(root))
    assert {p: p.read_bytes() for p in kept} == kept
    assert mode(state) == 0o700
    lines = result.stdout.splitlines()

    def index(pattern: str) -> int:
        return next(i for i, line in enumerate(lines) if re.search(pattern, line))

    order = [index(r"skip \(machine step\): systemctl stop cccd-kiosk.service$"),
             index(r"skip \(machine step\): /opt/cccd-kiosk/venv/bin/python -m pip install --quiet --upgrade /"),
             index(r"skip \(machine step\): runuser -u cccd-kiosk -- env KIOSK_STATE_DIR=/var/lib/cccd-kiosk "
                   r"/opt/cccd-kiosk/venv/bin/kiosk migrate --state-dir /var/lib/cccd-kiosk --json$"),
             index(r"skip \(machine step\): systemctl start cccd-kiosk.service$")]
    assert order == sorted(order)
