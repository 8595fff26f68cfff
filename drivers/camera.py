"""Camera frame sources: the ``FrameSource`` interface and the OpenCV (V4L2) camera behind it.

The camera is opened once and kept open. MJPG is requested before the size (YUYV drops to 5–10 fps at 720p on
USB 2.0) and the size actually granted is read back. V4L2 queues several buffers, so a grabber thread reads
continuously and keeps only the newest frame; consumers always get the latest picture, never a stale one.

``CameraControls`` sets V4L2 exposure, focus and white balance through OpenCV's ``CAP_PROP_*`` (the V4L2 backend
maps them to the driver's controls) after the format is set. Each control is optional (``None`` leaves the
camera's own setting); a control the camera does not support is logged and skipped, never an error. What each
one does for decoding is in ``docs/qr-decoding.md``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol

import cv2
import numpy as np

from wire.errors import CodedError

log = logging.getLogger(__name__)


class CameraError(CodedError, RuntimeError):
    """The camera cannot be opened or stopped delivering frames."""

    code = "camera-error"


@dataclass(frozen=True)
class CameraFrame:
    image: np.ndarray  # BGR uint8
    index: int  # increases by one per captured frame
    timestamp: float  # time.monotonic() at capture


@dataclass(frozen=True)
class CameraControls:
    """V4L2 controls to set when the camera opens (``None``: leave the camera's setting).

    - ``exposure``: manual exposure in the driver's units (V4L2 ``exposure_time_absolute``, 100 µs steps on UVC
      cameras); manual mode is selected first. A short exposure (≤ 10 ms, i.e. 100) freezes a moving card.
    - ``auto_exposure``: ``True`` returns to the camera's automatic exposure.
    - ``focus``: manual focus position (V4L2 ``focus_absolute``), autofocus off: a fixed-mount kiosk knows the
      card distance and an autofocus hunting at 10–20 cm is the defocus the pipeline cannot undo.
    - ``autofocus``: ``True``/``False`` turns continuous autofocus on or off without a position.
    - ``white_balance``: a colour temperature in kelvin, automatic white balance off (``None``: automatic).
    - ``gain``: sensor gain (driver units); lower gain means less noise in low light at the cost of exposure.
    """

    exposure: float | None = None
    auto_exposure: bool | None = None
    focus: float | None = None
    autofocus: bool | None = None
    white_balance: float | None = None
    gain: float | None = None

    def settings(self) -> list[tuple[str, int, float]]:
        """(name, ``CAP_PROP_*``, value) in the order they must be applied (mode before value)."""
        out: list[tuple[str, int, float]] = []
        if self.exposure is not None:
            out += [("auto_exposure", cv2.CAP_PROP_AUTO_EXPOSURE, V4L2_EXPOSURE_MANUAL),
                    ("exposure", cv2.CAP_PROP_EXPOSURE, self.exposure)]
        elif self.auto_exposure:
            out.append(("auto_exposure", cv2.CAP_PROP_AUTO_EXPOSURE, V4L2_EXPOSURE_AUTO))
        if self.focus is not None:
            out += [("autofocus", cv2.CAP_PROP_AUTOFOCUS, 0), ("focus", cv2.CAP_PROP_FOCUS, self.focus)]
        elif self.autofocus is not None:
            out.append(("autofocus", cv2.CAP_PROP_AUTOFOCUS, 1 if self.autofocus else 0))
        if self.white_balance is not None:
            out += [("auto_white_balance", cv2.CAP_PROP_AUTO_WB, 0),
                    ("white_balance", cv2.CAP_PROP_WB_TEMPERATURE, self.white_balance)]
        if self.gain is not None:
            out.append(("gain", cv2.CAP_PROP_GAIN, self.gain))
        return out


# OpenCV's V4L2 backend passes CAP_PROP_AUTO_EXPOSURE through as V4L2_CID_EXPOSURE_AUTO's menu value.
V4L2_EXPOSURE_MANUAL = 1
V4L2_EXPOSURE_AUTO = 3


def apply_controls(capture: Any, controls: CameraControls) -> dict[str, float]:
    """Set ``controls`` on an open capture; returns the value read back for each control the camera accepted.

    A control is accepted when ``set`` succeeds; the driver may round the value, so the value read back is the
    one reported. Unsupported controls are logged (info) and skipped.
    """
    applied: dict[str, float] = {}
    for name, prop, value in controls.settings():
        if capture.set(prop, value):
            applied[name] = float(capture.get(prop))
        else:
            log.info("camera does not support the %s control; left as it is", name)
    return applied


class FrameSource(Protocol):
    """A source of camera frames. ``latest`` returns the newest frame with ``index > newer_than``."""

    size: tuple[int, int]

    def open(self) -> None: ...

    def latest(self, *, newer_than: int = -1, timeout: float = 1.0) -> CameraFrame | None: ...

    def close(self) -> None: ...

    def __enter__(self) -> FrameSource: ...

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...


class LatestFrame:
    """The newest frame, shared between one producer and any number of consumers."""

    def __init__(self) -> None:
        self._frame: CameraFrame | None = None
        self._count = 0
        self._closed = False
        self._cond = threading.Condition()

    def put(self, image: np.ndarray) -> None:
        with self._cond:
            self._frame = CameraFrame(image, self._count, time.monotonic())
            self._count += 1
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def get(self, *, newer_than: int, timeout: float) -> CameraFrame | None:
        with self._cond:
            self._cond.wait_for(lambda: self._closed or (self._frame is not None and self._frame.index > newer_than),
                                timeout)
            frame = self._frame
            return frame if frame is not None and frame.index > newer_than else None


class OpenCvCamera:
    """A V4L2 camera read through OpenCV with a latest-frame grabber thread."""

    MAX_FAILED_READS = 30

    def __init__(self, device: int | str = 0, *, size: tuple[int, int] = (1280, 720), fps: int = 30,
                 controls: CameraControls | None = None,
                 capture_factory: Callable[..., Any] = cv2.VideoCapture) -> None:
        self.device = device
        self.requested_size = size
        self.size = size
        self.fps = fps
        self.controls = controls or CameraControls()
        self.applied_controls: dict[str, float] = {}  # what the camera accepted, read back
        self._factory = capture_factory
        self._capture: Any = None
        self._latest = LatestFrame()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: CameraError | None = None

    def open(self) -> None:
        capture = self._factory(self.device, cv2.CAP_V4L2)
        if not capture.isOpened():
            capture.release()
            raise CameraError(f"cannot open camera {self.device!r}")
        capture.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*"MJPG"))  # before the size, or YUYV is kept
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.requested_size[0])
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.requested_size[1])
        capture.set(cv2.CAP_PROP_FPS, self.fps)
        self.size = (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
        if self.size != self.requested_size:
            log.warning("camera gave %s×%s instead of %s×%s", *self.size, *self.requested_size)
        self.applied_controls = apply_controls(capture, self.controls)
        self._capture = capture
        self._latest = LatestFrame()
        self._stop.clear()
        self._thread = threading.Thread(target=self._grab, name="camera-grabber", daemon=True)
        self._thread.start()

    def _grab(self) -> None:
        failures = 0
        while not self._stop.is_set():
            ok, image = self._capture.read()
            if ok and image is not None:
                failures = 0
                self._latest.put(image)
                continue
            failures += 1
            if failures >= self.MAX_FAILED_READS:
                self.error = CameraError("the camera stopped delivering frames")
                log.error("%s", self.error)
                break
            time.sleep(0.01)
        self._latest.close()

    def latest(self, *, newer_than: int = -1, timeout: float = 1.0) -> CameraFrame | None:
        if self.error is not None:
            raise self.error
        return self._latest.get(newer_than=newer_than, timeout=timeout)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None
        if self._capture is not None:
            self._capture.release()
            self._capture = None

    def __enter__(self) -> OpenCvCamera:
        self.open()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
