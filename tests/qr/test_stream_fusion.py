"""Fusion across the frames of a stream: a glare spot that moves over the code hides a different part of it in
each frame, a dark frame's noise differs from the next one's; no frame alone can be read, their registered
combination can. And the presentations keep the code in view, with damage a worn card can carry."""

from __future__ import annotations

import cv2
import numpy as np
import segno

from cli.qr_samples import sample_card
from drivers.qr.fusion import RegisteredViews
from drivers.qr.pipeline import QrPipeline
from drivers.qr.stream import StreamDecoder
from drivers.sim.card_image import CardImage
from drivers.sim.presentation import (
    EMPTY_FRAMES,
    SEED_BASE,
    code_in_view,
    presentation,
    readable_on_a_clean_camera,
)
from drivers.sim.realistic_frames import code_corners, draw_conditions
from kiosk.qr_payload import is_card_payload

MODULE = 6  # px
MARGIN = 100  # px of white around the code


def code_frame(payload: bytes) -> np.ndarray:
    matrix = np.array(segno.make_qr(payload, mode="byte", error="m", boost_error=False).matrix, np.uint8)
    code = np.kron(1 - matrix, np.ones((MODULE, MODULE), np.uint8)) * 255
    frame = np.full((code.shape[0] + 2 * MARGIN, code.shape[1] + 2 * MARGIN), 255, np.uint8)
    frame[MARGIN:-MARGIN, MARGIN:-MARGIN] = code
    return np.asarray(cv2.GaussianBlur(frame, (0, 0), 1.0))


def glared(frame: np.ndarray, x: float, y: float) -> np.ndarray:
    """A saturated disk over 28 % of the code, centred at (x, y) in fractions of the code's side."""
    side = frame.shape[0] - 2 * MARGIN
    out = frame.copy()
    cv2.circle(out, (MARGIN + round(x * side), MARGIN + round(y * side)), round(0.3 * side), 255, -1)
    return out


def test_a_moving_glare_spot_is_removed_by_fusing_the_frames() -> None:
    payload = sample_card(7).payload
    clean = code_frame(payload)
    frames = [glared(clean, x, y) for x, y in ((0.55, 0.5), (0.35, 0.62), (0.6, 0.75))]
    single = QrPipeline()
    assert all(single.decode(f) is None for f in frames)  # each frame alone is beyond error correction
    without = StreamDecoder(QrPipeline(), skip_blurred=False, fuse=False)
    assert all(without.feed(f) is None for f in frames)
    fused = StreamDecoder(QrPipeline(), skip_blurred=False)
    results = [fused.feed(f) for f in frames]
    assert results[0] is None
    decoded = next(r for r in results if r is not None)
    assert decoded.payload == payload and decoded.decoder.startswith("stream-fusion")
    fused.reset()
    assert fused.feed(frames[0]) is None  # a new presentation starts without the earlier views


def test_fusion_never_hands_on_a_payload_the_caller_refuses() -> None:
    clean = code_frame(sample_card(8).payload)
    decoder = StreamDecoder(QrPipeline(accept=lambda payload: False), skip_blurred=False)
    assert all(decoder.feed(glared(clean, x, y)) is None for x, y in ((0.55, 0.5), (0.35, 0.62), (0.6, 0.75)))


def test_a_view_moved_and_turned_by_the_hand_is_registered_on_the_first() -> None:
    first = code_frame(sample_card(9).payload)
    height, width = first.shape
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), 1.5, 1.0)
    turn[:, 2] += (3.5, -2.25)
    moved = cv2.warpAffine(first, turn, (width, height), borderValue=255)
    box = (MARGIN - 20, MARGIN - 20, width - MARGIN + 20, height - MARGIN + 20)
    views = RegisteredViews(first, box)
    assert views.add(moved)
    # the template's origin lands where the turn and shift put it in the moved frame
    expected = turn @ np.array([box[0], box[1], 1.0])
    assert np.abs(views.warp[:, 2] - expected).max() < 0.5
    fused = views.fused()
    assert set(fused) == {"stream-fusion-mean", "stream-fusion-min"}
    assert fused["stream-fusion-mean"].shape == (round(views.size[1] * views.zoom), round(views.size[0] * views.zoom))
    assert not views.add(np.full_like(first, 128))  # a blank frame: the region is lost


