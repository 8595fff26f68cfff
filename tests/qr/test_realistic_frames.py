"""The QR dev set generator and the stream decoder."""

from __future__ import annotations

import numpy as np
import pytest
import zxingcpp

from cli.qr_samples import realistic_sample_frames, sample_card
from drivers.qr.pipeline import QrPipeline
from drivers.qr.stream import StreamDecoder, sharpness
from drivers.sim.card_image import CardImage
from drivers.sim.realistic_frames import DEV_CATEGORIES, draw_conditions, draw_pose, realistic_frame, render
from kiosk.qr_payload import is_card_payload, parse_qr_payload


@pytest.fixture(scope="module")
def card() -> CardImage:
    return sample_card(21)


@pytest.mark.parametrize("category", DEV_CATEGORIES)
def test_every_category_renders_a_frame_of_the_payload(card: CardImage, category: str) -> None:
    frame = realistic_frame(card, category, seed=4)
    assert frame.image.shape == (720, 1280, 3) and frame.image.dtype == np.uint8
    assert frame.payload == card.payload and frame.degradation == category
    assert frame.image.std() > 10  # a scene, not a blank


def test_frames_are_deterministic(card: CardImage) -> None:
    a = realistic_frame(card, "phone-bright", seed=9)
    b = realistic_frame(card, "phone-bright", seed=9)
    c = realistic_frame(card, "phone-bright", seed=10)
    assert np.array_equal(a.image, b.image) and not np.array_equal(a.image, c.image)


def test_dev_and_held_out_splits_differ() -> None:
    dev = next(realistic_sample_frames(1, split="dev", categories=("glare",)))
    held = next(realistic_sample_frames(1, split="held-out", categories=("glare",)))
    assert dev.payload != held.payload


def test_a_phone_screen_is_read_and_parses_as_a_vneid_cccd(card: CardImage) -> None:
    frame = realistic_frame(card, "phone-large", seed=3)
    result = QrPipeline(accept=is_card_payload).decode(frame.image)
    assert result is not None and result.payload == card.payload
    assert parse_qr_payload(result.payload, origin="vneid").source == "vneid-qr"


def test_the_pipeline_reads_frames_zxing_alone_misses_and_never_a_wrong_one() -> None:
    frames = list(realistic_sample_frames(2, split="dev", categories=("jpeg", "low-light", "laminate", "motion")))
    pipeline = QrPipeline(accept=is_card_payload, budget_ms=1e9)
    formats = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    zxing = sum(any(bytes(b.bytes) == f.payload for b in zxingcpp.read_barcodes(f.image, formats=formats))
                for f in frames)
    results = [pipeline.decode(f.image) for f in frames]
    assert all(r is None or r.payload == f.payload for r, f in zip(results, frames, strict=True))
    assert sum(r is not None for r in results) > zxing


def test_stream_decoder_skips_a_blurred_frame_once_and_reads_the_held_card(card: CardImage) -> None:
    rng = np.random.default_rng(1)
    conditions = draw_conditions("laminate", rng)
    pose = draw_pose("laminate", rng)
    sharp = render(card, conditions, pose, seed=1).image
    smeared = render(card, conditions, {**pose, "motion": 25.0}, seed=2).image
    assert sharpness(smeared[..., 1]) < sharpness(sharp[..., 1])
    decoder = StreamDecoder(QrPipeline(accept=is_card_payload))
    decoder.feed(sharp)
    decoder.reset()
    assert decoder.feed(sharp) is not None or decoder.feed(sharp) is not None
    decoder.reset()
    decoder.feed(sharp)
    assert decoder.feed(smeared) is None and decoder.skipped == 1
    decoder.feed(smeared)  # never skipped twice in a row
    assert decoder.skipped == 1
