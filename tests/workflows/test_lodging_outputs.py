"""Lodging outputs: the owner's countdown list, the day's files on a removable drive (found under a fake root),
the template's catalogue sheets, and the XML name folding that drops no letter."""

from __future__ import annotations

import os
import re
import unicodedata
import xml.etree.ElementTree as ET
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from kiosk.lodging.day_export import DRIVE_FOLDER, DriveWriteError, export_day, export_to_drive, write_private
from kiosk.lodging.guest import guest_from_form
from kiosk.lodging.pending import countdown, initials, pending_guests
from kiosk.lodging.register import GuestRegister
from kiosk.lodging.removable import NoRemovableDriveError, find_removable_drive, removable_drives
from kiosk.lodging.xlsx_export import DANH_MUC, address_cells, catalog_completeness, export_xlsx
from kiosk.lodging.xml_export import xml_name
from kiosk.workflows.registry import Registry
from kiosk.workflows.service import fill_workflow
from tests.workflows.conftest import chip_identity, passport_identity

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2026, 11, 23)
STAY = {"room": "203", "arrival": "2026-11-23T14:30", "expected_departure": "2026-11-25T12:00", "reason": "1"}


@pytest.fixture()
def register(tmp_path: Path, registry: Registry) -> GuestRegister:
    reg = GuestRegister(tmp_path / "state")
    reg.add(guest_from_form(fill_workflow(registry, "lodging", chip_identity(), STAY)))
    reg.add(guest_from_form(fill_workflow(
        registry, "lodging", passport_identity(full_name="SØREN ŁUKASZ ÞÓR"),
        {**STAY, "room": "301", "arrival": "2026-11-23T06:00", "visa_expiry": "2027-01-31"})))
    done = reg.add(guest_from_form(fill_workflow(
        registry, "lodging", chip_identity(id_number="001090999999"), {**STAY, "room": "105"})))
    reg.mark_notified(done.id, datetime(2026, 11, 23, 15, tzinfo=VN), "manual")
    return reg


def test_countdown_wording() -> None:
    due = datetime(2026, 11, 23, 23, tzinfo=VN)
    assert countdown(due, datetime(2026, 11, 23, 19, 40, tzinfo=VN)) == ("còn 3 giờ 20 phút", "3 h 20 min left")
    assert countdown(due, datetime(2026, 11, 23, 22, 15, 30, tzinfo=VN)) == ("còn 44 phút", "44 min left")
    assert countdown(due, datetime(2026, 11, 23, 20, tzinfo=VN)) == ("còn 3 giờ", "3 h left")
    assert countdown(due, due) == ("quá hạn 0 phút", "overdue by 0 min")
    assert countdown(due, datetime(2026, 11, 24, 0, 5, tzinfo=VN)) == ("quá hạn 1 giờ 5 phút", "overdue by 1 h 5 min")
    # A UTC clock gives the same answer: the deadline is Vietnam time.
    assert countdown(due, datetime(2026, 11, 23, 12, 40, tzinfo=ZoneInfo("UTC")))[0] == "còn 3 giờ 20 phút"


def test_pending_list_marks_overdue_and_foreigners(register: GuestRegister) -> None:
    rows = pending_guests(register, datetime(2026, 11, 23, 19, 40, tzinfo=VN))
    assert [r.room for r in rows] == ["301", "203"]  # the declared guest is gone; earliest deadline first
    foreigner, local = rows
    assert foreigner.foreign and foreigner.overdue and foreigner.countdown_vi == "quá hạn 1 giờ 40 phút"
    assert foreigner.initials == "S. Ł. Þ." and foreigner.minutes_left == -100
    assert not local.foreign and local.urgency == "pending" and local.countdown_vi == "còn 3 giờ 20 phút"
    assert "Nguyễn" not in str([r.to_dict() for r in rows])  # initials only: the list is on the home screen
    soon = pending_guests(register, datetime(2026, 11, 23, 22, 30, tzinfo=VN))
    assert soon[1].urgency == "due-soon"
    assert initials("Nguyễn Thị Hồng Nhung") == "N. T. H. N."


