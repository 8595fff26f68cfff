"""Every prompt of the catalogue is spoken by espeak-ng's Vietnamese voice: each one synthesised to a WAV file and
measured with sox, which must find sound (not silence) of a plausible length. The speaker never blocks its caller,
the newest prompt wins, and the settings survive a restart."""

from __future__ import annotations

import re
import subprocess
import threading
import time
from pathlib import Path

import pytest

from drivers.speech import SETTINGS_FILE, Speaker, amplitude, synthesise
from kiosk import i18n
from kiosk.clinic.insurance import parse_response
from kiosk.clinic.next_step import KNOWN_CODES, next_step, speech_key
from kiosk.samples import sample_identity
from kiosk.speech_prompts import ScreenState, catalogue, prompt_for

MIN_RMS = 0.02  # speech at the default volume measures 0.08–0.15; silence is 0


def sox_stat(wav: Path) -> dict[str, float]:
    """``sox FILE -n stat``: length (s), maximum and RMS amplitude (0–1)."""
    out = subprocess.run(["sox", str(wav), "-n", "stat"], capture_output=True, text=True, check=True).stderr
    values = dict(re.findall(r"^(.+?):\s+(-?[\d.]+)\s*$", out, flags=re.M))
    return {"length": float(values["Length (seconds)"]), "max": float(values["Maximum amplitude"]),
            "rms": float(values["RMS     amplitude"])}


@pytest.mark.parametrize("prompt_id", sorted(catalogue()))
def test_each_prompt_has_audible_speech(prompt_id: str, tmp_path: Path) -> None:
    text = catalogue()[prompt_id]
    wav = synthesise(text, tmp_path / f"{prompt_id}.wav")
    stat = sox_stat(wav)
    words = len(text.split())
    assert stat["rms"] > MIN_RMS and stat["max"] > 0.2, (prompt_id, stat)
    assert 0.15 * words < stat["length"] < 1.5 * words + 2, (prompt_id, words, stat)


def test_silence_is_recognised_as_silence(tmp_path: Path) -> None:
    """The measure above can fail: a silent file of the same format measures 0."""
    silent = tmp_path / "silent.wav"
    subprocess.run(["sox", "-n", "-r", "22050", "-c", "1", "-b", "16", str(silent), "trim", "0", "1.0"], check=True)
    assert sox_stat(silent)["rms"] < MIN_RMS


def test_volume_changes_the_loudness(tmp_path: Path) -> None:
    text = catalogue()["home"]
    quiet = sox_stat(synthesise(text, tmp_path / "quiet.wav", volume=20))["rms"]
    loud = sox_stat(synthesise(text, tmp_path / "loud.wav", volume=90))["rms"]
    assert loud > 2 * quiet
    assert amplitude(0) == 0 and amplitude(100) == 160 and amplitude(150) == 160


def test_prompts_never_hold_personal_data() -> None:
    """Fixed texts only: none of a sample card's values appears in any prompt."""
    values = [v for n in range(1, 30) for v in sample_identity(n).personal_values()
              if len(v) > 6]  # names, numbers, addresses, dates (not one-word values such as "Không")
    assert [(k, v) for k, text in catalogue().items() for v in values if v in text] == []


