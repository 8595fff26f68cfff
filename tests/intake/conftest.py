"""Fixtures: a real intake server on loopback, on SQLite and on the throwaway PostgreSQL cluster."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from intake.devserver import IntakeServer, postgres_url, reset_database
from kiosk.device_key import DeviceKey, load_or_create_device_key
from kiosk.enrolment import Enrolment, enrol

MAX_BODY = 64 * 1024


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def intake(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[IntakeServer]:
    db_url = ""
    if request.param == "postgresql":
        db_url = postgres_url()
        reset_database(db_url)
    with IntakeServer(tmp_path_factory.mktemp("intake"), db_url=db_url, max_body=MAX_BODY, docs=True) as server:
        yield server


@pytest.fixture
def device(tmp_path: Path, intake: IntakeServer) -> tuple[DeviceKey, Enrolment]:
    key = load_or_create_device_key(tmp_path)
    return key, enrol(intake.url, intake.token(), key)