def _fake_system(root: Path, mounts: list[str]) -> None:
    (root / "proc").mkdir(parents=True)
    (root / "proc" / "mounts").write_text("\n".join(mounts) + "\n")
    for disk, removable in (("sda", "0"), ("sdb", "1"), ("mmcblk0", "1")):
        (root / "sys" / "block" / disk).mkdir(parents=True)
        (root / "sys" / "block" / disk / "removable").write_text(removable + "\n")
    usb = root / "sys" / "devices" / "pci0000:00" / "0000:00:14.0" / "usb2" / "2-1" / "block" / "sdc"
    usb.mkdir(parents=True)
    (usb / "removable").write_text("0\n")  # a USB disk that reports "not removable"
    (root / "sys" / "block" / "sdc").symlink_to(usb)
    for mount in mounts:
        point = mount.split()[1].replace("\\040", " ")
        (root / point.lstrip("/")).mkdir(parents=True, exist_ok=True)


def test_removable_drives_under_a_fake_root(tmp_path: Path) -> None:
    _fake_system(tmp_path, [
        "/dev/sda2 / ext4 rw,relatime 0 0",
        "/dev/sda3 /media/data ext4 rw 0 0",  # fixed disk under /media: not removable
        "tmpfs /run tmpfs rw 0 0",
        "/dev/sdb1 /media/kiosk/MY\\040USB vfat rw,nosuid,nodev 0 0",
        "/dev/sdc1 /run/media/kiosk/DISK exfat rw 0 0",
        "/dev/mmcblk0p1 /media/kiosk/SD vfat ro 0 0",  # read-only: skipped
    ])
    drives = removable_drives(tmp_path)
    assert [(d.device, str(d.mount_point)) for d in drives] == [
        ("/dev/sdb1", "/media/kiosk/MY USB"), ("/dev/sdc1", "/run/media/kiosk/DISK")]
    assert drives[0].path == tmp_path / "media" / "kiosk" / "MY USB" and drives[0].label == "MY USB"
    assert find_removable_drive(tmp_path) == drives[0]


def test_no_drive_is_a_clear_error(tmp_path: Path, register: GuestRegister, registry: Registry) -> None:
    _fake_system(tmp_path, ["/dev/sda2 / ext4 rw 0 0"])
    with pytest.raises(NoRemovableDriveError) as caught:
        export_to_drive(register, registry, DAY, root=tmp_path)
    assert caught.value.code == "no-removable-drive" and "USB" in caught.value.message_vi
    assert removable_drives(tmp_path / "nowhere") == []


def test_day_export_to_the_drive(tmp_path: Path, register: GuestRegister, registry: Registry) -> None:
    root = tmp_path / "root"
    _fake_system(root, ["/dev/sdb1 /media/kiosk/USB vfat rw 0 0"])
    result = export_to_drive(register, registry, DAY, root=root)
    folder = root / "media" / "kiosk" / "USB" / DRIVE_FOLDER
    assert result.files == [folder / "luu-tru-2026-11-23.xlsx", folder / "luu-tru-nuoc-ngoai-2026-11-23.xml"]
    assert (result.vietnamese, result.foreign) == (2, 1)
    for path in result.files:
        assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in folder.iterdir()) == [p.name for p in result.files]  # no temporary left
    workbook = load_workbook(result.files[0])
    assert workbook.sheetnames == ["DS_KHACH_VIET_NAM_LUU_TRU", "TINH_THANH", "PHUONG_XA", "DANH_MUC"]
    assert workbook["DS_KHACH_VIET_NAM_LUU_TRU"]["B5"].value == "Nguyễn Thị Hồng Nhung"
    xml = ET.fromstring(result.files[1].read_bytes())
    assert [e.findtext("ho_ten") for e in xml] == ["SOREN LUKASZ THOR"]
    vi, en = result.message()
    assert "2 khách Việt Nam, 1 khách nước ngoài" in vi and "23/11/2026" in vi and "Exported 2" in en
    # A day without foreigners writes no XML.
    empty = export_day(register, registry, date(2026, 11, 22), tmp_path / "out")
    assert empty.files == [] and empty.message()[0].startswith("Đã xuất 0")