def test_every_step_and_scan_error_has_a_prompt() -> None:
    prompts = catalogue()
    for state, expected in [
        (ScreenState("home"), "home"),
        (ScreenState("scan"), "scan"),
        (ScreenState("scan", status_key="scan.chip.reading"), "scan.chip.reading"),
        (ScreenState("scan", error_code="chip-wrong-key"), "chip-wrong-key"),
        (ScreenState("scan", error_code="chip-unstable"), "chip-unstable"),
        (ScreenState("scan", error_code="camera-failed"), "camera-failed"),
        (ScreenState("scan", error_code="qr-something-new"), "error.generic"),
        (ScreenState("scan", panel="key_pad"), "scan.key_pad"),
        (ScreenState("review", panel="mrz"), "mrz"),
        (ScreenState("review"), "review"),
        (ScreenState("review", form_has_errors=True), "review.error"),
        (ScreenState("check", checking=True), "check.running"),
        (ScreenState("check", check="000"), "check.000"),
        (ScreenState("check", check="060"), "check.060"),
        (ScreenState("check", check="offline"), "check.offline"),
        (ScreenState("check", check="explain"), "check.explain"),
        (ScreenState("check", check="unknown"), "check.unknown"),
        (ScreenState("check"), "check.other"),
        (ScreenState("consent"), "consent"),
        (ScreenState("done", delivered=True), "done.sent"),
        (ScreenState("done"), "done.saved"),
        (ScreenState("done", delivered=True, print_key="error.printer"), "error.printer"),
    ]:
        assert prompt_for(state) == expected and expected in prompts
    assert prompts["chip-wrong-key"].startswith("Không mở được chip")
    assert prompts["review"].startswith(i18n.tr("review.title"))


def test_every_card_check_next_step_is_spoken_as_shown() -> None:
    """Each BHXH result code, the offline relay and a card registered elsewhere: the prompt says the screen's
    title and next step (without the other facility's code: fixed texts only)."""
    prompts = catalogue()
    relay_codes = {"maKetQua": "", "maThe": "DN4010123456789"}
    for code in KNOWN_CODES:
        step = next_step(parse_response({**relay_codes, "maKetQua": code}), facility_code="")
        key = speech_key(step.code or "offline", step.title_vi)
        assert prompts[f"check.{key}"] == f"{step.title_vi}. {step.text_vi}", code
    offline = next_step(None)
    assert prompts["check.offline"] == f"{offline.title_vi}. {offline.text_vi}"
    elsewhere = next_step(parse_response({**relay_codes, "maKetQua": "000", "maDKBD": "79024"}), facility_code="01001")
    assert speech_key(elsewhere.notice()["code"], elsewhere.title_vi) == "explain"
    assert prompts["check.explain"].startswith(elsewhere.title_vi) and "79024" not in prompts["check.explain"]
    unknown = next_step(parse_response({**relay_codes, "maKetQua": "999"}))
    assert speech_key("999", unknown.title_vi) == "unknown" and "999" not in prompts["check.unknown"]


def test_speaker_never_blocks_and_the_newest_prompt_wins(tmp_path: Path) -> None:
    """A player that takes 2 s per prompt: saying three prompts returns at once; the one playing is cut short and
    the middle one is never spoken."""
    player = tmp_path / "slow-player.sh"
    player.write_text("#!/bin/sh\nsleep 2\n")
    player.chmod(0o755)
    speaker = Speaker(player=[str(player)])
    try:
        start = time.monotonic()
        speaker.say("home", catalogue()["home"])
        deadline = time.monotonic() + 10
        while speaker.spoken != ["home"] and time.monotonic() < deadline:
            time.sleep(0.02)
        said = time.monotonic()
        speaker.say("scan", catalogue()["scan"])
        speaker.say("review", catalogue()["review"])
        assert time.monotonic() - said < 0.05  # while "home" is playing
        while not speaker.idle() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert speaker.spoken == ["home", "review"]
        assert time.monotonic() - start < 6  # the first one was interrupted, not played to its end
    finally:
        speaker.close()
    assert [t.name for t in threading.enumerate() if t.name == "speech"] == []


def test_switched_off_it_says_nothing_and_the_settings_are_kept(tmp_path: Path) -> None:
    settings = tmp_path / SETTINGS_FILE
    speaker = Speaker(player=None, settings=settings)
    speaker.configure(enabled=False, volume=40)
    speaker.say("home", catalogue()["home"])
    time.sleep(0.3)
    assert speaker.spoken == [] and speaker.idle()
    speaker.close()
    again = Speaker(player=None, settings=settings)
    try:
        assert not again.enabled and again.volume == 40
    finally:
        again.close()
    settings.write_text("{not json")
    broken = Speaker(player=None, settings=settings)  # unreadable settings: the defaults, never a crash
    try:
        assert broken.enabled and broken.volume == 70
    finally:
        broken.close()
