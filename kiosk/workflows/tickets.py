"""Queue tickets: one number sequence per counter and per day (Vietnam time), kept in SQLite."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from kiosk.workflows.errors import FormError
from kiosk.workflows.model import Profile
from kiosk.workflows.receipt import Ticket
from kiosk.workflows.values import VN_TZ


class TicketDispenser:
    def __init__(self, path: Path) -> None:
        self.path = path
        with self._connect() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS tickets (day TEXT NOT NULL, counter TEXT NOT NULL, "
                "number INTEGER NOT NULL, PRIMARY KEY (day, counter))"
            )

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, timeout=10)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        return db

    def issue(self, profile: Profile, counter_id: str, now: datetime | None = None) -> Ticket:
        counter = profile.counters.get(counter_id)
        if counter is None:
            raise FormError(
                f"Profile {profile.id!r} has no counter {counter_id!r}",
                field="counter",
                message_vi="Quầy phục vụ chưa được cấu hình. Hãy báo cho nhân viên.",
                code="unknown-counter",
            )
        day = (now or datetime.now(VN_TZ)).astimezone(VN_TZ).date().isoformat()
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            db.execute(
                "INSERT INTO tickets (day, counter, number) VALUES (?, ?, 1) "
                "ON CONFLICT (day, counter) DO UPDATE SET number = number + 1",
                (day, counter_id),
            )
            (number,) = db.execute(
                "SELECT number FROM tickets WHERE day = ? AND counter = ?", (day, counter_id)
            ).fetchone()
            db.execute("COMMIT")
        finally:
            db.close()
        return Ticket(
            counter_id,
            counter.number,
            counter.label_vi,
            counter.label_en,
            int(number),
            f"{counter.prefix}{int(number):03d}",
            day,
        )
