"""What the kiosk says aloud, in Vietnamese: one catalogue of prompts for every step and every error a person can
meet, and the choice of the prompt for what the screen shows now.

The texts are the screen's own (``kiosk.i18n`` and the typed errors' Vietnamese messages), so that what is heard
matches what is read. No prompt ever contains personal data: prompts are fixed texts chosen by id, never built from
the card's or the person's values.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk import chip_scan
from kiosk.clinic.next_step import spoken_steps
from kiosk.i18n import tr
from kiosk.text import nfc

# Errors raised by the scanner that have no factory of their own.
CAMERA_FAILED = "Camera không hoạt động. Vui lòng đặt thẻ lên đầu đọc chip."


def _say(*keys: str) -> str:
    return nfc(" ".join(tr(key, "vi").rstrip(".…:") + "." for key in keys))


def catalogue() -> dict[str, str]:
    """Every prompt, by id: the steps, the chip's progress, the errors."""
    prompts = {
        "home": _say("home.choose"),
        "staff.called": _say("staff.called"),
        "staff.failed": _say("staff.failed"),
        "scan": _say("scan.hint", "scan.or_chip"),
        "scan.chip.reading": _say("scan.chip.reading"),
        "scan.chip.done": _say("scan.chip.done"),
        "scan.key_pad": _say("scan.key_prompt"),
        "mrz": _say("mrz.title"),
        "review": _say("review.title", "speech.review"),
        "review.error": _say("speech.review_error"),
        "check.running": _say("check.running"),
        "check.other": _say("check.title"),
        "consent": _say("consent.title", "speech.consent"),
        "done.sent": _say("done.sent", "speech.done"),
        "done.saved": _say("done.saved", "speech.done"),
        "done.printed": _say("done.printed"),
        "error.printer": _say("error.printer"),
        "error.generic": _say("error.generic"),
        "camera-failed": nfc(CAMERA_FAILED),
    }
    for factory in (chip_scan.wrong_key, chip_scan.card_removed, chip_scan.unstable, chip_scan.no_reader,
                    chip_scan.unsupported):
        error = factory()
        prompts[str(error.code)] = nfc(error.message_vi)
    # The card check's next steps (the clinic): each result's title and what to do, as on the check screen.
    prompts.update({f"check.{key}": nfc(text) for key, text in spoken_steps().items()})
    return prompts


@dataclass(frozen=True)
class ScreenState:
    """What decides the prompt: the step, the scan's status and error, the form's errors, the printing."""

    step: str
    status_key: str = "scan.hint"
    error_code: str | None = None
    form_has_errors: bool = False
    delivered: bool = False
    print_key: str | None = None  # "done.printed" or "error.printer" once printing finished
    panel: str | None = None  # "key_pad" or "mrz" when one replaces the scan or the form
    checking: bool = False  # the checks before consent are running
    check: str | None = None  # the first check's ``kiosk.clinic.next_step.speech_key`` once it answered
    staff_call: str = "idle"  # ``kiosk.staff_call.StaffCall.status``


# Heard even with spoken guidance switched off: a call for staff must reach the room.
ALWAYS_HEARD = frozenset({"staff.called"})


def prompt_for(state: ScreenState) -> str | None:
    """The id of the prompt for what the screen shows (``None``: nothing to say)."""
    if state.step == "home":
        return {"calling": "staff.called", "called": "staff.called", "failed": "staff.failed"}.get(
            state.staff_call, "home")
    if state.step in ("scan", "review"):
        if state.panel == "mrz":
            return "mrz"
        if state.error_code is not None:
            return state.error_code if state.error_code in _ERROR_IDS else "error.generic"
        if state.panel == "key_pad":
            return "scan.key_pad"
        if state.step == "scan":
            return state.status_key if state.status_key in ("scan.chip.reading", "scan.chip.done") else "scan"
        return "review.error" if state.form_has_errors else "review"
    if state.step == "check":
        if state.checking:
            return "check.running"
        prompt = f"check.{state.check}"
        return prompt if prompt in _CHECK_IDS else "check.other"
    if state.step == "consent":
        return "consent"
    if state.step == "done":
        if state.print_key is not None:
            return state.print_key
        return "done.sent" if state.delivered else "done.saved"
    return None


_ERROR_IDS = frozenset(k for k in catalogue() if "-" in k)
_CHECK_IDS = frozenset(k for k in catalogue() if k.startswith("check."))
