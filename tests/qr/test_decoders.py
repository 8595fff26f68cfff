from __future__ import annotations

import cv2
import numpy as np
import pytest

from drivers.qr.decoders import DECODERS, make_decoder
from drivers.qr.zbar_binary import ZbarBinaryScanner
from drivers.sim.card_image import CardImage, qr_matrix

BYTE_EXACT = [name for name in DECODERS if make_decoder(name).byte_exact]


def _gray(card: CardImage, scale: float = 0.6) -> np.ndarray:
    gray = cv2.cvtColor(card.image, cv2.COLOR_RGB2GRAY)
    return cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def test_byte_exact_backends_are_the_raw_byte_ones() -> None:
    assert set(BYTE_EXACT) == {"zxing-cpp", "zbar-binary", "opencv-classic", "opencv-aruco"}


def _pure_code(payload: bytes, module: int = 6) -> np.ndarray:
    matrix = np.pad(qr_matrix(payload), 4)
    return np.kron((1 - matrix) * 255, np.ones((module, module), np.uint8)).astype(np.uint8)


@pytest.mark.parametrize("name", BYTE_EXACT)
def test_backend_returns_the_payload_bytes(cards: list[CardImage], name: str) -> None:
    decoder = make_decoder(name)
    for card in cards:
        assert decoder.decode(_pure_code(card.payload)) == [card.payload]


@pytest.mark.parametrize("name", ["zxing-cpp", "zbar-binary"])
def test_backend_reads_the_code_on_a_card(cards: list[CardImage], name: str) -> None:
    decoder = make_decoder(name)
    for card in cards:
        assert decoder.decode(_gray(card)) == [card.payload]


@pytest.mark.parametrize("name", sorted(DECODERS))
def test_backend_finds_nothing_in_a_blank_image(name: str) -> None:
    assert make_decoder(name).decode(np.full((480, 640), 200, np.uint8)) == []


def test_unknown_backend_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown decoder"):
        make_decoder("quirc")


def test_zbar_binary_needs_a_2d_image(cards: list[CardImage]) -> None:
    scanner = ZbarBinaryScanner()
    with pytest.raises(ValueError):
        scanner.scan(cards[0].image)
    assert scanner.scan(_gray(cards[0])) == [cards[0].payload]
    scanner.close()
