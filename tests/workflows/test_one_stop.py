"""One-stop desk: the CT01 PDF (text extracted, diacritics intact), queue tickets and receipt codes."""

from __future__ import annotations

import subprocess
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from kiosk.errors import KioskError
from kiosk.forms.ct01_pdf import render_ct01
from kiosk.workflows.fill import FilledForm
from kiosk.workflows.plugin import WorkflowContext
from kiosk.workflows.receipt import parse_receipt_code, receipt_code
from kiosk.workflows.registry import Registry
from kiosk.workflows.service import fill_workflow
from kiosk.workflows.submit import start_visit, submit
from kiosk.workflows.tickets import TicketDispenser
from tests.workflows.conftest import chip_identity

VN = ZoneInfo("Asia/Ho_Chi_Minh")
REQUEST = "Đăng ký tạm trú tại số 12 phố Hàng Bạc, phường Hoàn Kiếm, Thành phố Hà Nội"


def filled(registry: Registry) -> FilledForm:
    child = chip_identity(id_number="001212345678", full_name="Trần Đức Huy", date_of_birth=date(2012, 5, 17), sex="M")
    return fill_workflow(
        registry, "one-stop", chip_identity(),
        {"relation_to_head": "chu-ho", "request": REQUEST, "phone": "0912345678", "email": "nhung@example.vn",
         "authority": "Công an phường Hoàn Kiếm", "members.1.relation": "con"},
        procedure_id="temporary-residence", members={"members": [child]})


def pdf_text(data: bytes) -> str:
    reader = PdfReader(BytesIO(data))
    return unicodedata.normalize("NFC", "\n".join(page.extract_text() for page in reader.pages))


def test_ct01_pdf_has_the_official_items_and_the_filled_values(registry: Registry) -> None:
    form = filled(registry)
    assert form.complete
    data = render_ct01(form, signed_on=date(2026, 11, 23), receipt_code="7K3Q-9XWDM")
    reader = PdfReader(BytesIO(data))
    assert len(reader.pages) == 2  # the footnotes (1)–(7) fill the second page
    box = reader.pages[0].mediabox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (210, 297)
    text = pdf_text(data)
    for official in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                     "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ", "Kính gửi", "1. Họ, chữ đệm và tên",
                     "2. Ngày, tháng, năm sinh", "3. Giới tính", "4. Số định danh cá nhân", "5. Số điện thoại liên hệ",
                     "6. Email", "7. Họ, chữ đệm và tên chủ hộ", "8. Mối quan hệ với chủ hộ",
                     "9. Số định danh cá nhân của chủ hộ", "10. Nội dung đề nghị",
                     "11. Những thành viên trong hộ gia đình cùng thay đổi", "NGƯỜI KÊ KHAI", "Ý KIẾN CỦA CHỦ HỘ"):
        assert official in text, official
    for value in ("Công an phường Hoàn Kiếm", "Nguyễn Thị Hồng Nhung", "01/01/1990", "Nữ", "0912345678",
                  "nhung@example.vn", "Chủ hộ", "Trần Đức Huy", "17/05/2012", "001212345678", "Con",
                  "ngày 23 tháng 11 năm 2026", "7K3Q-9XWDM"):
        assert value in text, value
    assert "Hàng Bạc" in text and "phường Hoàn Kiếm" in text
    compact = text.replace(" ", "").replace("\n", "")
    assert compact.count("001090123456") == 2  # items 4 and 9, one digit per box
    assert text == unicodedata.normalize("NFC", text)


def test_ct01_pdf_of_an_incomplete_form_leaves_blanks(registry: Registry) -> None:
    form = fill_workflow(registry, "one-stop", chip_identity(), procedure_id="ct01")
    text = pdf_text(render_ct01(form, signed_on=date(2026, 11, 23)))
    assert "Nguyễn Thị Hồng Nhung" in text and "Đăng ký tạm trú" not in text


def test_ct01_pdf_rasterises(registry: Registry, tmp_path: Path) -> None:
    pdf = tmp_path / "ct01.pdf"
    pdf.write_bytes(render_ct01(filled(registry), signed_on=date(2026, 11, 23)))
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "page")], check=True, timeout=60)
    assert (tmp_path / "page-1.png").stat().st_size > 1000


