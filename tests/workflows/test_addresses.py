"""Card addresses against the 2025 two-tier units: merged provinces, communes needing a person."""

from __future__ import annotations

import pytest

from kiosk.addresses import map_address, wards_of


@pytest.mark.parametrize(
    ("address", "province"),
    [
        ("Xã Hồng Phong, Huyện Ninh Giang, Tỉnh Hải Dương", "Thành phố Hải Phòng"),
        ("Ấp 3, Xã Tân Hòa, Huyện Châu Thành, Tỉnh Tiền Giang", "Đồng Tháp"),
        ("Phường Phú Cường, Thành phố Thủ Dầu Một, Tỉnh Bình Dương", "Thành phố Hồ Chí Minh"),
        ("Phường 1, Thành phố Vũng Tàu, Tỉnh Bà Rịa - Vũng Tàu", "Thành phố Hồ Chí Minh"),
        ("Xã Đắk Ha, Huyện Đắk Glong, Tỉnh Đắk Nông", "Lâm Đồng"),
        ("Phường Đống Đa, Thành phố Quy Nhơn, Tỉnh Bình Định", "Gia Lai"),
        ("Thị trấn Yên Thế, Huyện Lục Yên, Tỉnh Yên Bái", "Lào Cai"),
        ("Xã Nghĩa Đô, Huyện Bảo Yên, Tỉnh Lào Cai", "Lào Cai"),
        ("Phường Hoà Bình, Thành phố Hoà Bình, Tỉnh Hoà Bình", "Phú Thọ"),
    ],
)
def test_former_provinces_map_to_the_merged_province(address: str, province: str) -> None:
    mapping = map_address(address)
    assert mapping.province is not None and mapping.province.name == province
    assert mapping.original == address
    assert mapping.needs_person  # the commune of an old-form address is never taken as certain


def test_merged_province_status() -> None:
    assert map_address("Xã Hồng Phong, Huyện Ninh Giang, Tỉnh Hải Dương").province_status == "merged"
    assert map_address("Phường Hàng Bạc, Quận Hoàn Kiếm, Thành phố Hà Nội").province_status == "current"


def test_commune_merged_away_is_left_for_a_person() -> None:
    mapping = map_address("Số 12 phố Hàng Bạc, Phường Hàng Bạc, Quận Hoàn Kiếm, Thành phố Hà Nội")
    assert mapping.commune is None and mapping.commune_status == "unmapped"
    assert mapping.detail == "Số 12 phố Hàng Bạc" and mapping.old_district == "Quận Hoàn Kiếm"
    choices = wards_of(mapping.province.code if mapping.province else 0)
    assert any(u.name == "Phường Hoàn Kiếm" for u in choices) and len(choices) == 126


def test_same_name_commune_is_only_suggested_for_an_old_address() -> None:
    mapping = map_address("Thôn 1, Xã Ninh Giang, Huyện Ninh Giang, Tỉnh Hải Dương")
    assert mapping.commune is not None and mapping.commune.name == "Xã Ninh Giang"
    assert mapping.commune_status == "suggested" and mapping.needs_person


def test_two_tier_address_is_current() -> None:
    mapping = map_address("Số 5 phố Tràng Tiền, Phường Hoàn Kiếm, Thành phố Hà Nội")
    assert mapping.commune_status == "current" and not mapping.needs_person
    assert mapping.province is not None and mapping.province.code == 1


def test_artefacts_and_unknown_provinces() -> None:
    mapping = map_address("Tổ 5, , -, Phường Tân Định, Quận 1, TP. Hồ Chí Minh")
    assert mapping.detail == "Tổ 5" and mapping.province is not None and mapping.province.code == 79
    unknown = map_address("Thôn 1, Xã A, Tỉnh B")
    assert unknown.province is None and unknown.needs_person and unknown.original == "Thôn 1, Xã A, Tỉnh B"
