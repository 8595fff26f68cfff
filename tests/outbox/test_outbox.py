from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from intake.devserver import IntakeServer
from kiosk.identity import Identity
from kiosk.outbox import NotSavedError, Outbox, OutboxError, open_outbox
from kiosk.sender import RetryPolicy, Sender

PERSON = Identity(
    id_number="079203001234",
    full_name="Lê Thị Hồng Nhung",
    place_of_origin="Xã Tân Phú, Đồng Nai",
    residence="12 Lý Thường Kiệt, Phường Hoàn Kiếm, Hà Nội",
    father_name="Lê Văn Dũng",
    mother_name="Phạm Thị Mai",
)


def _sealer(payload: Any) -> tuple[str, str]:
    return f"sealed-{payload['sid']}", "digest"


def _files(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in directory.iterdir() if p.name.startswith("outbox.db"))


def test_durability_pragmas_are_set_and_checked(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.db", _sealer)
    outbox.submit("clinic", {}, {})
    assert {p.name: p.stat().st_mode & 0o777 for p in tmp_path.iterdir()} == {
        "o.db": 0o600, "o.db-wal": 0o600, "o.db-shm": 0o600}
    assert outbox.pragmas() == {"journal_mode": "wal", "synchronous": 2, "secure_delete": 1, "temp_store": 2}


def test_saved_means_committed_and_visible_to_another_connection(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.db", _sealer, device="dev")
    saved = outbox.submit("clinic", {"a": 1}, {})
    other = sqlite3.connect(tmp_path / "o.db")
    row = other.execute("SELECT kind, state, blob FROM outbox WHERE sid = ?", (saved.sid,)).fetchone()
    assert row == ("clinic", "pending", f"sealed-{saved.sid}")


def test_a_failing_commit_means_not_saved(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.db", _sealer)

    class CommitFails:
        def __init__(self, db: sqlite3.Connection) -> None:
            self.db = db

        def execute(self, sql: str, *args: Any) -> Any:
            if sql == "COMMIT":
                raise sqlite3.OperationalError("disk I/O error")
            return self.db.execute(sql, *args)

        @property
        def in_transaction(self) -> bool:
            return self.db.in_transaction

    real = outbox._db
    outbox._db = CommitFails(real)  # type: ignore[assignment]
    with pytest.raises(NotSavedError) as failure:
        outbox.submit("clinic", {"a": 1}, {})
    outbox._db = real
    assert failure.value.code == "not-saved" and "CHƯA" in failure.value.message_vi
    assert outbox.counts()["pending"] == 0


def test_a_locked_database_means_not_saved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kiosk.outbox.BUSY_TIMEOUT_MS", 50)
    outbox = Outbox(tmp_path / "o.db", _sealer)
    blocker = sqlite3.connect(tmp_path / "o.db", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    with pytest.raises(NotSavedError):
        outbox.submit("clinic", {"a": 1}, {})
    blocker.execute("ROLLBACK")
    assert outbox.counts()["pending"] == 0
    outbox.submit("clinic", {"a": 1}, {})
    assert outbox.counts()["pending"] == 1


@pytest.mark.parametrize("kind", ["", "Clinic", "a b", "x" * 40, "lodging;drop"])
def test_invalid_kinds_are_refused(tmp_path: Path, kind: str) -> None:
    with pytest.raises(OutboxError) as refused:
        Outbox(tmp_path / "o.db", _sealer).submit(kind, {}, {})
    assert refused.value.field == "kind"


def test_the_queue_file_holds_no_personal_data_in_clear(kiosk_dir: Path, intake: IntakeServer) -> None:
    outbox = open_outbox(kiosk_dir)
    data = {"procedure": "lodging-guest", "form": {**PERSON.to_dict(), "arrival": "2026-11-23T10:00", "room": "101"}}
    for _ in range(3):
        outbox.submit("lodging", data, {"full_name": "chip", "residence": "qr"})
    on_disk = _files(kiosk_dir)
    assert len(on_disk) > 4096
    for value in PERSON.personal_values():
        assert value.encode() not in on_disk, "personal value in clear"
    # Delivered, acknowledged, purged: not even the ciphertext remains in the database or the WAL.
    blobs = [row[0] for row in sqlite3.connect(kiosk_dir / "outbox.db").execute("SELECT blob FROM outbox")]
    Sender(outbox, intake.url, policy=RetryPolicy(startup_jitter=0)).run(timeout=30)
    outbox.purge_acknowledged()
    assert outbox.counts() == {"pending": 0, "quarantined": 0, "acked": 3}
    on_disk = _files(kiosk_dir)
    for blob in blobs:
        assert blob[-60:].encode() not in on_disk
    assert (kiosk_dir / "outbox.db-wal").stat().st_size == 0


def test_items_status_and_retry(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.db", _sealer)
    first = outbox.submit("clinic", {}, {})
    outbox.submit("lodging", {}, {})
    head = next(i for i in outbox.heads() if i.sid == first.sid)
    outbox.mark_quarantined(head, 422, "invalid-field")
    assert outbox.counts() == {"pending": 1, "quarantined": 1, "acked": 0}
    assert outbox.items("quarantined")[0] | {"next_attempt_at": None} == {
        "sid": first.sid,
        "kind": "clinic",
        "created_at": first.created_at,
        "state": "quarantined",
        "attempts": 1,
        "next_attempt_at": None,
        "last_status": 422,
        "last_error": "invalid-field",
    }
    assert "blob" not in outbox.items()[0]
    assert outbox.retry([first.sid]) == 1
    assert outbox.counts()["quarantined"] == 0
    status = outbox.status()
    assert status["counts"]["pending"] == 2 and status["oldest_pending"] == first.created_at
