"""Fleet-health fixtures: a real intake on SQLite and on the throwaway PostgreSQL cluster, enrolled kiosk state
directories, a clock that can be set, and lodging forms made from the synthetic sample citizens."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from intake.devserver import IntakeServer, postgres_url, reset_database
from kiosk.device_key import DeviceKey, load_or_create_device_key
from kiosk.enrolment import enrol, save_enrolment
from kiosk.samples import sample_identity
from kiosk.workflows.fill import FilledForm
from kiosk.workflows.plugin import WorkflowContext
from kiosk.workflows.registry import default_registry
from kiosk.workflows.service import fill_workflow
from kiosk.workflows.submission import build_submission
from kiosk.workflows.submit import envelope, start_visit


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def intake(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[IntakeServer]:
    db_url = ""
    if request.param == "postgresql":
        db_url = postgres_url()
        reset_database(db_url)
    stale_minutes = getattr(request.module, "STALE_MINUTES", 10.0)
    with IntakeServer(tmp_path_factory.mktemp("intake"), db_url=db_url, stale_minutes=stale_minutes) as server:
        yield server


def enrolled(directory: Path, intake: IntakeServer) -> DeviceKey:
    """A kiosk state directory enrolled with ``intake``; its device key."""
    directory.mkdir(parents=True, exist_ok=True)
    key = load_or_create_device_key(directory)
    save_enrolment(directory, enrol(intake.url, intake.token(), key))
    return key


class SetClock:
    """``kiosk.clock.Clock`` at a chosen time (sleeping does not advance it)."""

    def __init__(self, moment: datetime) -> None:
        self.now = moment.timestamp()

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float, stop: threading.Event | None = None) -> bool:
        return stop.wait(seconds) if stop is not None else False


def lodging_form(n: int, arrival: datetime, **typed: str) -> FilledForm:
    """Sample citizen ``n`` checking in at ``arrival`` (Vietnam time, minutes)."""
    stay = {
        "room": "203",
        "arrival": arrival.strftime("%Y-%m-%dT%H:%M"),
        "expected_departure": arrival.replace(year=arrival.year + 1).strftime("%Y-%m-%dT%H:%M"),
        "reason": "1",
        "phone": "0912345678",
        **typed,
    }
    form = fill_workflow(default_registry(), "lodging", sample_identity(n), stay)
    assert form.complete, (form.missing, form.errors)
    return form


def lodging_submission(n: int, arrival: datetime, **typed: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """``(kind, data, evidence)`` as the kiosk queues a lodging guest, with the intake envelope's arrival."""
    form = lodging_form(n, arrival, **typed)
    registry = default_registry()
    visit = start_visit(registry, form, arrival)
    submission = build_submission(form, {**envelope(form), **registry.plugin("lodging").submission_extra(
        visit, WorkflowContext())})
    return submission.kind, submission.data, submission.evidence
