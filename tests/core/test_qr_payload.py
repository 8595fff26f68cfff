"""CCCD QR payload parser: the documented variants, every invalid field, round trips and fuzzing."""

from __future__ import annotations

import contextlib
import unicodedata
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.errors import EncodingError, FieldCountError, FieldValueError, PayloadError, UnsupportedQrError
from kiosk.identity import Identity
from kiosk.qr_payload import clean_address, format_qr_payload, is_card_payload, parse_qr_payload

TODAY = date(2026, 11, 23)
FRONT_2021 = "001090123456|012345678|Nguyễn Văn A|01011990|Nam|Thôn 1, Xã A, Tỉnh B|15042021"
NO_OLD_ID = "001090123456||Nguyễn Văn A|01011990|Nam|Thôn 1, Xã A, Tỉnh B|15042021"
BACK_2024 = "012345678912|123456789|Nguyễn Văn A|01011990|Nam|123 Đường Số 1, Phường 2, TP Hồ Chí Minh|01012022||||"


def parse(payload: bytes | str) -> Identity:
    return parse_qr_payload(payload, today=TODAY)


def test_front_2021_payload_fields() -> None:
    ident = parse(FRONT_2021.encode())
    assert ident.id_number == "001090123456"
    assert ident.old_id_number == "012345678"
    assert ident.full_name == "Nguyễn Văn A"
    assert ident.date_of_birth == date(1990, 1, 1)
    assert ident.sex == "M"
    assert ident.residence == "Thôn 1, Xã A, Tỉnh B"
    assert ident.issue_date == date(2021, 4, 15)
    assert ident.card_type == "cccd-2021"
    assert ident.source == "qr"
    assert ident.raw["qr"] == FRONT_2021
    assert ident.pace_can == "123456"


def test_empty_old_id_is_none() -> None:
    assert parse(NO_OLD_ID).old_id_number is None


def test_back_2024_payload_keeps_extra_fields() -> None:
    ident = parse(BACK_2024)
    assert ident.card_type == "can-cuoc-2024"
    assert ident.raw["qr_extra_fields"] == ["", "", "", ""]
    assert ident.residence == "123 Đường Số 1, Phường 2, TP Hồ Chí Minh"


def test_female_and_whitespace_and_line_ending() -> None:
    ident = parse("001190123456||  Trần   Thị Bích |05061985| Nữ |Tổ 3, P. 4|20102022\r\n")
    assert ident.full_name == "Trần Thị Bích"
    assert ident.sex == "F"


@pytest.mark.parametrize("suffix", ["|", "||"])
def test_trailing_separators_on_2021_payload(suffix: str) -> None:
    assert parse(FRONT_2021 + suffix).card_type == "cccd-2021"


def test_address_artefacts_cleaned_raw_kept() -> None:
    raw = "Thôn 1, -, Xã A, , Tỉnh B"
    ident = parse(FRONT_2021.replace("Thôn 1, Xã A, Tỉnh B", raw))
    assert ident.residence == "Thôn 1, Xã A, Tỉnh B"
    assert ident.raw["qr_residence"] == raw
    assert clean_address(" , -, ") == ""


def test_decomposed_input_is_normalised_to_nfc() -> None:
    ident = parse(unicodedata.normalize("NFD", FRONT_2021).encode())
    assert ident.full_name == "Nguyễn Văn A"
    assert unicodedata.is_normalized("NFC", ident.full_name or "")


def test_bom_is_tolerated() -> None:
    assert parse(b"\xef\xbb\xbf" + FRONT_2021.encode()).id_number == "001090123456"


@pytest.mark.parametrize("payload", [
    "001090123456|012345678|Nguyễn Văn A|01011990|Nam|Thôn 1",  # 6 fields
    "001090123456|Nguyễn Văn A|01011990|Nam|Thôn 1|15042021",  # the CMND omitted
    FRONT_2021 + "|x",  # 8 fields with content
    FRONT_2021 + "|x|y",  # 9 fields
    "",
])
def test_wrong_field_count(payload: str) -> None:
    with pytest.raises(FieldCountError) as err:
        parse(payload)
    assert err.value.field == "payload"


@pytest.mark.parametrize(("payload", "field"), [
    (FRONT_2021.replace("001090123456", "00109012345"), "id_number"),  # 11 digits
    (FRONT_2021.replace("001090123456", "0010901234567"), "id_number"),
    (FRONT_2021.replace("001090123456", "00109012345A"), "id_number"),
    (FRONT_2021.replace("012345678", "01234567"), "old_id_number"),
    (FRONT_2021.replace("Nguyễn Văn A", ""), "full_name"),
    (FRONT_2021.replace("Nguyễn Văn A", "Nguyễn Văn 4"), "full_name"),
    (FRONT_2021.replace("01011990", "31021990"), "date_of_birth"),  # 31 February
    (FRONT_2021.replace("01011990", "01131990"), "date_of_birth"),  # month 13
    (FRONT_2021.replace("01011990", "01/01/1990"), "date_of_birth"),
    (FRONT_2021.replace("01011990", "01012030"), "date_of_birth"),  # future
    (FRONT_2021.replace("01011990", "01011890"), "date_of_birth"),
    (FRONT_2021.replace("Nam", "Male"), "sex"),
    (FRONT_2021.replace("15042021", "32042021"), "issue_date"),
    (FRONT_2021.replace("15042021", "15042027"), "issue_date"),
    (FRONT_2021.replace("15042021", "15041989"), "issue_date"),  # before birth
])
def test_invalid_field_is_named(payload: str, field: str) -> None:
    with pytest.raises(FieldValueError) as err:
        parse(payload)
    assert err.value.field == field
    assert err.value.message_vi and err.value.message_vi != err.value.message


