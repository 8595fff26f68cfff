"""Workflow outputs: queue ticket allocation and printing, the BHYT card check round trip through the clinic relay,
and the lodging day export.

- Tickets: ``TicketDispenser.issue`` (SQLite, WAL, synchronous=FULL, one ``BEGIN IMMEDIATE`` per number) on the
  project's disk; the slip rendered to a 1-bit image; printed by the PNG printer twin and encoded as ESC/POS raster
  by python-escpos into a file (what a USB printer receives).
- Card check: the kiosk's relay client → the simulated clinic relay → the simulated BHXH gateway, both on loopback over
  real HTTP (uvicorn); side by side with the gateway asked directly (one hop) and the first check of a relay (login).
- Lodging export: a day of guests from the encrypted register to the XLSX (with the template's catalogue sheets) and
  the XML, and the whole export onto a (temporary) drive folder with fsync; the catalogue sheets alone for scale.

Run: ``.venv/bin/python bench/workflow_outputs.py [--tickets 300] [--checks 200] [--guests 40 300]``.
Writes bench/results/workflow_outputs.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from bench.common import machine, percentile, table  # noqa: E402
from drivers.printer import EscposPrinter  # noqa: E402
from drivers.sim.png_printer import PngPrinter  # noqa: E402
from intake.sims.bhxh import (  # noqa: E402
    CHECK_PATH,
    LOGIN_PATH,
    BhxhSim,
    ClinicAccount,
    md5,
    scenario_card,
    serve_relay,
)
from kiosk.clinic.insurance import CardCheckRequest  # noqa: E402
from kiosk.clinic.next_step import next_step  # noqa: E402
from kiosk.clinic.relay import clinic_relay  # noqa: E402
from kiosk.lodging.day_export import export_day  # noqa: E402
from kiosk.lodging.guest import Guest  # noqa: E402
from kiosk.lodging.register import GuestRegister  # noqa: E402
from kiosk.lodging.xlsx_export import export_xlsx, unit_sheets  # noqa: E402
from kiosk.lodging.xml_export import export_xml  # noqa: E402
from kiosk.onestop.ticket_slip import print_ticket, ticket_image  # noqa: E402
from kiosk.site_config import ClinicSettings  # noqa: E402
from kiosk.workflows.registry import default_registry  # noqa: E402
from kiosk.workflows.tickets import TicketDispenser  # noqa: E402
from kiosk.workflows.values import VN_TZ  # noqa: E402

TODAY = date(2026, 11, 23)
CARD = "DN4010123456789"
NAME, BORN = "Nguyễn Thị Hồng Nhung", date(1990, 1, 1)
ACCOUNT = ClinicAccount("clinic01", "s3cret", "Nhân viên", "001080000009")


def timed(fn: Callable[[], Any], repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def row(name: str, ms: list[float]) -> list[str]:
    return [name, str(len(ms)), f"{percentile(ms, 50):.2f}", f"{percentile(ms, 99):.2f}", f"{max(ms):.2f}"]


def tickets(count: int, work: Path) -> list[list[str]]:
    registry = default_registry()
    profile, procedure = registry.profiles["one-stop"], registry.procedures["temporary-residence"]
    work.mkdir(parents=True, exist_ok=True)
    dispenser = TicketDispenser(work / "tickets.sqlite3")
    now = datetime.now(VN_TZ)
    issued: list[Any] = []
    issue = timed(lambda: issued.append(dispenser.issue(profile, "residence", now)), count)
    ticket = issued[-1]
    render = timed(lambda: ticket_image(ticket, issued_at=now, procedure=procedure), max(20, count // 10))
    png = PngPrinter(work / "printed")
    png_ms = timed(lambda: print_ticket(ticket, png, issued_at=now, procedure=procedure), max(20, count // 10))
    escpos = EscposPrinter(f"file:{work / 'escpos.bin'}")
    esc_ms = timed(lambda: print_ticket(ticket, escpos, issued_at=now, procedure=procedure), max(20, count // 10))
    total = [a + b for a, b in zip(issue, esc_ms * (len(issue) // len(esc_ms) + 1), strict=False)]
    return [row("issue a number (SQLite WAL, synchronous=FULL)", issue),
            row("render the slip (1-bit image)", render),
            row("render + print to the PNG printer twin", png_ms),
            row("render + ESC/POS raster to a file (python-escpos)", esc_ms),
            row("issue + ESC/POS print, together", total)]


def card_checks(count: int) -> list[list[str]]:
    sim = BhxhSim(accounts={ACCOUNT.username: md5(ACCOUNT.password)}, today=TODAY)
    card, _ = scenario_card("000", card_number=CARD, id_number="001090123456", full_name=NAME, date_of_birth=BORN,
                            sex="2", today=TODAY)
    assert card is not None
    sim.cards.append(card)
    settings = ClinicSettings(staff_name="Lê Thị Tiếp Đón", staff_id_number="001190000001", timeout_seconds=8)
    request = CardCheckRequest(CARD, NAME, BORN)
    with serve_relay(sim, ACCOUNT) as (egw, relay_url):
        relay = clinic_relay(settings, relay_url)
        assert relay is not None
        first = timed(lambda: next_step(relay.check(request), facility_code="01001"), 1)
        through_relay = timed(lambda: next_step(relay.check(request), facility_code="01001"), count)
        session = requests.Session()
        key = session.post(egw + LOGIN_PATH, json={"username": ACCOUNT.username,
                                                   "password": md5(ACCOUNT.password)}).json()["APIKey"]
        params = {"token": key["access_token"], "id_token": key["id_token"], "username": ACCOUNT.username,
                  "password": md5(ACCOUNT.password)}
        body = {**request.body(), "hoTenCb": "x", "cccdCb": "y"}
        direct = timed(lambda: session.post(egw + CHECK_PATH, params=params, json=body).json(), count)
    return [row("kiosk → relay → gateway, first check (relay logs in)", first),
            row("kiosk → relay → gateway (token cached)", through_relay),
            row("gateway asked directly (one hop, for scale)", direct)]


def guests(register: GuestRegister, count: int) -> None:
    start = datetime(2026, 11, 23, 7, tzinfo=VN_TZ)
    for i in range(count):
        foreign = i % 5 == 4  # one guest in five from abroad
        arrival = start + timedelta(minutes=(14 * 60 * i) // max(1, count))
        register.add(Guest(
            full_name="SØREN MÜLLER" if foreign else f"Nguyễn Văn Khách {i}", date_of_birth="1985-07-03",
            sex="M", document_type="4" if foreign else "1", document_number=f"{i:012d}", room=str(100 + i % 60),
            arrival=arrival.isoformat(), expected_departure=(arrival + timedelta(days=2)).isoformat(), reason="1",
            nationality="DEU" if foreign else "VNM", residence="Số 5 ngõ 12 Lý Thường Kiệt, Hà Nội"))


def day_rows(count: int, registry: Any, work: Path) -> list[list[str]]:
    register = GuestRegister(work / f"register-{count}")
    guests(register, count)
    entries = register.arrivals(TODAY)
    drive = work / "drive" / str(count)
    return [row(f"{count} guests: read and decrypt the day", timed(lambda: register.arrivals(TODAY), 5)),
            row(f"{count} guests: XLSX with catalogue sheets",
                timed(lambda: export_xlsx(entries, registry, day=TODAY), 5)),
            row(f"{count} guests: XML (foreigners)", timed(lambda: export_xml(entries), 5)),
            row(f"{count} guests: whole export to a drive folder (fsync)",
                timed(lambda: export_day(register, registry, TODAY, drive), 5))]


def exports(counts: list[int], work: Path) -> list[list[str]]:
    registry = default_registry()
    rows = [row("catalogue sheets alone (TINH_THANH + PHUONG_XA)", timed(lambda: unit_sheets(Workbook()), 5))]
    for count in counts:
        rows += day_rows(count, registry, work)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--checks", type=int, default=200)
    parser.add_argument("--guests", type=int, nargs="+", default=[40, 300])
    args = parser.parse_args()
    headers = ["operation", "n", "p50 ms", "p99 ms", "max ms"]
    with tempfile.TemporaryDirectory(dir=ROOT / "build" if (ROOT / "build").is_dir() else None) as tmp:
        work = Path(tmp)
        sections = [("Queue tickets", tickets(args.tickets, work / "tickets")),
                    ("BHYT card check over real HTTP (loopback)", card_checks(args.checks)),
                    ("Lodging day export", exports(args.guests, work))]
    command = " ".join(["python bench/workflow_outputs.py", *sys.argv[1:]])
    out = ["# Workflow outputs", "", f"Command: `{command}`  ", f"Machine: {machine()}. Times in ms.", ""]
    for title, rows in sections:
        out += [f"## {title}", "", table(headers, rows), ""]
    text = "\n".join(out)
    print(text)
    (ROOT / "bench" / "results" / "workflow_outputs.md").write_text(text)


if __name__ == "__main__":
    main()
