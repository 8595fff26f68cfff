from __future__ import annotations

import threading
import time
from typing import Any

import cv2
import numpy as np
import pytest

from cli.qr_samples import sample_card
from drivers.camera import CameraControls, CameraError, LatestFrame, OpenCvCamera
from drivers.qr.pipeline import QrPipeline
from drivers.sim.virtual_camera import VirtualCamera


class FakeCapture:
    """Stands in for cv2.VideoCapture: records settings, produces numbered frames, can fail."""

    def __init__(self, device: Any, api: int, *, opened: bool = True, fail_after: int | None = None,
                 unsupported: frozenset[int] = frozenset()) -> None:
        self.device, self.api = device, api
        self.unsupported = unsupported
        self.opened = opened
        self.fail_after = fail_after
        self.settings: list[tuple[int, float]] = []
        self.values: dict[int, float] = {}
        self.count = 0
        self.released = threading.Event()

    def isOpened(self) -> bool:  # OpenCV naming
        return self.opened

    def set(self, prop: int, value: float) -> bool:
        if prop in self.unsupported:
            return False
        self.settings.append((prop, value))
        if prop != cv2.CAP_PROP_FRAME_HEIGHT:
            self.values[prop] = value
        else:
            self.values[prop] = 600.0  # the device grants another height
        return True

    def get(self, prop: int) -> float:
        return self.values.get(prop, 0.0)

    def read(self) -> tuple[bool, np.ndarray | None]:
        time.sleep(0.002)
        if self.fail_after is not None and self.count >= self.fail_after:
            return False, None
        self.count += 1
        return True, np.full((4, 4, 3), self.count % 256, np.uint8)

    def release(self) -> None:
        self.released.set()


def test_camera_requests_mjpg_before_the_size_and_reads_the_size_back() -> None:
    captures: list[FakeCapture] = []

    def factory(device: Any, api: int) -> FakeCapture:
        captures.append(FakeCapture(device, api))
        return captures[-1]

    with OpenCvCamera(2, size=(1280, 720), capture_factory=factory) as camera:
        capture = captures[0]
        assert capture.device == 2 and capture.api == cv2.CAP_V4L2
        props = [prop for prop, _ in capture.settings]
        assert props.index(cv2.CAP_PROP_FOURCC) < props.index(cv2.CAP_PROP_FRAME_WIDTH)
        assert props.index(cv2.CAP_PROP_FOURCC) < props.index(cv2.CAP_PROP_FRAME_HEIGHT)
        assert dict(capture.settings)[cv2.CAP_PROP_FOURCC] == cv2.VideoWriter.fourcc(*"MJPG")
        assert camera.size == (1280, 600)
    assert capture.released.is_set()


def test_camera_keeps_only_the_latest_frame() -> None:
    capture = FakeCapture(0, cv2.CAP_V4L2)
    with OpenCvCamera(capture_factory=lambda *_: capture) as camera:
        time.sleep(0.1)
        first = camera.latest()
        assert first is not None and first.index >= 5  # older frames were dropped, not queued
        assert int(first.image[0, 0, 0]) == (first.index + 1) % 256
        newer = camera.latest(newer_than=first.index)
        assert newer is not None and newer.index > first.index


def test_camera_that_cannot_open_raises() -> None:
    capture = FakeCapture(0, cv2.CAP_V4L2, opened=False)
    with pytest.raises(CameraError):
        OpenCvCamera(capture_factory=lambda *_: capture).open()
    assert capture.released.is_set()


def test_camera_that_stops_delivering_raises() -> None:
    capture = FakeCapture(0, cv2.CAP_V4L2, fail_after=3)
    with OpenCvCamera(capture_factory=lambda *_: capture) as camera:
        deadline = time.monotonic() + 5
        while camera.error is None and time.monotonic() < deadline:
            time.sleep(0.01)
        with pytest.raises(CameraError):
            camera.latest(timeout=0.1)


def test_latest_frame_times_out_without_a_newer_frame() -> None:
    latest = LatestFrame()
    assert latest.get(newer_than=-1, timeout=0.01) is None
    latest.put(np.zeros((2, 2, 3), np.uint8))
    frame = latest.get(newer_than=-1, timeout=0.01)
    assert frame is not None and frame.index == 0
    assert latest.get(newer_than=0, timeout=0.01) is None


