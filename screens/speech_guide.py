"""Says aloud what each screen asks for: after every change it works out the prompt for what is shown
(``kiosk.speech_prompts``) and, when that prompt changed, hands it to the speaker, which speaks it on its own thread.
Nothing here waits for the voice."""

from __future__ import annotations

from typing import Any, Protocol

from drivers.speech import Speaker
from kiosk.clinic.next_step import speech_key
from kiosk.controller import KioskController
from kiosk.speech_prompts import ALWAYS_HEARD, ScreenState, catalogue, prompt_for


class GuidedApp(Protocol):
    """What the guide reads of the application (``screens.app.KioskApp``): the controller and the screens shown."""

    controller: KioskController
    screens: dict[str, Any]
    sm: Any


class SpeechGuide:
    def __init__(self, app: GuidedApp, speaker: Speaker) -> None:
        self.app, self.speaker = app, speaker
        self.prompts = catalogue()
        self.last: str | None = None

    def state(self) -> ScreenState:
        c = self.app.controller
        step = c.step.value
        screen: Any = self.app.screens.get(step)
        panel = None
        if screen is not None and getattr(screen, "mrz_open", False):
            panel = "mrz"
        elif step == "scan" and screen is not None and getattr(screen.key_area, "opacity", 0) == 1:
            panel = "key_pad"
        print_key = None
        if c.done.print_result:
            print_key = "done.printed" if c.done.print_result == c.t("done.printed") else "error.printer"
        has_errors = step == "review" and any(r.error for r in c.review.rows())
        scan = c.scan
        checking, check = False, None
        if step == "check":
            checking = c.consent.checking
            notices = [] if checking else c.consent.notices()
            check = speech_key(notices[0].code, notices[0].title_vi) if notices else None
        return ScreenState(step=step, status_key=scan.status_key,
                           error_code=scan.error.code if scan.error is not None else None,
                           form_has_errors=has_errors, delivered=c.done.delivered() if step == "done" else False,
                           print_key=print_key, panel=panel, checking=checking, check=check,
                           staff_call=c.staff_call.status)

    def update(self) -> None:
        """Called after every change: speak when the prompt for what is shown is a new one."""
        if self.app.sm is not None and self.app.sm.current == "operator":
            return
        prompt = prompt_for(self.state())
        if prompt is None or prompt == self.last:
            return
        self.last = prompt
        self.speaker.say(prompt, self.prompts[prompt], always=prompt in ALWAYS_HEARD)
