"""The clinic relay client as the site configures it: the one seam between the kiosk and the BHXH card check.

``clinic_relay(site.clinic, default_url)`` gives the ``CardCheckAdapter`` a clinic workflow plugin puts in its
context (``WorkflowContext.card_check``): HTTP to ``[clinic] relay_url`` (else the profile's ``card_check_url``),
with the reception staff member of ``[clinic]`` named in every lookup (``hoTenCb``/``cccdCb``, CV 1923/BHXH-CNTT)
and the configured timeout. In ``--simulate`` and in tests the same client talks over real HTTP to the simulated
relay and gateway (``intake.sims.bhxh``). The kiosk holds no BHXH credentials: the relay adds them.
"""

from __future__ import annotations

from kiosk.clinic.insurance import HttpCardCheckAdapter
from kiosk.site_config import ClinicSettings

CONNECT_TIMEOUT = 3.0


def clinic_relay(settings: ClinicSettings, default_url: str = "") -> HttpCardCheckAdapter | None:
    """The relay client, or ``None`` when neither the site nor the profile names a relay (no check is made)."""
    url = settings.relay_url or default_url
    if not url:
        return None
    timeout = (min(CONNECT_TIMEOUT, settings.timeout_seconds), settings.timeout_seconds)
    return HttpCardCheckAdapter(url, timeout=timeout, staff_name=settings.staff_name,
                                staff_id_number=settings.staff_id_number)
