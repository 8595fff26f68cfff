"""Files that hold personal data (exports, printed forms) are written readable by their owner only (0600),
whatever the umask, and a file that existed before with wider permissions is narrowed before it is written."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

PRIVATE_MODE = 0o600


def open_private(path: str | Path, mode: str = "w") -> IO[str]:
    """Open ``path`` for writing text (``w``) as a 0600 file, truncating it; UTF-8."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_MODE)
    os.fchmod(fd, PRIVATE_MODE)
    return os.fdopen(fd, mode, encoding="utf-8")


def write_private(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` as a 0600 file (created or truncated)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_MODE)
    try:
        os.fchmod(fd, PRIVATE_MODE)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)
