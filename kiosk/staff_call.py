""""Gọi nhân viên / Call staff": a person at the kiosk asks for help with one touch.

The call is always heard in the room: the screens hand the ``staff.call`` prompt to the speaker even when spoken
guidance is off (a guesthouse owner in the back office, a clerk at the next desk). A site can also ring a bell, send
a chat message or page someone with its own command: ``staff_call_command`` in the profile's ``[settings]`` (an argv
list, run off the UI thread with a timeout). The command receives the profile and the time in environment variables,
never anything about the person.

``StaffCall`` keeps the state the home screen shows: ``idle``, ``calling`` (the command runs), ``called`` (with the
time) or ``failed`` (the command failed: the person is asked to go to the counter). A second touch within
``REPEAT_SECONDS`` does not ring again; the state returns to ``idle`` after it and on each wipe.
"""

from __future__ import annotations

import logging
import os
import subprocess
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Literal

log = logging.getLogger(__name__)

REPEAT_SECONDS = 60.0
COMMAND_TIMEOUT = 10.0

Status = Literal["idle", "calling", "called", "failed"]
Runner = Callable[[Sequence[str], dict[str, str]], bool]


def run_command(argv: Sequence[str], env: dict[str, str]) -> bool:
    """Run the site's call command; ``True`` when it exits with 0 within ``COMMAND_TIMEOUT``."""
    try:
        done = subprocess.run(list(argv), env={**os.environ, **env}, timeout=COMMAND_TIMEOUT, check=False,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("staff call command %s failed: %s", argv[0], type(exc).__name__)
        return False
    if done.returncode != 0:
        log.warning("staff call command %s exited with %s", argv[0], done.returncode)
    return done.returncode == 0


def command_setting(settings: dict[str, object]) -> tuple[str, ...]:
    """``staff_call_command`` of a profile's settings: a list of strings, or nothing."""
    value = settings.get("staff_call_command", [])
    if not isinstance(value, list) or not all(isinstance(part, str) and part for part in value):
        log.warning("staff_call_command must be a list of strings; the call is only heard in the room")
        return ()
    return tuple(value)


class StaffCall:
    def __init__(self, *, profile_id: str, now: Callable[[], datetime], post: Callable[[Callable[[], None]], None],
                 on_change: Callable[[], None], command: Sequence[str] = (), runner: Runner = run_command) -> None:
        self.profile_id = profile_id
        self.command = tuple(command)
        self._now, self._post, self._on_change, self._runner = now, post, on_change, runner
        self.status: Status = "idle"
        self.called_at: datetime | None = None
        self.calls = 0  # how many times staff was actually called (rung), for the operator and tests

    def request(self) -> None:
        """The person touched "Call staff": ring (once per ``REPEAT_SECONDS``) and show that it was done."""
        self.expire()
        if self.status in ("calling", "called"):
            return
        self.status, self.called_at = "calling", self._now()
        self.calls += 1
        log.info("staff called (profile %s)", self.profile_id)
        if not self.command:
            self._finish(True)
            return
        env = {"KIOSK_STAFF_CALL_PROFILE": self.profile_id, "KIOSK_STAFF_CALL_AT": self.called_at.isoformat()}
        self._on_change()
        threading.Thread(target=lambda: self._post(lambda: self._finish(self._runner(self.command, env))),
                         name="staff-call", daemon=True).start()

    def _finish(self, ok: bool) -> None:
        if self.status != "calling":  # wiped meanwhile
            return
        self.status = "called" if ok else "failed"
        self._on_change()

    def expire(self) -> None:
        """Back to ``idle`` ``REPEAT_SECONDS`` after a call (a new touch rings again)."""
        if self.status in ("called", "failed") and self.called_at is not None and \
                self._now() - self.called_at >= timedelta(seconds=REPEAT_SECONDS):
            self.status, self.called_at = "idle", None

    def clear(self) -> None:
        """The wipe: nothing shown any more (a command still running finishes unseen)."""
        self.status, self.called_at = "idle", None

    def message_key(self) -> str | None:
        """The ``kiosk.i18n`` key of what the screen says about the call (``None`` when idle)."""
        return None if self.status == "idle" else f"staff.{self.status}"