def test_receipt_codes_round_trip_and_catch_typos() -> None:
    codes = {receipt_code(f"0190a7c2-0000-7000-8000-{i:012d}") for i in range(2000)}
    assert len(codes) == 2000
    code = receipt_code("0190a7c2-0000-7000-8000-000000000001")
    assert code == receipt_code("0190a7c2-0000-7000-8000-000000000001")
    assert parse_receipt_code(code.lower().replace("-", " ")) == code
    body = code.replace("-", "")
    typo = body[:3] + ("0" if body[3] != "0" else "1") + body[4:]
    with pytest.raises(KioskError) as info:
        parse_receipt_code(typo)
    assert info.value.code == "invalid-receipt-code"


def test_tickets_count_per_counter_and_restart_each_day(tmp_path: Path, registry: Registry) -> None:
    profile = registry.profiles["one-stop"]
    dispenser = TicketDispenser(tmp_path / "tickets.sqlite3")
    day1 = datetime(2026, 11, 23, 8, tzinfo=VN)
    assert [dispenser.issue(profile, "residence", day1).display for _ in range(3)] == ["C001", "C002", "C003"]
    again = TicketDispenser(tmp_path / "tickets.sqlite3")
    assert again.issue(profile, "residence", day1).number == 4
    # 23:30 UTC on the 23rd is already the 24th in Vietnam: a new day, a new sequence.
    late = datetime(2026, 11, 23, 17, 30, tzinfo=ZoneInfo("UTC"))
    ticket = again.issue(profile, "residence", late)
    assert (ticket.number, ticket.day, ticket.counter_number) == (1, "2026-11-24", 3)
    with pytest.raises(KioskError):
        again.issue(profile, "no-such-counter", day1)


@dataclass
class Saved:
    sid: str


class RecordingOutbox:
    """Stands in for kiosk.outbox.Outbox: records what would be queued."""

    def __init__(self) -> None:
        self.items: list[tuple[str, dict[str, Any], dict[str, Any]]] = []

    def submit(self, kind: str, data: dict[str, Any], evidence: dict[str, Any]) -> Saved:
        self.items.append((kind, data, evidence))
        return Saved(f"0190a7c2-0000-7000-8000-{len(self.items):012d}")

    def receipts(self, limit: int = 100) -> list[dict[str, Any]]:
        return []  # nothing is delivered from here


def test_submit_queues_then_gives_ticket_receipt_and_form(tmp_path: Path, registry: Registry) -> None:
    outbox = RecordingOutbox()
    ctx = WorkflowContext(tickets=TicketDispenser(tmp_path / "t.sqlite3"), documents=tmp_path / "documents")
    visit = start_visit(registry, filled(registry), datetime(2026, 11, 23, 9, 15, tzinfo=VN))
    submitted = submit(registry, visit, outbox, ctx)
    receipt = submitted.receipt
    kind, data, evidence = outbox.items[0]
    [attachment] = data["attachments"]
    assert attachment["media_type"] == "application/pdf" and attachment["name"].endswith("-20261123.pdf")
    [document] = submitted.documents
    assert document.path.read_bytes().startswith(b"%PDF") and (document.path.stat().st_mode & 0o777) == 0o600
    assert submitted.outputs["ticket"]["display"] == "C001" and submitted.outputs["ct01_pdf"] == str(document.path)
    assert kind == "one-stop" and data["procedure_code"] == "1.004194" and data["form"]["request"] == REQUEST
    assert evidence["fields"]["members"][0]["relation"] == "typed"
    assert receipt["receipt_code"] == receipt_code("0190a7c2-0000-7000-8000-000000000001")
    assert receipt["ticket"]["display"] == "C001"
    assert any("C001" in line for line in receipt["lines_vi"])
    assert "Nguyễn" not in str(receipt)  # no personal data on the slip


def test_long_members_table_continues_on_a_new_page(registry: Registry) -> None:
    members = [chip_identity(id_number=f"0012123456{i:02d}", full_name=f"Trần Văn Thành Viên Số {i}")
               for i in range(20)]
    typed = {"relation_to_head": "chu-ho", "request": "Tách hộ",
             **{f"members.{i}.relation": "con" for i in range(1, 21)}}
    form = fill_workflow(registry, "one-stop", chip_identity(), typed, members={"members": members})
    assert form.complete
    data = render_ct01(form, signed_on=date(2026, 11, 23))
    reader = PdfReader(BytesIO(data))
    assert len(reader.pages) == 2
    text = pdf_text(data)
    assert all(f"Thành Viên Số {i}" in text for i in range(20))
    second = unicodedata.normalize("NFC", reader.pages[1].extract_text())
    assert "Họ, chữ đệm và tên" in second and "NGƯỜI KÊ KHAI" in second  # header repeated, signatures follow
