"""Says aloud what each screen asks for: after every change it works out the prompt for what is shown
(``kiosk.speech_prompts``) and, when that prompt changed, hands it to the speaker, which speaks it on its own thread.
Nothing here waits for the voice."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from drivers.speech import Speaker
from kiosk.speech_prompts import ScreenState, catalogue, prompt_for

if TYPE_CHECKING:
    from screens.app import KioskApp


class SpeechGuide:
    def __init__(self, app: KioskApp, speaker: Speaker) -> None:
        self.app, self.speaker = app, speaker
        self.prompts = catalogue()
        self.last: str | None = None

    def state(self) -> ScreenState:
        c = self.app.controller
        step = c.session.step.value
        screen: Any = self.app.screens.get(step)
        panel = None
        if screen is not None and getattr(screen, "mrz_open", False):
            panel = "mrz"
        elif step == "scan" and screen is not None and getattr(screen.key_area, "opacity", 0) == 1:
            panel = "key_pad"
        print_key = None
        if c.print_result:
            print_key = "done.printed" if c.print_result == c.t("done.printed") else "error.printer"
        has_errors = step == "review" and any(r.error for r in c.rows())
        return ScreenState(step=step, status_key=c.scan.status_key,
                           error_code=c.scan.error.code if c.scan.error is not None else None,
                           form_has_errors=has_errors, delivered=c.delivered() if step == "done" else False,
                           print_key=print_key, panel=panel)

    def update(self) -> None:
        """Called after every change: speak when the prompt for what is shown is a new one."""
        if self.app.sm is not None and self.app.sm.current == "operator":
            return
        prompt = prompt_for(self.state())
        if prompt is None or prompt == self.last:
            return
        self.last = prompt
        self.speaker.say(prompt, self.prompts[prompt])
