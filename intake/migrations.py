"""The intake database's schema version and its migrations: a short ordered list of functions.

Version 1 is the schema of release 0.1.0 (``devices``, ``enrolment_tokens``, ``submissions``), which had no version
table; version 2 (0.2.0) adds ``kiosk_status`` (fleet health), ``operator_tokens`` (the operator page) and
``schema_version`` itself; version 3 adds ``lodging_days`` (the lodging backlog per day, for the operator page's
trend). A new database is created at the current version directly.

Why not Alembic: the migrations so far only add tables, which SQLAlchemy creates from ``intake.db.metadata``; a
list of functions, each run in one transaction with the version it leads to, is enough and needs no migration
environment to ship. Alembic is worth it once columns of large PostgreSQL tables must be altered.

The service never migrates by itself: ``kiosk-intake serve`` (and every other command) refuses a database older
than it knows (``schema-outdated``: back up, then run ``kiosk-intake migrate``) or newer (``schema-too-new``:
this is an older release than the one that wrote the database, e.g. after a rollback without restoring the
backup). ``kiosk-intake migrate`` is idempotent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, insert, inspect, select

from intake.db import kiosk_status, lodging_days, metadata, now_iso, operator_tokens, schema_version
from intake.errors import IntakeError

# The tables of release 0.1.0: a database holding them but no ``schema_version`` is at version 1.
RELEASE_0_1_TABLES = frozenset({"devices", "enrolment_tokens", "submissions"})


@dataclass(frozen=True)
class Migration:
    version: int  # the version the database is at once ``apply`` has run
    description: str
    apply: Callable[[Connection], None]


def _fleet_health(conn: Connection) -> None:
    for table in (kiosk_status, operator_tokens, schema_version):
        table.create(conn, checkfirst=True)


def _lodging_days(conn: Connection) -> None:
    lodging_days.create(conn, checkfirst=True)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(2, "fleet health and operator credentials: kiosk_status, operator_tokens, schema_version",
              _fleet_health),
    Migration(3, "lodging backlog per kiosk and day for the operator page's trend: lodging_days", _lodging_days),
)
CURRENT = MIGRATIONS[-1].version


def schema_too_new(found: int) -> IntakeError:
    return IntakeError(
        f"the database is at schema version {found}, newer than this release knows ({CURRENT}):"
        " run the release that wrote it, or restore the backup taken before the update",
        code="schema-too-new",
        status=503,
        message_vi="Cơ sở dữ liệu thuộc phiên bản mới hơn phần mềm này.",
    )


def schema_outdated(found: int) -> IntakeError:
    return IntakeError(
        f"the database is at schema version {found}, this release needs {CURRENT}:"
        " back it up, then run `kiosk-intake migrate`",
        code="schema-outdated",
        status=503,
        message_vi="Cơ sở dữ liệu cần được nâng cấp (kiosk-intake migrate).",
    )


def current_version(conn: Connection) -> int:
    """0 for an empty database, 1 for release 0.1.0's tables without a version, else the recorded version."""
    tables = set(inspect(conn).get_table_names())
    if schema_version.name in tables:
        version = conn.execute(select(schema_version.c.version).where(schema_version.c.id == 1)).scalar()
        if version is not None:
            return int(version)
    if tables & RELEASE_0_1_TABLES:
        return 1
    return 0


def _set_version(conn: Connection, version: int) -> None:
    conn.execute(delete(schema_version))
    conn.execute(insert(schema_version).values(id=1, version=version, migrated_at=now_iso()))


def prepare_schema(engine: Engine) -> int:
    """Create an empty database at the current version; accept one already there; refuse any other."""
    with engine.begin() as conn:
        found = current_version(conn)
        if found == 0:
            metadata.create_all(conn)
            _set_version(conn, CURRENT)
            return CURRENT
    if found > CURRENT:
        raise schema_too_new(found)
    if found < CURRENT:
        raise schema_outdated(found)
    return found


def migrate(engine: Engine) -> dict[str, object]:
    """Bring the database to the current version, one transaction per step; ``{from, to, applied}``."""
    with engine.connect() as conn:
        found = current_version(conn)
    if found > CURRENT:
        raise schema_too_new(found)
    applied: list[str] = []
    if found == 0:
        with engine.begin() as conn:
            metadata.create_all(conn)
            _set_version(conn, CURRENT)
        applied.append(f"create at version {CURRENT}")
    else:
        for step in MIGRATIONS:
            if step.version <= found:
                continue
            with engine.begin() as conn:
                step.apply(conn)
                _set_version(conn, step.version)
            applied.append(f"{step.version}: {step.description}")
    return {"from": found, "to": CURRENT, "applied": applied}
