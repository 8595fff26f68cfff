"""The shipped workflow kinds, one module each (named by ``config/kinds/*.toml``).

The official formats some kinds produce need heavy libraries (fhir.resources' models, fpdf2 and its fonts): the
kinds import them when first used, so that the kiosk starts within its systemd budget; ``preload`` imports them in
the background once the kiosk is up, so that the first visit does not wait for them either.
"""

from __future__ import annotations

import importlib
import logging
import threading

log = logging.getLogger(__name__)

HEAVY_MODULES = ("kiosk.clinic.fhir", "kiosk.forms.ct01_pdf")


def preload() -> threading.Thread:
    """Import the kinds' heavy modules on a background thread (returned, already started)."""

    def work() -> None:
        for name in HEAVY_MODULES:
            try:
                importlib.import_module(name)
            except ImportError as exc:  # the visit that needs it reports it; the kiosk keeps running
                log.warning("preloading %s failed: %s", name, type(exc).__name__)

    thread = threading.Thread(target=work, name="preload", daemon=True)
    thread.start()
    return thread
