from __future__ import annotations

import numpy as np
import pytest
import zxingcpp

from drivers.sim.card_image import CARD_HEIGHT, CARD_WIDTH, DEGRADATIONS, CardImage, card_frame, render_card


def test_card_qr_holds_the_payload_bytes_in_byte_mode_without_eci(cards: list[CardImage]) -> None:
    for card in cards:
        assert card.image.shape == (CARD_HEIGHT, CARD_WIDTH, 3)
        (barcode,) = zxingcpp.read_barcodes(card.image, formats=zxingcpp.BarcodeFormat.QRCode)
        assert bytes(barcode.bytes) == card.payload
        assert barcode.symbology_identifier == "]Q1"  # model 2, no ECI designator
        assert card.payload.decode("utf-8").count("|") >= 6


def test_text_payload_is_encoded_as_utf8() -> None:
    card = render_card("001090123456||Nguyễn Văn A|01011990|Nam|Thôn 1|15042021", [("Họ và tên", "NGUYỄN VĂN A")])
    assert card.payload == "001090123456||Nguyễn Văn A|01011990|Nam|Thôn 1|15042021".encode()
    x0, y0, x1, y1 = card.qr_box
    assert 0 < x0 < x1 <= CARD_WIDTH and 0 < y0 < y1 <= CARD_HEIGHT


def test_frames_are_deterministic_given_the_seed(cards: list[CardImage]) -> None:
    a = card_frame(cards[0], degradation="combined", seed=3)
    b = card_frame(cards[0], degradation="combined", seed=3)
    c = card_frame(cards[0], degradation="combined", seed=4)
    assert np.array_equal(a.image, b.image)
    assert a.params == b.params
    assert not np.array_equal(a.image, c.image)


@pytest.mark.parametrize("degradation", DEGRADATIONS)
def test_every_degradation_gives_a_frame_of_the_requested_size(cards: list[CardImage], degradation: str) -> None:
    frame = card_frame(cards[1], degradation=degradation, seed=11, size=(1920, 1080))
    assert frame.image.shape == (1080, 1920, 3) and frame.image.dtype == np.uint8
    assert frame.payload == cards[1].payload and frame.degradation == degradation


def test_degradations_change_the_drawn_parameters(cards: list[CardImage]) -> None:
    clean = card_frame(cards[0], degradation="clean", seed=5).params
    assert card_frame(cards[0], degradation="blur", seed=5).params["blur_sigma"] > clean["blur_sigma"]
    assert card_frame(cards[0], degradation="small", seed=5).params["card_fraction"] < 0.4 <= clean["card_fraction"]
    assert card_frame(cards[0], degradation="jpeg", seed=5).params["jpeg_quality"] < clean["jpeg_quality"]
    assert card_frame(cards[0], degradation="glare", seed=5).params["glare"] > 0 == clean["glare"]


def test_unknown_degradation_is_rejected(cards: list[CardImage]) -> None:
    with pytest.raises(ValueError, match="unknown degradation"):
        card_frame(cards[0], degradation="fog")


def test_empty_scene_has_no_code() -> None:
    frame = card_frame(None, seed=2)
    assert frame.payload == b""
    assert zxingcpp.read_barcodes(frame.image, formats=zxingcpp.BarcodeFormat.QRCode) == []
