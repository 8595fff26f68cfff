"""Migration steps of the kiosk's SQLite databases: in order, each in its own transaction, never past a failure."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kiosk.migrations import SqliteSchema, StateTooNewError, migrate_sqlite, statements, user_version

SCHEMA = SqliteSchema("sample", {
    1: statements("CREATE TABLE t (a INTEGER); CREATE INDEX t_a ON t (a)"),
    2: statements("ALTER TABLE t ADD COLUMN b TEXT"),
    3: statements("UPDATE t SET b = 'x'; CREATE TABLE u (c TEXT)"),
})


def connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def test_steps_run_in_order_once(tmp_path: Path) -> None:
    db = connect(tmp_path / "s.db")
    assert migrate_sqlite(db, SqliteSchema("sample", {1: SCHEMA.steps[1]})) == (0, 1)
    db.execute("INSERT INTO t (a) VALUES (1)")
    assert migrate_sqlite(db, SCHEMA) == (1, 3)
    assert db.execute("SELECT a, b FROM t").fetchall() == [(1, "x")]
    assert migrate_sqlite(db, SCHEMA) == (3, 3)
    assert user_version(db) == 3


def test_a_failing_step_leaves_the_previous_version(tmp_path: Path) -> None:
    db = connect(tmp_path / "s.db")
    migrate_sqlite(db, SqliteSchema("sample", {1: SCHEMA.steps[1], 2: SCHEMA.steps[2]}))
    broken = SqliteSchema("sample", {**SCHEMA.steps, 3: ("CREATE TABLE u (c TEXT)", "INSERT INTO missing VALUES (1)")})
    with pytest.raises(sqlite3.OperationalError):
        migrate_sqlite(db, broken)
    assert user_version(db) == 2 and not db.in_transaction
    assert db.execute("SELECT name FROM sqlite_master WHERE name = 'u'").fetchone() is None
    assert migrate_sqlite(db, SCHEMA) == (2, 3)


def test_a_newer_database_is_refused_untouched(tmp_path: Path) -> None:
    db = connect(tmp_path / "s.db")
    db.execute("PRAGMA user_version = 4")
    with pytest.raises(StateTooNewError) as raised:
        migrate_sqlite(db, SCHEMA)
    assert (raised.value.code, raised.value.field) == ("state-too-new", "sample")
    assert user_version(db) == 4 and db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone() == (0,)