def test_virtual_camera_clip_shows_the_card_after_the_empty_frames() -> None:
    card = sample_card(5)
    pipeline = QrPipeline()
    results: dict[int, bytes | None] = {}
    with VirtualCamera(card, empty_frames=2, slide_frames=3, held_frames=6) as camera:
        last = -1
        while (frame := camera.latest(newer_than=last)) is not None:
            assert frame.image.shape == (720, 1280, 3)
            result = pipeline.decode(frame.image)
            results[frame.index] = result.payload if result else None
            last = frame.index
    assert sorted(results) == list(range(camera.clip_length))
    assert results[0] is None and results[1] is None  # no card yet
    held = [results[i] for i in range(5, 11)]
    assert all(payload in (None, card.payload) for payload in results.values())
    assert held.count(card.payload) >= 5


def test_virtual_camera_loops_and_must_be_open() -> None:
    camera = VirtualCamera(None, empty_frames=2, slide_frames=0, held_frames=0, loop=True, size=(320, 180))
    with pytest.raises(RuntimeError):
        camera.latest()
    with camera:
        indexes = [frame.index for frame in (camera.latest(), camera.latest(), camera.latest()) if frame]
    assert indexes == [0, 1, 2]
    assert camera.pose(0) is None


def test_virtual_camera_in_real_time_drops_frames_a_slow_consumer_misses() -> None:
    with VirtualCamera(None, empty_frames=1000, held_frames=0, fps=100, size=(320, 180)) as camera:
        first = camera.latest()
        time.sleep(0.2)
        second = camera.latest(newer_than=first.index if first else -1)
    assert first is not None and second is not None
    assert second.index >= first.index + 10


def test_camera_controls_set_the_mode_before_the_value_and_read_back() -> None:
    capture = FakeCapture(0, cv2.CAP_V4L2, unsupported=frozenset({cv2.CAP_PROP_WB_TEMPERATURE}))
    controls = CameraControls(exposure=80, focus=120, white_balance=4500, gain=10)
    with OpenCvCamera(0, controls=controls, capture_factory=lambda *_: capture) as camera:
        props = [prop for prop, _ in capture.settings]
        values = dict(capture.settings)
        assert props.index(cv2.CAP_PROP_AUTO_EXPOSURE) < props.index(cv2.CAP_PROP_EXPOSURE)
        assert values[cv2.CAP_PROP_AUTO_EXPOSURE] == 1  # V4L2 manual exposure
        assert props.index(cv2.CAP_PROP_AUTOFOCUS) < props.index(cv2.CAP_PROP_FOCUS)
        assert values[cv2.CAP_PROP_AUTOFOCUS] == 0 and values[cv2.CAP_PROP_FOCUS] == 120
        assert props.index(cv2.CAP_PROP_FRAME_WIDTH) < props.index(cv2.CAP_PROP_EXPOSURE)  # format first
        # The camera refused the white balance temperature: skipped, the camera still opens and streams.
        assert camera.applied_controls == {"auto_exposure": 1.0, "exposure": 80.0, "autofocus": 0.0,
                                           "focus": 120.0, "auto_white_balance": 0.0, "gain": 10.0}
        assert camera.latest(timeout=1.0) is not None


def test_camera_controls_default_to_leaving_the_camera_alone() -> None:
    capture = FakeCapture(0, cv2.CAP_V4L2)
    with OpenCvCamera(0, capture_factory=lambda *_: capture) as camera:
        props = {prop for prop, _ in capture.settings}
        assert props == {cv2.CAP_PROP_FOURCC, cv2.CAP_PROP_FRAME_WIDTH, cv2.CAP_PROP_FRAME_HEIGHT, cv2.CAP_PROP_FPS}
        assert camera.applied_controls == {}
    assert CameraControls(auto_exposure=True, autofocus=True).settings() == [
        ("auto_exposure", cv2.CAP_PROP_AUTO_EXPOSURE, 3), ("autofocus", cv2.CAP_PROP_AUTOFOCUS, 1)]
