"""A virtual camera playing a clip of a card being presented, behind the same interface as the real camera.

The clip: ``empty_frames`` of the counter without a card, ``slide_frames`` of the card sliding in from the right
(motion blur proportional to its speed, turning upright), then ``held_frames`` of the card held under the camera
with a slight hand tremor. Frames are rendered on demand and are deterministic given the seed.

``VirtualCamera.presenting`` plays a realistic presentation instead (``drivers.sim.presentation``: glare, defocus,
a phone screen..., the sequences ``bench/qr_stream.py`` measures): its empty frames, the entry, then
``held_frames`` of the object held.

Without ``fps`` each ``latest()`` call returns the next frame of the clip (tests); with ``fps`` the clip plays in
real time and ``latest()`` returns the frame due now, dropping the ones a slow consumer missed, like a camera.
"""

from __future__ import annotations

import math
import time
from types import TracebackType
from typing import Any

from drivers.camera import CameraFrame
from drivers.sim import presentation as presentations
from drivers.sim.card_image import CardImage, card_frame


class VirtualCamera:
    def __init__(self, card: CardImage | None, *, size: tuple[int, int] = (1280, 720), empty_frames: int = 4,
                 slide_frames: int = 5, held_frames: int = 20, loop: bool = False, fps: float | None = None,
                 seed: int = 0, presentation: presentations.Presentation | None = None) -> None:
        self.card = card if presentation is None else presentation.source
        self.presentation = presentation
        if presentation is not None:
            size = presentation.size
            empty_frames, slide_frames = presentations.EMPTY_FRAMES, presentation.entry_frames
        self.size = size
        self.empty_frames = empty_frames
        self.slide_frames = slide_frames
        self.held_frames = held_frames
        self.loop = loop
        self.fps = fps
        self.seed = seed
        self._opened_at: float | None = None
        self._last_index = -1

    @classmethod
    def presenting(cls, card: CardImage, n: int, *, category: str | None = None, size: tuple[int, int] = (1280, 720),
                   held_frames: int = 45, loop: bool = False, fps: float | None = None) -> VirtualCamera:
        """A camera playing presentation ``n`` of ``card`` (``drivers.sim.presentation.presentation``; its
        category cycles with ``n`` unless given)."""
        shown = presentations.presentation(n, [card], category=category, size=size)
        return cls(card, held_frames=held_frames, loop=loop, fps=fps, seed=n, presentation=shown)

    @property
    def clip_length(self) -> int:
        return self.empty_frames + self.slide_frames + self.held_frames

    def pose(self, index: int) -> dict[str, Any] | None:
        """The card placement of clip frame ``index`` (``card_frame`` overrides), ``None`` when no card is shown."""
        i = index - self.empty_frames
        if self.card is None or i < 0:
            return None
        if self.presentation is not None:
            return self.presentation.pose(i)
        if i < self.slide_frames:
            progress = (i + 1) / (self.slide_frames + 1)
            step = 0.8 / (self.slide_frames + 1)  # frame widths per frame
            return {"centre": (1.3 - 0.8 * progress, 0.5), "rotation": 15 * (1 - progress), "card_fraction": 0.55,
                    "tilt": 0.03, "motion": step * self.size[0] * 0.3 * 720 / self.size[1], "motion_angle": 0.0}
        t = i - self.slide_frames
        return {"centre": (0.5 + 0.006 * math.sin(t * 0.9), 0.5 + 0.005 * math.cos(t * 1.3)),
                "rotation": 2.0 + 0.8 * math.sin(t * 0.7), "card_fraction": 0.55, "tilt": 0.03,
                "motion": 0.8 + 0.6 * abs(math.sin(t * 1.1)), "motion_angle": (t * 37.0) % 180}

    def frame(self, index: int) -> CameraFrame:
        """Clip frame ``index`` rendered."""
        if self.presentation is not None:
            return CameraFrame(self.presentation.frame(index), index, time.monotonic())
        pose = self.pose(index)
        rendered = card_frame(self.card if pose is not None else None, seed=self.seed * 100_003 + index,
                              size=self.size, overrides=pose, scene_seed=self.seed)
        return CameraFrame(rendered.image, index, time.monotonic())

    def open(self) -> None:
        self._opened_at = time.monotonic()
        self._last_index = -1

    def latest(self, *, newer_than: int = -1, timeout: float = 1.0) -> CameraFrame | None:
        """The newest frame after ``newer_than``; ``None`` at the end of a clip that does not loop, or on timeout."""
        if self._opened_at is None:
            raise RuntimeError("the virtual camera is not open")
        wanted = max(newer_than, self._last_index) + 1
        if self.fps is not None:
            due = int((time.monotonic() - self._opened_at) * self.fps)
            if due < wanted:
                wait = (wanted - due) / self.fps
                if wait > timeout:
                    time.sleep(timeout)
                    return None
                time.sleep(wait)
            wanted = max(wanted, int((time.monotonic() - self._opened_at) * self.fps))
        if not self.loop and wanted >= self.clip_length:
            return None
        self._last_index = wanted
        frame = self.frame(wanted % self.clip_length)
        return CameraFrame(frame.image, wanted, frame.timestamp)

    def close(self) -> None:
        self._opened_at = None

    def __enter__(self) -> VirtualCamera:
        self.open()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
