"""One presenter per step of a visit (scan, review, consent and submit, done, operator): each exposes exactly what
its screen shows and does, over the one ``Core`` a visit shares. ``kiosk.controller.KioskController`` is the thin
façade the application holds."""
