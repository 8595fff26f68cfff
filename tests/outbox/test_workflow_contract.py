"""The contract with the workflows: what ``kiosk.workflows`` submits is saved, delivered and accepted by the intake."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from intake.devserver import IntakeServer
from kiosk.identity import Identity
from kiosk.outbox import open_outbox
from kiosk.sender import RetryPolicy, Sender
from kiosk.workflows.plugin import WorkflowContext
from kiosk.workflows.registry import Registry
from kiosk.workflows.service import fill_workflow
from kiosk.workflows.submit import start_visit, submit

PERSON = Identity(
    id_number="001090123456", full_name="Nguyễn Thị Hồng Nhung", date_of_birth=date(1990, 1, 1), sex="F",
    nationality="Việt Nam", ethnicity="Kinh", residence="Số 12 phố Hàng Bạc, Phường Hàng Bạc, Hà Nội",
    issue_date=date(2021, 4, 15), card_type="cccd-2021", source="qr",
)
TYPED = {
    "one-stop": {"relation_to_head": "chu-ho", "request": "Tạm vắng", "phone": "0912345678"},
    "clinic": {"visit_reason": "Tái khám"},
    "lodging": {"room": "12", "arrival": datetime.now().strftime("%Y-%m-%dT%H:%M"), "expected_departure": "2030-01-01",
                "reason": "1"},
}


@pytest.mark.parametrize("kind", sorted(TYPED))
def test_workflow_submissions_reach_the_intake(kind: str, kiosk_dir: Path, intake: IntakeServer) -> None:
    registry = Registry()
    form = fill_workflow(registry, kind, PERSON, TYPED[kind])
    outbox = open_outbox(kiosk_dir)
    receipt = submit(registry, start_visit(registry, form), outbox, WorkflowContext()).receipt
    report = Sender(outbox, intake.url, policy=RetryPolicy(startup_jitter=0)).run(timeout=30)
    assert report["queue"] == {"pending": 0, "quarantined": 0, "acked": 1}, outbox.items()
    store = intake.store()
    [row] = [r for r in store.submissions(kind=kind) if r["device"] == outbox.device]
    store.dispose()
    assert receipt["sid"] == row["sid"]  # the receipt printed for the person names what the intake stored
