"""The real kiosk app in a real Kivy window on the Xvfb display, with the simulated devices and a real intake.

The display comes from ``deploy/dev/services.d/xvfb.sh start`` (idempotent; ``make test`` starts it too). Touches
go through Kivy's event loop (``screens.driver.AppDriver``); screenshots of every screen are written under
``build/ui-screens/<test>/`` (or ``$KIOSK_UI_ARTIFACTS``).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
XVFB = ROOT / "deploy" / "dev" / "services.d" / "xvfb.sh"


def _display() -> str:
    env_file = Path(os.environ.get("KIOSK_XVFB_ENV", "/tmp/cccd-kiosk-xvfb.env"))
    subprocess.run(["bash", str(XVFB), "start"], check=True, capture_output=True, timeout=30)
    match = re.search(r"DISPLAY=(\S+)", env_file.read_text())
    assert match, "xvfb.sh did not report its display"
    return match.group(1)


# The window must be configured before anything imports kivy.core.window.
os.environ["DISPLAY"] = _display()
os.environ.setdefault("KIVY_HOME", str(ROOT / "build" / "kivy-home"))

from screens.driver import AppDriver, configure_kivy  # noqa: E402

configure_kivy(width=1280, height=800, home=os.environ["KIVY_HOME"])

from cli.devices import KioskServices, build_services  # noqa: E402
from cli.run import build_controller  # noqa: E402
from drivers.speech import SETTINGS_FILE, Speaker  # noqa: E402
from intake.devserver import IntakeServer  # noqa: E402
from kiosk.controller import KioskController  # noqa: E402
from kiosk.device_key import load_or_create_device_key  # noqa: E402
from kiosk.enrolment import enrol, save_enrolment  # noqa: E402
from screens.app import KioskApp, post_to_ui  # noqa: E402

IDLE_SECONDS = 6.0


@pytest.fixture(scope="session")
def intake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IntakeServer]:
    with IntakeServer(tmp_path_factory.mktemp("intake")) as server:
        yield server


@dataclass
class RunningKiosk:
    app: KioskApp
    driver: AppDriver
    controller: KioskController
    services: KioskServices
    shots: Path

    def shot(self, name: str) -> Path:
        return self.driver.screenshot(self.shots / f"{name}.png")


@pytest.fixture
def kiosk(intake: IntakeServer, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    """``kiosk(profile)`` → a running kiosk app on the display, stopped after the test."""
    started: list[RunningKiosk] = []

    def start(profile: str, *, idle_seconds: float = IDLE_SECONDS) -> RunningKiosk:
        state = tmp_path / f"kiosk-{profile}"
        state.mkdir()
        save_enrolment(state, enrol(intake.url, intake.token(), load_or_create_device_key(state)))
        services = build_services(state, simulate=True, profile=profile, intake_url=intake.url)
        controller = build_controller(services, profile, post=post_to_ui, idle_seconds=idle_seconds,
                                      operator_pin="2468")
        app = KioskApp(controller, speaker=Speaker(enabled=False, player=None,
                                                   settings=state / SETTINGS_FILE))
        driver = AppDriver(app)
        driver.start()
        base = Path(os.environ.get("KIOSK_UI_ARTIFACTS", ROOT / "build" / "ui-screens"))
        running = RunningKiosk(app, driver, controller, services, base / request.node.name)
        started.append(running)
        return running

    yield start
    for running in started:
        running.driver.stop()
        running.services.close()
        if running.app.speaker is not None:
            running.app.speaker.close()
