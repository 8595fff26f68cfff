"""Spoken guidance: espeak-ng's Vietnamese voice, synthesised and played off the UI thread.

``Speaker.say(prompt_id, text)`` never blocks: one worker thread synthesises the text to a WAV file with
``espeak-ng`` and plays it with ``aplay``; a newer prompt replaces one still waiting and cuts the one playing short
(the newest prompt wins). The speaker can be switched off and its volume set; both are kept in a small JSON file
(the kiosk's state directory) so that they survive a restart.

Only prompt ids are logged, never the text spoken.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

from wire.errors import CodedError

log = logging.getLogger(__name__)

VOICE = "vi"  # espeak-ng's Vietnamese (northern) voice
RATE = 140  # words per minute: a little slower than espeak-ng's default (175), for elderly listeners
DEFAULT_VOLUME = 70  # percent
PLAYER = ("aplay", "-q")
SETTINGS_FILE = "speech.json"


class SpeechError(CodedError, RuntimeError):
    """The voice could not be synthesised (espeak-ng missing or failing)."""

    code = "speech-error"


def amplitude(volume: int) -> int:
    """espeak-ng's amplitude (0–200, 100 is its normal level) for a volume in percent (100 % → 160)."""
    return round(max(0, min(100, volume)) * 1.6)


def synthesise(text: str, path: Path, *, volume: int = DEFAULT_VOLUME, voice: str = VOICE,
               rate: int = RATE) -> Path:
    """Write ``text`` spoken by espeak-ng to the WAV file ``path``."""
    binary = shutil.which("espeak-ng")
    if binary is None:
        raise SpeechError("espeak-ng is not installed (Debian package espeak-ng)")
    try:
        subprocess.run([binary, "-v", voice, "-s", str(rate), "-a", str(amplitude(volume)), "-w", str(path),
                        "--", text], check=True, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        raise SpeechError(f"espeak-ng failed: {type(exc).__name__}") from exc
    return path


class Speaker:
    """Speaks prompts one at a time on a worker thread; the newest prompt wins.

    ``player``: the command that plays a WAV file (``aplay -q`` by default); ``None`` only synthesises (tests,
    kiosks without a sound card). ``settings``: where ``enabled`` and ``volume`` are kept."""

    def __init__(self, *, enabled: bool = True, volume: int = DEFAULT_VOLUME,
                 player: Sequence[str] | None = PLAYER, settings: Path | None = None) -> None:
        self.player = tuple(player) if player is not None else None
        self.settings = settings
        self.enabled, self.volume = enabled, volume
        if settings is not None and settings.exists():
            self._load(settings)
        self.spoken: list[str] = []  # prompt ids, in order (what was said, for tests and the operator)
        self._pending: tuple[str, str] | None = None
        self._playing: subprocess.Popen[bytes] | None = None
        self._lock = threading.Condition()
        self._closed = False
        self._busy = False
        self._warned = False
        self._dir = Path(tempfile.mkdtemp(prefix="kiosk-speech-"))
        self._thread = threading.Thread(target=self._run, name="speech", daemon=True)
        self._thread.start()

    # -- settings ------------------------------------------------------------------------------------------------
    def _load(self, path: Path) -> None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            self.enabled = bool(data.get("enabled", self.enabled))
            self.volume = max(0, min(100, int(data.get("volume", self.volume))))
        except (OSError, ValueError, TypeError):
            log.warning("speech settings in %s are unreadable; using the defaults", path)

    def configure(self, *, enabled: bool | None = None, volume: int | None = None) -> None:
        """Switch on or off, set the volume (percent); kept for the next start. Switching off stops at once."""
        if enabled is not None:
            self.enabled = enabled
        if volume is not None:
            self.volume = max(0, min(100, volume))
        if not self.enabled:
            self.silence()
        if self.settings is not None:
            tmp = self.settings.with_suffix(".tmp")
            tmp.write_text(json.dumps({"enabled": self.enabled, "volume": self.volume}), encoding="utf-8")
            os.replace(tmp, self.settings)

    # -- speaking ------------------------------------------------------------------------------------------------
    def say(self, prompt_id: str, text: str, *, always: bool = False) -> None:
        """Speak ``text`` soon; returns at once. Replaces a prompt still waiting, interrupts one playing.
        ``always``: even with spoken guidance switched off (a call for staff)."""
        if not (self.enabled or always) or self._closed or not text:
            return
        with self._lock:
            self._pending = (prompt_id, text)
            self._lock.notify()

    def silence(self) -> None:
        """Drop what waits and stop what plays."""
        with self._lock:
            self._pending = None
            playing = self._playing
        if playing is not None and playing.poll() is None:
            playing.terminate()

    def idle(self) -> bool:
        """Nothing waiting and nothing playing."""
        with self._lock:
            return self._pending is None and (self._playing is None or self._playing.poll() is not None) and \
                not self._busy

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._lock.notify()
        self.silence()
        self._thread.join(timeout=2)
        shutil.rmtree(self._dir, ignore_errors=True)

    def _run(self) -> None:
        while True:
            with self._lock:
                while self._pending is None and not self._closed:
                    self._lock.wait()
                if self._closed:
                    return
                prompt_id, text = self._pending  # type: ignore[misc]
                self._pending = None
                self._busy = True
            try:
                self._speak(prompt_id, text)
            except Exception:  # the worker must outlive any failure; the UI never waits on it
                log.exception("speech prompt %s failed", prompt_id)
            finally:
                with self._lock:
                    self._busy = False

    def _speak(self, prompt_id: str, text: str) -> None:
        wav = self._dir / "prompt.wav"
        try:
            synthesise(text, wav, volume=self.volume)
        except SpeechError as exc:
            self._warn(str(exc))
            return
        self.spoken.append(prompt_id)
        log.info("speech prompt %s", prompt_id)
        if self.player is None:
            return
        try:
            process = subprocess.Popen([*self.player, str(wav)], stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
        except OSError as exc:
            self._warn(f"cannot play speech with {self.player[0]}: {exc.strerror}")
            return
        with self._lock:
            self._playing = process
        while process.poll() is None:
            with self._lock:
                newer = self._pending is not None or self._closed
                if not newer:
                    self._lock.wait(timeout=0.05)
                    newer = self._pending is not None or self._closed
            if newer:
                process.terminate()
                break
        process.wait(timeout=5)
        with self._lock:
            self._playing = None

    def _warn(self, message: str) -> None:
        if not self._warned:
            log.warning("spoken guidance unavailable: %s", message)
            self._warned = True
