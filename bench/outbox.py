"""Kiosk outbox: enqueue latency with synchronous=FULL vs NORMAL, and the drain rate to a local intake.

Enqueue = ``Outbox.submit``: build the payload, sign (Ed25519 JWS), encrypt (JWE to the intake key), insert and
COMMIT. "seal only" is the signing and encryption alone, to show what the database adds. The drain sends one
request at a time (as the sender always does) to a real intake on loopback, SQLite and PostgreSQL.

    python bench/outbox.py [--submits 1000] [--drain 1000]

Writes bench/results/outbox.md.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import SAMPLE_DATA, SAMPLE_EVIDENCE, machine, percentile, table
from intake.devserver import IntakeServer, postgres_url, reset_database
from kiosk.device_key import load_or_create_device_key
from kiosk.enrolment import enrol, save_enrolment
from kiosk.outbox import FILE_NAME, open_outbox, utc_iso
from kiosk.sender import RetryPolicy, Sender
from kiosk.uuid7 import uuid7
from wire.envelope import seal

HERE = Path(__file__).resolve().parent


def enqueue_row(label: str, seconds: list[float]) -> list[str]:
    ms = [s * 1000 for s in seconds]
    return [label, f"{percentile(ms, 50):.2f}", f"{percentile(ms, 99):.2f}", f"{max(ms):.2f}",
            f"{len(ms) / sum(seconds):,.0f}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submits", type=int, default=1000)
    parser.add_argument("--drain", type=int, default=1000)
    parser.add_argument("--out", default=str(HERE / "results" / "outbox.md"))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-outbox-", dir=str(HERE.parent)))  # same disk as a deployment
    try:
        return run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, work: Path) -> int:
    enqueue_rows = []
    drain_rows = []
    for db_name in ("SQLite", "PostgreSQL"):
        db_url = "" if db_name == "SQLite" else postgres_url()
        if db_url:
            reset_database(db_url)
        kiosk = work / f"kiosk-{db_name}"
        kiosk.mkdir()
        with IntakeServer(work / f"intake-{db_name}", db_url=db_url, rate=0, device_cache_seconds=5) as server:
            key = load_or_create_device_key(kiosk)
            enrolment = enrol(server.url, server.token(), key)
            save_enrolment(kiosk, enrolment)
            if db_name == "SQLite":
                intake_key = enrolment.intake_key()
                seal_times = []
                for _ in range(args.submits):
                    payload = {"sid": str(uuid7()), "kind": "lodging", "device": key.kid,
                               "created_at": utc_iso(time.time()), "data": SAMPLE_DATA, "evidence": SAMPLE_EVIDENCE}
                    started = time.perf_counter()
                    seal(payload, key, intake_key)
                    seal_times.append(time.perf_counter() - started)
                enqueue_rows.append(enqueue_row("seal only (no database)", seal_times))
                for mode in ("FULL", "NORMAL"):
                    (kiosk / FILE_NAME).unlink(missing_ok=True)
                    outbox = open_outbox(kiosk, synchronous=mode)
                    times = []
                    for _ in range(args.submits):
                        started = time.perf_counter()
                        outbox.submit("lodging", SAMPLE_DATA, SAMPLE_EVIDENCE)
                        times.append(time.perf_counter() - started)
                    enqueue_rows.append(enqueue_row(f"submit, WAL + synchronous={mode}", times))
                    outbox.close()
            (kiosk / FILE_NAME).unlink(missing_ok=True)
            outbox = open_outbox(kiosk)
            for _ in range(args.drain):
                outbox.submit("lodging", SAMPLE_DATA, SAMPLE_EVIDENCE)
            started = time.perf_counter()
            report = Sender(outbox, server.url, policy=RetryPolicy(startup_jitter=0)).run(until_empty=True)
            elapsed = time.perf_counter() - started
            delivered = report["outcomes"]["done"]
            drain_rows.append([f"intake on {db_name}, 1 worker", delivered, f"{elapsed:.1f}",
                               f"{delivered / elapsed:,.0f}", report["queue"]["pending"]])
            outbox.close()

    text = "\n".join([
        "# Kiosk outbox",
        "",
        f"Command: `python bench/outbox.py --submits {args.submits} --drain {args.drain}`  ",
        f"Machine: {machine()}; the database file on the project's disk. Times in ms.",
        "",
        "## Enqueue latency (sign + encrypt + INSERT + COMMIT)",
        "",
        table(["operation", "p50", "p99", "max", "per second"], enqueue_rows),
        "",
        "## Drain rate to a local intake (one request at a time, acknowledgement committed before the next)",
        "",
        table(["target", "delivered", "seconds", "per second", "left pending"], drain_rows),
        "",
    ])
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
