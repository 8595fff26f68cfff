"""Generate ``tests/deploy/fixtures/release-0.1.0/``: a kiosk state directory and an intake state directory written
by release 0.1.0's own code, for the upgrade tests.

    .venv/bin/python tests/deploy/make_release_fixture.py [--commit a37bd4b] [--out DIR]

The release's tree is taken with ``git archive COMMIT`` (so this needs a clone that has the commit; the tests
themselves only need the committed fixture) and its ``kiosk`` and ``kiosk-intake`` commands are run from it with
``PYTHONPATH`` pointing at it, with this checkout's virtual environment for the libraries. Steps:

1. start the 0.1.0 intake (SQLite) and enrol a 0.1.0 kiosk with a one-time token;
2. submit one submission and deliver it (the intake database then holds one submission, the outbox one receipt);
3. stop the intake and submit three more (one-stop, clinic, lodging): they stay pending in the outbox;
4. add a guest to the lodging guest register;
5. checkpoint every SQLite database into its main file and write ``manifest.json`` (the sids, the device key id).

Everything in the fixture is test data: the synthetic sample citizens and keys made for this fixture only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = ROOT / "tests" / "deploy" / "fixtures" / "release-0.1.0"
RELEASE = "0.1.0"
RELEASE_COMMIT = "a37bd4b"


def sample_payloads() -> dict[str, dict[str, Any]]:
    """One submission per kind, shaped as ``kiosk.workflows.submission`` builds them, for synthetic citizens."""
    from kiosk.samples import sample_identity

    def form(n: int, **extra: str) -> dict[str, Any]:
        person = sample_identity(n)
        return {"full_name": person.full_name, "id_number": person.id_number,
                "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else None, **extra}

    return {
        "one-stop": {"data": {"procedure": "ct01", "form": form(1)}, "evidence": {"full_name": "chip"}},
        "clinic": {"data": {"procedure": "clinic-checkin", "form": form(2)}, "evidence": {"full_name": "qr"}},
        "lodging": {"data": {"procedure": "lodging-guest", "form": form(3, arrival="2026-11-20T14:30", room="203"),
                             "arrival": "2026-11-20T14:30"}, "evidence": {"full_name": "chip"}},
    }


class Release:
    """The release's ``kiosk`` and ``kiosk-intake`` commands, run from its source tree."""

    def __init__(self, source: Path, kiosk_state: Path, intake_state: Path) -> None:
        self.source = source
        self.env = {**os.environ, "PYTHONPATH": str(source), "KIOSK_STATE_DIR": str(kiosk_state),
                    "INTAKE_STATE_DIR": str(intake_state)}

    def command(self, module: str, *args: str) -> list[str]:
        return [sys.executable, "-c", f"import sys; from {module} import main; sys.exit(main())", *args]

    def run(self, module: str, *args: str) -> dict[str, Any]:
        done = subprocess.run(self.command(module, *args), cwd=self.source, env=self.env, capture_output=True,
                              text=True, timeout=120)
        if done.returncode != 0:
            raise SystemExit(f"{module} {' '.join(args)} failed ({done.returncode}): {done.stderr}{done.stdout}")
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))

    def check_source(self) -> None:
        found = subprocess.run([sys.executable, "-c", "import kiosk; print(kiosk.__file__)"], cwd=self.source,
                               env=self.env, capture_output=True, text=True, check=True).stdout
        if not found.strip().startswith(str(self.source)):
            raise SystemExit(f"the release's code is not the one imported: {found}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def checkpoint(path: Path) -> None:
    """Copy the WAL into the main file and drop the -wal and -shm files (the fixture is one file per database)."""
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def generate(commit: str, out: Path) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="release-fixture-"))
    try:
        source = work / "src"
        source.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(source)], input=archive.stdout, check=True)
        if out.exists():
            shutil.rmtree(out)
        kiosk_state, intake_state = out / "kiosk", out / "intake"
        kiosk_state.mkdir(parents=True, mode=0o700)
        intake_state.mkdir(parents=True, mode=0o700)
        release = Release(source, kiosk_state, intake_state)
        release.check_source()
        payloads = work / "payloads"
        payloads.mkdir()
        for kind, payload in sample_payloads().items():
            (payloads / f"{kind}.json").write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")

        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(release.command("intake.cli", "serve", "--port", str(port), "--state-dir",
                                                  str(intake_state)), cwd=source, env=release.env)
        try:
            for _ in range(300):
                try:
                    if requests.get(url + "/v1/health", timeout=1).ok:
                        break
                except requests.RequestException:
                    time.sleep(0.1)
            token = release.run("intake.cli", "device", "token", "--state-dir", str(intake_state))["token"]
            device = release.run("cli.main", "device", "enroll", "--intake", url, f"--token={token}")["device"]
            delivered = release.run("cli.main", "submit", "--kind", "one-stop", "--payload",
                                    str(payloads / "one-stop.json"), "--json")["sid"]
            sent = release.run("cli.main", "outbox", "send", "--timeout", "60")
            if sent["queue"]["pending"] != 0:
                raise SystemExit(f"the release's sender did not deliver: {sent}")
        finally:
            server.terminate()
            server.wait(20)
        pending = [
            release.run("cli.main", "submit", "--kind", kind, "--payload", str(payloads / f"{kind}.json"),
                        "--json")["sid"]
            for kind in ("one-stop", "clinic", "lodging")
        ]
        identity = work / "guest.json"
        from kiosk.samples import sample_identity

        identity.write_text(sample_identity(4).to_json(), encoding="utf-8")
        guest = release.run("cli.main", "lodging", "add", "--identity", str(identity), "--set", "room=101",
                            "--set", "arrival=2026-11-20T15:00", "--set", "expected_departure=2026-11-22T12:00",
                            "--set", "reason=1", "--json")
        for database in (kiosk_state / "outbox.db", kiosk_state / "lodging.sqlite3", intake_state / "intake.db"):
            checkpoint(database)
        for lock in kiosk_state.glob("*.sender-lock"):
            lock.unlink()
        manifest = {
            "release": RELEASE,
            "commit": subprocess.run(["git", "-C", str(ROOT), "rev-parse", commit], capture_output=True, text=True,
                                     check=True).stdout.strip(),
            "generated_by": "tests/deploy/make_release_fixture.py",
            "device": device,
            "delivered_sids": [delivered],
            "pending_sids": pending,
            "register_guests": 1 if guest.get("ok") else 0,
            "note": "test data only: synthetic sample citizens, keys made for this fixture",
        }
        (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        return manifest
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commit", default=RELEASE_COMMIT, help=f"the release's commit (default {RELEASE_COMMIT})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    print(json.dumps(generate(args.commit, args.out), indent=2))


if __name__ == "__main__":
    main()
