"""Fusion across the frames of a stream: a glare spot that moves over the code hides a different part of it in
each frame; no frame alone can be read, their combination can. And the presentations keep the code in view."""

from __future__ import annotations

import cv2
import numpy as np
import segno

from cli.qr_samples import sample_card
from drivers.qr.pipeline import QrPipeline
from drivers.qr.stream import StreamDecoder, rectified
from drivers.sim.presentation import code_in_view, presentation
from drivers.sim.realistic_frames import code_corners

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


def test_an_implausible_outline_is_not_rectified() -> None:
    gray = np.zeros((100, 100), np.uint8)
    sliver = np.array([[10, 10], [14, 10], [14, 90], [10, 90]], np.float32)
    assert rectified(gray, sliver) is None
    square = np.array([[10, 10], [90, 10], [90, 90], [10, 90]], np.float32)
    view = rectified(gray, square)
    assert view is not None and view.shape == (360, 360)


def inside(quad: np.ndarray, size: tuple[int, int]) -> bool:
    return bool((quad >= 0).all() and (quad[:, 0] <= size[0]).all() and (quad[:, 1] <= size[1]).all())


def test_presentations_hold_the_whole_code_in_view() -> None:
    cards = [sample_card(2000 + k) for k in range(16)]
    for n in (19, 35, 49, 99):  # drawn with the code partly out of the frame
        shown = presentation(n, cards)
        assert inside(code_corners(shown.source, shown.conditions, shown.hold, shown.size), shown.size)
    shown = presentation(0, cards)
    corner = {**shown.hold, "centre": (0.97, 0.03)}  # the code (top right of the card) far out of view
    assert not inside(code_corners(shown.source, shown.conditions, corner, shown.size), shown.size)
    moved = code_in_view(shown.source, shown.conditions, corner, shown.size)
    assert inside(code_corners(shown.source, shown.conditions, moved, shown.size), shown.size)
