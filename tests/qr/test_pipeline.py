from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np
import pytest
import segno
from PIL import Image

from drivers.qr.decoders import ZxingDecoder
from drivers.qr.pipeline import DecodeResult, ImageError, QrPipeline, Stage, thread_pipeline
from drivers.sim.card_image import CardImage, Frame


@pytest.fixture()
def pipeline() -> QrPipeline:
    return QrPipeline()


def _bgr(card: CardImage) -> np.ndarray:
    return np.ascontiguousarray(card.image[..., ::-1])


def test_accepts_paths_pil_images_and_numpy_frames(pipeline: QrPipeline, cards: list[CardImage],
                                                   tmp_path: Path) -> None:
    card = cards[0]
    bgr = _bgr(card)
    path = tmp_path / "card.png"
    cv2.imwrite(str(path), bgr)
    inputs = [path, str(path), Image.fromarray(card.image), bgr, cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY),
              cv2.cvtColor(bgr, cv2.COLOR_BGR2BGRA)]
    for image in inputs:
        result = pipeline.decode(image)
        assert isinstance(result, DecodeResult)
        assert result.payload == card.payload
        assert result.decoder == "zxing-cpp" and result.ms > 0


@pytest.mark.parametrize("bad", [np.zeros((10, 10), np.float32), np.zeros((4, 4, 2), np.uint8),
                                 np.zeros((2, 2, 2, 2), np.uint8), 42, b"not an image"])
def test_bad_inputs_raise_image_error(pipeline: QrPipeline, bad: object) -> None:
    with pytest.raises(ImageError):
        pipeline.decode(bad)


def test_missing_or_non_image_files_raise_image_error(pipeline: QrPipeline, tmp_path: Path) -> None:
    with pytest.raises(ImageError):
        pipeline.decode(tmp_path / "missing.png")
    text = tmp_path / "notes.png"
    text.write_text("not a PNG", encoding="utf-8")
    with pytest.raises(ImageError):
        pipeline.decode(text)
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    with pytest.raises(ImageError):
        pipeline.decode(empty)


def test_no_code_gives_none(pipeline: QrPipeline) -> None:
    assert pipeline.decode(np.full((720, 1280), 128, np.uint8)) is None


def test_accept_skips_other_codes_in_view() -> None:
    left = np.array(segno.make_qr(b"https://example.org/poster", error="m").matrix, np.uint8)
    right = np.array(segno.make_qr(b"001090123456||A|01011990|Nam|B|15042021", error="m").matrix, np.uint8)
    canvas = np.full((400, 800), 255, np.uint8)
    for x, matrix in ((40, left), (440, right)):
        side = 8 * matrix.shape[0]
        canvas[60:60 + side, x:x + side] = cv2.resize((1 - matrix) * 255, (side, side),
                                                      interpolation=cv2.INTER_NEAREST)
    wanted = QrPipeline(accept=lambda payload: payload.startswith(b"001090123456"))
    result = wanted.decode(canvas)
    assert result is not None and result.payload.startswith(b"001090123456|")
    assert QrPipeline(accept=lambda payload: False).decode(canvas) is None


def test_pipeline_is_bound_to_its_thread(pipeline: QrPipeline, cards: list[CardImage]) -> None:
    errors: list[BaseException] = []
    mine: list[QrPipeline] = []

    def other_thread() -> None:
        try:
            pipeline.decode(_bgr(cards[0]))
        except RuntimeError as exc:
            errors.append(exc)
        mine.append(thread_pipeline())

    worker = threading.Thread(target=other_thread)
    worker.start()
    worker.join()
    assert len(errors) == 1
    assert thread_pipeline() is thread_pipeline()
    assert mine[0] is not thread_pipeline()


def test_degraded_frames_decode_byte_exactly_and_never_wrongly(degraded_frames: list[Frame]) -> None:
    pipeline = QrPipeline()
    zxing = ZxingDecoder()
    decoded = by_zxing = 0
    later_stages: set[str] = set()
    for frame in degraded_frames:
        result = pipeline.decode(frame.image)
        alone = zxing.decode(cv2.cvtColor(frame.image, cv2.COLOR_BGR2GRAY))
        assert all(payload == frame.payload for payload in alone)
        if alone:
            by_zxing += 1
            assert result is not None  # the pipeline never loses a frame zxing-cpp alone reads
        if result is not None:
            assert result.payload == frame.payload
            decoded += 1
            if result.decoder != "zxing-cpp":
                later_stages.add(result.decoder)
    assert decoded >= 0.9 * len(degraded_frames)
    assert decoded > by_zxing  # preprocessing recovers frames zxing-cpp alone misses
    assert later_stages


class CountingDecoder:
    name = "counting"
    byte_exact = True

    def __init__(self) -> None:
        self.calls = 0

    def decode(self, gray: np.ndarray) -> list[bytes]:
        self.calls += 1
        return []


def _damaged_code() -> np.ndarray:
    """A code whose finder patterns are intact but whose data area is too damaged to correct."""
    matrix = np.pad(np.array(segno.make_qr(b"001090123456||A|01011990|Nam|B|15042021", error="l").matrix,
                             np.uint8), 4)
    n = matrix.shape[0]
    rng = np.random.default_rng(0)
    inner = (slice(13, n - 13), slice(13, n - 13))
    matrix[inner] = rng.integers(0, 2, matrix[inner].shape)
    return np.kron((1 - matrix) * 255, np.ones((6, 6), np.uint8)).astype(np.uint8)


def test_gated_stages_run_only_after_zxing_saw_an_undecoded_symbol() -> None:
    zxing, fallback = ZxingDecoder(), CountingDecoder()
    pipeline = QrPipeline([Stage("zxing-cpp", zxing), Stage("fallback", fallback, gated=True)])
    assert pipeline.decode(np.full((480, 640), 128, np.uint8)) is None
    assert fallback.calls == 0  # nothing looked like a code: the slow fallback is skipped
    assert pipeline.decode(_damaged_code()) is None
    assert zxing.saw_candidate
    assert fallback.calls == 1
