"""Fixtures: a real intake server on loopback (SQLite) and an enrolled kiosk state directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from intake.devserver import IntakeServer
from kiosk.device_key import load_or_create_device_key
from kiosk.enrolment import enrol, save_enrolment


@pytest.fixture(scope="module")
def intake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IntakeServer]:
    with IntakeServer(tmp_path_factory.mktemp("intake")) as server:
        yield server


@pytest.fixture
def kiosk_dir(tmp_path: Path, intake: IntakeServer) -> Path:
    directory = tmp_path / "kiosk"
    directory.mkdir()
    save_enrolment(directory, enrol(intake.url, intake.token(), load_or_create_device_key(directory)))
    return directory
