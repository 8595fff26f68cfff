"""Updating from release 0.1.0: the state it wrote (``fixtures/release-0.1.0``, made by ``make_release_fixture.py``
with 0.1.0's own code: an enrolled kiosk with three submissions pending in its outbox and a guest in its register,
the intake's keys and database) is migrated by this release's ``kiosk migrate`` and ``kiosk-intake migrate``, then
every pending submission reaches the intake exactly once and no key changes. The intake database is the 0.1.0
SQLite file, and on PostgreSQL the same rows in 0.1.0's tables."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cli.main import main as kiosk_main
from intake.cli import main as intake_main
from intake.db import Store, devices, enrolment_tokens, schema_version, submissions
from intake.devserver import IntakeServer, postgres_url, reset_database
from kiosk.device_key import load_device_key
from kiosk.heartbeat import Health, HeartbeatSender
from kiosk.lodging.register import GuestRegister
from kiosk.migrations import StateTooNewError
from kiosk.outbox import open_outbox

FIXTURE = Path(__file__).parent / "fixtures" / "release-0.1.0"
RELEASE_0_1_TABLES = (devices, enrolment_tokens, submissions)


def digests(directory: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(directory.glob("*.json"))}


@pytest.fixture
def manifest() -> dict[str, Any]:
    return dict(json.loads((FIXTURE / "manifest.json").read_text()))


@pytest.fixture
def release_state(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the 0.1.0 kiosk and intake state directories with their deployed modes (git keeps neither)."""
    root = tmp_path / "state"
    shutil.copytree(FIXTURE, root)
    for directory in (root / "kiosk", root / "intake"):
        directory.chmod(0o700)
        for path in directory.iterdir():
            path.chmod(0o600)
    return root / "kiosk", root / "intake"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def release_db(request: pytest.FixtureRequest, release_state: tuple[Path, Path]) -> Iterator[list[str]]:
    """``--db`` options naming the 0.1.0 intake database: the fixture's SQLite file, or PostgreSQL holding its rows
    in 0.1.0's tables (which 0.2.0 did not change)."""
    if request.param == "sqlite":
        yield []
        return
    url = postgres_url()
    reset_database(url)
    source = Store(f"sqlite:///{release_state[1] / 'intake.db'}", 1)
    target = Store(url, 1)
    try:
        with source.engine.connect() as read, target.engine.begin() as write:
            for table in RELEASE_0_1_TABLES:
                table.create(write)
                rows = [dict(row._mapping) for row in read.execute(table.select())]
                if rows:
                    write.execute(table.insert(), rows)
    finally:
        source.dispose()
        target.dispose()
    yield ["--db", url]
    reset_database(url)


Command = Callable[..., tuple[int, Any]]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Command:
    def call(main: Callable[[list[str]], int], *args: str) -> tuple[int, Any]:
        capsys.readouterr()
        code = main(list(args))
        lines = capsys.readouterr().out.strip().splitlines()
        return code, json.loads(lines[-1]) if lines else None

    return call


