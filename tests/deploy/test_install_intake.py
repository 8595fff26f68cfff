"""deploy/install-intake.sh and deploy/update-intake.sh against a throwaway root; the nginx site through `nginx -t`."""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
from pathlib import Path

from tests.deploy.conftest import DEPLOY, DOMAIN, ROOT, Installed, manifest, run_script
from wire.envelope import MAX_BODY_BYTES, MAX_BODY_KIB


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def skipped(output: str) -> list[str]:
    return [line.removeprefix("skip (machine step): ") for line in output.splitlines()
            if line.startswith("skip (machine step): ")]


def test_tree_modes_and_enabled_units(intake_root: Installed) -> None:
    i = intake_root
    assert mode(i.path("/var/lib/cccd-intake")) == 0o700
    assert mode(i.path("/var/backups/cccd-intake")) == 0o700
    assert mode(i.path("/etc/cccd-kiosk-intake")) == 0o750
    assert mode(i.path("/etc/cccd-kiosk-intake/intake.env")) == 0o640
    assert mode(i.path("/etc/cccd-kiosk-intake/tls")) == 0o700
    for unit in ("cccd-intake.service", "cccd-intake-backup.service", "cccd-intake-backup.timer"):
        assert i.path(f"/etc/systemd/system/{unit}").read_bytes() == (DEPLOY / "systemd" / unit).read_bytes()
    systemd = i.path("/etc/systemd/system")
    assert (systemd / "multi-user.target.wants" / "cccd-intake.service").is_symlink()
    assert (systemd / "timers.target.wants" / "cccd-intake-backup.timer").is_symlink()
    env = i.path("/etc/cccd-kiosk-intake/intake.env").read_text()
    assert "INTAKE_DB_URL=postgresql://cccd-intake@/cccd_intake?host=/var/run/postgresql" in env
    assert "PASSWORD" not in env.upper().replace("NO PASSWORD", "")  # peer authentication only
    assert f"INTAKE_MAX_BODY={MAX_BODY_BYTES}\n" in env


def test_nginx_site_is_rendered_and_enabled(intake_root: Installed) -> None:
    site = intake_root.path("/etc/nginx/sites-available/cccd-intake.conf").read_text()
    assert "@" not in site.replace("$", "")
    assert f"server_name {DOMAIN};" in site
    assert "ssl_certificate /etc/cccd-kiosk-intake/tls/certificate.pem;" in site
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in site and f"client_max_body_size {MAX_BODY_KIB}k;" in site
    assert "Strict-Transport-Security" in site and "limit_req_zone" in site
    link = intake_root.path("/etc/nginx/sites-enabled/cccd-intake.conf")
    assert str(link.readlink()) == "/etc/nginx/sites-available/cccd-intake.conf"
    certificate = intake_root.path("/etc/cccd-kiosk-intake/tls/certificate.pem")
    text = subprocess.run(["openssl", "x509", "-in", str(certificate), "-noout", "-subject", "-ext",
                           "subjectAltName"], capture_output=True, text=True, check=True).stdout
    assert f"DNS:{DOMAIN}" in text


