"""One-stop outputs: queue numbers allocated atomically by concurrent processes, the printed ticket slip, and the
CT01 PDF as an attachment with the official header date, signature markers (3)–(7) and footnotes."""

from __future__ import annotations

import multiprocessing
import unicodedata
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image
from pypdf import PdfReader

from drivers.sim.png_printer import PngPrinter
from kiosk.forms.ct01_pdf import HEADER_NOTE, NOTES, ct01_attachment, date_line
from kiosk.onestop.ticket_slip import print_ticket, ticket_image
from kiosk.receipt_image import PAPER_WIDTH
from kiosk.workflows.registry import Registry, default_registry
from kiosk.workflows.service import fill_workflow
from kiosk.workflows.tickets import TicketDispenser
from tests.workflows.conftest import chip_identity

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MORNING = datetime(2026, 11, 23, 8, 30, tzinfo=VN)


def _draw(path: str, count: int) -> list[int]:
    profile = default_registry().profiles["one-stop"]
    dispenser = TicketDispenser(Path(path))
    return [dispenser.issue(profile, "residence", MORNING).number for _ in range(count)]


def test_concurrent_processes_never_share_a_number(tmp_path: Path) -> None:
    db = str(tmp_path / "tickets.sqlite3")
    TicketDispenser(Path(db))  # create the table once
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        drawn = pool.starmap(_draw, [(db, 10)] * 4)
    numbers = sorted(n for batch in drawn for n in batch)
    assert numbers == list(range(1, 41))
    for batch in drawn:
        assert batch == sorted(batch)  # each process sees its own numbers rising


def test_ticket_slip_prints_on_the_printer_twin(tmp_path: Path, registry: Registry) -> None:
    profile = registry.profiles["one-stop"]
    ticket = TicketDispenser(tmp_path / "t.sqlite3").issue(profile, "residence", MORNING)
    procedure = registry.procedures["temporary-residence"]
    printer = PngPrinter(tmp_path / "printed")
    where = print_ticket(ticket, printer, issued_at=MORNING, procedure=procedure)
    assert Path(where).is_file() and printer.printed == [Path(where)]
    with Image.open(where) as image:
        assert image.width == PAPER_WIDTH and 400 < image.height < 1200
        inked = sum(image.convert("L").histogram()[:128])
        assert inked > 5000  # the number in large type is there
    bigger = ticket_image(ticket, issued_at=MORNING, procedure=procedure)
    smaller = ticket_image(ticket, issued_at=MORNING)
    assert bigger.height > smaller.height  # the procedure's title adds lines


def _text(data: bytes) -> str:
    return unicodedata.normalize("NFC", "\n".join(p.extract_text() for p in PdfReader(BytesIO(data)).pages))


def test_ct01_attachment_has_the_official_header_markers_and_footnotes(registry: Registry) -> None:
    typed = {"relation_to_head": "chu-ho", "request": "Đăng ký tạm trú"}
    form = fill_workflow(registry, "one-stop", chip_identity(), typed, procedure_id="ct01")
    attachment = ct01_attachment(form, signed_on=date(2026, 11, 23), receipt_code="7K3Q-9XWDM")
    assert attachment.media_type == "application/pdf" and attachment.filename == "ct01-ct01-20261123.pdf"
    assert attachment.content.startswith(b"%PDF")
    text = _text(attachment.content)
    flat = " ".join(text.split())
    assert " ".join(HEADER_NOTE.split()) in flat and "ngày 17/11/2023" in flat
    for marker in ("Ý KIẾN CỦA CHỦ HỘ (3)", "CHỖ Ở HỢP PHÁP (4)", "NGƯỜI GIÁM HỘ (5)", "NGƯỜI KÊ KHAI (6)"):
        assert marker in flat, marker
    assert flat.count("Họ, chữ đệm và tên (7)") == 3 and flat.count("Số định danh cá nhân (7)") == 3
    for note in NOTES:
        assert " ".join(note.split())[:60] in flat, note[:10]
    # one dated line for the declarant, blank place-and-date lines for the three others
    assert flat.count(date_line(date(2026, 11, 23))) == 1 and flat.count(date_line(None)) == 3
    assert "Nguyễn Thị Hồng Nhung" in flat and "001090123456" in flat.replace(" ", "")
