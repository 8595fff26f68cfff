"""A loopback intake server in a child process, for tests and benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import requests

from intake.db import Store
from intake.settings import Settings
from wire.http import HEALTH_PATH

POSTGRES_URL_ENV = "KIOSK_TEST_PG_URL"
POSTGRES_URL_DEFAULT = "postgresql://kiosk:kiosk@127.0.0.1:54329/kiosk_intake"


def postgres_url() -> str:
    return os.environ.get(POSTGRES_URL_ENV, POSTGRES_URL_DEFAULT)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def reset_database(url: str) -> None:
    """Drop the intake's tables (a fresh start for a test or a benchmark run)."""
    from intake.db import metadata

    store = Store(url, 1)
    try:
        metadata.drop_all(store.engine)
    finally:
        store.dispose()


class IntakeServer:
    """``kiosk-intake serve`` on a free loopback port; stops it on exit."""

    def __init__(
        self,
        state_dir: Path,
        *,
        db_url: str = "",
        workers: int = 1,
        rate: float = 0.0,
        burst: float = 200.0,
        device_cache_seconds: float = 0.0,
        max_body: int | None = None,
        stale_minutes: float = 10.0,
        port: int | None = None,
        http: str = "auto",
        loop: str = "auto",
        client_rate: float = 0.0,
        client_burst: float = 20.0,
        client_timeout: float = 10.0,
        docs: bool = False,
    ) -> None:
        self.settings = Settings(
            state_dir=state_dir,
            db_url=db_url,
            rate=rate,
            burst=burst,
            device_cache_seconds=device_cache_seconds,
            max_body=max_body or Settings.max_body,
            stale_minutes=stale_minutes,
            client_rate=client_rate,
            client_burst=client_burst,
            client_timeout=client_timeout,
            docs=docs,
        )
        self.workers = workers
        self.stack = ["--http", http, "--loop", loop]
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> IntakeServer:
        s = self.settings
        command = [
            sys.executable,
            "-m",
            "intake.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--state-dir",
            str(s.state_dir),
            "--rate",
            str(s.rate),
            "--burst",
            str(s.burst),
            "--device-cache-seconds",
            str(s.device_cache_seconds),
            "--max-body",
            str(s.max_body),
            "--stale-minutes",
            str(s.stale_minutes),
            "--client-rate",
            str(s.client_rate),
            "--client-burst",
            str(s.client_burst),
            "--client-timeout",
            str(s.client_timeout),
        ]
        if s.docs:
            command.append("--docs")
        command += self.stack
        if s.db_url:
            command += ["--db", s.db_url]
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"intake server exited with {self.process.returncode}")
            try:
                if requests.get(self.url + HEALTH_PATH, timeout=1).ok:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("intake server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def store(self) -> Store:
        return Store(self.settings.database_url, 2)

    def token(self) -> str:
        store = self.store()
        try:
            return store.issue_token()
        finally:
            store.dispose()

    def operator_token(self) -> str:
        store = self.store()
        try:
            return store.issue_operator_token("test", 3600.0)
        finally:
            store.dispose()

    def __enter__(self) -> IntakeServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
