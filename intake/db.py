"""Intake storage with SQLAlchemy Core: the same code on SQLite (default) and PostgreSQL.

``sid`` is the primary key of ``submissions``: a replay is an ``INSERT … ON CONFLICT (sid) DO NOTHING`` that inserts
nothing, and the stored digest decides between "same body" (original acknowledgement) and "sid reused". The signed
blob (compact JWS) is stored unchanged as evidence.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from intake.errors import IntakeError
from wire.zones import VIETNAM

metadata = MetaData()

devices = Table(
    "devices",
    metadata,
    Column("kid", String(64), primary_key=True),
    Column("alg", String(16), nullable=False),
    Column("public_key", Text, nullable=False),
    Column("enrolled_at", String(32), nullable=False),
    Column("revoked_at", String(32)),
)

enrolment_tokens = Table(
    "enrolment_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("issued_at", String(32), nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("used_at", String(32)),
    Column("device", String(64)),
)

submissions = Table(
    "submissions",
    metadata,
    Column("sid", String(36), primary_key=True),
    Column("device", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("received_at", String(32), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("jws", Text, nullable=False),
    Column("clock_flag", String(32)),  # "created-in-future" / "created-long-ago": kept, flagged for operators
    # One secondary index, for the operators' listing (kind, since): every index costs on each insert.
    Index("submissions_kind_received", "kind", "received_at"),
)

# The latest heartbeat of each kiosk (fleet health): counts, states and codes only, never personal data.
kiosk_status = Table(
    "kiosk_status",
    metadata,
    Column("kid", String(64), primary_key=True),
    Column("received_at", String(32), nullable=False),
    Column("sent_at", String(32), nullable=False),
    Column("payload", Text, nullable=False),
)

# Each kiosk's lodging backlog per day (Vietnam date): the counts of its last heartbeat that day, for the operator
# page's trend. Counts only.
lodging_days = Table(
    "lodging_days",
    metadata,
    Column("kid", String(64), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("establishment", String(128), nullable=False),
    Column("pending", Integer, nullable=False),
    Column("overdue", Integer, nullable=False),
)

# Operators' credentials for the fleet page: only the SHA-256 of each token is kept.
operator_tokens = Table(
    "operator_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("label", String(64), nullable=False),
    Column("issued_at", String(32), nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("revoked_at", String(32)),
)

# One row: the schema version of this database (``intake.migrations``).
schema_version = Table(
    "schema_version",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("migrated_at", String(32), nullable=False),
)


def _lodging_backlog(kid: str, payload: dict[str, Any], received_at: str) -> dict[str, Any] | None:
    """The ``lodging_days`` row of a heartbeat that reports lodging counts (``None`` otherwise)."""
    lodging = payload.get("lodging")
    if not isinstance(lodging, dict):
        return None
    counts = [lodging.get(name) for name in ("pending", "overdue")]
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in counts):
        return None
    establishment = payload.get("establishment")
    day = datetime.fromisoformat(received_at.replace("Z", "+00:00")).astimezone(VIETNAM).date().isoformat()
    return {"kid": kid, "day": day, "establishment": establishment if isinstance(establishment, str) else kid,
            "pending": counts[0], "overdue": counts[1]}


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def sqlalchemy_url(url: str) -> str:
    """``postgresql://`` → the psycopg 3 driver; anything else unchanged."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, pool_size: int = 10) -> Engine:
    url = sqlalchemy_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute("PRAGMA busy_timeout = 30000")
            cursor.close()

        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=False)


@dataclass(frozen=True)
class Statement:
    """SQL text for one dialect and how to pass a row's values to its driver (by name or by position)."""

    sql: str
    positions: tuple[str, ...] | None

    @classmethod
    def compile(cls, statement: Any, dialect: Any) -> Statement:
        compiled = statement.compile(dialect=dialect)
        return cls(compiled.string, tuple(compiled.positiontup) if compiled.positiontup else None)

    def params(self, row: dict[str, str | None]) -> Any:
        return row if self.positions is None else tuple(row[name] for name in self.positions)


@dataclass(frozen=True)
class Device:
    kid: str
    alg: str
    public_key: dict[str, Any]
    revoked: bool


@dataclass(frozen=True)
class Receipt:
    sid: str
    received_at: str
    digest: str
    created: bool

    def to_dict(self) -> dict[str, str]:
        return {"sid": self.sid, "received_at": self.received_at, "digest": self.digest}