def cards() -> list[CardImage]:
    return [sample_card(2000 + k) for k in range(16)]


def test_a_dark_presentation_no_single_frame_of_which_decodes_is_read_by_fusion() -> None:
    shown = presentation(101, cards())  # low light: exposure 0.16, amplified noise, the webcam's denoiser
    assert shown.category == "low-light"
    frames = range(EMPTY_FRAMES + shown.entry_frames, EMPTY_FRAMES + shown.entry_frames + 8)
    single = QrPipeline(accept=is_card_payload)
    assert all(single.decode(shown.frame(i)) is None for i in frames)
    stream = StreamDecoder(QrPipeline(accept=is_card_payload))
    results = [stream.feed(shown.frame(i)) for i in range(frames.stop)]
    decoded = next(r for r in results if r is not None)
    assert decoded.payload == shown.source.payload and decoded.decoder.startswith("stream-fusion")


def test_a_dim_code_seen_but_unread_in_the_fused_views_is_read_on_their_resampled_grid() -> None:
    shown = presentation(53, cards())  # low light: exposure 0.20, the webcam's denoiser smearing the modules
    assert shown.category == "low-light"
    end = EMPTY_FRAMES + shown.entry_frames + 30  # a second of holding
    single = QrPipeline(accept=is_card_payload)
    assert all(single.decode(shown.frame(i)) is None for i in range(EMPTY_FRAMES, end))
    stream = StreamDecoder(QrPipeline(accept=is_card_payload))
    decoded = next(r for r in (stream.feed(shown.frame(i)) for i in range(end)) if r is not None)
    assert decoded.payload == shown.source.payload
    assert decoded.decoder.startswith("stream-fusion") and decoded.decoder.endswith("+grid")


def test_damage_beyond_error_correction_is_drawn_again_and_other_categories_are_untouched() -> None:
    deck = cards()
    drawn = draw_conditions("damaged", np.random.default_rng(SEED_BASE + 56))
    assert not readable_on_a_clean_camera(deck[56 % 16], drawn)  # no camera could read this card
    shown = presentation(56, deck)
    assert shown.conditions.params["damage_seed"] != drawn.params["damage_seed"]
    assert readable_on_a_clean_camera(shown.source, shown.conditions)
    assert shown.conditions.params["read_noise"] == drawn.params["read_noise"]  # the camera is the same
    kept = presentation(8, deck)  # readable as drawn: kept
    assert kept.conditions.params == draw_conditions("damaged", np.random.default_rng(SEED_BASE + 8)).params
    other = presentation(5, deck)
    assert other.conditions.params == draw_conditions("low-light", np.random.default_rng(SEED_BASE + 5)).params


def inside(quad: np.ndarray, size: tuple[int, int]) -> bool:
    return bool((quad >= 0).all() and (quad[:, 0] <= size[0]).all() and (quad[:, 1] <= size[1]).all())


def test_presentations_hold_the_whole_code_in_view() -> None:
    deck = cards()
    for n in (19, 35, 49, 99):  # drawn with the code partly out of the frame
        shown = presentation(n, deck)
        assert inside(code_corners(shown.source, shown.conditions, shown.hold, shown.size), shown.size)
    shown = presentation(0, deck)
    corner = {**shown.hold, "centre": (0.97, 0.03)}  # the code (top right of the card) far out of view
    assert not inside(code_corners(shown.source, shown.conditions, corner, shown.size), shown.size)
    moved = code_in_view(shown.source, shown.conditions, corner, shown.size)
    assert inside(code_corners(shown.source, shown.conditions, moved, shown.size), shown.size)
