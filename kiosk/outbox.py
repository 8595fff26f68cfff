"""The durable outbox: signed, encrypted submissions queued in SQLite until the intake acknowledges them.

Durability rules (engineering notes §2, §4):

- ``journal_mode=WAL`` and ``synchronous=FULL``, both read back and asserted when the database is opened;
- ``submit`` signs, encrypts and inserts in one ``BEGIN IMMEDIATE`` transaction and returns ``Saved`` only after
  ``COMMIT`` returned; any database error means *not saved* and raises ``NotSavedError``;
- rows hold ciphertext only (JWE to the intake's key) plus non-personal metadata (sid, kind, times, status);
- on acknowledgement the row is deleted and a receipt (sid, kind, digest, times) is kept; ``secure_delete=ON``
  zeroes the freed pages and ``checkpoint`` (``wal_checkpoint(TRUNCATE)``) clears the old WAL frames.

States: ``pending`` (waiting for its turn or for ``next_attempt_at``) and ``quarantined`` (refused for good, with
the reason). An acknowledged submission is no longer in the queue: it has a receipt.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk.clock import Clock, SystemClock
from kiosk.errors import KioskError
from kiosk.migrations import SqliteSchema, migrate_sqlite, statements
from kiosk.uuid7 import uuid7

log = logging.getLogger(__name__)

FILE_NAME = "outbox.db"
SCHEMA_VERSION = 1  # PRAGMA user_version; migrations in kiosk.migrations
KIND_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
BUSY_TIMEOUT_MS = 10_000
JOURNAL_SIZE_LIMIT = 4 * 1024 * 1024
SYNCHRONOUS_LEVELS = {"OFF": 0, "NORMAL": 1, "FULL": 2, "EXTRA": 3}

# (payload dict) -> (sealed blob, digest of the signed form)
Sealer = Callable[[Mapping[str, Any]], tuple[str, str]]

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    sid TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL,
    blob TEXT NOT NULL,
    digest TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'quarantined')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    last_status INTEGER,
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (state, kind, seq);
CREATE TABLE IF NOT EXISTS receipts (
    sid TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL,
    digest TEXT NOT NULL,
    received_at TEXT NOT NULL,
    acked_at REAL NOT NULL,
    attempts INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sender_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

OUTBOX_SCHEMA = SqliteSchema("outbox", {SCHEMA_VERSION: statements(SCHEMA_SQL)})


class OutboxError(KioskError):
    """The outbox database cannot be used as required."""

    code = "outbox"


class NotSavedError(OutboxError):
    """The submission was NOT saved (the transaction did not commit): tell the person and do not confirm."""

    code = "not-saved"


@dataclass(frozen=True)
class Saved:
    """A submission durably queued: ``COMMIT`` has returned."""

    sid: str
    created_at: str


@dataclass(frozen=True)
class Item:
    """A queued submission as the sender sees it (ciphertext only)."""

    seq: int
    sid: str
    kind: str
    created_at: str
    blob: str
    digest: str
    attempts: int
    next_attempt_at: float


def utc_iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Outbox:
    """One kiosk's queue. Thread-safe: one connection guarded by a lock; several processes may share the file."""

    def __init__(
        self,
        path: Path,
        sealer: Sealer | None = None,
        *,
        device: str = "",
        clock: Clock | None = None,
        synchronous: str = "FULL",
    ) -> None:
        self.path = path
        self.sealer = sealer
        self.device = device
        self.clock: Clock = clock or SystemClock()
        self._lock = threading.Lock()
        try:
            if not path.exists():  # owner-only; SQLite gives the -wal and -shm files the same mode
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
            self._db = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
            )
            self._configure(synchronous)
            migrate_sqlite(self._db, OUTBOX_SCHEMA)
        except sqlite3.Error as exc:
            raise OutboxError(
                f"cannot open the outbox database ({type(exc).__name__})",
                message_vi="Không mở được hàng đợi hồ sơ.",
            ) from exc

    def _configure(self, synchronous: str) -> None:
        if synchronous not in SYNCHRONOUS_LEVELS:
            raise OutboxError("unknown synchronous level", field="synchronous")
        db = self._db
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        db.execute(f"PRAGMA synchronous = {synchronous}")
        db.execute("PRAGMA secure_delete = ON")
        db.execute("PRAGMA temp_store = MEMORY")
        db.execute(f"PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT}")
        level = db.execute("PRAGMA synchronous").fetchone()[0]
        secure = db.execute("PRAGMA secure_delete").fetchone()[0]
        if str(mode).lower() != "wal" or level != SYNCHRONOUS_LEVELS[synchronous] or secure != 1:
            raise OutboxError(
                "the database refused the durability settings (WAL, synchronous, secure_delete)",
                code="durability-settings",
                message_vi="Cơ sở dữ liệu không bảo đảm lưu bền.",
            )

    def pragmas(self) -> dict[str, Any]:
        with self._lock:
            return {
                name: self._db.execute(f"PRAGMA {name}").fetchone()[0]
                for name in ("journal_mode", "synchronous", "secure_delete", "temp_store")
            }

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` … ``COMMIT`` transaction; rolled back if anything fails before COMMIT."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    with suppress(sqlite3.Error):
                        self._db.execute("ROLLBACK")
                raise

    # -- saving -------------------------------------------------------------------------------------------

    def submit(self, kind: str, data: Mapping[str, Any], evidence: Mapping[str, Any]) -> Saved:
        """Sign, encrypt and durably queue one submission.

        Returns only after ``COMMIT`` returned. Raises ``SubmissionError`` for data that cannot be signed and
        ``NotSavedError`` if the database did not commit: the submission must then be shown as not saved.
        """
        if self.sealer is None:
            raise OutboxError("this outbox was opened without a signing key", code="no-signing-key")
        if not isinstance(kind, str) or not KIND_PATTERN.match(kind):
            raise OutboxError(
                "kind must be lowercase letters, digits and dashes",
                field="kind",
                code="invalid-kind",
                message_vi="Loại hồ sơ không hợp lệ.",
            )
        if not isinstance(data, Mapping) or not isinstance(evidence, Mapping):
            raise OutboxError(
                "data and evidence must be objects",
                field="data",
                code="invalid-submission",
                message_vi="Dữ liệu hồ sơ không hợp lệ.",
            )
        now = self.clock.time()
        sid = str(uuid7())
        created_at = utc_iso(now)
        payload = {
            "sid": sid,
            "kind": kind,
            "device": self.device,
            "created_at": created_at,
            "data": dict(data),
            "evidence": dict(evidence),
        }
        blob, digest = self.sealer(payload)
        try:
            with self._write() as db:
                db.execute(
                    "INSERT INTO outbox (sid, kind, created_at, blob, digest, next_attempt_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (sid, kind, created_at, blob, digest, now),
                )
        except sqlite3.Error as exc:
            log.error("submission %s NOT saved: %s", sid, type(exc).__name__)
            raise NotSavedError(
                f"the submission was not saved ({type(exc).__name__})",
                message_vi="Hồ sơ CHƯA được lưu. Vui lòng thử lại hoặc báo nhân viên.",
            ) from exc
        return Saved(sid, created_at)

    # -- the sender's view --------------------------------------------------------------------------------

    def heads(self) -> list[Item]:
        """The oldest pending submission of each kind (delivery is in order per kind), soonest due first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT o.seq, o.sid, o.kind, o.created_at, o.blob, o.digest, o.attempts, o.next_attempt_at"
                " FROM outbox o JOIN (SELECT MIN(seq) AS seq FROM outbox WHERE state = 'pending'"
                " GROUP BY kind) h"
                " ON o.seq = h.seq ORDER BY o.next_attempt_at, o.seq"
            ).fetchall()
        return [Item(*row) for row in rows]

    def mark_acked(self, item: Item, received_at: str) -> None:
        """Acknowledged by the intake: keep a receipt and delete the queued ciphertext, in one transaction."""
        with self._write() as db:
            db.execute(
                "INSERT OR IGNORE INTO receipts"
                " (sid, kind, created_at, digest, received_at, acked_at, attempts)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    item.sid,
                    item.kind,
                    item.created_at,
                    item.digest,
                    received_at,
                    self.clock.time(),
                    item.attempts + 1,
                ),
            )
            db.execute("DELETE FROM outbox WHERE sid = ?", (item.sid,))

    def mark_retry(self, item: Item, next_attempt_at: float, status: int | None, error: str) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_status = ?,"
                " last_error = ? WHERE sid = ? AND state = 'pending'",
                (next_attempt_at, status, error, item.sid),
            )

    def mark_quarantined(self, item: Item, status: int | None, reason: str) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE outbox SET state = 'quarantined', attempts = attempts + 1, last_status = ?,"
                " last_error = ? WHERE sid = ?",
                (status, reason, item.sid),
            )

    # -- operators ----------------------------------------------------------------------------------------

    def retry(self, sids: list[str] | None = None) -> int:
        """Make quarantined or waiting submissions (all, or the given sids) due now and clear the alert."""
        now = self.clock.time()
        with self._write() as db:
            if sids is None:
                cursor = db.execute("UPDATE outbox SET state = 'pending', next_attempt_at = ?", (now,))
            else:
                cursor = db.executemany(
                    "UPDATE outbox SET state = 'pending', next_attempt_at = ? WHERE sid = ?",
                    [(now, sid) for sid in sids],
                )
            db.execute("DELETE FROM sender_state WHERE key = 'alert'")
            return int(cursor.rowcount)

    def items(self, state: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Queued submissions, oldest first: metadata only (never the ciphertext)."""
        query = (
            "SELECT sid, kind, created_at, state, attempts, next_attempt_at, last_status, last_error"
            " FROM outbox"
        )
        params: tuple[Any, ...] = ()
        if state is not None:
            query += " WHERE state = ?"
            params = (state,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY seq LIMIT ?", (*params, limit)).fetchall()
        keys = (
            "sid",
            "kind",
            "created_at",
            "state",
            "attempts",
            "next_attempt_at",
            "last_status",
            "last_error",
        )
        return [dict(zip(keys, row, strict=True)) | {"next_attempt_at": utc_iso(row[5])} for row in rows]

    def receipts(self, limit: int = 100) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT sid, kind, created_at, digest, received_at, attempts FROM receipts"
                " ORDER BY acked_at DESC LIMIT ?",
                (limit,),
            ).fetchall()
        keys = ("sid", "kind", "created_at", "digest", "received_at", "attempts")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def counts(self) -> dict[str, int]:
        with self._lock:
            counts = dict(self._db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall())
            acked = self._db.execute("SELECT COUNT(*) FROM receipts").fetchone()[0]
        return {
            "pending": counts.get("pending", 0),
            "quarantined": counts.get("quarantined", 0),
            "acked": acked,
        }

    def status(self) -> dict[str, Any]:
        with self._lock:
            oldest, next_at = self._db.execute(
                "SELECT MIN(created_at), MIN(next_attempt_at) FROM outbox WHERE state = 'pending'"
            ).fetchone()
        state = self.sender_state()
        return {
            "counts": self.counts(),
            "oldest_pending": oldest,
            "next_attempt_at": utc_iso(next_at) if next_at is not None else None,
            "breaker": {
                "failures": int(state.get("failures", "0")),
                "open_until": utc_iso(float(state["open_until"])) if "open_until" in state else None,
            },
            "alert": state.get("alert"),
        }

    def purge_acknowledged(self, keep_receipts_days: float | None = None) -> dict[str, Any]:
        """Overwrite what acknowledged rows left behind: drop old receipts, then a TRUNCATE checkpoint."""
        removed = 0
        if keep_receipts_days is not None:
            cutoff = self.clock.time() - keep_receipts_days * 86400
            with self._write() as db:
                removed = db.execute("DELETE FROM receipts WHERE acked_at < ?", (cutoff,)).rowcount
        return {"receipts_removed": removed, "checkpoint": self.checkpoint()}

    def checkpoint(self) -> dict[str, int]:
        """``wal_checkpoint(TRUNCATE)``: copy the WAL into the database and truncate it to zero bytes."""
        with self._lock:
            busy, frames, done = self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return {"busy": busy, "wal_frames": frames, "checkpointed": done}

    # -- sender state (breaker, alerts), persisted so that it survives restarts ---------------------------

    def sender_state(self) -> dict[str, str]:
        with self._lock:
            return dict(self._db.execute("SELECT key, value FROM sender_state").fetchall())

    def set_sender_state(self, **values: str | None) -> None:
        with self._write() as db:
            for key, value in values.items():
                if value is None:
                    db.execute("DELETE FROM sender_state WHERE key = ?", (key,))
                else:
                    db.execute(
                        "INSERT INTO sender_state (key, value) VALUES (?, ?)"
                        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        (key, value),
                    )


def open_outbox(
    directory: Path, *, clock: Clock | None = None, synchronous: str = "FULL", for_submitting: bool = True
) -> Outbox:
    """The kiosk's outbox in its state directory, with the device key and the intake's key if submitting."""
    from kiosk.device_key import load_or_create_device_key
    from kiosk.enrolment import load_enrolment
    from wire.envelope import seal

    if not for_submitting:
        return Outbox(directory / FILE_NAME, clock=clock, synchronous=synchronous)
    key = load_or_create_device_key(directory)
    intake_key = load_enrolment(directory).intake_key()
    return Outbox(
        directory / FILE_NAME,
        lambda payload: seal(payload, key, intake_key),
        device=key.kid,
        clock=clock,
        synchronous=synchronous,
    )
