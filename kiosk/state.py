"""Where the kiosk keeps its local state (queue tickets, lodging register): ``KIOSK_STATE_DIR``."""

from __future__ import annotations

import os
from pathlib import Path


def state_dir() -> Path:
    """``$KIOSK_STATE_DIR``, else ``$XDG_STATE_HOME/cccd-kiosk`` (``~/.local/state/cccd-kiosk``);
    created 0700."""
    env = os.environ.get("KIOSK_STATE_DIR")
    if env:
        path = Path(env)
    else:
        base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
        path = Path(base) / "cccd-kiosk"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