def test_nginx_accepts_the_site(tmp_path: Path) -> None:
    """`nginx -t` on the installed site, with a certificate made here, in a private nginx prefix."""
    root = tmp_path / "root"
    certificate, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-batch", "-subj", f"/CN={DOMAIN}", "-days", "2", "-keyout", str(key), "-out", str(certificate)],
                   check=True, capture_output=True)
    run_script("install-intake.sh", "--root", str(root), "--domain", DOMAIN, "--certificate", str(certificate),
               "--certificate-key", str(key))
    site = root / "etc" / "nginx" / "sites-available" / "cccd-intake.conf"
    assert f"ssl_certificate {certificate};" in site.read_text()
    assert not (root / "etc" / "cccd-kiosk-intake" / "tls").exists()  # no self-signed one when one is given
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    temp_paths = "\n".join(f"    {name}_temp_path {prefix / name};" for name in
                           ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = prefix / "nginx.conf"
    conf.write_text(f"pid {prefix / 'nginx.pid'};\nerror_log {prefix / 'error.log'};\nevents {{}}\n"
                    f"http {{\n    access_log {prefix / 'access.log'};\n{temp_paths}\n    include {site};\n}}\n")
    result = subprocess.run(["nginx", "-t", "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
    # the same check fails on a broken site, so it can fail
    site.write_text(site.read_text().replace(f"client_max_body_size {MAX_BODY_KIB}k;", "client_max_body_size;"))
    broken = subprocess.run(["nginx", "-t", "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")],
                            capture_output=True, text=True, timeout=30)
    assert broken.returncode != 0 and "client_max_body_size" in broken.stderr


def test_machine_steps_are_listed(intake_root: Installed) -> None:
    steps = skipped(intake_root.output)
    expected = [
        r"apt-get install .*\bpostgresql nginx openssl\b",
        r"^useradd --system .*--shell /usr/sbin/nologin .* cccd-intake$",
        r"^/usr/bin/python3 -m venv /opt/cccd-intake/venv$",
        rf"^/opt/cccd-intake/venv/bin/python -m pip install --quiet --upgrade {re.escape(str(ROOT))}$",
        r"^runuser -u postgres -- psql -v ON_ERROR_STOP=1 -q < .*/deploy/intake/setup-database.sql$",
        r"^chown root:cccd-intake .*/etc/cccd-kiosk-intake/intake.env$",
        r"^nginx -t -q$",
        r"^systemctl restart cccd-intake.service$",
        r"^systemctl start cccd-intake-backup.timer$",
        r"^systemctl reload nginx.service$",
    ]
    for pattern in expected:
        assert any(re.search(pattern, line) for line in steps), pattern


def test_running_twice_changes_nothing(intake_root: Installed, tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(intake_root.root, root, symlinks=True)
    before = manifest(root)
    again = run_script("install-intake.sh", "--root", str(root), "--domain", DOMAIN)
    assert manifest(root) == before  # the certificate and intake.env too
    assert "certificate /etc/cccd-kiosk-intake/tls/certificate.pem exists: kept" in again.stdout
    dry_root = tmp_path / "dry"
    dry = run_script("install-intake.sh", "--root", str(dry_root), "--domain", DOMAIN, "--dry-run")
    assert not dry_root.exists() and "+ openssl req -x509" in dry.stdout


def test_bad_options_are_refused() -> None:
    for args, message in (([], "--domain must be"), (["--domain", "a b"], "--domain must be"),
                          (["--domain", DOMAIN, "--certificate", "x.pem"], "go together")):
        result = run_script("install-intake.sh", "--dry-run", *args, check=False)
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr)


def test_update_backs_up_then_migrates_in_order(intake_root: Installed, tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(intake_root.root, root, symlinks=True)
    keys = root / "var" / "lib" / "cccd-intake" / "encryption-keys.json"
    keys.write_text("{}")
    env = root / "etc" / "cccd-kiosk-intake" / "intake.env"
    env.write_text(env.read_text() + "INTAKE_RATE=5\n")
    kept = {keys: keys.read_bytes(), env: env.read_bytes()}
    result = run_script("update-intake.sh", "--root", str(root))
    assert {p: p.read_bytes() for p in kept} == kept
    steps = skipped(result.stdout)
    order = [steps.index("systemctl stop cccd-intake.service"),
             next(i for i, s in enumerate(steps) if s.startswith("/opt/cccd-intake/venv/bin/python -m pip install")),
             steps.index("systemctl start cccd-intake-backup.service"),
             steps.index("/usr/local/sbin/cccd-intake migrate"),
             steps.index("systemctl start cccd-intake.service")]
    assert order == sorted(order)
