"""Fleet health at scale: heartbeat request latency and the operator page's render time with many kiosks.

A real intake (``kiosk-intake serve``, one worker) on SQLite and PostgreSQL; ``--kiosks`` enrolled device keys each
send one signed heartbeat over HTTP (sequentially, one connection: the latency of one request), a fifth of them
lodging kiosks; ``--lodging`` lodging submissions (signed payloads, stored as the intake stores them) feed the
compliance table. Then ``GET /operator`` is timed ``--pages`` times.

    python bench/fleet.py [--kiosks 500] [--lodging 5000] [--pages 5]

Writes bench/results/fleet.md. Needs the PostgreSQL cluster of ``deploy/dev/services.d/postgresql.sh``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests

from bench.common import device_keys, enrol_devices, machine, median, percentile, table
from intake.devserver import IntakeServer, postgres_url, reset_database
from kiosk.heartbeat import Health, HeartbeatSender
from kiosk.outbox import utc_iso
from kiosk.uuid7 import uuid7
from wire.envelope import digest, sign

HERE = Path(__file__).resolve().parent


def measure(db_url: str, work: Path, kiosks: int, lodging: int, pages: int) -> list[object]:
    with IntakeServer(work, db_url=db_url) as intake:
        store = intake.store()
        keys = device_keys(kiosks)
        enrol_devices(store, keys)
        now = datetime.now(UTC)
        for i in range(lodging):  # what the intake stores once a lodging submission is verified
            key = keys[(i * 5) % kiosks]
            arrival = (now - timedelta(hours=i % 48)).astimezone().strftime("%Y-%m-%dT%H:%M")
            payload = {"sid": str(uuid7()), "kind": "lodging", "device": key.kid, "created_at": utc_iso(time.time()),
                       "data": {"procedure": "lodging-guest", "form": {"arrival": arrival, "document_type": "1"}},
                       "evidence": {}}
            signed = sign(payload, key)
            store.store(payload["sid"], key.kid, "lodging", payload["created_at"], digest(signed), signed)
        token = store.issue_operator_token("bench", 3600)
        store.dispose()
        session = requests.Session()
        latencies = []
        for i, key in enumerate(keys):
            lodging_kiosk = i % 5 == 0
            health = Health("lodging" if lodging_kiosk else "one-stop", {"pending": i % 3, "quarantined": 0},
                            reader="ok", camera="ok", establishment=f"CSLT-{i // 5:04d}",
                            lodging={"pending": i % 4, "overdue": i % 7 == 0} if lodging_kiosk else None)
            sender = HeartbeatSender(key, intake.url, lambda h=health: h, session=session)
            started = time.perf_counter()
            answer = sender.send_once()
            latencies.append((time.perf_counter() - started) * 1000)
            assert answer.ok, answer
        renders, size = [], 0
        for _ in range(pages):
            started = time.perf_counter()
            page = session.get(intake.url + "/operator", headers={"Authorization": f"Bearer {token}"}, timeout=120)
            renders.append((time.perf_counter() - started) * 1000)
            assert page.ok and page.text.count("<tr class=") == kiosks
            size = len(page.content)
    name = "PostgreSQL" if db_url else "SQLite"
    return [name, kiosks, lodging, f"{median(latencies):.1f}", f"{percentile(latencies, 95):.1f}",
            f"{median(renders):.0f}", f"{max(renders):.0f}", f"{size // 1024} KiB"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, default=500)
    parser.add_argument("--lodging", type=int, default=5000)
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--out", default=str(HERE / "results" / "fleet.md"))
    args = parser.parse_args()
    rows = []
    for db_url in ("", postgres_url()):
        work = Path(tempfile.mkdtemp(prefix="bench-fleet-"))
        try:
            if db_url:
                reset_database(db_url)
            rows.append(measure(db_url, work / "intake", args.kiosks, args.lodging, args.pages))
        finally:
            shutil.rmtree(work, ignore_errors=True)
            if db_url:
                reset_database(db_url)
    report = "\n".join([
        "# Fleet health: heartbeats and the operator page",
        "",
        f"`python bench/fleet.py --kiosks {args.kiosks} --lodging {args.lodging} --pages {args.pages}` on "
        f"{machine()}.",
        "",
        table(["database", "kiosks", "lodging submissions", "heartbeat p50 ms", "heartbeat p95 ms",
               "/operator p50 ms", "/operator max ms", "page size"], rows),
        "",
        "Heartbeat: one signed heartbeat per request on a kept-alive connection (verification, replay window, upsert"
        " of the kiosk's row). /operator: every enrolled kiosk's latest heartbeat and the lodging submissions of the"
        " last 30 days (each stored JWS decoded to judge its deadline), rendered as one HTML page.",
        "",
    ])
    Path(args.out).write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