SUBMISSION_COLUMNS = ("sid", "device", "kind", "created_at", "received_at", "digest", "jws", "clock_flag")


def submission_row(
    sid: str, device: str, kind: str, created_at: str, digest: str, jws: str, clock_flag: str | None
) -> dict[str, str | None]:
    """The row of a verified submission, received now."""
    return {
        "sid": sid,
        "device": device,
        "kind": kind,
        "created_at": created_at,
        "received_at": now_iso(),
        "digest": digest,
        "jws": jws,
        "clock_flag": clock_flag,
    }


def receipt(row: dict[str, str | None], existing: tuple[str, str] | None) -> Receipt:
    """The answer to a stored row: new (``existing`` is None), the original receipt for the same digest, or
    ``sid-reused`` (422) when the sid was stored with another digest. ``existing`` is (received_at, digest)."""
    sid, digest = str(row["sid"]), str(row["digest"])
    if existing is None:
        return Receipt(sid, str(row["received_at"]), digest, created=True)
    if existing[1] != digest:
        raise IntakeError("this sid was already used for another submission", code="sid-reused", status=422)
    return Receipt(sid, existing[0], existing[1], created=False)


MIN_TOKEN_ID = 8  # hexadecimal digits of an operator token id the revoke command needs


def new_token() -> str:
    """A one-time secret (192 random bits, URL-safe) that never starts with "-": people pass it on a command line,
    where a leading dash would be read as an option."""
    while True:
        token = secrets.token_urlsafe(24)
        if not token.startswith("-"):
            return token


