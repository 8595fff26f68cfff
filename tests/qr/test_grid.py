"""Re-sampling a symbol's module grid (drivers.qr.grid) and the pipeline stages around it."""

from __future__ import annotations

import time

import cv2
import numpy as np
import pytest
import segno

from drivers.qr.decoders import ZxingDecoder
from drivers.qr.grid import (
    alignment_centres,
    followed_symbols,
    function_patterns,
    modules_of,
    render,
    resampled_symbols,
)
from drivers.qr.pipeline import MIN_BUDGET_MS, QrPipeline, Stage

PAYLOAD = b"001090123456|123456789|Nguyen Van A|01011990|Nam|So 1, Phuong 2, Quan 3, TP HCM|15042021"
MATRIX = np.array(segno.make_qr(PAYLOAD, mode="byte", error="m", boost_error=False).matrix, np.uint8)
QUIET = 6


def _bowed(bow: float, blur: float, *, px: int = 3, noise: float = 6.0) -> tuple[np.ndarray, np.ndarray]:
    """The code at ``px`` pixels per module, bowed by ``bow`` modules at its middle, blurred and noisy; and its
    outer corners."""
    n = MATRIX.shape[0]
    image = np.pad((1 - MATRIX) * 255, QUIET, constant_values=255).astype(np.float32)
    big = cv2.resize(image, None, fx=px, fy=px, interpolation=cv2.INTER_NEAREST)
    height, width = big.shape
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    across = (xx - width / 2) / (width / 2)
    bent = cv2.remap(big, xx, yy - bow * px * (1 - across**2), cv2.INTER_LINEAR, borderValue=255)
    bent = cv2.GaussianBlur(bent, (0, 0), blur) + np.random.default_rng(0).normal(0, noise, bent.shape)
    corners = np.array([[QUIET, QUIET], [QUIET + n, QUIET], [QUIET + n, QUIET + n], [QUIET, QUIET + n]],
                       np.float32) * px
    corners[:, 1] -= bow * px * (1 - ((corners[:, 0] - width / 2) / (width / 2)) ** 2)
    return np.clip(bent, 0, 255).astype(np.uint8), corners


