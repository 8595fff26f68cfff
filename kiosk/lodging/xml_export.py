"""The police system's XML import for foreign guests: ``KHAI_BAO_TAM_TRU`` with one ``THONG_TIN_KHACH`` each.

Names are upper-case A–Z without diacritics, dates ``dd/MM/yyyy``, sex ``M``/``F``, nationality ISO alpha-3.
Names are folded with ``anyascii`` (maintained Unicode → ASCII transliteration tables) so that no letter is dropped:
Ø→O, ß→SS, Đ→D, Æ→AE, Œ→OE, Þ→TH, Ł→L, and other scripts are transliterated rather than lost. Marks between
letters (hyphens, apostrophes, commas) become spaces.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from anyascii import anyascii

from kiosk.lodging.guest import Guest, iso_alpha3
from kiosk.lodging.register import Entry
from kiosk.lodging.xlsx_export import ddmmyyyy
from kiosk.text import nfc


def xml_name(name: str) -> str:
    """``Müller-Lüdenscheidt, Anna`` → ``MULLER LUDENSCHEIDT ANNA``; ``Søren Łukasz Þór`` → ``SOREN LUKASZ THOR``."""
    return re.sub(r"\s+", " ", re.sub(r"[^A-Z ]", " ", anyascii(nfc(name)).upper())).strip()


def guest_element(index: int, guest: Guest, checked_out: str | None) -> ET.Element:
    el = ET.Element("THONG_TIN_KHACH")
    values = [
        ("so_thu_tu", str(index)),
        ("ho_ten", xml_name(guest.full_name)),
        ("ngay_sinh", ddmmyyyy(guest.date_of_birth)),
        ("ngay_sinh_dung_den", "D"),
        ("gioi_tinh", guest.sex),
        ("ma_quoc_tich", iso_alpha3(guest.nationality) or ""),
        ("so_ho_chieu", guest.document_number),
        ("so_phong", guest.room),
        ("ngay_den", ddmmyyyy(guest.arrival)),
        ("ngay_di_du_kien", ddmmyyyy(guest.expected_departure)),
    ]
    if checked_out:
        values.append(("ngay_tra_phong", ddmmyyyy(checked_out)))
    values.append(("thoi_han_tam_tru", ddmmyyyy(guest.visa_expiry) if guest.visa_expiry else ""))
    for tag, text in values:
        ET.SubElement(el, tag).text = text
    return el


def export_xml(entries: Sequence[Entry]) -> bytes:
    """The XML bytes (UTF-8, with declaration) for the foreign guests among ``entries``."""
    root = ET.Element("KHAI_BAO_TAM_TRU")
    foreign = [e for e in entries if e.guest.foreign]
    for i, entry in enumerate(foreign, start=1):
        root.append(guest_element(i, entry.guest, entry.checked_out))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