def test_upgrade_from_0_1_0_delivers_every_pending_submission_once(
    release_state: tuple[Path, Path], release_db: list[str], manifest: dict[str, Any], run: Command
) -> None:
    kiosk_dir, intake_dir = release_state
    keys_before = digests(kiosk_dir), digests(intake_dir)
    intake_args = ["--state-dir", str(intake_dir), *release_db]

    # The new intake does not serve the old database before it is migrated.
    code, refused = run(intake_main, "serve", *intake_args, "--json")
    assert (code, refused["error"]["code"]) == (2, "schema-outdated")
    code, migrated = run(intake_main, "migrate", *intake_args)
    assert code == 0 and (migrated["from"], migrated["to"]) == (1, 3) and len(migrated["applied"]) == 2
    code, again = run(intake_main, "migrate", *intake_args)
    assert code == 0 and (again["from"], again["to"], again["applied"]) == (3, 3, [])

    code, kiosk = run(kiosk_main, "migrate", "--state-dir", str(kiosk_dir))
    assert code == 0 and (kiosk["from"], kiosk["to"]) == (1, 1)
    assert kiosk["register"] == {"lodging.sqlite3": {"from": 0, "to": 1}}
    assert kiosk["device_key"]["kid"] == manifest["device"]
    code, kiosk_again = run(kiosk_main, "migrate", "--state-dir", str(kiosk_dir))
    assert kiosk_again["register"] == {"lodging.sqlite3": {"from": 1, "to": 1}}

    outbox = open_outbox(kiosk_dir, for_submitting=False)
    try:
        assert [item["sid"] for item in outbox.items("pending")] == manifest["pending_sids"]
    finally:
        outbox.close()

    db_url = release_db[1] if release_db else ""
    with IntakeServer(intake_dir, db_url=db_url) as intake:
        for _ in range(2):  # a second drain must not deliver anything again
            code, sent = run(kiosk_main, "outbox", "send", "--state-dir", str(kiosk_dir), "--intake", intake.url,
                             "--timeout", "60")
            assert code == 0 and sent["ok"] is True and sent["queue"]["pending"] == 0
        store = intake.store()
        try:
            received = Counter(row["sid"] for row in store.submissions())
        finally:
            store.dispose()
        # The 0.1.0 kiosk's key is still enrolled: its heartbeat is accepted.
        key = load_device_key(kiosk_dir)
        assert HeartbeatSender(key, intake.url, lambda: Health("lodging", {})).send_once().ok

    assert received == Counter(manifest["delivered_sids"] + manifest["pending_sids"])
    assert set(received.values()) == {1}
    assert (digests(kiosk_dir), digests(intake_dir)) == keys_before
    assert key.kid == manifest["device"]
    assert len(GuestRegister(kiosk_dir).pending()) == manifest["register_guests"] == 1


def test_state_newer_than_this_release_is_refused(release_state: tuple[Path, Path], run: Command) -> None:
    kiosk_dir, intake_dir = release_state
    db = sqlite3.connect(kiosk_dir / "outbox.db")
    db.execute("PRAGMA user_version = 9")
    db.close()
    with pytest.raises(StateTooNewError) as raised:
        open_outbox(kiosk_dir, for_submitting=False)
    assert raised.value.field == "outbox"
    code, refused = run(kiosk_main, "migrate", "--state-dir", str(kiosk_dir), "--json")
    assert (code, refused["error"]["code"]) == (2, "state-too-new")

    intake_args = ["--state-dir", str(intake_dir)]
    assert run(intake_main, "migrate", *intake_args)[0] == 0
    store = Store(f"sqlite:///{intake_dir / 'intake.db'}", 1)
    try:
        with store.engine.begin() as conn:
            conn.execute(schema_version.update().values(version=9))
    finally:
        store.dispose()
    for command in (["migrate"], ["serve"], ["device", "list"]):
        code, refused = run(intake_main, *command, *intake_args, "--json")
        assert (code, refused["error"]["code"]) == (2, "schema-too-new"), command


def test_new_state_is_created_at_the_current_versions(tmp_path: Path, run: Command) -> None:
    code, kiosk = run(kiosk_main, "migrate", "--state-dir", str(tmp_path / "kiosk"))
    assert code == 0 and (kiosk["from"], kiosk["to"]) == (None, 1) and kiosk["version"] == "0.2.0"
    code, intake = run(intake_main, "migrate", "--state-dir", str(tmp_path / "intake"))
    assert code == 0 and (intake["from"], intake["to"]) == (0, 3)
    store = Store(f"sqlite:///{tmp_path / 'intake' / 'intake.db'}", 1)
    try:
        assert store.kiosk_statuses() == []
        assert store.record_heartbeat("kid", datetime.now(UTC).isoformat(), {}, "now") is True
    finally:
        store.dispose()
