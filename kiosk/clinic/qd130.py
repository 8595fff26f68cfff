"""The QĐ 130/QĐ-BYT check-in table (amended by QĐ 4750/QĐ-BYT), "XML0" ``CHI_TIEU_TRANG_THAI_KCB``.

One ``TRANG_THAI_KCB`` row per visit, all values as text: ``SO_CCCD`` keeps its leading zeros,
``NGAY_SINH`` is ``yyyymmddHHMM`` (``0000`` for the unknown time), ``GIOI_TINH`` 1 male / 2 female / 3
undetermined, ``GT_THE_*`` ``yyyymmdd``, ``NGAY_VAO`` ``yyyymmddHHMM``. The facility's digital signature
(``CHUKYDONVI``) is added by the clinic's system, which holds the certificate.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, datetime

from kiosk.clinic.insurance import CardCheckResult
from kiosk.workflows.fill import FilledForm
from kiosk.workflows.values import VN_TZ

CHECKIN_FIELDS = (
    "MA_LK",
    "STT",
    "MA_BN",
    "HO_TEN",
    "SO_CCCD",
    "NGAY_SINH",
    "GIOI_TINH",
    "MA_THE_BHYT",
    "MA_DKBD",
    "GT_THE_TU",
    "GT_THE_DEN",
    "MA_DOITUONG_KCB",
    "NGAY_VAO",
    "NGAY_VAO_NOI_TRU",
    "LY_DO_VNT",
    "MA_LY_DO_VNT",
    "MA_LOAI_KCB",
    "MA_CSKCB",
    "MA_DICH_VU",
    "TEN_DICH_VU",
    "MA_THUOC",
    "TEN_THUOC",
    "MA_VAT_TU",
    "TEN_VAT_TU",
    "NGAY_YL",
    "DU_PHONG",
)
SEX_CODES = {"M": "1", "F": "2"}


@dataclass(frozen=True)
class VisitInfo:
    """What the clinic assigns: visit key (``MA_LK``), patient id (``MA_BN``), facility and visit codes."""

    visit_key: str
    patient_id: str
    facility_code: str
    visit_kind: str
    patient_category: str
    arrived_at: datetime


def birth_stamp(born: date) -> str:
    return born.strftime("%Y%m%d") + "0000"


def minute_stamp(moment: datetime) -> str:
    return moment.astimezone(VN_TZ).strftime("%Y%m%d%H%M")


def checkin_row(form: FilledForm, visit: VisitInfo, card: CardCheckResult | None) -> dict[str, str]:
    """The 26 check-in fields, in order; insurance fields only from a usable card check. ``MA_BN`` is the HIS's
    patient id returned by the relay (``maBN``), else the visit's (blank until the HIS assigns one)."""
    row = dict.fromkeys(CHECKIN_FIELDS, "")
    dob = form.get("date_of_birth")
    row.update(
        {
            "MA_LK": visit.visit_key[:100],
            "STT": "1",
            "MA_BN": (card.his_patient_id if card is not None else "") or visit.patient_id,
            "HO_TEN": form.get("full_name") or "",
            "SO_CCCD": form.get("id_number") or "",
            "NGAY_SINH": birth_stamp(date.fromisoformat(dob)) if dob else "",
            "GIOI_TINH": SEX_CODES.get(form.get("sex") or "", "3"),
            "MA_DOITUONG_KCB": visit.patient_category[:4],
            "NGAY_VAO": minute_stamp(visit.arrived_at),
            "MA_LOAI_KCB": visit.visit_kind,
            "MA_CSKCB": visit.facility_code[:5],
        }
    )
    if card is not None and card.usable:
        row["MA_THE_BHYT"] = (card.card_number or "")[:15]
        row["MA_DKBD"] = (card.registered_facility or "")[:5]
        row["GT_THE_TU"] = card.valid_from.strftime("%Y%m%d") if card.valid_from else ""
        row["GT_THE_DEN"] = card.valid_to.strftime("%Y%m%d") if card.valid_to else ""
    return row


def checkin_xml(rows: list[dict[str, str]]) -> bytes:
    root = ET.Element("CHI_TIEU_TRANG_THAI_KCB")
    listing = ET.SubElement(root, "DSACH_TRANG_THAI_KCB")
    for index, row in enumerate(rows, start=1):
        item = ET.SubElement(listing, "TRANG_THAI_KCB")
        for name in CHECKIN_FIELDS:
            ET.SubElement(item, name).text = str(index) if name == "STT" else row.get(name, "")
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
