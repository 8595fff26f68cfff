"""A hand-held presentation to the camera: one card or phone of a ``realistic_frames`` category brought into view
and held, frame by frame at 30 fps.

A few empty frames, the object brought into view from a frame edge (eased, with motion blur from its speed,
turning and tilting towards the camera), then held with a hand tremor and a slow tilt; the glare and light spots
slide as the object tilts, a moving hand pauses, a close card drifts in and out of focus, a strong tilt wavers
(``Presentation.conditions_at``). The object is held with the whole code in view (``code_in_view``). Frames are
rendered on demand, cached, and deterministic given the seed.

A damaged card's damage is what a worn card carries and can still be read: damage drawn beyond the code's error
correction (no camera, however clean, reads it) is drawn again (``readable_damage``). Such a card exists, but
it is not something a QR reader can be measured on: the kiosk sends it to the chip.

``bench/qr_stream.py`` measures the decoders on these sequences and ``drivers.sim.virtual_camera.VirtualCamera``
plays them, so the kiosk's scan loop can be tested on what the benchmark measures.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import cv2
import numpy as np
import zxingcpp

from drivers.qr.pipeline import QrPipeline, to_gray, unsharp
from drivers.sim.card_image import CardImage, Frame
from drivers.sim.realistic_frames import CATEGORIES, Conditions, code_corners, draw_conditions, draw_pose, render

FPS = 30.0
EMPTY_FRAMES = 3  # frames of the empty scene before the object appears
SEED_BASE = 5_000_000  # presentation seeds: other citizens and seeds than the dev set's
IN_VIEW_MARGIN = 0.08  # of the code's side, kept between the held code and the frame's edge (quiet zone, tremor)
DAMAGE_KEYS = ("scratches", "worn", "smudge", "damage_seed")  # the parameters of a card's damage
DAMAGE_DRAWS = 8  # damage drawn at most this many times until readable
CLEAN_VIEW_SCALES = (0.5, 0.65, 0.8)  # card width / frame width of the clean views (2.5–4 px per module at 720p)
CLEAN_VIEW_BLURS = (0.0, 1.0, 2.0)  # px


@dataclass
class Presentation:
    """One object brought into view and held; frames are rendered on demand and cached."""

    source: CardImage
    conditions: Conditions
    hold: dict[str, Any]
    seed: int
    entry_frames: int
    start: tuple[float, float]
    size: tuple[int, int] = (1280, 720)
    _cache: dict[int, Frame] = field(default_factory=dict, repr=False)

    @property
    def category(self) -> str:
        return self.conditions.category

    def pose(self, index: int) -> dict[str, Any]:
        """Pose of frame ``index`` (0 = first frame with the object in view)."""
        hold = self.hold
        if index < self.entry_frames:
            progress = (index + 1) / self.entry_frames
            eased = 1 - (1 - progress) ** 2
            speed = 2 * (1 - progress) / self.entry_frames  # d(eased)/d(frame)
            cx = self.start[0] + (hold["centre"][0] - self.start[0]) * eased
            cy = self.start[1] + (hold["centre"][1] - self.start[1]) * eased
            distance = math.hypot((hold["centre"][0] - self.start[0]) * self.size[0],
                                  (hold["centre"][1] - self.start[1]) * self.size[1])
            return {**hold, "centre": (cx, cy), "rotation": hold["rotation"] + 30 * (1 - eased),
                    "tilt": min(0.45, hold["tilt"] + 0.25 * (1 - eased)),
                    "motion": 0.4 * speed * distance * 720 / self.size[1],  # exposure ≈ 40 % of the frame period
                    "motion_angle": math.degrees(math.atan2(hold["centre"][1] - self.start[1],
                                                            hold["centre"][0] - self.start[0])) % 180}
        t = (index - self.entry_frames) / FPS
        return {**hold, "centre": (hold["centre"][0] + 0.006 * math.sin(7.1 * t),
                                   hold["centre"][1] + 0.005 * math.cos(5.3 * t)),
                "rotation": hold["rotation"] + 2.0 * math.sin(1.7 * t),
                "tilt": max(0.0, hold["tilt"] + 0.04 * math.sin(2.3 * t)),
                "motion": 0.6 + 0.6 * abs(math.sin(9.0 * t)), "motion_angle": (t * 400) % 180}

    def conditions_at(self, index: int) -> Conditions:
        """The conditions as a hand-held object changes them: the light slides over it as it tilts, a moving
        hand pauses, a close card drifts in and out of focus, a strong tilt wavers."""
        pose = self.pose(index)
        t = index / FPS
        dx = (pose["centre"][0] - self.hold["centre"][0]) * 3 + 0.25 * math.sin(2.1 * t)
        dy = (pose["centre"][1] - self.hold["centre"][1]) * 3 + 0.2 * math.cos(1.7 * t)
        params = dict(self.conditions.params)
        moving = abs(math.sin(2 * math.pi * t / 1.2))  # a hand that keeps moving, pausing twice a cycle
        if self.conditions.category in ("motion", "rolling-shutter"):
            params["motion"] = params["motion"] * moving
            if "shear" in params:
                params["shear"] = params["shear"] * moving
        if params.get("defocus"):
            params["defocus"] = params["defocus"] * (0.7 + 0.3 * math.sin(0.9 * t))
        if "tilt" in params:
            params["tilt"] = params["tilt"] * (0.75 + 0.25 * math.sin(1.3 * t))
        if "glare_offset" in params:
            params["glare_offset"] = (params["glare_offset"][0] - dx, params["glare_offset"][1] - dy)
        if "spots" in params:
            params["spots"] = [(x - dx, y - dy, r, peak) for x, y, r, peak in params["spots"]]
        return replace(self.conditions, params=params)

    def frame(self, index: int) -> np.ndarray:
        """Stream frame ``index`` (BGR uint8): ``EMPTY_FRAMES`` empty ones, then the object."""
        if index not in self._cache:
            shown = index - EMPTY_FRAMES
            pose = self.pose(shown) if shown >= 0 else {"visible": False}
            conditions = self.conditions_at(shown) if shown >= 0 else self.conditions
            self._cache[index] = render(self.source, conditions, pose, seed=self.seed * 1000 + index,
                                        size=self.size, scene_seed=self.seed)
        return self._cache[index].image

    def forget(self) -> None:
        """Drop the cached frames."""
        self._cache.clear()


def presentation(n: int, cards: Sequence[CardImage], *, category: str | None = None,
                 size: tuple[int, int] = (1280, 720)) -> Presentation:
    """Presentation ``n``: card ``n mod len(cards)`` in category ``n mod len(CATEGORIES)`` (or ``category``),
    brought in from the right, the left or below."""
    category = category or CATEGORIES[n % len(CATEGORIES)]
    seed = SEED_BASE + n
    rng = np.random.default_rng(seed)
    conditions = draw_conditions(category, rng)
    hold = draw_pose(category, rng)
    edge = int(rng.integers(0, 3))  # from the right, the left or below
    source = cards[n % len(cards)]
    if "damage_seed" in conditions.params:
        conditions = readable_damage(source, conditions, seed)
    hold = code_in_view(source, conditions, hold, size)
    start = [(1.5, hold["centre"][1]), (-0.5, hold["centre"][1]), (hold["centre"][0], 1.6)][edge]
    return Presentation(source, conditions, hold, seed, int(rng.integers(6, 13)), start, size)


def code_in_view(source: CardImage, conditions: Conditions, hold: dict[str, Any],
                 size: tuple[int, int]) -> dict[str, Any]:
    """``hold`` moved, if need be, so the whole code and its quiet zone are in the frame: the kiosk shows the
    camera's view with a guide, and a person holding the code partly out of view sees it and moves it in."""
    width, height = size
    quad = code_corners(source, conditions, hold, size)
    side = float(np.linalg.norm(quad[1] - quad[0]))
    margin = IN_VIEW_MARGIN * side + 4
    (x0, y0), (x1, y1) = quad.min(axis=0), quad.max(axis=0)
    dx = max(0.0, margin - x0) - max(0.0, x1 - (width - margin))
    dy = max(0.0, margin - y0) - max(0.0, y1 - (height - margin))
    if not dx and not dy:
        return hold
    return {**hold, "centre": (hold["centre"][0] + dx / width, hold["centre"][1] + dy / height)}


