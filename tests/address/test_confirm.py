"""The person's answer: confirm, pick among candidates, type, keep the card's text; never a silent pick."""

from __future__ import annotations

import threading

import pytest

from kiosk.address.confirm import AddressConfirmation, ConfirmedAddress
from kiosk.address.errors import AddressChoiceError
from kiosk.address.service import AddressService


def test_conversion_runs_off_the_caller_thread_and_comes_back_through_post(service: AddressService) -> None:
    posted: list[str] = []
    done = threading.Event()

    def post(fn):  # type: ignore[no-untyped-def]
        posted.append(threading.current_thread().name)
        fn()

    question = AddressConfirmation(service, post=post, on_change=done.set)
    question.start("Xã Cẩm Châu, Huyện Cẩm Thủy, Thanh Hóa")
    assert question.pending and question.shown and not question.answered
    assert done.wait(30)
    assert posted == ["address-convert"] and question.result is not None
    assert question.result.agreement == "agree" and question.answer is None  # never taken without the person


def test_ambiguous_pick_and_invalid_choice(service: AddressService) -> None:
    question = AddressConfirmation(service)
    question.set_result(service.convert("Phường Trần Hưng Đạo, Thành phố Quy Nhơn, Tỉnh Bình Định"))
    lines = question.lines()
    assert 1 < len(lines) <= 6 and lines[0] == "Phường Trần Hưng Đạo (cũ) → Phường Quy Nhơn, Gia Lai"
    with pytest.raises(AddressChoiceError):
        question.choose(15163)  # a commune that is not a candidate
    second = question.candidates[1]
    question.choose(second.commune.code)
    assert question.answer is not None and question.answer.answer == "picked" and question.answer.place == second


def test_typing_path_takes_the_current_address(service: AddressService) -> None:
    question = AddressConfirmation(service)
    question.set_result(service.convert("Thôn 1, Xã A, Tỉnh B"))
    assert question.result is not None and question.result.error is not None and question.shown
    error = question.type_address("Thôn 1, Xã Cẩm Châu, Huyện Cẩm Thủy, Thanh Hóa")  # still the old form
    assert error is not None and not question.answered
    assert question.type_address("Thôn 1, Xã Cẩm Vân, Tỉnh Thanh Hóa") is None
    answer = question.answer
    assert answer is not None and answer.answer == "typed" and answer.raw == "Thôn 1, Xã A, Tỉnh B"
    assert answer.text == "Thôn 1, Xã Cẩm Vân, Thanh Hóa"


def test_keep_card_text_and_round_trip(service: AddressService) -> None:
    question = AddressConfirmation(service)
    question.set_result(service.convert("Xã Bát Tràng, Huyện Gia Lâm, Thành phố Hà Nội"))
    question.keep_card_text()
    answer = question.answer
    assert answer is not None and answer.place is None and answer.text == answer.raw and not answer.converted
    question.reopen()
    assert not question.answered
    question.choose(question.candidates[0].commune.code)
    stored = question.answer
    assert stored is not None and ConfirmedAddress.from_dict(stored.to_dict()) == stored


def test_current_address_needs_no_question(service: AddressService) -> None:
    question = AddressConfirmation(service)
    question.set_result(service.convert("Số 5, Phường Hoàn Kiếm, Thành phố Hà Nội"))
    assert question.answered and not question.shown
    assert question.answer is not None and question.answer.answer == "unchanged" and not question.answer.converted