def test_non_utf8_bytes_are_an_encoding_error() -> None:
    with pytest.raises(EncodingError):
        parse(FRONT_2021.encode("utf-16"))
    with pytest.raises(EncodingError):
        parse(FRONT_2021.encode("cp1258", errors="replace"))


@pytest.mark.parametrize("wrong_charset", ["shift_jis", "big5", "latin-1", "cp1252"])
def test_charset_mojibake_is_rejected(wrong_charset: str) -> None:
    """What zbar produces when it guesses the charset of UTF-8 bytes, re-encoded as UTF-8."""
    garbled = FRONT_2021.encode("utf-8").decode(wrong_charset, errors="replace")
    assert garbled != FRONT_2021
    with pytest.raises(EncodingError):
        parse(garbled.encode("utf-8"))


def test_error_messages_carry_no_personal_data() -> None:
    with pytest.raises(PayloadError) as err:
        parse(FRONT_2021.replace("01011990", "31021990"))
    for value in ("Nguyễn", "001090123456", "31021990"):
        assert value not in err.value.message and value not in err.value.message_vi


# --- properties --------------------------------------------------------------------------------------------

_letters = st.sampled_from(list("aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợ"
                                "úùủũụứừửữựýỳỷỹỵ"))
_word = st.text(_letters, min_size=1, max_size=7).map(str.capitalize)
_name = st.lists(_word, min_size=2, max_size=4).map(" ".join)
_dates = st.dates(min_value=date(1920, 1, 1), max_value=date(2012, 12, 31))


@st.composite
def identities(draw: st.DrawFn) -> Identity:
    birth = draw(_dates)
    issue = draw(st.dates(min_value=max(birth, date(2016, 1, 1)), max_value=TODAY))
    return Identity(
        id_number=draw(st.from_regex(r"\A[0-9]{12}\Z")),
        old_id_number=draw(st.one_of(st.none(), st.from_regex(r"\A[0-9]{9}\Z"))),
        full_name=draw(_name),
        date_of_birth=birth,
        sex=draw(st.sampled_from(["M", "F"])),
        residence=", ".join(draw(st.lists(_name, min_size=1, max_size=4))),
        issue_date=issue,
        source="qr",
    )


@settings(max_examples=150, deadline=None)
@given(identities(), st.sampled_from([7, 10, 11, 13]))
def test_round_trip(ident: Identity, fields: int) -> None:
    parsed = parse(format_qr_payload(ident, fields=fields).encode())
    for key in ("id_number", "old_id_number", "full_name", "date_of_birth", "sex", "residence", "issue_date"):
        assert getattr(parsed, key) == getattr(ident, key), key
    assert parsed.card_type == ("cccd-2021" if fields == 7 else "can-cuoc-2024")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_give_a_typed_error_or_an_identity(data: bytes) -> None:
    try:
        ident = parse(data)
    except PayloadError:
        return
    assert ident.id_number is not None and len(ident.id_number) == 12


@settings(max_examples=200, deadline=None)
@given(identities(), st.integers(min_value=0, max_value=10_000), st.characters(codec="utf-8"))
def test_single_character_corruption_never_crashes(ident: Identity, where: int, char: str) -> None:
    payload = format_qr_payload(ident)
    i = where % len(payload)
    corrupted = payload[:i] + char + payload[i + 1:]
    with contextlib.suppress(PayloadError):
        parse(corrupted.encode("utf-8", errors="surrogatepass"))


VNEID_NOT_CCCD = [
    b"https://vneid.gov.vn/qr/3f9a1c",
    b"eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIwMDEwOTAxMjM0NTYifQ.c2lnbmF0dXJlLWJ5dGVz",
    "VNeID|định danh điện tử|mức 2".encode(),
]


def test_a_cccd_payload_shown_by_vneid_is_accepted_and_marked() -> None:
    payload = "001090123456||Nguyễn Văn A|01011990|Nam|Thôn 1, Xã A, Tỉnh B|15042021".encode()
    from_card = parse_qr_payload(payload, today=date(2026, 1, 1))
    from_phone = parse_qr_payload(payload, today=date(2026, 1, 1), origin="vneid")
    assert from_card.source == "qr" and from_phone.source == "vneid-qr"
    assert from_phone.id_number == from_card.id_number == "001090123456"
    assert from_phone.raw == from_card.raw  # the payload is kept raw either way


@pytest.mark.parametrize("payload", VNEID_NOT_CCCD)
def test_other_vneid_payloads_are_unsupported_in_plain_vietnamese(payload: bytes) -> None:
    with pytest.raises(UnsupportedQrError) as error:
        parse_qr_payload(payload)
    assert error.value.code == "unsupported-qr"
    assert error.value.message_vi == "Mã này chưa được hỗ trợ — vui lòng dùng thẻ"
    assert "VNeID" in error.value.message
    assert payload.decode("utf-8") not in str(error.value.to_dict())  # raw payload never in the message


def test_any_non_cccd_code_shown_by_vneid_is_unsupported() -> None:
    for payload in (b"\x00\x81\xfe signed blob", b"https://example.org/x", b"12345"):
        with pytest.raises(UnsupportedQrError):
            parse_qr_payload(payload, origin="vneid")
    with pytest.raises(FieldCountError):  # without the VNeID origin, a shop's link is just not a CCCD code
        parse_qr_payload(b"https://example.org/x")


def test_is_card_payload_is_the_pipeline_acceptance_test() -> None:
    assert is_card_payload("001090123456||Nguyễn Văn A|01011990|Nam|Thôn 1|15042021".encode())
    assert not is_card_payload(VNEID_NOT_CCCD[0])
    assert not is_card_payload("001090123456||Nguyễn Văn A|32011990|Nam|Thôn 1|15042021".encode())
