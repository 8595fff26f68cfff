"""The operator page's charts: the lodging backlog kept per kiosk and day from real heartbeats in a real database,
the on-time rate per day from signed notifications, both drawn as inline SVG (no script, nothing fetched) and
rendered by headless Chromium, whose screenshot must show them. Production settings (stale after 10 minutes).

The screenshot goes to ``build/operator-web/operator-charts.png`` (or ``$KIOSK_FLEET_ARTIFACTS``)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
from PIL import Image

from intake.db import Store
from intake.fleet import backlog_by_establishment, kiosk_views, lodging_compliance, on_time_by_day, recent_days
from intake.migrations import prepare_schema
from intake.operator_page import ERROR_LABELS, NO_CONTACT, render
from kiosk.heartbeat import Health, build_heartbeat
from tests.fleet.test_fleet_view import lodging_row, status
from tests.fleet.test_operator_web import artifacts, chromium

NOW = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # 20:00 in Vietnam
TODAY = date(2026, 11, 23)
DAYS = recent_days(TODAY, 7)
GREEN, BLUE = (0x2E, 0x7D, 0x32), (0x0B, 0x5C, 0xAD)
A1, A2, B1 = "kiosk-a1-" + "x" * 30, "kiosk-a2-" + "z" * 30, "kiosk-lost-" + "y" * 30


def heartbeat(store: Store, kid: str, establishment: str, day: date, pending: int, overdue: int) -> None:
    moment = datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)  # 16:00 in Vietnam
    payload = build_heartbeat(kid, Health(profile="lodging", outbox={}, establishment=establishment,
                                          lodging={"pending": pending, "overdue": overdue}), moment)
    stamp = moment.isoformat().replace("+00:00", "Z")
    assert store.record_heartbeat(kid, stamp, payload, stamp)


def filled_store(tmp_path: Path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'intake.db'}")
    prepare_schema(store.engine)
    for n, day in enumerate(DAYS):
        heartbeat(store, A1, "CSLT-0001", day, pending=n % 4, overdue=1 if n in (2, 3) else 0)
        heartbeat(store, A2, "CSLT-0001", day, pending=1, overdue=0)
        if n >= 3:
            heartbeat(store, B1, "CSLT-0002", day, pending=6 - n, overdue=max(0, 4 - n))
    return store


def test_the_backlog_is_kept_per_kiosk_and_day_and_summed_per_establishment(tmp_path: Path) -> None:
    store = filled_store(tmp_path)
    try:
        rows = store.lodging_days(DAYS[0].isoformat())
    finally:
        store.engine.dispose()
    assert len(rows) == 7 + 7 + 4
    backlog = backlog_by_establishment(rows, DAYS)
    assert backlog["CSLT-0001"][2] == (DAYS[2], 2 + 1, 1)
    assert [d for d, _, _ in backlog["CSLT-0002"]] == DAYS[3:]  # days it did not report are left out
    assert backlog["CSLT-0002"][0] == (DAYS[3], 3, 1)


def notifications() -> list[dict[str, object]]:
    """Two days of notifications: on the last day three on time and one late; the day before one on time."""
    evening = NOW.replace(hour=15, minute=30)  # 22:30 in Vietnam: on time for a 21:00 arrival
    late = NOW.replace(hour=16, minute=30)  # 23:30: late
    return [*(lodging_row(A1, "2026-11-23T21:00", evening) for _ in range(3)),
            lodging_row(A2, "2026-11-23T21:00", late),
            lodging_row(A1, "2026-11-22T21:00", evening - timedelta(days=1))]


def test_the_on_time_rate_is_counted_per_day_of_receipt() -> None:
    statuses = [status(A1, 1, establishment="CSLT-0001", lodging={"pending": 0}),
                status(A2, 1, establishment="CSLT-0001", lodging={"pending": 0})]
    result = dict((d, (on, late)) for d, on, late in on_time_by_day(statuses, notifications(), DAYS))
    assert result[TODAY] == (3, 1) and result[TODAY - timedelta(days=1)] == (1, 0)
    assert result[DAYS[0]] == (0, 0) and len(result) == 7


def test_operator_page_charts_in_chromium(tmp_path: Path) -> None:
    store = filled_store(tmp_path)
    try:
        backlog = backlog_by_establishment(store.lodging_days(DAYS[0].isoformat()), DAYS)
    finally:
        store.engine.dispose()
    statuses = [status(A1, 1, establishment="CSLT-0001", reader="simulated", camera="simulated",
                       lodging={"pending": 3, "overdue": 0, "due_soon": 1}, errors=["chip-unstable"]),
                status(B1, 25, establishment="CSLT-0002", reader="ok", camera="ok")]
    page = render(kiosk_views(statuses, NOW, 10), lodging_compliance(statuses, notifications()), NOW, 10,
                  on_time=on_time_by_day(statuses, notifications(), DAYS), backlog=backlog)
    # What an operator reads: full ids, words for codes, nothing claimed "ok" for a kiosk out of contact.
    assert f"{A1}</code>" in page and f"{B1}</code>" in page
    assert ERROR_LABELS["chip-unstable"] in page and ">chip-unstable<" not in page
    lost = re.search(rf'<tr class="stale" data-kid="{B1}">(.*?)</tr>', page, re.S)
    assert lost and NO_CONTACT in lost.group(1) and "tốt / ok" not in lost.group(1)
    assert len(re.findall(r"<th>", page.split('id="compliance"')[0])) == 7  # the kiosks table: 7 columns
    assert page.count("<svg") == 3 and "<script" not in page and "http://" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    assert "0.05" not in page and "quá 10 phút" in page

    html = tmp_path / "operator.html"
    html.write_text(page, encoding="utf-8")
    shot = artifacts("operator-charts.png")
    shot.unlink(missing_ok=True)
    chromium(tmp_path / "chromium", f"--screenshot={shot}", "--window-size=1280,1300", html.as_uri())
    pixels = np.asarray(Image.open(shot).convert("RGB"))
    green = int(np.all(pixels == GREEN, axis=-1).sum())
    blue = int(np.all(pixels == BLUE, axis=-1).sum())
    assert green > 2000, "the on-time bars are not visible in the screenshot"
    assert blue > 200, "the pending lines are not visible in the screenshot"
