"""The establishment's local guest register (SQLite), so that exports and deadlines work across runs.

Personal data are never in clear columns: each guest record is a JSON document encrypted with
AES-256-GCM (associated data: the row id), under a key kept in ``lodging.key`` (0600) beside the
database or in the file named by ``KIOSK_LODGING_KEY_FILE`` (e.g. a systemd credential). Clear columns
hold only what scheduling needs: arrival day and time, deadline, departure, check-out, notification
state. ``purge`` deletes old rows with ``secure_delete`` on and truncates the WAL.
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kiosk.errors import KioskError
from kiosk.lodging.deadline import Deadline, deadline, to_vietnam_time
from kiosk.lodging.guest import Guest
from kiosk.migrations import SqliteSchema, migrate_sqlite, statements

FILE_NAME = "lodging.sqlite3"
SCHEMA_VERSION = 1  # PRAGMA user_version (0.1.0 left it at 0); migrations in kiosk.migrations

SCHEMA = """
CREATE TABLE IF NOT EXISTS guests ( id TEXT PRIMARY KEY, stay_day TEXT NOT NULL, arrival TEXT NOT NULL,
due TEXT NOT NULL, rule TEXT NOT NULL, is_foreign INTEGER NOT NULL, expected_departure TEXT NOT NULL,
checked_out TEXT, notified_at TEXT, notify_ref TEXT, nonce BLOB NOT NULL, blob BLOB NOT NULL ); CREATE
INDEX IF NOT EXISTS guests_day ON guests (stay_day);
"""

REGISTER_SCHEMA = SqliteSchema("register", {SCHEMA_VERSION: statements(SCHEMA)})


class RegisterError(KioskError):
    code = "register-error"


class GuestNotFoundError(RegisterError):
    code = "guest-not-found"

    def __init__(self) -> None:
        super().__init__(
            "No guest with this register id",
            field="guest_id",
            message_vi="Không tìm thấy khách này trong sổ lưu trú.",
        )


@dataclass(frozen=True)
class Entry:
    id: str
    guest: Guest
    deadline: Deadline
    checked_out: str | None
    notified_at: str | None
    notify_ref: str | None

    def to_dict(self, now: datetime | None = None) -> dict[str, Any]:
        """A summary without personal data (for lists and logs): id, room, times and status."""
        status = self.deadline.status(
            now or datetime.now(self.deadline.due.tzinfo),
            datetime.fromisoformat(self.notified_at) if self.notified_at else None,
        )
        return {
            "id": self.id,
            "room": self.guest.room,
            "foreign": self.guest.foreign,
            "arrival": self.guest.arrival,
            "expected_departure": self.guest.expected_departure,
            "due": self.deadline.due.isoformat(),
            "rule": self.deadline.rule,
            "status": status,
            "checked_out": self.checked_out,
            "notified_at": self.notified_at,
        }


def _load_key(path: Path) -> bytes:
    if path.exists():
        key = path.read_bytes()
        if len(key) != 32:
            raise RegisterError(
                "The register key file is not a 256-bit key",
                field="key",
                message_vi="Khóa mã hóa sổ lưu trú không hợp lệ. Hãy báo cho nhân viên kỹ thuật.",
            )
        return key
    key = AESGCM.generate_key(bit_length=256)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
        fh.flush()
        os.fsync(fh.fileno())
    return key


class GuestRegister:
    def __init__(self, directory: Path, *, remote_area: bool = False) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / FILE_NAME
        key_file = os.environ.get("KIOSK_LODGING_KEY_FILE")
        self._aead = AESGCM(_load_key(Path(key_file) if key_file else directory / "lodging.key"))
        self.remote_area = remote_area
        with self._db() as db:
            migrate_sqlite(db, REGISTER_SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, isolation_level=None, timeout=10)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA secure_delete=ON")
            yield db
        finally:
            db.close()

    def _seal(self, gid: str, guest: Guest) -> tuple[bytes, bytes]:
        nonce = os.urandom(12)
        plain = json.dumps(guest.to_dict(), ensure_ascii=False).encode()
        return nonce, self._aead.encrypt(nonce, plain, gid.encode())

    def _open(self, row: tuple[Any, ...]) -> Entry:
        gid, _day, arrival, due, rule, _foreign, _dep, checked_out, notified_at, ref, nonce, blob = row
        try:
            guest = Guest.from_dict(json.loads(self._aead.decrypt(nonce, blob, gid.encode())))
        except InvalidTag:
            raise RegisterError(
                "A register row cannot be decrypted with this key",
                field="key",
                message_vi="Không giải mã được sổ lưu trú. Hãy báo cho nhân viên kỹ thuật.",
            ) from None
        dl = Deadline(datetime.fromisoformat(arrival), datetime.fromisoformat(due), rule)
        return Entry(gid, guest, dl, checked_out, notified_at, ref)

    def add(self, guest: Guest) -> Entry:
        gid = uuid.uuid4().hex
        dl = deadline(guest.arrival_at, foreign=guest.foreign, remote=self.remote_area)
        nonce, blob = self._seal(gid, guest)
        with self._db() as db:
            db.execute(
                "INSERT INTO guests VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, ?, ?)",
                (
                    gid,
                    dl.arrival.date().isoformat(),
                    dl.arrival.isoformat(),
                    dl.due.isoformat(),
                    dl.rule,
                    int(guest.foreign),
                    to_vietnam_time(guest.departure_at).isoformat(),
                    nonce,
                    blob,
                ),
            )
        return Entry(gid, guest, dl, None, None, None)

    def get(self, gid: str) -> Entry:
        with self._db() as db:
            row = db.execute("SELECT * FROM guests WHERE id = ?", (gid,)).fetchone()
        if row is None:
            raise GuestNotFoundError()
        return self._open(row)

    def arrivals(self, day: date) -> list[Entry]:
        """Guests arriving on ``day`` (Vietnam date), in arrival order."""
        with self._db() as db:
            rows = db.execute(
                "SELECT * FROM guests WHERE stay_day = ? ORDER BY arrival, id", (day.isoformat(),)
            ).fetchall()
        return [self._open(r) for r in rows]

    def pending(self) -> list[Entry]:
        """Guests not yet notified, earliest deadline first."""
        with self._db() as db:
            rows = db.execute("SELECT * FROM guests WHERE notified_at IS NULL ORDER BY due").fetchall()
        return [self._open(r) for r in rows]

    def _update(self, gid: str, sql: str, params: tuple[Any, ...]) -> Entry:
        with self._db() as db:
            cur = db.execute(sql, (*params, gid))
            if cur.rowcount == 0:
                raise GuestNotFoundError()
        return self.get(gid)

    def mark_notified(self, gid: str, when: datetime, ref: str) -> Entry:
        return self._update(
            gid,
            "UPDATE guests SET notified_at = ?, notify_ref = ? WHERE id = ?",
            (to_vietnam_time(when).isoformat(), ref),
        )

    def check_out(self, gid: str, when: datetime) -> Entry:
        return self._update(
            gid, "UPDATE guests SET checked_out = ? WHERE id = ?", (to_vietnam_time(when).isoformat(),)
        )

    def extend(self, gid: str, new_departure: datetime) -> Entry:
        entry = self.get(gid)
        new = to_vietnam_time(new_departure)
        if new < entry.deadline.arrival:
            raise RegisterError(
                "The new departure is before the arrival",
                field="expected_departure",
                message_vi="Ngày đi mới phải sau thời gian đến.",
            )
        guest = Guest.from_dict({**entry.guest.to_dict(), "expected_departure": new.isoformat()})
        nonce, blob = self._seal(gid, guest)
        return self._update(
            gid,
            "UPDATE guests SET expected_departure = ?, nonce = ?, blob = ? WHERE id = ?",
            (new.isoformat(), nonce, blob),
        )

    def purge(self, before: date) -> int:
        """Delete guests who arrived before ``before`` and were notified; returns the number deleted."""
        with self._db() as db:
            cur = db.execute(
                "DELETE FROM guests WHERE stay_day < ? AND notified_at IS NOT NULL", (before.isoformat(),)
            )
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return cur.rowcount
