"""The address service: each agreement class on real card addresses, the street kept verbatim, typed errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.address.engines import ConverterEngine, EngineAnswer
from kiosk.address.service import MAX_CANDIDATES, AddressService, combine
from kiosk.address.units import Place, Unit, communes_of, current_provinces, province_after_merger
from kiosk.errors import KioskError

CAM_VAN = Place(Unit(38, "Thanh Hóa"), Unit(15163, "Xã Cẩm Vân", "commune"))


def test_agree_converts_commune_and_province_with_official_codes(service: AddressService) -> None:
    raw = "Thôn 3, Xã Cẩm Châu, Huyện Cẩm Thủy, Thanh Hóa"
    result = service.convert(raw)
    assert result.agreement == "agree" and result.place == CAM_VAN and result.error is None
    assert result.raw == raw and result.street == "Thôn 3" and result.old_commune == "Xã Cẩm Châu"
    assert result.confidence >= 0.9
    assert result.to_dict()["place"] == {"province": {"code": "38", "name": "Thanh Hóa"},
                                         "commune": {"code": "15163", "name": "Xã Cẩm Vân"}}
    assert "vietnam-address-converter 1.0.5 (mapping 10_25)" in result.data_version


def test_street_part_is_kept_verbatim(service: AddressService) -> None:
    result = service.convert("Số 12 ngõ 5/3 phố Hàng Bạc, Phường Hàng Bạc, Quận Hoàn Kiếm, Hà Nội")
    assert result.street == "Số 12 ngõ 5/3 phố Hàng Bạc"
    assert result.agreement == "agree" and result.place is not None
    assert result.place.commune.name == "Phường Hoàn Kiếm" and result.place.commune.code_text == "00070"
    assert result.full_text(result.place) == "Số 12 ngõ 5/3 phố Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội"


def test_ambiguous_gives_at_most_six_candidates_both_engines_first(service: AddressService) -> None:
    result = service.convert("Phường Trần Hưng Đạo, Thành phố Quy Nhơn, Tỉnh Bình Định")
    assert result.agreement == "ambiguous" and result.place is None
    names = [c.commune.name for c in result.candidates]
    assert 1 < len(names) <= MAX_CANDIDATES and names[0] == "Phường Quy Nhơn"
    assert {c.province.name for c in result.candidates} == {"Gia Lai"}
    assert result.confidence < 0.9


def test_disagree_when_only_one_engine_answers(service: AddressService) -> None:
    result = service.convert("Xã Kim Loan, Huyện Hạ Lang, Tỉnh Cao Bằng")
    assert result.agreement == "disagree" and result.place is None and result.needs_choice
    assert [c.commune.name for c in result.candidates] == ["Xã Vinh Quý"]
    assert result.engines == {"vietnam-address-converter": "matched", "vietnamadminunits": "failed"}


def test_new_format_passes_through_without_loading_any_engine() -> None:
    class Unloadable(ConverterEngine):
        def load(self) -> None:
            raise AssertionError("a current address needs no conversion data")

    fresh = AddressService((Unloadable(), Unloadable()))
    raw = "Thôn 3, Xã Cẩm Vân, Tỉnh Thanh Hóa"
    result = fresh.convert(raw)
    assert result.agreement == "already-new" and not result.converted and result.place == CAM_VAN
    assert result.raw == raw and result.street == "Thôn 3" and result.confidence == 1.0
    assert not fresh.ready


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("Thôn 1, Xã A, Tỉnh B", "address-no-province"),
        ("Xã Cẩm Chu, Huyện Cẩm Thủy, Tỉnh Thanh Hóa", "address-unknown-unit"),
        ("XÃ£ Cáº©m ChÃ¢u, Huyá»‡n Cáº©m Thá»§y, Thanh HÃ³a", "address-mojibake"),
        ("Xã Cẩm Châu\x00, 縣", "address-mojibake"),
        ("  ,  ", "address-empty"),
    ],
)
def test_bad_input_is_a_typed_error_and_the_typing_path(service: AddressService, raw: str, code: str) -> None:
    result = service.convert(raw)
    assert result.agreement == "unknown" and result.place is None
    assert result.error is not None and result.error.code == code
    assert result.error.message and result.error.message_vi != result.error.message
    assert result.raw == raw


def test_misspelled_commune_keeps_the_province_for_the_typing_path(service: AddressService) -> None:
    result = service.convert("Xã Cẩm Chu, Huyện Cẩm Thủy, Tỉnh Thanh Hóa")
    assert result.province == Unit(38, "Thanh Hóa")
    assert any(u.name == "Xã Cẩm Vân" for u in communes_of(result.province.code))


def test_engines_still_loading_is_a_typed_error_not_a_wait_forever() -> None:
    class Slow(ConverterEngine):
        def load(self) -> None:
            import time

            time.sleep(0.5)

    result = AddressService((Slow(), Slow())).convert("Xã Cẩm Châu, Huyện Cẩm Thủy, Thanh Hóa", timeout=0.01)
    assert result.agreement == "unknown" and result.error is not None
    assert result.error.code == "address-data-not-ready"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=80) | st.lists(st.sampled_from(
    ["Xã Cẩm Châu", "Huyện Cẩm Thủy", "Thanh Hóa", "Phường 1", "Quận 3", "Hà Nội", "Số 5", "", " - ", "Tỉnh"]),
    max_size=5).map(", ".join))
def test_arbitrary_text_never_raises(service: AddressService, text: str) -> None:
    result = service.convert(text)
    assert result.raw == text
    assert len(result.candidates) <= MAX_CANDIDATES
    if result.agreement == "unknown":
        assert isinstance(result.error, KioskError)
    else:
        assert result.error is None and result.candidates


@pytest.mark.parametrize(
    ("former", "current"),
    [("Tỉnh Hải Dương", "Thành phố Hải Phòng"), ("Tỉnh Tiền Giang", "Đồng Tháp"), ("Tỉnh Bình Dương",
     "Thành phố Hồ Chí Minh"), ("Tỉnh Bà Rịa - Vũng Tàu", "Thành phố Hồ Chí Minh"), ("Tỉnh Đắk Nông", "Lâm Đồng"),
     ("Tỉnh Bình Định", "Gia Lai"), ("Tỉnh Yên Bái", "Lào Cai"), ("Tỉnh Hoà Bình", "Phú Thọ"),
     ("TP. Hồ Chí Minh", "Thành phố Hồ Chí Minh")],
)
def test_every_former_province_maps_to_one_current_province(former: str, current: str) -> None:
    unit = province_after_merger(former)
    assert unit is not None and unit.name == current


# -- the combination rule on its own -------------------------------------------------------------------------------
OTHER = Place(Unit(38, "Thanh Hóa"), Unit(15166, "Xã Cẩm Thủy", "commune"))
THIRD = Place(Unit(38, "Thanh Hóa"), Unit(15170, "Xã Cẩm Tú", "commune"))


def answer(*places: Place, exact: bool = True, confidence: float = 0.9) -> EngineAnswer:
    return EngineAnswer("x", places, exact=exact, confidence=confidence)


def test_combine_classes() -> None:
    assert combine(answer(CAM_VAN), answer(CAM_VAN, confidence=0.95))[:2] == ("agree", CAM_VAN)
    assert combine(answer(CAM_VAN), answer(CAM_VAN, confidence=0.95))[3] == 0.95
    assert combine(answer(CAM_VAN), answer(OTHER))[:3] == ("disagree", None, (CAM_VAN, OTHER))
    assert combine(answer(CAM_VAN), answer())[:3] == ("disagree", None, (CAM_VAN,))
    kind, place, candidates, _ = combine(answer(OTHER, CAM_VAN), answer(CAM_VAN))
    assert (kind, place) == ("ambiguous", None) and candidates == (CAM_VAN, OTHER)  # the one both name first
    assert combine(answer(OTHER, THIRD, exact=False), answer())[0] == "unknown"
    assert combine(answer(), answer())[:3] == ("unknown", None, ())


def test_disagree_when_the_engines_name_different_communes(service: AddressService) -> None:
    result = service.convert("Xã Bát Tràng, Huyện Gia Lâm, Thành phố Hà Nội")
    assert result.agreement == "disagree" and result.place is None
    assert [c.commune.name for c in result.candidates] == ["Xã Bát Tràng", "Xã Gia Lâm"]
    assert result.engines == {"vietnam-address-converter": "matched", "vietnamadminunits": "matched"}


def test_catalogue_of_current_units() -> None:
    provinces = current_provinces()
    assert len(provinces) == 34 and provinces[0] == Unit(1, "Thành phố Hà Nội")
    communes = [c for p in provinces for c in communes_of(p.code)]
    assert len(communes) == 3321 and len({c.code for c in communes}) == 3321
    assert all(len(c.code_text) == 5 for c in communes) and all(len(p.code_text) == 2 for p in provinces)


def test_converter_index_is_read_back_from_the_cache_in_a_new_process(service: AddressService) -> None:
    engine = service.engines[0]
    assert isinstance(engine, ConverterEngine) and engine.cache_path is not None and engine.cache_path.is_file()
    script = (
        "import time; from pathlib import Path; from kiosk.address.engines import ConverterEngine\n"
        f"e = ConverterEngine(Path({str(engine.cache_path.parent)!r})); t = time.process_time(); e.load()\n"
        "print(e.cache_used, time.process_time() - t, e.convert('Xã Cẩm Châu, Huyện Cẩm Thủy, Thanh Hóa').status)"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True,
                         cwd=Path(__file__).resolve().parents[2]).stdout.split()
    assert out[0] == "True" and out[2] == "matched"
    assert float(out[1]) < 5  # seconds of CPU, against ≈ 13 s to build the index (bench/results/address.md)


def test_damaged_cache_is_rebuilt(tmp_path: Path) -> None:
    engine = ConverterEngine(tmp_path)
    assert engine.cache_path is not None
    engine.cache_path.write_bytes(b"not a pickle")
    assert engine.read_cache() is None
