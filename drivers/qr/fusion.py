"""Registered multi-frame fusion: the views of one region of a stream aligned on each other and combined.

A code held in front of the camera moves a few pixels and turns a degree or two between frames; each frame's
sensor noise, JPEG blocks and denoising smears are different. ``RegisteredViews`` tracks one region of the
stream: the first frame's region is the template; each later frame is aligned on it by an affine ECC
registration (``cv2.findTransformECC``, started from the previous frame's alignment, on the neighbourhood of
the region only) and warped into the template's coordinates ``ZOOM`` times enlarged. The last
``FUSION_VIEWS`` aligned views are combined pixel by pixel:

- their mean, strongly sharpened: noise and compression average out, and the sub-pixel jitter of the hand
  samples the modules more finely than one frame does (codes of 2–3 px per module become readable);
- their minimum: a glare spot or a lamp's reflection that moves over the code leaves each part of it dark in
  some frame.

The region needs no corners from a decoder: it is the outline of a symbol a decoder saw but could not read when
there is one, otherwise the frame's most code-like region (``drivers.qr.pipeline.code_like_regions``), so the
fusion starts on frames where no decoder finds a symbol (low light, heavy compression). A track whose
registration fails or that has not been read after ``TRACK_VIEWS`` views is dropped, and the next one starts
on the next candidate region.
"""

from __future__ import annotations

from collections import deque

import cv2
import numpy as np

from drivers.qr.pipeline import unsharp

ZOOM = 2.0  # the fused views are this many times the frame's resolution
MAX_FUSED_SIDE = 520  # px, the fused view's longer side at most (the zoom is lowered for large regions)
FUSION_VIEWS = 8  # aligned views combined
TRACK_VIEWS = 10  # views after which an unread track is dropped for the next candidate region
RECENTRE = 0.125  # a track further than this × its size from where the code is now seen starts again there
SEARCH_MARGIN = 40  # px around the region's last position searched by the registration
MIN_CORRELATION = 0.6  # ECC correlation below which the region is taken as lost
ECC_CRITERIA = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 15, 1e-3)
SMOOTHING = 1.0  # px, Gaussian smoothing of template and frame before registration (noise)


def _affine3(warp: np.ndarray) -> np.ndarray:
    return np.vstack([warp, np.array([[0.0, 0.0, 1.0]], np.float32)]).astype(np.float32)


class RegisteredViews:
    """One region of a stream (``box``: x0, y0, x1, y1 in the frame where it was found), its later views
    aligned on it. ``add(gray)`` registers a frame; ``fused()`` gives the combined views."""

    def __init__(self, gray: np.ndarray, box: tuple[int, int, int, int]) -> None:
        height, width = gray.shape
        x0, y0 = max(0, box[0]), max(0, box[1])
        x1, y1 = min(width, box[2]), min(height, box[3])
        if x1 - x0 < 24 or y1 - y0 < 24:
            raise ValueError("region too small to track")
        self.size = (x1 - x0, y1 - y0)
        self.zoom = max(1.0, min(ZOOM, MAX_FUSED_SIDE / max(self.size)))
        self.template = cv2.GaussianBlur(gray[y0:y1, x0:x1].astype(np.float32), (0, 0), SMOOTHING)
        self.warp = np.array([[1, 0, x0], [0, 1, y0]], np.float32)  # template → frame
        self.views: deque[np.ndarray] = deque(maxlen=FUSION_VIEWS)
        self.added = 0
        self._store(gray)

    def _store(self, gray: np.ndarray) -> None:
        scale = np.diag([1 / self.zoom, 1 / self.zoom, 1.0]).astype(np.float32)
        out = (round(self.size[0] * self.zoom), round(self.size[1] * self.zoom))
        view = cv2.warpPerspective(gray, _affine3(self.warp) @ scale, out,
                                   flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)
        self.views.append(view.astype(np.float32))
        self.added += 1

    def centre(self) -> np.ndarray:
        """Where the region's centre is in the last frame added."""
        return np.asarray(self.warp @ np.array([self.size[0] / 2, self.size[1] / 2, 1.0], np.float32))

    def covers(self, box: tuple[int, int, int, int]) -> bool:
        """Whether ``box`` (x0, y0, x1, y1) is centred within ``RECENTRE`` × the region's size of its centre."""
        offset = np.abs(np.array([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2]) - self.centre())
        return bool((offset <= RECENTRE * np.array(self.size)).all())

    def add(self, gray: np.ndarray) -> bool:
        """Align ``gray`` on the template and keep its view; ``False`` when the region is lost."""
        height, width = gray.shape
        corners = np.array([[0, 0, 1], [self.size[0], 0, 1], [0, self.size[1], 1], [self.size[0], self.size[1], 1]],
                           np.float32) @ self.warp.T
        (cx0, cy0), (cx1, cy1) = corners.min(axis=0) - SEARCH_MARGIN, corners.max(axis=0) + SEARCH_MARGIN
        x0, y0 = int(max(0, cx0)), int(max(0, cy0))
        x1, y1 = int(min(width, cx1)), int(min(height, cy1))
        if x1 - x0 < self.size[0] // 2 or y1 - y0 < self.size[1] // 2:
            return False
        search = cv2.GaussianBlur(gray[y0:y1, x0:x1].astype(np.float32), (0, 0), SMOOTHING)
        local = self.warp.copy()
        local[:, 2] -= (x0, y0)
        try:
            correlation, found = cv2.findTransformECC(self.template, search, local, cv2.MOTION_AFFINE,
                                                      ECC_CRITERIA, None)
        except cv2.error:  # no convergence: the region left, or the frame is too different
            return False
        if correlation < MIN_CORRELATION:
            return False
        self.warp = np.asarray(found, np.float32)
        self.warp[:, 2] += (x0, y0)
        self._store(gray)
        return True

    def fused(self) -> dict[str, np.ndarray]:
        """The combinations of the views, by name (none before two views)."""
        if len(self.views) < 2:
            return {}
        stack = np.stack(self.views)
        mean = np.clip(stack.mean(axis=0), 0, 255).astype(np.uint8)
        return {"stream-fusion-mean": unsharp(mean, 1.3 * self.zoom, 3.0),
                "stream-fusion-min": stack.min(axis=0).astype(np.uint8)}


def box_of(quad: np.ndarray, margin: float = 0.2) -> tuple[int, int, int, int]:
    """The bounding box of a symbol outline, widened by ``margin`` × its size plus 8 px (the quiet zone)."""
    (x0, y0), (x1, y1) = quad.min(axis=0), quad.max(axis=0)
    pad = margin * max(x1 - x0, y1 - y0) + 8
    return int(x0 - pad), int(y0 - pad), int(x1 + pad), int(y1 + pad)
