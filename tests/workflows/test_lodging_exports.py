"""Guest register (encrypted, across runs) and the police exports, checked cell by cell."""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from kiosk.lodging.guest import guest_from_form
from kiosk.lodging.register import GuestRegister
from kiosk.lodging.xlsx_export import FIRST_DATA_ROW, SHEET, export_xlsx
from kiosk.lodging.xml_export import export_xml, xml_name
from kiosk.workflows.registry import Registry
from kiosk.workflows.service import fill_workflow
from tests.workflows.conftest import chip_identity, passport_identity, qr_identity

VN = ZoneInfo("Asia/Ho_Chi_Minh")
STAY = {
    "room": "203",
    "arrival": "2026-11-23T14:30",
    "expected_departure": "2026-11-25T12:00",
    "reason": "1",
    "phone": "0912345678",
}


@pytest.fixture()
def register(tmp_path: Path, registry: Registry) -> GuestRegister:
    reg = GuestRegister(tmp_path / "state")
    reg.add(guest_from_form(fill_workflow(registry, "lodging", chip_identity(), STAY)))
    other = qr_identity(
        id_number="079195000111", full_name="Lê Văn Tâm", date_of_birth=date(1995, 12, 31), sex="M"
    )
    reg.add(
        guest_from_form(
            fill_workflow(
                registry,
                "lodging",
                other,
                {
                    **STAY,
                    "room": "204",
                    "arrival": "2026-11-23T23:10",
                    "reason": "20",
                    "reason_detail": "Thăm người thân",
                },
            )
        )
    )
    reg.add(
        guest_from_form(
            fill_workflow(
                registry,
                "lodging",
                passport_identity(),
                {**STAY, "room": "301", "arrival": "2026-11-23T09:00", "visa_expiry": "2027-01-31"},
            )
        )
    )
    reg.add(
        guest_from_form(
            fill_workflow(
                registry,
                "lodging",
                chip_identity(id_number="001090999999"),
                {**STAY, "arrival": "2026-11-22T10:00"},
            )
        )
    )
    return reg


def test_register_keeps_guests_across_instances_and_encrypts_personal_data(register: GuestRegister) -> None:
    again = GuestRegister(register.path.parent)
    entries = again.arrivals(date(2026, 11, 23))
    assert [e.guest.room for e in entries] == ["301", "203", "204"]
    assert entries[1].guest.full_name == "Nguyễn Thị Hồng Nhung"
    assert entries[0].guest.foreign and entries[0].deadline.rule == "foreigner-12h"
    assert entries[2].deadline.due == datetime(2026, 11, 24, 8, tzinfo=VN)
    raw = b"".join(p.read_bytes() for p in register.path.parent.glob("lodging.sqlite3*"))
    assert raw.count(b"SQLite format 3") == 1
    for secret in ("Nguyễn", "Hàng Bạc", "001090123456", "0912345678", "MÜLLER", "C01X00T47"):
        assert secret.encode() not in raw
    assert (register.path.parent / "lodging.key").stat().st_mode & 0o777 == 0o600


def test_checkout_extension_notification_and_purge(register: GuestRegister) -> None:
    entry = register.arrivals(date(2026, 11, 23))[1]
    moved = register.extend(entry.id, datetime(2026, 11, 28, 12, tzinfo=VN))
    assert moved.guest.expected_departure == "2026-11-28T12:00:00+07:00"
    out = register.check_out(entry.id, datetime(2026, 11, 27, 9, tzinfo=VN))
    assert out.checked_out == "2026-11-27T09:00:00+07:00"
    assert len(register.pending()) == 4
    register.mark_notified(entry.id, datetime(2026, 11, 23, 15, tzinfo=VN), "batch-1")
    assert entry.id not in {e.id for e in register.pending()}
    assert register.get(entry.id).to_dict(datetime(2026, 11, 23, 16, tzinfo=VN))["status"] == "notified"
    assert register.purge(date(2026, 11, 24)) == 1
    with sqlite3.connect(register.path) as db:
        assert db.execute("SELECT count(*) FROM guests").fetchone() == (3,)


