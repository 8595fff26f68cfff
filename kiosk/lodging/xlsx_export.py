"""The police system's XLSX import for Vietnamese guests (``tblt_vn_import.xlsx`` layout).

Sheet ``DS_KHACH_VIET_NAM_LUU_TRU``: title in row 1, column headers in row 3, the example row 4 (skipped
by the importer), guests from row 5, columns A–S. Enum cells are ``code - label``; dates are text
``dd/MM/yyyy``; every cell is written as text so that spreadsheet software cannot turn dates or ID
numbers into numbers. Province and ward (K, L) carry the current units the guest confirmed
(``kiosk.address.outputs.lodging_address``: official statistics-office codes, ``code - name``; whether the
police catalogue uses the same codes is UNCONFIRMED) with the street part in M; when the units are not
known, K and L stay empty and the address goes raw into M (``address_cells``). The workbook also carries the
template's catalogue sheets: ``TINH_THANH`` and ``PHUONG_XA`` (the 2025 units, from ``kiosk.address.units`` so
that their codes are the ones in K and L) and ``DANH_MUC`` (document types, residence kinds, stay reasons,
genders, nationalities), each list marked where it is not yet the template's own.
The gender codes of the template's DANH_MUC sheet are not documented; ``M - Nam``/``F - Nữ`` follows the
establishments API.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from kiosk.address.outputs import lodging_address
from kiosk.address.units import current_provinces, listed_communes
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
        *address_cells(guest),
        ddmmyyyy(guest.arrival),
        ddmmyyyy(guest.expected_departure),
        guest.room,
        _enum(registry, "stay-reasons", guest.reason),
        (guest.reason_detail or "") if guest.reason == OTHER_REASON else "",
        "",
    ]


# DANH_MUC of the template: (catalog file, section title, how many entries the template lists). Where the shipped
# catalog has fewer (or other) entries than the template, the section is marked as incomplete (UNCONFIRMED).
DANH_MUC = (
    ("document-types", "LOẠI GIẤY TỜ", 9),
    ("residence-kinds", "NƠI CƯ TRÚ", 3),
    ("stay-reasons", "LÝ DO CƯ TRÚ", 20),
    ("sex", "GIỚI TÍNH", 2),
    ("nationalities", "QUỐC TỊCH", 205),
)
UNIT_CODES_NOTE = ("Đơn vị hành chính từ 01/07/2025 (gói vietnam-provinces), mã của cơ quan thống kê; mã danh mục của "
                   "hệ thống công an chưa được xác nhận.")


def catalog_completeness(registry: Registry) -> dict[str, tuple[int, int]]:
    """For each DANH_MUC section: (entries shipped, entries the template lists)."""
    return {catalog: (len(registry.catalogs[catalog].items), expected) for catalog, _, expected in DANH_MUC}


def _danh_muc_sheet(wb: Workbook, registry: Registry) -> None:
    ws = wb.create_sheet("DANH_MUC")
    ws.append(["DANH MỤC", "MÃ - TÊN", "GHI CHÚ"])
    for catalog, title, expected in DANH_MUC:
        items = registry.catalogs[catalog].items
        mark = "" if len(items) == expected else (
            f"CHƯA XÁC NHẬN: có {len(items)} mục, mẫu có {expected} mục (UNCONFIRMED: {len(items)} of {expected})")
        for i, item in enumerate(items):
            ws.append([title, f"{item.code} - {item.label_vi}", mark if i == 0 else ""])
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width, ws.column_dimensions["C"].width = 16, 44, 60


def unit_sheets(wb: Workbook) -> None:
    """TINH_THANH (34 provinces) and PHUONG_XA (communes, wards, special zones) of the 2025 units, written as
    columns K and L are (``code - name``)."""
    provinces = ws = wb.create_sheet("TINH_THANH")
    ws.append(["MÃ - TÊN", "GHI CHÚ"])
    current = current_provinces()
    for i, province in enumerate(current):
        ws.append([f"{province.code_text} - {province.name}", UNIT_CODES_NOTE if i == 0 else ""])
    ws = wb.create_sheet("PHUONG_XA")
    ws.append(["MÃ - TÊN", "TỈNH/TP", "GHI CHÚ"])
    first = True
    for province in current:
        for commune in listed_communes(province.code):
            ws.append([f"{commune.code_text} - {commune.name}", province.name, UNIT_CODES_NOTE if first else ""])
            first = False
    for sheet in (provinces, ws):
        sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width = 40, 30


def address_cells(guest: Guest) -> tuple[str, str, str]:
    """Columns K (province), L (commune/ward) and M (detailed address) for a guest: the one place addresses are
    turned into export cells. K and L carry the current units the guest confirmed (the codes of the catalogue
    sheets); without them K and L stay empty and M carries the card's address raw."""
    place = lodging_address(guest.address)
    if place is None:
        return "", "", guest.residence or ""
    return place.province_cell, place.commune_cell, place.detail


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
    unit_sheets(wb)
    _danh_muc_sheet(wb, registry)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
