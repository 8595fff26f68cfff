"""The police system's XLSX import for Vietnamese guests (``tblt_vn_import.xlsx`` layout).

Sheet ``DS_KHACH_VIET_NAM_LUU_TRU``: title in row 1, column headers in row 3, the example row 4 (skipped
by the importer), guests from row 5, columns A–S. Enum cells are ``code - label``; dates are text
``dd/MM/yyyy``; every cell is written as text so that spreadsheet software cannot turn dates or ID
numbers into numbers. Province and ward (K, L) carry the current units the guest confirmed
(``kiosk.address.outputs.lodging_address``: official statistics-office codes, ``code - name``; whether the
police catalogue uses the same codes is UNCONFIRMED) with the street part in M; when the units are not
known, K and L stay empty and the address goes raw into M. The gender codes of the template's DANH_MUC
sheet are not documented; ``M - Nam``/``F - Nữ`` follows the establishments API.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from kiosk.address.outputs import lodging_address
from kiosk.lodging.guest import Guest
from kiosk.lodging.register import Entry
from kiosk.workflows.registry import Registry
from kiosk.workflows.values import VN_TZ

SHEET = "DS_KHACH_VIET_NAM_LUU_TRU"
HEADERS = [
    "STT",
    "HỌ TÊN (*)",
    "NGÀY SINH (*)",
    "GIỚI TÍNH (*)",
    "QUỐC TỊCH (*)",
    "LOẠI GIẤY TỜ (*)",
    "TÊN GIẤY TỜ",
    "SỐ GIẤY TỜ (*)",
    "SỐ ĐIỆN THOẠI",
    "NƠI CƯ TRÚ HIỆN NAY",
    "TỈNH/TP",
    "PHƯỜNG/XÃ/ĐẶC KHU",
    "ĐỊA CHỈ CHI TIẾT",
    "NGÀY ĐẾN (*)",
    "NGÀY ĐI DỰ KIẾN (*)",
    "SỐ PHÒNG/KHOA",
    "LÝ DO CƯ TRÚ (*)",
    "NHẬP LÝ DO",
    "GHI CHÚ",
]
HEADER_ROW, EXAMPLE_ROW, FIRST_DATA_ROW = 3, 4, 5
NATIONALITY_VN = "VN - Việt Nam"
RESIDENCE_PERMANENT = "1 - Thường trú"
OTHER_REASON = "20"


def ddmmyyyy(iso: str) -> str:
    if "T" in iso or " " in iso:
        return datetime.fromisoformat(iso).astimezone(VN_TZ).strftime("%d/%m/%Y")
    return date.fromisoformat(iso).strftime("%d/%m/%Y")


def _enum(registry: Registry, catalog: str, code: str | None) -> str:
    if not code:
        return ""
    label = registry.catalogs[catalog].label(code)
    return f"{code} - {label}" if label else code


def guest_row(index: int, guest: Guest, registry: Registry) -> list[str]:
    """The 19 cells (A–S) of one guest, all text."""
    place = lodging_address(guest.address)  # K, L: the current units when the guest confirmed them
    return [
        str(index),
        guest.full_name,
        ddmmyyyy(guest.date_of_birth),
        _enum(registry, "sex", guest.sex),
        NATIONALITY_VN,
        _enum(registry, "document-types", guest.document_type),
        "",
        guest.document_number,
        guest.phone or "",
        RESIDENCE_PERMANENT if guest.residence else "",
        place.province_cell if place else "",
        place.commune_cell if place else "",
        place.detail if place else guest.residence or "",
        ddmmyyyy(guest.arrival),
        ddmmyyyy(guest.expected_departure),
        guest.room,
        _enum(registry, "stay-reasons", guest.reason),
        (guest.reason_detail or "") if guest.reason == OTHER_REASON else "",
        "",
    ]


def _catalog_sheet(wb: Workbook, registry: Registry) -> None:
    ws = wb.create_sheet("DANH_MUC")
    ws.append(["DANH MỤC", "MÃ - TÊN"])
    for catalog, title in (
        ("document-types", "LOẠI GIẤY TỜ"),
        ("residence-kinds", "NƠI CƯ TRÚ"),
        ("stay-reasons", "LÝ DO CƯ TRÚ"),
        ("sex", "GIỚI TÍNH"),
    ):
        for item in registry.catalogs[catalog].items:
            ws.append([title, f"{item.code} - {item.label_vi}"])


def export_xlsx(entries: Sequence[Entry], registry: Registry, *, day: date) -> bytes:
    """The workbook bytes for the Vietnamese guests among ``entries`` (foreigners go to the XML export)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    ws.cell(row=1, column=1, value=f"DANH SÁCH KHÁCH VIỆT NAM LƯU TRÚ NGÀY {day.strftime('%d/%m/%Y')}")
    ws.cell(row=1, column=1).font = Font(bold=True, size=13)
    ws.cell(
        row=2, column=1, value="Các cột có dấu (*) là bắt buộc; ngày dạng dd/MM/yyyy; dữ liệu từ dòng 5."
    )
    for col, header in enumerate(HEADERS, start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, horizontal="center")
    example = Guest(
        full_name="Nguyễn Văn A",
        date_of_birth="1990-01-01",
        sex="M",
        document_type="1",
        document_number="001090123456",
        room="101",
        arrival="2025-01-01T14:00:00+07:00",
        expected_departure="2025-01-02T12:00:00+07:00",
        reason="1",
        residence="Thôn 1, Xã A, Tỉnh B",
    )
    rows = [(EXAMPLE_ROW, guest_row(1, example, registry))]
    vietnamese = [e.guest for e in entries if not e.guest.foreign]
    rows += [(FIRST_DATA_ROW + i, guest_row(i + 1, g, registry)) for i, g in enumerate(vietnamese)]
    for row, values in rows:
        for col, value in enumerate(values, start=1):
            if not value:
                continue  # empty optional cells stay blank
            cell = ws.cell(row=row, column=col)
            cell.value = value
            cell.data_type = "s"
            cell.number_format = "@"
    for letter, width in zip(
        "ABCDEFGHIJKLMNOPQRS",
        (5, 26, 12, 10, 14, 22, 12, 15, 13, 16, 10, 14, 40, 12, 12, 10, 16, 16, 12),
        strict=True,
    ):
        ws.column_dimensions[letter].width = width
    _catalog_sheet(wb, registry)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
