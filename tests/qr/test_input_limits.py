from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cli.qr_samples import sample_card
from drivers.qr.pipeline import ImageError, ImageTooLargeError, QrPipeline, check_image_size
from tests.qr.conftest import claimed_png


def test_oversized_files_are_refused_from_the_header(tmp_path: Path) -> None:
    path = tmp_path / "big.png"
    claimed_png(path, 10_000, 6_000)
    with pytest.raises(ImageTooLargeError) as error:
        QrPipeline().decode(path)
    assert (error.value.width, error.value.height) == (10_000, 6_000)
    assert isinstance(error.value, ImageError)  # callers that catch ImageError keep working
    check_image_size(path, limit=60_000_000)  # at the limit: allowed (decoding would then fail on the data)


def test_pil_decompression_bombs_are_too_large_too(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    claimed_png(path, 30_000, 30_000)  # 900 MP, beyond PIL's own guard
    with pytest.raises(ImageTooLargeError):
        check_image_size(path)


def test_arrays_and_pil_images_are_checked_too() -> None:
    pipeline = QrPipeline(max_pixels=100 * 100)
    with pytest.raises(ImageTooLargeError):
        pipeline.decode(np.zeros((101, 100), np.uint8))
    with pytest.raises(ImageTooLargeError):
        pipeline.decode(Image.new("L", (200, 100)))
    assert pipeline.decode(np.zeros((100, 100), np.uint8)) is None


def test_pipeline_still_decodes_a_card_within_the_cap() -> None:
    card = sample_card(3)
    result = QrPipeline().decode(np.ascontiguousarray(card.image[..., ::-1]))
    assert result is not None and result.payload == card.payload


def test_unreadable_files_are_image_errors(tmp_path: Path) -> None:
    text = tmp_path / "notes.png"
    text.write_text("hello", encoding="utf-8")
    with pytest.raises(ImageError):
        QrPipeline().decode(text)
    with pytest.raises(ImageError):
        QrPipeline().decode(tmp_path / "missing.png")
