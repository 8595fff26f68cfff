"""End to end: three kiosks report to a real intake over real HTTP, one of them falls silent, and the operator page
rendered by headless Chromium shows it highlighted as stale while the others are not; lodging compliance counts the
notifications received on time and late and the guests pending.

- kiosk A (lodging, establishment ``CSLT-0001``): the services of a running kiosk (``cli.devices.build_services``)
  with its outbox sender and heartbeat threads; it queues two lodging notifications (one on time, one late) and has
  a guest in its register not notified yet;
- kiosk B (one-stop): sends one heartbeat with a clock set 9 minutes back (inside the replay window), then nothing;
- kiosk C (clinic): a heartbeat thread reporting its card reader absent (a warning).

The intake runs with ``--stale-minutes 0.05`` (3 s), so B is stale a few seconds later. Screenshots are written to
``build/operator-web/`` (or ``$KIOSK_FLEET_ARTIFACTS``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from PIL import Image

from cli.devices import KioskServices, build_services
from intake.devserver import IntakeServer
from kiosk.device_key import DeviceKey
from kiosk.heartbeat import Collector, HeartbeatSender
from kiosk.lodging.guest import guest_from_form
from kiosk.outbox import Outbox, open_outbox
from kiosk.workflows.values import VN_TZ
from tests.fleet.conftest import SetClock, enrolled, lodging_form, lodging_submission

STALE_MINUTES = 0.05  # read by the intake fixture
ROOT = Path(__file__).resolve().parents[2]
STALE_RED = (248, 208, 205)  # tr.stale td background in intake/operator_page.py


def artifacts(name: str) -> Path:
    base = Path(os.environ.get("KIOSK_FLEET_ARTIFACTS", ROOT / "build" / "operator-web"))
    base.mkdir(parents=True, exist_ok=True)
    return base / name


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("chromium")
    assert binary, "chromium is installed by deploy/dev/apt-packages.txt"
    command = [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=90, check=True)


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def row(dom: str, kid: str) -> tuple[str, str]:
    match = re.search(rf'<tr class="(\w+)" data-kid="{re.escape(kid)}">(.*?)</tr>', dom, re.S)
    assert match, f"no row for {kid[:12]}"
    return match.group(1), match.group(2)


def on_time_arrival(now: datetime) -> datetime:
    """An arrival whose deadline is hours away whenever the test runs (23:00, or 08:00 the next day)."""
    local = now.astimezone(VN_TZ).replace(second=0, microsecond=0)
    if local.hour == 22 and local.minute >= 50:
        return local.replace(hour=23, minute=0)
    return local


def render_page(tmp_path: Path, intake: IntakeServer, name: str) -> tuple[str, Path]:
    """The operator page as headless Chromium renders it: its DOM, and its 1280×800 screenshot
    ``<name>-<database>.png`` among the artifacts."""
    token = intake.operator_token()
    url = intake.url.replace("http://", f"http://operator:{token}@") + "/operator"
    dom = chromium(tmp_path / "chromium", "--dump-dom", url).stdout
    db = "postgresql" if intake.settings.db_url else "sqlite"
    shot = artifacts(f"{name}-{db}.png")
    shot.unlink(missing_ok=True)
    chromium(tmp_path / "chromium", f"--screenshot={shot}", "--window-size=1280,800", url)
    return dom, shot


def lodging_and_clinic_kiosks(directory: Path, intake: IntakeServer,
                              key_c: DeviceKey) -> tuple[KioskServices, HeartbeatSender, Outbox]:
    """Kiosk A, a running lodging kiosk of ``CSLT-0001`` (its sender and heartbeat threads), and kiosk C, a clinic
    kiosk whose card reader is unplugged (its heartbeat thread started): A's services, C's sender and outbox."""
    services = build_services(directory / "a", simulate=True, profile="lodging", intake_url=intake.url,
                              embedded_intake=False, heartbeat_seconds=0.5, establishment="CSLT-0001")
    outbox_c = open_outbox(directory / "c", for_submitting=False)
    c = HeartbeatSender(key_c, intake.url, Collector("clinic", outbox_c, device_states=lambda: ("absent", "ok")),
                        interval=0.5)
    c.start_thread()
    return services, c, outbox_c


def test_the_operator_page_highlights_the_stale_kiosk(tmp_path: Path, intake: IntakeServer) -> None:
    now = datetime.now(UTC)
    key_a = enrolled(tmp_path / "a", intake)
    key_b = enrolled(tmp_path / "b", intake)
    key_c = enrolled(tmp_path / "c", intake)

    # B: one heartbeat signed 9 minutes ago (accepted: inside the 10-minute window), then silence.
    outbox_b = open_outbox(tmp_path / "b", for_submitting=False)
    b = HeartbeatSender(key_b, intake.url, Collector("one-stop", outbox_b, device_states=lambda: ("ok", "ok")),
                        clock=SetClock(now - timedelta(minutes=9)))
    assert b.send_once().body["stored"] is True
    silent_since = time.monotonic()

    services, c, outbox_c = lodging_and_clinic_kiosks(tmp_path, intake, key_c)
    try:
        arrival = on_time_arrival(now)
        services.outbox.submit(*lodging_submission(1, arrival))
        services.outbox.submit(*lodging_submission(2, arrival - timedelta(days=2)))  # notified two days late
        services.register.add(guest_from_form(lodging_form(3, arrival)))  # not notified yet
        services.sender.wake()
        services.devices.report_error("chip-unstable")  # what the controller reports when a card moved
        wait_for(lambda: services.outbox.counts()["acked"] == 2)
        acked_at = time.monotonic()
        wait_for(lambda: services.heartbeat.last is not None and services.heartbeat.last.ok
                 and time.monotonic() - acked_at > 1.2)
        time.sleep(max(0.0, STALE_MINUTES * 60 + 0.5 - (time.monotonic() - silent_since)))

        started = time.monotonic()
        dom, shot = render_page(tmp_path, intake, "operator-web")
        dump_seconds = time.monotonic() - started
    finally:
        c.stop()
        services.close()
        outbox_b.close()
        outbox_c.close()

    assert "Tình trạng ki-ốt / Kiosk fleet" in dom, dom[:500]
    state_b, cells_b = row(dom, key_b.kid)
    assert state_b == "stale" and "Mất liên lạc / Stale" in cells_b and "không có tín hiệu / no heartbeat" in cells_b
    state_a, cells_a = row(dom, key_a.kid)
    assert state_a == "ok" and "Mất liên lạc" not in cells_a and "CSLT-0001" in cells_a, cells_a
    assert "0.2.0" in cells_a and "mô phỏng / simulated" in cells_a and "thẻ bị xê dịch khi đọc chip" in cells_a
    state_c, cells_c = row(dom, key_c.kid)
    assert state_c == "warning" and "Cần chú ý / Warning" in cells_c and "không thấy / absent" in cells_c
    assert dom.index(f'data-kid="{key_b.kid}"') < dom.index(f'data-kid="{key_c.kid}"') < dom.index(
        f'data-kid="{key_a.kid}"')  # stale first, then warnings
    compliance = re.search(r'<tr data-establishment="CSLT-0001">(.*?)</tr>', dom, re.S)
    assert compliance, "no compliance row for the lodging establishment"
    numbers = re.findall(r'<td class="num">(\d+)</td>', compliance.group(1))
    assert numbers == ["1", "1", "1", "1", "0"]  # kiosks, on time, late, pending, overdue
    assert dump_seconds < 30

    image = Image.open(shot).convert("RGB")
    assert image.size == (1280, 800)
    red = int(np.all(np.asarray(image) == STALE_RED, axis=-1).sum())
    assert red > 5000, "the stale row's red background is not visible in the screenshot"
