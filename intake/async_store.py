"""Storing verified submissions from the event loop.

On PostgreSQL the insert runs on an asyncpg pool: no request thread, so the event loop never contends with threads
for the GIL. Each insert is one statement in its own implicit transaction: PostgreSQL commits it (with the durable
``synchronous_commit`` default) before it answers, and asyncpg returns only after that answer, so a receipt is never
given before COMMIT. On SQLite the synchronous ``Store.store`` runs in the thread pool.

Both use the statements and the receipt rules of ``intake.db``.
"""

from __future__ import annotations

from typing import Any, Protocol

import asyncpg
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from intake.db import Receipt, Store, receipt, submission_row
from intake.errors import IntakeError
from intake.verify import Verified


class SubmissionStore(Protocol):
    async def open(self) -> None: ...

    async def store(self, verified: Verified) -> Receipt: ...

    async def close(self) -> None: ...


def _row(verified: Verified) -> dict[str, str | None]:
    v = verified
    return submission_row(v.sid, v.device, v.kind, v.created_at, v.digest, v.jws, v.clock_flag)


class ThreadedStore:
    """The synchronous store in the thread pool (SQLite)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def open(self) -> None:
        return None

    async def store(self, verified: Verified) -> Receipt:
        v = verified
        try:
            return await run_in_threadpool(
                self._store.store, v.sid, v.device, v.kind, v.created_at, v.digest, v.jws, v.clock_flag
            )
        except SQLAlchemyError as exc:  # no connection from the pool
            raise IntakeError("database unavailable", code="database", status=503) from exc

    async def close(self) -> None:
        return None


class PostgresStore:
    """The hot path on PostgreSQL: asyncpg pool of ``size`` connections (statements prepared once per connection)."""

    def __init__(self, store: Store, size: int) -> None:
        self._url = store.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._size = size
        self._insert, self._existing = store.hot_path_statements(asyncpg_dialect())
        self._pool: Any = None

    async def open(self) -> None:
        self._pool = await asyncpg.create_pool(self._url, min_size=1, max_size=self._size)

    async def store(self, verified: Verified) -> Receipt:
        row = _row(verified)
        try:
            async with self._pool.acquire() as connection:
                inserted = await connection.fetchval(self._insert.sql, *self._insert.params(row))
                existing = None
                if inserted is None:
                    existing = await connection.fetchrow(self._existing.sql, *self._existing.params(row))
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
            raise IntakeError(f"database error ({type(exc).__name__})", code="database", status=503) from exc
        return receipt(row, None if existing is None else (existing[0], existing[1]))

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()


def submission_store(store: Store, size: int) -> SubmissionStore:
    """asyncpg on PostgreSQL, else the thread pool."""
    if store.engine.dialect.name == "postgresql":
        return PostgresStore(store, size)
    return ThreadedStore(store)
