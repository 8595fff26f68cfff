"""Intake settings, from the command line or the environment (uvicorn workers read the environment)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from wire.envelope import MAX_BODY_BYTES

ENV_PREFIX = "INTAKE_"


def default_state_dir() -> Path:
    if os.environ.get("INTAKE_STATE_DIR"):
        return Path(os.environ["INTAKE_STATE_DIR"])
    xdg = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(xdg) / "cccd-intake"


def _env(name: str, default: str) -> str:
    return os.environ.get(ENV_PREFIX + name, default)


@dataclass(frozen=True)
class Settings:
    """``db_url``: ``sqlite:///file`` or ``postgresql://…``; limits: body bytes, requests/s and burst per device,
    requests/s and burst per client address on the enrolment and operator endpoints (0 turns a limit off)."""

    state_dir: Path = field(default_factory=default_state_dir)
    db_url: str = ""
    max_body: int = MAX_BODY_BYTES  # just above the largest submission a kiosk saves (wire.envelope)
    rate: float = 20.0
    burst: float = 200.0
    device_cache_seconds: float = 5.0
    pool_size: int = 10
    stale_minutes: float = 10.0  # the operator page shows a kiosk silent for longer as stale
    # per client address (behind nginx: the X-Forwarded-For address), for /v1/devices and /operator
    client_rate: float = 0.5
    client_burst: float = 20.0
    docs: bool = False  # /docs and /openapi.json; off in production
    client_timeout: float = 10.0  # seconds a connection may stay idle, and a request's body may take

    @property
    def database_url(self) -> str:
        return self.db_url or f"sqlite:///{self.state_dir / 'intake.db'}"

    @property
    def key_file(self) -> Path:
        return self.state_dir / "encryption-keys.json"

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            state_dir=Path(_env("STATE_DIR", str(default_state_dir()))),
            db_url=_env("DB_URL", ""),
            max_body=int(_env("MAX_BODY", str(cls.max_body))),
            rate=float(_env("RATE", str(cls.rate))),
            burst=float(_env("BURST", str(cls.burst))),
            device_cache_seconds=float(_env("DEVICE_CACHE_SECONDS", str(cls.device_cache_seconds))),
            pool_size=int(_env("POOL_SIZE", str(cls.pool_size))),
            stale_minutes=float(_env("STALE_MINUTES", str(cls.stale_minutes))),
            client_rate=float(_env("CLIENT_RATE", str(cls.client_rate))),
            client_burst=float(_env("CLIENT_BURST", str(cls.client_burst))),
            docs=_env("DOCS", "0") == "1",
            client_timeout=float(_env("CLIENT_TIMEOUT", str(cls.client_timeout))),
        )

    def to_env(self) -> dict[str, str]:
        return {
            ENV_PREFIX + "STATE_DIR": str(self.state_dir),
            ENV_PREFIX + "DB_URL": self.db_url,
            ENV_PREFIX + "MAX_BODY": str(self.max_body),
            ENV_PREFIX + "RATE": str(self.rate),
            ENV_PREFIX + "BURST": str(self.burst),
            ENV_PREFIX + "DEVICE_CACHE_SECONDS": str(self.device_cache_seconds),
            ENV_PREFIX + "POOL_SIZE": str(self.pool_size),
            ENV_PREFIX + "STALE_MINUTES": str(self.stale_minutes),
            ENV_PREFIX + "CLIENT_RATE": str(self.client_rate),
            ENV_PREFIX + "CLIENT_BURST": str(self.client_burst),
            ENV_PREFIX + "DOCS": "1" if self.docs else "0",
            ENV_PREFIX + "CLIENT_TIMEOUT": str(self.client_timeout),
        }
