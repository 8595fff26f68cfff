"""The intake's database set-up (deploy/intake/setup-database.sql) and its backup script, on the throwaway
PostgreSQL cluster that `make test` starts (deploy/dev/services.d/postgresql.sh)."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.conftest import DEPLOY

pytestmark = pytest.mark.postgres

PORT = os.environ.get("KIOSK_PG_PORT", "54329")
# the cluster's test role (deploy/dev/services.d/postgresql.sh), over TCP with its password
TEST_DB = {"PGHOST": "127.0.0.1", "PGPORT": PORT, "PGUSER": "kiosk", "PGPASSWORD": "kiosk"}


def as_postgres(*args: str, stdin: str | None = None) -> str:
    command = ["psql", "-p", PORT, "-v", "ON_ERROR_STOP=1", "-qtA", *args]
    if os.getuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    else:
        command = ["sudo", "-u", "postgres", *command]
    result = subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture
def clean_cluster() -> Iterator[None]:
    subprocess.run(["bash", str(DEPLOY / "dev" / "services.d" / "postgresql.sh"), "start"], check=True,
                   capture_output=True, timeout=120)
    drop = 'DROP DATABASE IF EXISTS cccd_intake; DROP ROLE IF EXISTS "cccd-intake";'
    as_postgres(stdin=drop)
    yield
    as_postgres(stdin=drop)


def test_database_setup_is_idempotent_and_passwordless(clean_cluster: None) -> None:
    sql = (DEPLOY / "intake" / "setup-database.sql").read_text()
    as_postgres(stdin=sql)
    as_postgres(stdin=sql)  # a second run changes nothing and does not fail
    owner = as_postgres("-c", "SELECT pg_get_userbyid(datdba), pg_encoding_to_char(encoding) FROM pg_database "
                              "WHERE datname = 'cccd_intake'")
    assert owner == "cccd-intake|UTF8"
    role = as_postgres("-c", "SELECT rolcanlogin, rolsuper, rolpassword IS NULL FROM pg_authid "
                             "WHERE rolname = 'cccd-intake'")
    assert role == "t|f|t"  # may log in, no superuser, no password: peer authentication only


def test_backup_dumps_restorably_and_keeps_fourteen_days(tmp_path: Path) -> None:
    backups, state = tmp_path / "backups", tmp_path / "state"
    backups.mkdir()
    state.mkdir()
    (state / "encryption-keys.json").write_text('{"keys": []}')
    old = [backups / "kiosk_intake-20200101T000000Z.dump", backups / "encryption-keys-20200101T000000Z.json"]
    recent = backups / "kiosk_intake-20990101T000000Z.dump"
    unrelated = backups / "notes.txt"
    for path in [*old, recent, unrelated]:
        path.write_text("x")
    past = time.time() - 20 * 86400
    for path in [*old, unrelated]:
        os.utime(path, (past, past))
    recent_time = time.time() - 3 * 86400
    os.utime(recent, (recent_time, recent_time))
    env = {**os.environ, **TEST_DB, "INTAKE_BACKUP_DIR": str(backups), "INTAKE_BACKUP_KEEP_DAYS": "14",
           "INTAKE_BACKUP_DATABASE": "kiosk_intake", "INTAKE_STATE_DIR": str(state)}
    subprocess.run(["bash", str(DEPLOY / "dev" / "services.d" / "postgresql.sh"), "start"], check=True,
                   capture_output=True, timeout=120)
    result = subprocess.run(["bash", str(DEPLOY / "bin" / "cccd-intake-backup.sh")], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    dumps = sorted(p for p in backups.glob("kiosk_intake-*.dump") if p != recent)
    assert len(dumps) == 1 and (dumps[0].stat().st_mode & 0o777) == 0o600
    listing = subprocess.run(["pg_restore", "--list", str(dumps[0])], capture_output=True, text=True, check=True)
    assert "kiosk_intake" in listing.stdout  # a custom-format archive of the database
    keys = list(backups.glob("encryption-keys-2*.json"))
    assert [k.read_text() for k in keys if k not in old] == ['{"keys": []}']
    assert not any(p.exists() for p in old)  # older than 14 days: removed
    assert recent.exists() and unrelated.exists()  # within retention, or not a backup: kept
