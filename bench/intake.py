"""Intake throughput and latency, every request decrypted (JWE) and verified (JWS) against an enrolled key.

SQLite and PostgreSQL, 1 and 2 uvicorn workers. The load generator is ``wrk`` (Debian package) in its own
process on loopback, 2 threads and 32 connections, each request a distinct submission from one of many device
keys (new rows, no duplicates unless the pre-made set runs out, which the table reports). Afterwards the rows
in the database are counted: they must equal the 201 answers.

    python bench/intake.py [--seconds 10] [--submissions 60000] [--devices 500]

Writes bench/results/intake.md. Needs the PostgreSQL cluster of ``deploy/dev/services.d/postgresql.sh``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from joserfc.jwk import ECKey, KeySet

from bench.common import device_keys, enrol_devices, machine, submissions, table
from intake.app import prepare
from intake.devserver import IntakeServer, postgres_url, reset_database
from intake.keys import current_public_key, load_or_create_keys
from intake.settings import Settings
from kiosk.device_key import DeviceKey
from wire.envelope import decrypt, intake_public_key, unverified_header, verify

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "wrk_submissions.lua"


def run_wrk(url: str, bodies: Path, seconds: int, threads: int = 2, connections: int = 32) -> dict[str, float]:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{int(seconds)}s", "--timeout", "10s", "-s", str(SCRIPT),
               url, "--", str(bodies), str(threads)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    return dict(json.loads(line[len("RESULT "):]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--submissions", type=int, default=60000)
    parser.add_argument("--devices", type=int, default=500)
    parser.add_argument("--out", default=str(HERE / "results" / "intake.md"))
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install wrk (listed in deploy/dev/apt-packages.txt)", file=sys.stderr)
        return 1

    work = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    base = Settings(state_dir=work / "intake")
    prepare(base)
    intake_key = intake_public_key(current_public_key(load_or_create_keys(base.key_file)))
    keys = device_keys(args.devices)
    started = time.perf_counter()
    bodies = submissions(keys, intake_key, args.submissions)
    warm = submissions(keys, intake_key, 2000)
    print(f"made {len(bodies) + len(warm)} sealed submissions in {time.perf_counter() - started:.1f} s", flush=True)
    body_file, warm_file = work / "bodies.txt", work / "warm.txt"
    body_file.write_text("\n".join(bodies) + "\n")
    warm_file.write_text("\n".join(warm) + "\n")

    ceiling = crypto_ceiling(bodies[:2000], load_or_create_keys(base.key_file), keys)
    earlier_key = ECKey.generate_key("P-256")
    earlier_key.ensure_kid()
    p256_ceiling = crypto_ceiling(submissions(keys, earlier_key, 2000), KeySet([earlier_key]), keys)
    print(f"decrypt + verify in process, one core: {ceiling:,.0f}/s (X25519 intake key), {p256_ceiling:,.0f}/s"
          " (P-256)", flush=True)
    rows = []
    for db_name, workers, http, loop in CONFIGURATIONS:
        db_url = f"sqlite:///{work / f'intake-{len(rows)}.db'}" if db_name == "SQLite" else postgres_url()
        if db_name == "PostgreSQL":
            reset_database(db_url)
        settings = Settings(state_dir=base.state_dir, db_url=db_url)
        prepare(settings)
        server = IntakeServer(settings.state_dir, db_url=db_url, workers=workers, rate=0, device_cache_seconds=5,
                              http=http, loop=loop)
        store = server.store()
        enrol_devices(store, keys)
        with server:
            warmup = run_wrk(server.url, warm_file, 2)
            result = run_wrk(server.url, body_file, args.seconds)
        stored = store.count()
        store.dispose()
        rate = result["requests"] / (result["duration_us"] / 1e6)
        rows.append([db_name, workers, f"{http} + {loop}", f"{rate:,.0f}", f"{result['p50_us'] / 1000:.1f}",
                     f"{result['p90_us'] / 1000:.1f}", f"{result['p99_us'] / 1000:.1f}", int(result["created"]),
                     int(result["duplicates"]), int(result["refused"]) + int(result["socket_errors"]),
                     stored - int(warmup["created"] + result["created"])])
        print(table(HEADERS, rows[-1:]).splitlines()[-1], flush=True)

    report = "\n".join([
        "# Intake throughput with decryption and signature verification",
        "",
        f"Command: `python bench/intake.py --seconds {args.seconds:g} --submissions {args.submissions} "
        f"--devices {args.devices}`  ",
        f"Machine: {machine()}; server, PostgreSQL 15 and the load generator share these CPUs.  ",
        "Load: `wrk -t2 -c32` on loopback (separate process), each request a distinct sealed submission "
        f"(JWE ECDH-ES+A256KW/A256GCM to an X25519 intake key, around an Ed25519 JWS) from {args.devices} "
        "enrolled kiosk keys; "
        "2 s warm-up first. Latency in ms.",
        "",
        table(HEADERS, rows),
        "",
        f"Upper bound from the cryptography alone: decrypting and verifying in one process on one core, without"
        f" HTTP or database, runs at {ceiling:,.0f} submissions/s on this machine ({p256_ceiling:,.0f}/s with a"
        " P-256 intake key, the earlier default, still accepted).",
        "",
        "`rows − 201s`: rows counted in the database afterwards minus the 201 answers wrk counted (warm-up"
        " included); requests still in flight when wrk stops are stored but not counted, so it is between 0"
        " and 64 (32 connections, two wrk runs). A negative value would mean an acknowledged submission was"
        " not stored.",
        "",
    ])
    Path(args.out).write_text(report, encoding="utf-8")
    print(report)
    shutil.rmtree(work, ignore_errors=True)
    return 0


def crypto_ceiling(bodies: list[str], intake_keys: KeySet, keys: list[DeviceKey]) -> float:
    """Submissions per second through ``decrypt`` + ``verify`` alone, in this process (one core)."""
    public = {key.kid: key for key in keys}
    started = time.process_time()
    for body in bodies:
        signed = decrypt(body, intake_keys)
        key = public[unverified_header(signed)["kid"]]
        verify(signed, key.key, key.alg)
    return len(bodies) / (time.process_time() - started)


HEADERS = ["database", "workers", "HTTP stack", "req/s", "p50", "p90", "p99", "201 new", "200 dup", "errors",
           "rows − 201s"]
CONFIGURATIONS = [
    ("SQLite", 1, "httptools", "uvloop"),
    ("SQLite", 2, "httptools", "uvloop"),
    ("PostgreSQL", 1, "h11", "asyncio"),
    ("PostgreSQL", 2, "h11", "asyncio"),
    ("PostgreSQL", 1, "httptools", "uvloop"),
    ("PostgreSQL", 2, "httptools", "uvloop"),
]
# uvloop and httptools are dependencies (uvicorn picks them by default): the pure-Python h11 + asyncio stack is
# measured next to them on PostgreSQL.


if __name__ == "__main__":
    sys.exit(main())
