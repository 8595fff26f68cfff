""""Gọi nhân viên / Call staff" (``kiosk.staff_call``): in the home screen's footer and in the title bar of every
step of a visit, so a person stuck at any step can ask for help without cancelling what they have done.

The button says what the call did until it can be asked again (Vietnamese first, English below): green "called"
with the time, red "go to the desk" when the site's command failed. Every copy shows the one call's state.
"""

from __future__ import annotations

from typing import Any

from kiosk.controller import KioskController
from screens.theme import Theme
from screens.widgets import BigButton, two_lines


class StaffButton(BigButton):
    """``idle`` is the button kind while no call is under way: primary on a light footer, secondary on the
    primary-coloured title bar."""

    def __init__(self, theme: Theme, controller: KioskController, *, idle: str = "primary", level: str = "body",
                 **kwargs: Any) -> None:
        super().__init__(theme, "", controller.call_staff, kind=idle, level=level, **kwargs)
        self.controller = controller
        self._idle = self._colors  # the kind's fill and ink

    def show(self) -> bool:
        """Redraw from the call's state; whether the button now says what the call did (not idle)."""
        c, t = self.controller, self._theme
        call = c.staff_call
        call.expire()
        at = call.called_at.strftime("%H:%M") if call.called_at is not None else ""
        key, fill, ink = {"called": ("staff.button.called", t.ok, t.on_primary),
                          "failed": ("staff.button.failed", t.danger, t.on_primary),
                          "calling": ("staff.calling", *self._idle)}.get(call.status, ("staff.call", *self._idle))
        self.text = two_lines(t, c.t(key, at=at), c.other(key, at=at))
        self.set_fill(fill)
        self.color = self.disabled_color = ink
        return call.status != "idle"