def _token_hash(token: str) -> str:
    # Any text hashes (a lone surrogate too): it then matches no issued token, which are ASCII.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class Store:
    def __init__(self, url: str, pool_size: int = 10) -> None:
        self.engine = make_engine(url, pool_size)
        self._insert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
        self._hot_path = self.hot_path_statements()

    def dispose(self) -> None:
        self.engine.dispose()

    # -- devices ------------------------------------------------------------------------------------------

    def issue_token(self, valid_seconds: float = 86400.0) -> str:
        token = new_token()
        with self.engine.begin() as conn:
            conn.execute(
                insert(enrolment_tokens).values(
                    token_hash=_token_hash(token), issued_at=now_iso(), expires_at=time.time() + valid_seconds
                )
            )
        return token

    def enrol(self, token: str, kid: str, alg: str, public_key: dict[str, Any]) -> None:
        """Consume a one-time token and register the device key, in one transaction."""
        with self.engine.begin() as conn:
            used = conn.execute(
                update(enrolment_tokens)
                .where(
                    enrolment_tokens.c.token_hash == _token_hash(token),
                    enrolment_tokens.c.used_at.is_(None),
                    enrolment_tokens.c.expires_at > time.time(),
                )
                .values(used_at=now_iso(), device=kid)
            ).rowcount
            if used != 1:
                raise IntakeError("enrolment token unknown, used or expired", code="invalid-token", status=403)
            existing = conn.execute(select(devices.c.revoked_at).where(devices.c.kid == kid)).first()
            if existing is not None:
                if existing.revoked_at is not None:
                    raise IntakeError("this device key was revoked", code="device-revoked", status=403)
                return
            conn.execute(
                insert(devices).values(kid=kid, alg=alg, public_key=json.dumps(public_key), enrolled_at=now_iso())
            )

    def device(self, kid: str) -> Device | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(devices).where(devices.c.kid == kid)).first()
        if row is None:
            return None
        return Device(row.kid, row.alg, json.loads(row.public_key), row.revoked_at is not None)

    def revoked_devices(self) -> frozenset[str]:
        with self.engine.connect() as conn:
            return frozenset(conn.execute(select(devices.c.kid).where(devices.c.revoked_at.is_not(None))).scalars())

    def revoke(self, kid: str) -> bool:
        with self.engine.begin() as conn:
            return bool(
                conn.execute(
                    update(devices)
                    .where(devices.c.kid == kid, devices.c.revoked_at.is_(None))
                    .values(revoked_at=now_iso())
                ).rowcount
            )

    def list_devices(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(devices.c.kid, devices.c.alg, devices.c.enrolled_at, devices.c.revoked_at).order_by(
                    devices.c.enrolled_at
                )
            ).all()
        return [dict(row._mapping) for row in rows]

    # -- submissions --------------------------------------------------------------------------------------

    def hot_path_statements(self, dialect: Any = None) -> tuple[Statement, Statement]:
        """The insert (``… ON CONFLICT (sid) DO NOTHING RETURNING sid``) and the lookup of an existing sid, built by
        SQLAlchemy once for ``dialect`` (default: the engine's), run on a DB-API or asyncpg connection."""
        dialect = dialect or self.engine.dialect
        insert_statement = (
            self._insert(submissions)
            .values({name: bindparam(name) for name in SUBMISSION_COLUMNS})
            .on_conflict_do_nothing(index_elements=["sid"])
            .returning(submissions.c.sid)
        )
        existing = select(submissions.c.received_at, submissions.c.digest).where(submissions.c.sid == bindparam("sid"))
        return Statement.compile(insert_statement, dialect), Statement.compile(existing, dialect)

    def store(
        self, sid: str, device: str, kind: str, created_at: str, digest: str, jws: str, clock_flag: str | None = None
    ) -> Receipt:
        """Store a verified submission once. Same sid and digest again → the original receipt, nothing stored;
        same sid with another digest → ``IntakeError`` 422 ``sid-reused``.

        The statements are built by SQLAlchemy for the engine's dialect once, then run on a pooled DB-API
        connection, which costs less than half the CPU of a Core ``execute``.
        """
        row = submission_row(sid, device, kind, created_at, digest, jws, clock_flag)
        insert_sql, existing_sql = self._hot_path
        dbapi_error = self.engine.dialect.loaded_dbapi.Error
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(insert_sql.sql, insert_sql.params(row))
            existing = None
            if cursor.fetchone() is None:
                cursor.execute(existing_sql.sql, existing_sql.params(row))
                existing = cursor.fetchone()
            connection.commit()
        except dbapi_error as exc:
            connection.rollback()
            raise IntakeError(f"database error ({type(exc).__name__})", code="database", status=503) from exc
        finally:
            connection.close()  # back to the pool
        return receipt(row, None if existing is None else (existing[0], existing[1]))

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(submissions)).scalar_one())

    def submissions(
        self,
        kind: str | None = None,
        since: str | None = None,
        device: str | None = None,
        limit: int | None = None,
        with_blob: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """Stored submissions in order of reception; ``since`` compares with ``received_at`` (ISO 8601, UTC)."""
        columns = [
            submissions.c.sid,
            submissions.c.kind,
            submissions.c.device,
            submissions.c.created_at,
            submissions.c.received_at,
            submissions.c.digest,
            submissions.c.clock_flag,
        ]
        if with_blob:
            columns.append(submissions.c.jws)
        query = select(*columns).order_by(submissions.c.received_at, submissions.c.sid)
        if kind is not None:
            query = query.where(submissions.c.kind == kind)
        if since is not None:
            query = query.where(submissions.c.received_at >= since)
        if device is not None:
            query = query.where(submissions.c.device == device)
        if limit is not None:
            query = query.limit(limit)
        try:
            with self.engine.connect() as conn:
                for row in conn.execute(query):
                    yield dict(row._mapping)
        except SQLAlchemyError as exc:
            raise IntakeError(f"database error ({type(exc).__name__})", code="database", status=503) from exc

    # -- fleet health -------------------------------------------------------------------------------------

    def record_heartbeat(self, kid: str, sent_at: str, payload: dict[str, Any], received_at: str) -> bool:
        """Keep ``payload`` as the device's latest heartbeat unless a later one (by ``sent_at``) is stored; returns
        whether it was stored. ``sent_at`` is UTC ISO 8601 with ``Z``, so text order is time order.

        A stored heartbeat dated after this one's reception (a kiosk clock that ran ahead, then was corrected) is
        replaced too: a heartbeat from the future never blocks the device's later genuine ones."""
        row = {"kid": kid, "received_at": received_at, "sent_at": sent_at, "payload": json.dumps(payload)}
        insert_row = self._insert(kiosk_status).values(row)
        statement = insert_row.on_conflict_do_update(
            index_elements=["kid"],
            set_={"received_at": insert_row.excluded.received_at, "sent_at": insert_row.excluded.sent_at,
                  "payload": insert_row.excluded.payload},
            where=or_(kiosk_status.c.sent_at < insert_row.excluded.sent_at,
                      kiosk_status.c.sent_at > insert_row.excluded.received_at),
        ).returning(kiosk_status.c.kid)  # a row only when inserted or updated (rowcount differs between drivers)
        backlog = _lodging_backlog(kid, payload, received_at)
        try:
            with self.engine.begin() as conn:
                stored = conn.execute(statement).first() is not None
                if stored and backlog is not None:
                    day = self._insert(lodging_days).values(backlog)
                    conn.execute(day.on_conflict_do_update(
                        index_elements=["kid", "day"],
                        set_={"establishment": day.excluded.establishment, "pending": day.excluded.pending,
                              "overdue": day.excluded.overdue}))
                return stored
        except SQLAlchemyError as exc:
            raise IntakeError(f"database error ({type(exc).__name__})", code="database", status=503) from exc

    def lodging_days(self, since_day: str) -> list[dict[str, Any]]:
        """Every kiosk's lodging backlog per day from ``since_day`` (``YYYY-MM-DD``, Vietnam date), by day."""
        query = select(lodging_days).where(lodging_days.c.day >= since_day).order_by(lodging_days.c.day)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query).all()]

    def kiosk_statuses(self) -> list[dict[str, Any]]:
        """Every enrolled device with its latest heartbeat (``None`` if it never sent one), oldest enrolment first."""
        query = (
            select(devices.c.kid, devices.c.enrolled_at, devices.c.revoked_at, kiosk_status.c.received_at,
                   kiosk_status.c.sent_at, kiosk_status.c.payload)
            .select_from(devices.outerjoin(kiosk_status, devices.c.kid == kiosk_status.c.kid))
            .order_by(devices.c.enrolled_at, devices.c.kid)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            {**dict(row._mapping), "payload": json.loads(row.payload) if row.payload is not None else None}
            for row in rows
        ]

    # -- operators ----------------------------------------------------------------------------------------

    def issue_operator_token(self, label: str, valid_seconds: float) -> str:
        token = new_token()
        with self.engine.begin() as conn:
            conn.execute(
                insert(operator_tokens).values(
                    token_hash=_token_hash(token), label=label, issued_at=now_iso(),
                    expires_at=time.time() + valid_seconds,
                )
            )
        return token

    def operator_token_valid(self, token: str) -> bool:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(operator_tokens.c.label).where(
                    operator_tokens.c.token_hash == _token_hash(token),
                    operator_tokens.c.revoked_at.is_(None),
                    operator_tokens.c.expires_at > time.time(),
                )
            ).first()
        return row is not None

    def list_operator_tokens(self) -> list[dict[str, Any]]:
        """Issued tokens by label (the hash's first 12 digits as an id, never the token)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(operator_tokens).order_by(operator_tokens.c.issued_at)).all()
        return [
            {"id": row.token_hash[:12], "label": row.label, "issued_at": row.issued_at,
             "expires_at": datetime.fromtimestamp(row.expires_at, UTC).isoformat(), "revoked_at": row.revoked_at}
            for row in rows
        ]

    def revoke_operator_token(self, token_id: str) -> int:
        """Revoke the one active token whose id (``list_operator_tokens``) is ``token_id`` or starts with it.

        The id is hexadecimal, at least 8 digits; a prefix shared by several active tokens is refused
        (``ambiguous-token-id``), so one command never revokes more than one token. Returns 1, or 0 if none."""
        token_id = token_id.strip().lower()
        if not MIN_TOKEN_ID <= len(token_id) <= 64 or any(c not in "0123456789abcdef" for c in token_id):
            raise IntakeError(f"give the token id: {MIN_TOKEN_ID} to 64 hexadecimal digits",
                              code="invalid-token-id", status=422, field="id")
        with self.engine.begin() as conn:
            active = operator_tokens.c.revoked_at.is_(None)
            matches = conn.execute(
                select(operator_tokens.c.token_hash).where(
                    operator_tokens.c.token_hash.startswith(token_id, autoescape=True), active
                ).limit(2)
            ).scalars().all()
            if len(matches) > 1:
                raise IntakeError("several active tokens start with this id: give more digits",
                                  code="ambiguous-token-id", status=409, field="id")
            if not matches:
                return 0
            return int(
                conn.execute(
                    update(operator_tokens)
                    .where(operator_tokens.c.token_hash == matches[0], active)
                    .values(revoked_at=now_iso())
                ).rowcount
            )