def _waved(amplitude: float, period: float, *, px: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """The code printed on cloth: each axis displaced by a wave of ``amplitude`` modules and ``period`` modules
    along the other (a little longer across), blurred and noisy; and its corners as if it were flat."""
    n = MATRIX.shape[0]
    image = np.pad((1 - MATRIX) * 255, QUIET, constant_values=255).astype(np.float32)
    big = cv2.resize(image, None, fx=px, fy=px, interpolation=cv2.INTER_NEAREST)
    yy, xx = np.mgrid[0:big.shape[0], 0:big.shape[1]].astype(np.float32)
    shift = amplitude * px
    waved = cv2.remap(big, xx + shift * np.sin(2 * np.pi * yy / (period * px) + 1.0),
                      yy + shift * np.sin(2 * np.pi * xx / (1.3 * period * px) + 0.3), cv2.INTER_LINEAR,
                      borderValue=255)
    waved = cv2.GaussianBlur(waved, (0, 0), 1.0) + np.random.default_rng(0).normal(0, 6.0, waved.shape)
    corners = np.array([[QUIET, QUIET], [QUIET + n, QUIET], [QUIET + n, QUIET + n], [QUIET, QUIET + n]],
                       np.float32) * px
    return np.clip(waved, 0, 255).astype(np.uint8), corners


def _reads(image: np.ndarray, corners: np.ndarray, **options: bool) -> bool:
    pure = ZxingDecoder(pure=True)
    return any(PAYLOAD in pure.decode(view) for view in resampled_symbols(image, corners, MATRIX.shape[0], **options))


@pytest.mark.parametrize("version", [1, 2, 6, 7, 8, 14, 21, 32, 40])
def test_function_patterns_match_an_independent_encoder(version: int) -> None:
    matrix = np.array(segno.make_qr(b"x", version=version, error="l").matrix, bool)
    fixed, dark = function_patterns(matrix.shape[0])
    assert np.array_equal(matrix[fixed], dark[fixed])
    assert fixed.sum() > 3 * 64  # the finders and their separators at least


def test_alignment_centres_follow_the_standard_table() -> None:
    assert alignment_centres(21) == []
    assert alignment_centres(25) == [(18, 18)]  # version 2
    assert len(alignment_centres(49)) == 6 and (24, 24) in alignment_centres(49)  # version 8: 6, 24, 42
    rows = sorted({r for r, _c in alignment_centres(4 * 32 + 17)})
    assert rows == [6, 34, 60, 86, 112, 138]  # version 32, the one with its own step


def test_versions_are_read_from_zxing_names() -> None:
    assert modules_of("8") == 49 and modules_of("40") == 177
    assert modules_of("M2") == modules_of("R11x99") == modules_of("") == modules_of("41") == 0


def test_a_clean_rendering_reads_in_pure_mode() -> None:
    assert ZxingDecoder(pure=True).decode(render(MATRIX.astype(bool))) == [PAYLOAD]


def test_located_patterns_follow_a_bowed_code_the_corners_homography_misses() -> None:
    image, corners = _bowed(bow=1.0, blur=0.8)
    assert _reads(image, corners, locate=True, equalise=False)
    assert not _reads(image, corners, locate=False, equalise=False)


def test_the_equaliser_reads_modules_the_blur_spills_into_each_other() -> None:
    image, corners = _bowed(bow=0.0, blur=1.4)
    assert _reads(image, corners, equalise=True)
    assert not _reads(image, corners, equalise=False)


def test_the_pipeline_reads_a_bowed_blurred_code_zxing_cpp_alone_misses() -> None:
    image, _corners = _bowed(bow=1.0, blur=1.4)
    assert ZxingDecoder().decode(image) == []
    assert _reads(image, _corners)  # both techniques are needed here
    image = cv2.copyMakeBorder(image, 40, 40, 60, 60, cv2.BORDER_CONSTANT, value=255)
    result = QrPipeline(budget_ms=1e9, relative_budget=float("inf")).decode(image)
    assert result is not None and result.payload == PAYLOAD


def test_an_inverted_code_is_read_by_the_inverted_pass() -> None:
    image = 255 - np.kron(np.pad(1 - MATRIX, 4, constant_values=1) * 255, np.ones((4, 4), np.uint8)).astype(np.uint8)
    image = cv2.copyMakeBorder(image, 50, 50, 50, 50, cv2.BORDER_CONSTANT, value=0)
    assert ZxingDecoder(fast=True).decode(image) == []
    result = QrPipeline().decode(image)
    assert result is not None and result.payload == PAYLOAD and result.decoder == "zxing-cpp+inverted"


class SlowDecoder:
    name = "slow"
    byte_exact = True

    def __init__(self, payload: bytes) -> None:
        self.payload = payload
        self.calls = 0

    def decode(self, gray: np.ndarray) -> list[bytes]:
        self.calls += 1
        deadline = time.thread_time() + 2 * MIN_BUDGET_MS / 1000
        while time.thread_time() < deadline:  # twice the smallest budget, of this thread's CPU
            pass
        return [self.payload] if self.calls > 1 else []


def test_later_stages_stop_at_a_multiple_of_the_first_pass() -> None:
    image = np.full((100, 100), 255, np.uint8)
    for relative, expected in ((0.5, None), (float("inf"), b"late")):
        slow = SlowDecoder(b"late")
        stages = [Stage("first", slow), Stage("later", slow, lambda attempt: iter((attempt.gray,)))]
        result = QrPipeline(stages, relative_budget=relative).decode(image)
        assert (result.payload if result else None) == expected
        assert slow.calls == (1 if expected is None else 2)



def test_a_code_on_cloth_is_read_on_a_grid_that_follows_its_waves() -> None:
    image, corners = _waved(0.4, 12)
    pure = ZxingDecoder(pure=True)
    assert PAYLOAD not in ZxingDecoder().decode(image)
    assert not _reads(image, corners)  # neither the homography nor the smooth fit through the patterns
    followed = list(followed_symbols(image, corners, MATRIX.shape[0]))
    assert 1 <= len(followed) <= 3 and any(PAYLOAD in pure.decode(view) for view in followed)
    assert not _reads(image, corners, locate=False)


def test_following_stops_when_the_decision_no_longer_changes_and_skips_unknown_sizes() -> None:
    image, corners = _bowed(0.0, 0.6)  # flat and sharp: the homography's decision is already right
    assert list(followed_symbols(image, corners, MATRIX.shape[0])) == []
    assert list(followed_symbols(image, corners, 0)) == []
