"""Migrating a whole kiosk state directory (``kiosk migrate``): the outbox, the guest registers, and a check of
the key files. The schema steps themselves are ``kiosk.migrations``."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from kiosk.device_key import FILE_NAME as KEY_FILE
from kiosk.device_key import load_device_key
from kiosk.enrolment import FILE_NAME as ENROLMENT_FILE
from kiosk.enrolment import load_enrolment
from kiosk.lodging.register import FILE_NAME as REGISTER_FILE
from kiosk.lodging.register import REGISTER_SCHEMA
from kiosk.migrations import migrate_sqlite, user_version
from kiosk.outbox import FILE_NAME as OUTBOX_FILE
from kiosk.outbox import OUTBOX_SCHEMA, Outbox


def migrate_state(directory: Path) -> dict[str, Any]:
    """Migrate every versioned part of a kiosk state directory and check the key files; idempotent."""
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