def readable_on_a_clean_camera(source: CardImage, conditions: Conditions) -> bool:
    """Whether the code of ``source``, as ``conditions`` leave the card (its damage), can be read at all: seen
    face-on by a camera without noise or compression at ``CLEAN_VIEW_SCALES``, some view (as is, or blurred by
    ``CLEAN_VIEW_BLURS`` px, with or without sharpening) is read by zxing-cpp or by the pipeline. Damage that
    fails this is beyond the code's error correction."""
    clean = replace(conditions, params={**conditions.params, "read_noise": 0.0, "jpeg_quality": 100,
                                        "blur_sigma": 0.4, "exposure": 1.0, "defocus": 0.0, "motion": 0.0})
    pipeline = QrPipeline(budget_ms=math.inf)
    for scale in CLEAN_VIEW_SCALES:
        pose = {"centre": (0.5, 0.5), "scale": scale, "rotation": 10.0, "tilt": 0.0, "tilt_edge": 0}
        gray = to_gray(render(source, clean, pose, seed=0).image)
        decoded = pipeline.decode(gray)
        if decoded is not None and decoded.payload == source.payload:
            return True
        for sigma in CLEAN_VIEW_BLURS:
            blurred = cv2.GaussianBlur(gray, (0, 0), sigma) if sigma else gray
            for view in (blurred, unsharp(blurred, 3.0, 1.5)):
                if any(found.bytes == source.payload for found in zxingcpp.read_barcodes(view)):
                    return True
    return False


def readable_damage(source: CardImage, conditions: Conditions, seed: int) -> Conditions:
    """``conditions`` with the card's damage drawn again (deterministically from ``seed``) until the code stays
    within its error correction (``readable_on_a_clean_camera``); the camera's conditions are kept."""
    for attempt in range(DAMAGE_DRAWS):
        if readable_on_a_clean_camera(source, conditions):
            return conditions
        redrawn = draw_conditions(conditions.category, np.random.default_rng((seed, attempt)))
        conditions = replace(conditions, params={**conditions.params,
                                                 **{key: redrawn.params[key] for key in DAMAGE_KEYS}})
    return conditions
