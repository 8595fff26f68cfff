"""Images are bounded before they are decoded: a small file claiming billions of pixels is a typed refusal, and the
rest of a ``kiosk qr decode`` batch is still decoded."""

from __future__ import annotations

import json
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from cli.main import main
from cli.qr_samples import sample_card
from drivers.qr.pipeline import MAX_IMAGE_PIXELS, ImageError, QrPipeline, to_gray
from tests.qr.conftest import claimed_png


@pytest.mark.parametrize("side", [60000, 30000, 7072])  # 7072² is just over the limit
def test_an_image_claiming_too_many_pixels_is_refused_before_decoding(tmp_path: Path, side: int) -> None:
    assert side * side > MAX_IMAGE_PIXELS
    image = tmp_path / "big.png"
    claimed_png(image, side, side)
    started = time.monotonic()
    with pytest.raises(ImageError, match="pixels"):
        QrPipeline().decode(image)
    assert time.monotonic() - started < 2


def test_frames_over_the_limit_are_refused_and_under_it_read() -> None:
    with pytest.raises(ImageError, match="pixels"):
        to_gray(np.broadcast_to(np.zeros(1, np.uint8), (MAX_IMAGE_PIXELS // 1000 + 1, 1000)))
    assert to_gray(np.zeros((1000, 1000), np.uint8)).shape == (1000, 1000)


def test_a_batch_goes_on_after_a_refused_image(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    big = tmp_path / "big.png"
    claimed_png(big, 60000, 60000)
    good = tmp_path / "good.png"
    cv2.imwrite(str(good), sample_card(12).image[..., ::-1])
    code = main(["qr", "decode", str(big), str(good), "--json"])
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert code == 1
    assert first["ok"] is False and first["error"]["code"] == "image-too-large"
    assert "pixels" in first["error"]["message"]
    assert second["ok"] is True
