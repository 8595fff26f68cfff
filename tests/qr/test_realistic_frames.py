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


def _mild(card: CardImage, category: str, scale: float = 0.7, **params: object) -> np.ndarray:
    """A frame of ``category`` held flat and close, with ``params`` overriding its drawn conditions."""
    conditions = draw_conditions(category, np.random.default_rng(3))
    conditions.params.update(blur_sigma=0.5, read_noise=1.5, jpeg_quality=90, **params)
    pose = {"centre": (0.5, 0.5), "scale": scale, "rotation": 0.0, "tilt": 0.0, "tilt_edge": 0}
    return render(card, conditions, pose, seed=5).image


def _zxing(image: np.ndarray, **options: bool) -> list[bytes]:
    formats = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    return [bytes(b.bytes) for b in zxingcpp.read_barcodes(image, formats=formats, **options)]


def test_an_inverted_code_is_light_on_dark(card: CardImage) -> None:
    image = _mild(card, "noncompliant", inverted=True, mirrored=False)
    assert _zxing(image, try_invert=False) == []
    assert _zxing(image) == [card.payload]  # zxing-cpp's own inverted pass reads it


def test_a_mirrored_code_differs_from_the_printed_one_and_still_reads(card: CardImage) -> None:
    mirrored = _mild(card, "noncompliant", inverted=False, mirrored=True)
    plain = _mild(card, "noncompliant", inverted=False, mirrored=False)
    assert not np.array_equal(mirrored, plain)
    assert _zxing(mirrored) == _zxing(plain) == [card.payload]


def test_many_codes_in_view_are_other_payloads_the_pipeline_passes_over(card: CardImage) -> None:
    image = _mild(card, "lots", others=7, others_seed=11, scale=0.45)
    others = [p for p in _zxing(image) if p != card.payload]
    assert others and not any(is_card_payload(p) for p in others)
    result = QrPipeline(accept=is_card_payload).decode(image)
    assert result is None or result.payload == card.payload


def test_a_high_version_code_is_drawn_at_that_version(card: CardImage) -> None:
    image = _mild(card, "high-version", version=14, scale=0.9)
    formats = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    found = [b for b in zxingcpp.read_barcodes(image, formats=formats) if bytes(b.bytes) == card.payload]
    assert found and found[0].extra["Version"] == "14" and found[0].ec_level == "H"


def test_a_code_without_quiet_zone_touches_a_dark_frame(card: CardImage) -> None:
    image = _mild(card, "no-quiet-zone", surround="frame", surround_gap=0.0)
    with_zone = _mild(card, "glare", glare_peak=0.0)
    assert _zxing(with_zone) == [card.payload]
    assert np.mean(image) < np.mean(with_zone) - 2  # the dark frame around the code


def test_a_cast_shadow_darkens_part_of_the_frame(card: CardImage) -> None:
    shaded = _mild(card, "shadows", shadow=0.3, shadow_offset=0.0, shadow_stripe=0.0).astype(np.float32)
    lit = _mild(card, "shadows", shadow=1.0, shadow_offset=0.0, shadow_stripe=0.0).astype(np.float32)
    ratio = (shaded.mean(axis=2) + 1) / (lit.mean(axis=2) + 1)
    assert np.mean(ratio < 0.5) > 0.3 and np.mean(ratio > 0.9) > 0.3  # a dark side and a lit side


def test_creases_move_the_modules(card: CardImage) -> None:
    creased = _mild(card, "wrinkled", wrinkle=0.9, wrinkle_period=8.0)
    flat = _mild(card, "wrinkled", wrinkle=0.0, wrinkle_period=8.0)
    assert _zxing(flat) == [card.payload]
    assert np.mean(np.abs(creased.astype(np.int16) - flat.astype(np.int16))) > 3
