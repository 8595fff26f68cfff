"""Versions of the kiosk's state and their migrations.

The state directory holds two SQLite databases, each versioned with ``PRAGMA user_version``, and two JSON files:

- ``outbox.db``: ``user_version`` 1 (0.1.0 and 0.2.0), ``kiosk.outbox.OUTBOX_SCHEMA``;
- ``lodging/lodging.sqlite3`` (the guest register): ``user_version`` 1 since 0.2.0 (0.1.0 left it at 0),
  ``kiosk.lodging.register.REGISTER_SCHEMA``;
- ``device-key.json``, ``enrolment.json``: unchanged since 0.1.0; read to check them, never rewritten.

A database is migrated when it is opened (the kiosk runs unattended: it must come back by itself after an
update), each step in one ``BEGIN IMMEDIATE`` transaction with the version it leads to, so a power cut leaves
it at the old or the new version, never between. A database newer than this release knows is refused with
``state-too-new`` (a rollback without restoring the backup): the kiosk does not start rather than write into a
schema it does not know. ``kiosk migrate`` runs the same migrations explicitly (the update procedure runs it while
the service is stopped, so a failure shows in the update's output rather than at the next boot).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from kiosk.errors import KioskError


class StateTooNewError(KioskError):
    """The state was written by a newer release than this one."""

    code = "state-too-new"


@dataclass(frozen=True)
class SqliteSchema:
    """``steps[v]``: the statements that take a database from version ``v - 1`` to ``v`` (``steps[1]`` creates it)."""

    name: str
    steps: dict[int, tuple[str, ...]]

    @property
    def current(self) -> int:
        return max(self.steps)


def statements(script: str) -> tuple[str, ...]:
    """The statements of a schema script (no ``;`` inside literals)."""
    return tuple(part.strip() for part in script.split(";") if part.strip())


def user_version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def too_new(schema: SqliteSchema, found: int) -> StateTooNewError:
    return StateTooNewError(
        f"the {schema.name} database is at version {found}, newer than this release knows ({schema.current}):"
        " run the release that wrote it, or restore the backup taken before the update",
        field=schema.name,
        message_vi="Dữ liệu của máy thuộc phiên bản phần mềm mới hơn. Hãy báo cho nhân viên kỹ thuật.",
    )


def migrate_sqlite(db: sqlite3.Connection, schema: SqliteSchema) -> tuple[int, int]:
    """Bring ``db`` (opened with ``isolation_level=None``) to ``schema.current``; ``(from, to)``."""
    found = user_version(db)
    if found > schema.current:
        raise too_new(schema, found)
    for version in range(found + 1, schema.current + 1):
        db.execute("BEGIN IMMEDIATE")
        try:
            if user_version(db) < version:  # another process may have migrated meanwhile
                for statement in schema.steps[version]:
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {version}")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
    return found, schema.current
