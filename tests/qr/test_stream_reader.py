"""The kiosk's camera loop on realistic presentations: ``kiosk.scan.Scanner`` with the stream reader the kiosk is
wired with (``cli.devices``), fed by the virtual camera playing the sequences ``bench/qr_stream.py`` measures."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from cli.devices import CameraFrames
from cli.qr_samples import sample_card
from drivers.qr.pipeline import ImageError
from drivers.qr.stream import StreamReader
from drivers.sim.presentation import EMPTY_FRAMES
from drivers.sim.virtual_camera import VirtualCamera
from kiosk.qr_payload import is_card_payload
from kiosk.scan import ScanEvent, Scanner
from tests.session.test_scan import collect

VNEID_LINK = b"https://vneid.gov.vn/xac-thuc?t=eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIwMDEwOTkwMTIzNDUifQ.c2lnbmF0dXJl"


class Frames:
    """A ``kiosk.scan.FrameSource`` over a list of frames, then over a camera."""

    def __init__(self, first: list[Any], then: CameraFrames) -> None:
        self.first, self.then = first, then

    def read(self) -> Any | None:
        return self.first.pop(0) if self.first else self.then.read()

    def close(self) -> None:
        self.then.close()


def scan(camera: Any, until: Callable[[list[ScanEvent]], bool]) -> list[ScanEvent]:
    """Run a QR-only scanner over ``camera`` with the kiosk's reader until ``until(events)``."""
    return collect(lambda on: Scanner(camera=camera, decoder=StreamReader(accept=is_card_payload), chip=None,
                                      post=lambda fn: fn(), on_event=on, frame_interval=0.001), until, timeout=60.0)


def test_the_scan_loop_reads_a_card_under_glare_and_goes_on_past_an_unreadable_frame() -> None:
    card = sample_card(11)
    camera = VirtualCamera.presenting(card, 0, category="glare", held_frames=40)
    unreadable = np.zeros((4, 4, 5), np.uint8)  # not gray, BGR or BGRA
    events = scan(Frames([unreadable], CameraFrames(camera)), lambda ev: any(e.kind == "qr" for e in ev))
    errors = [e.error for e in events if e.kind == "qr-error"]
    assert len(errors) == 1 and errors[0] is not None and errors[0].code == "qr-failed"
    qr = next(e for e in events if e.kind == "qr")
    assert qr.identity is not None and qr.identity.id_number == card.payload.split(b"|")[0].decode()


def test_a_vneid_app_code_on_a_phone_is_a_typed_unsupported_error_and_never_logged(
        caplog: pytest.LogCaptureFixture) -> None:
    code = replace(sample_card(12), payload=VNEID_LINK)
    camera = VirtualCamera.presenting(code, 1, category="phone-small", held_frames=40)
    with caplog.at_level(logging.DEBUG):
        events = scan(CameraFrames(camera), lambda ev: any(e.kind == "qr-error" for e in ev))
    error = next(e.error for e in events if e.kind == "qr-error")
    assert error is not None and error.code == "unsupported-qr"
    assert "chưa được hỗ trợ" in (error.message_vi or "")
    assert "vneid.gov.vn" not in caplog.text and "eyJ" not in caplog.text
    assert not any(e.kind == "qr" for e in events)


def test_a_refused_payload_is_handed_on_only_once_seen_on_several_frames() -> None:
    code = replace(sample_card(13), payload=VNEID_LINK)
    camera = VirtualCamera.presenting(code, 2, category="phone-large", held_frames=30)
    reader = StreamReader(accept=is_card_payload, report_after=3)
    results: list[bytes | None] = []
    with camera:
        last = -1
        while (frame := camera.latest(newer_than=last)) is not None and VNEID_LINK not in results:
            last = frame.index
            results.append(reader.decode(frame.image))
    assert results.count(VNEID_LINK) == 1 and results[-1] == VNEID_LINK
    assert len(results) >= EMPTY_FRAMES + 3  # never before the code was read on three frames
    reader.reset()  # a new presentation: the count starts again
    assert reader.decode(camera.frame(last).image) is None


def test_the_reader_refuses_a_frame_that_is_not_an_image() -> None:
    with pytest.raises(ImageError):
        StreamReader().decode(np.zeros((4, 4), np.float32))


def test_a_realistic_camera_plays_the_presentation_the_benchmark_measures() -> None:
    card = sample_card(14)
    camera = VirtualCamera.presenting(card, 3, category="phone-bright", size=(640, 360), held_frames=2)
    assert camera.clip_length == EMPTY_FRAMES + camera.slide_frames + 2
    assert camera.presentation is not None and camera.presentation.category == "phone-bright"
    assert camera.pose(0) is None and camera.pose(EMPTY_FRAMES) is not None
    with camera:
        frames = []
        while (frame := camera.latest()) is not None:
            frames.append(frame)
    assert [f.index for f in frames] == list(range(camera.clip_length))
    assert frames[0].image.shape == (360, 640, 3)
    # the empty scene, then the bright phone screen lighting the frame up
    assert frames[-1].image.mean() > frames[0].image.mean() + 5