def test_unwritable_drive_is_a_typed_error(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("x")
    with pytest.raises(DriveWriteError) as caught:
        write_private(blocked / "sub", "a.xlsx", b"data")  # a file where the folder should be
    assert caught.value.code == "export-write-failed" and caught.value.message_vi


def test_catalogue_sheets(register: GuestRegister, registry: Registry) -> None:
    wb = load_workbook(BytesIO(export_xlsx(register.arrivals(DAY), registry, day=DAY)))
    provinces = [r[0] for r in wb["TINH_THANH"].iter_rows(min_row=2, values_only=True)]
    wards = list(wb["PHUONG_XA"].iter_rows(min_row=2, values_only=True))
    assert len(provinces) == 34 and "01 - Thành phố Hà Nội" in provinces
    assert len(wards) > 3300 and wards[0][:2] == ("00070 - Phường Hoàn Kiếm", "Thành phố Hà Nội")
    assert "2025" in str(wb["TINH_THANH"]["B2"].value)  # the codes' origin is stated
    rows = list(wb["DANH_MUC"].iter_rows(min_row=2, values_only=True))
    sections = {title for title, _, _ in rows}
    assert sections == {title for _, title, _ in DANH_MUC}
    completeness = catalog_completeness(registry)
    for catalog, title, expected in DANH_MUC:
        first = next(r for r in rows if r[0] == title)
        shipped = completeness[catalog][0]
        assert sum(1 for r in rows if r[0] == title) == shipped
        assert bool(first[2]) == (shipped != expected), title  # unconfirmed lists are marked
    assert completeness["sex"] == (2, 2) and completeness["residence-kinds"] == (3, 3)
    assert any(r[1] == "VN - Việt Nam" for r in rows if r[0] == "QUỐC TỊCH")
    assert all(unicodedata.is_normalized("NFC", str(r[1])) for r in rows)


def test_address_cells_are_one_swappable_function(registry: Registry) -> None:
    guest = guest_from_form(fill_workflow(registry, "lodging", chip_identity(), STAY))
    assert address_cells(guest) == ("", "", guest.residence)


@pytest.mark.parametrize(("name", "folded"), [
    ("Øyvind Ødegård", "OYVIND ODEGARD"), ("Strauß", "STRAUSS"), ("Đặng Đức", "DANG DUC"), ("Ærø", "AERO"),
    ("Œuvre", "OEUVRE"), ("Þórður", "THORDUR"), ("Łódź", "LODZ"),
    ("Müller-Lüdenscheidt, Anna", "MULLER LUDENSCHEIDT ANNA"),
    ("ÐORÐE", "DORDE"), ("İlkay Çağlar", "ILKAY CAGLAR"), ("Seán O'Brien", "SEAN O BRIEN"),
])
def test_xml_name_folding_examples(name: str, folded: str) -> None:
    assert xml_name(name) == folded


LATIN_LETTERS = st.characters(categories=("Lu", "Ll"), min_codepoint=0x41, max_codepoint=0x17F) | st.characters(
    categories=("Lu", "Ll"), min_codepoint=0x1E00, max_codepoint=0x1EFF)


@given(st.lists(st.text(LATIN_LETTERS, min_size=1, max_size=12), min_size=1, max_size=5))
def test_xml_name_drops_no_letter(words: list[str]) -> None:
    """Every Latin letter of a name (Latin-1, Latin Extended-A, Vietnamese) gives at least one A–Z letter."""
    folded = xml_name(" ".join(words))
    assert re.fullmatch(r"[A-Z]+( [A-Z]+)*", folded)
    assert len(folded.replace(" ", "")) >= sum(len(w) for w in words)
    assert len(folded.split()) >= len(words)
    for letter in "".join(words):
        assert xml_name(letter)


def test_export_files_are_not_world_readable_even_with_a_loose_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        path = write_private(tmp_path / "x", "a.xml", b"<a/>")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o600 and path.read_bytes() == b"<a/>"
