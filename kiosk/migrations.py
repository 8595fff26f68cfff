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
from pathlib import Path
from typing import Any

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


def migrate_state(directory: Path) -> dict[str, Any]:
    """Migrate every versioned part of a kiosk state directory and check the key files; idempotent."""
    from kiosk.device_key import FILE_NAME as KEY_FILE
    from kiosk.device_key import load_device_key
    from kiosk.enrolment import FILE_NAME as ENROLMENT_FILE
    from kiosk.enrolment import load_enrolment
    from kiosk.lodging.register import FILE_NAME as REGISTER_FILE
    from kiosk.lodging.register import REGISTER_SCHEMA
    from kiosk.outbox import FILE_NAME as OUTBOX_FILE
    from kiosk.outbox import OUTBOX_SCHEMA, Outbox

    parts: dict[str, Any] = {}
    outbox_path = directory / OUTBOX_FILE
    existed = outbox_path.exists()
    before = 0
    if existed:
        db = sqlite3.connect(outbox_path, isolation_level=None)
        try:
            before = user_version(db)
        finally:
            db.close()
    Outbox(outbox_path).close()  # opening migrates (and checks the durability settings)
    parts["outbox"] = {"from": before if existed else None, "to": OUTBOX_SCHEMA.current}
    # The running kiosk keeps its register in lodging/, ``kiosk lodging`` in the state directory itself.
    for register_path in (directory / "lodging" / REGISTER_FILE, directory / REGISTER_FILE):
        if register_path.exists():
            db = sqlite3.connect(register_path, isolation_level=None)
            try:
                found, current = migrate_sqlite(db, REGISTER_SCHEMA)
            finally:
                db.close()
            parts.setdefault("register", {})[str(register_path.relative_to(directory))] = {"from": found, "to": current}
    if (directory / KEY_FILE).exists():
        parts["device_key"] = {"kid": load_device_key(directory).kid, "unchanged": True}
    if (directory / ENROLMENT_FILE).exists():
        parts["enrolment"] = {"intake": load_enrolment(directory).intake_url, "unchanged": True}
    return parts
