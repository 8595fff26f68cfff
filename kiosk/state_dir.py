"""Where the kiosk keeps its state (device key, enrolment, outbox database)."""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "KIOSK_STATE_DIR"
DEPLOYED_DEFAULT = Path("/var/lib/cccd-kiosk")


def state_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """The state directory: ``path`` if given, else ``$KIOSK_STATE_DIR``, else the user's XDG state directory.

    Deployments set ``KIOSK_STATE_DIR=/var/lib/cccd-kiosk`` in the service unit. The directory is created with
    mode 0700 if missing.
    """
    if path is not None:
        chosen = Path(path)
    elif os.environ.get(ENV_VAR):
        chosen = Path(os.environ[ENV_VAR])
    else:
        xdg = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
        chosen = Path(xdg) / "cccd-kiosk"
    chosen.mkdir(mode=0o700, parents=True, exist_ok=True)
    return chosen
