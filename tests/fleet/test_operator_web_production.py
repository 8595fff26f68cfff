"""The operator page as an operator sees it with the intake's production settings (a kiosk is stale after 10 minutes
without a heartbeat): rendered by headless Chromium for ``docs/screens/operator-web.png``.

The same three kiosks as ``test_operator_web``, each as it would be in service: A a running lodging kiosk with its
sender and heartbeat threads, B enrolled but never heard from (stale at once, whatever the setting), C a clinic
kiosk whose card reader is unplugged (a warning). Nothing in the page mentions a test setting."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

from intake.devserver import IntakeServer
from kiosk.lodging.guest import guest_from_form
from tests.fleet.conftest import enrolled, lodging_form, lodging_submission
from tests.fleet.test_operator_web import (
    lodging_and_clinic_kiosks,
    on_time_arrival,
    render_page,
    row,
    wait_for,
)


def test_the_operator_page_with_production_settings(tmp_path: Path, intake: IntakeServer) -> None:
    assert intake.settings.stale_minutes == 10.0  # the intake's default, as deployed
    now = datetime.now(UTC)
    key_a = enrolled(tmp_path / "a", intake)
    key_b = enrolled(tmp_path / "b", intake)
    key_c = enrolled(tmp_path / "c", intake)
    services, c, outbox_c = lodging_and_clinic_kiosks(tmp_path, intake, key_c)
    try:
        arrival = on_time_arrival(now)
        services.outbox.submit(*lodging_submission(1, arrival))
        services.register.add(guest_from_form(lodging_form(3, arrival)))  # not notified yet
        services.sender.wake()
        wait_for(lambda: services.outbox.counts()["acked"] == 1)
        wait_for(lambda: services.heartbeat.last is not None and services.heartbeat.last.ok)
        wait_for(lambda: c.last is not None and c.last.ok)
        dom, shot = render_page(tmp_path, intake, "operator-web-production")
    finally:
        c.stop()
        services.close()
        outbox_c.close()

    assert "quá 10 phút / Stale after 10 min" in re.sub(r"\s+", " ", dom) and "0.05" not in dom
    assert row(dom, key_b.kid)[0] == "stale" and row(dom, key_c.kid)[0] == "warning"
    assert row(dom, key_a.kid)[0] == "ok"
    assert Image.open(shot).size == (1280, 800)
