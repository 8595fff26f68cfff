"""Synthetic identities (chip with every field, QR-only, passport) shared by the workflow tests."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.identity import Identity
from kiosk.workflows.registry import Registry

VERIFIED = {
    "access": "pace",
    "passive": {"status": "valid"},
    "active": {"status": "valid"},
    "chip_authentication": {"status": "valid"},
}


def chip_identity(**changes: object) -> Identity:
    base = Identity(
        id_number="001090123456",
        old_id_number="012345678",
        full_name="Nguyễn Thị Hồng Nhung",
        date_of_birth=date(1990, 1, 1),
        sex="F",
        nationality="Việt Nam",
        ethnicity="Kinh",
        religion="Không",
        place_of_origin="Xã Hồng Phong, Huyện Ninh Giang, Tỉnh Hải Dương",
        residence="Số 12 phố Hàng Bạc, Phường Hàng Bạc, Quận Hoàn Kiếm, Thành phố Hà Nội",
        identifying_marks="Nốt ruồi cách 2 cm dưới mép trái",
        issue_date=date(2021, 4, 15),
        expiry_date=date(2030, 1, 1),
        father_name="Nguyễn Văn Bình",
        mother_name="Trần Thị Lan",
        card_type="cccd-2021",
        source="chip",
        document_number="090123456",
        verification=dict(VERIFIED),
    )
    return base.replace(**changes)


def qr_identity(**changes: object) -> Identity:
    base = Identity(
        id_number="001090123456",
        old_id_number="012345678",
        full_name="Nguyễn Thị Hồng Nhung",
        date_of_birth=date(1990, 1, 1),
        sex="F",
        residence="Số 12 phố Hàng Bạc, Phường Hàng Bạc, Quận Hoàn Kiếm, Thành phố Hà Nội",
        issue_date=date(2021, 4, 15),
        card_type="cccd-2021",
        source="qr",
    )
    return base.replace(**changes)


def passport_identity(**changes: object) -> Identity:
    base = Identity(
        full_name="MÜLLER ANNA MARIA",
        date_of_birth=date(1985, 7, 3),
        sex="F",
        nationality="DEU",
        document_number="C01X00T47",
        expiry_date=date(2031, 5, 1),
        card_type="passport",
        source="manual",
        raw={"mrz": ["P<D<<MULLER<<ANNA<MARIA".ljust(44, "<"), "C01X00T478D<<8507039F3105019<<<<<<<<<<<<<<<6"]},
    )
    return base.replace(**changes)


@pytest.fixture(scope="session")
def registry() -> Registry:
    return Registry()