def test_wrong_key_is_a_typed_error(register: GuestRegister, tmp_path: Path, monkeypatch) -> None:
    from kiosk.errors import KioskError

    other_key = tmp_path / "other.key"
    other_key.write_bytes(b"k" * 32)
    monkeypatch.setenv("KIOSK_LODGING_KEY_FILE", str(other_key))
    with pytest.raises(KioskError) as info:
        GuestRegister(register.path.parent).arrivals(date(2026, 11, 23))
    assert info.value.code == "register-error"


def test_xlsx_template_cell_by_cell(register: GuestRegister, registry: Registry) -> None:
    data = export_xlsx(register.arrivals(date(2026, 11, 23)), registry, day=date(2026, 11, 23))
    wb = load_workbook(BytesIO(data))
    ws = wb[SHEET]
    assert [ws.cell(row=3, column=c).value for c in (1, 2, 8, 17, 19)] == [
        "STT",
        "HỌ TÊN (*)",
        "SỐ GIẤY TỜ (*)",
        "LÝ DO CƯ TRÚ (*)",
        "GHI CHÚ",
    ]
    assert ws.max_column == 19
    first = [ws.cell(row=FIRST_DATA_ROW, column=c).value for c in range(1, 20)]
    assert first == [
        "1",
        "Nguyễn Thị Hồng Nhung",
        "01/01/1990",
        "F - Nữ",
        "VN - Việt Nam",
        "1 - Căn cước công dân",
        None,
        "001090123456",
        "0912345678",
        "1 - Thường trú",
        None,
        None,
        "Số 12 phố Hàng Bạc, Phường Hàng Bạc, Quận Hoàn Kiếm, Thành phố Hà Nội",
        "23/11/2026",
        "25/11/2026",
        "203",
        "1 - Du lịch",
        None,
        None,
    ]
    second = [ws.cell(row=FIRST_DATA_ROW + 1, column=c).value for c in range(1, 20)]
    assert second[:4] == ["2", "Lê Văn Tâm", "31/12/1995", "M - Nam"]
    assert second[8] == "0912345678" and second[13] == "23/11/2026"
    assert second[16:18] == ["20 - Khác", "Thăm người thân"]
    # The foreigner is not in the Vietnamese-guest file, nor the guest who arrived the day before.
    assert ws.cell(row=FIRST_DATA_ROW + 2, column=2).value is None
    for row in ws.iter_rows(min_row=FIRST_DATA_ROW, max_row=FIRST_DATA_ROW + 1):
        for cell in row:
            assert cell.value is None or cell.data_type == "s"
    assert ws.cell(row=4, column=2).value  # the example row the importer skips
    assert "DANH_MUC" in wb.sheetnames


def test_foreign_guest_xml(register: GuestRegister) -> None:
    root = ET.fromstring(export_xml(register.arrivals(date(2026, 11, 23))))
    assert root.tag == "KHAI_BAO_TAM_TRU"
    guests = root.findall("THONG_TIN_KHACH")
    assert len(guests) == 1
    fields = {el.tag: el.text for el in guests[0]}
    assert fields == {
        "so_thu_tu": "1",
        "ho_ten": "MULLER ANNA MARIA",
        "ngay_sinh": "03/07/1985",
        "ngay_sinh_dung_den": "D",
        "gioi_tinh": "F",
        "ma_quoc_tich": "DEU",
        "so_ho_chieu": "C01X00T47",
        "so_phong": "301",
        "ngay_den": "23/11/2026",
        "ngay_di_du_kien": "25/11/2026",
        "thoi_han_tam_tru": "31/01/2027",
    }


def test_xml_names_are_plain_capitals() -> None:
    assert xml_name("Nguyễn Đức  O'Brien-Smith") == "NGUYEN DUC O BRIEN SMITH"
