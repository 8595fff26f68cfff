"""A temporary state directory for a simulated run, removed when the run ends: normally, on Ctrl-C or on SIGTERM.

A simulated kiosk keeps a device key, the embedded intake's private key and a database holding a (synthetic)
identity there; none of it may outlive the run.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

SIM_PREFIX = "cccd-kiosk-sim-"


def _exit_on_sigterm(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def scratch_state_dir(prefix: str = SIM_PREFIX) -> Iterator[Path]:
    """A new 0700 directory, removed with everything in it when the block ends, however it ends. In the main
    thread SIGTERM ends the block as an exit would (exit status 143), so that the directory goes too."""
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        yield directory
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        shutil.rmtree(directory, ignore_errors=True)
