"""The MRZ read from a camera frame, as the scan flow consumes it (no image code here: ``drivers.mrz_ocr`` reads).

A recogniser (``ZoneSource``, e.g. ``drivers.mrz_ocr.MrzZoneReader``) gives, for each place in the frame that
may hold a zone, the probability of each character in each cell. ``read_mrz`` turns the first of them that
``kiosk.mrz_correct`` can make whole — every check digit verified by ``kiosk.mrz.parse_mrz`` — into an
``MrzReading``: the parsed ``Mrz``, the raw lines and a confidence per line. A frame it cannot read raises an
``MrzUnreadableError`` whose ``code`` says why: ``mrz-not-found`` (no zone in view), ``mrz-unsure`` (a zone, but
no reading whose check digits all hold, or a name character too uncertain), ``image-too-large``,
``invalid-image``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from kiosk.errors import PayloadError
from kiosk.mrz import Mrz
from kiosk.mrz_correct import UnsureZoneError, correct

_MESSAGE_VI = ("Không đọc được dòng mã MRZ. Hãy đặt trang có ảnh của hộ chiếu (hoặc mặt sau thẻ) phẳng dưới camera, "
               "tránh lóa sáng, rồi giữ yên. Có thể nhập tay nếu vẫn không đọc được.")


class MrzUnreadableError(PayloadError):
    """No MRZ could be read from the image (see the module doc for the codes)."""

    code = "mrz-unreadable"

    def __init__(self, message: str, *, code: str, message_vi: str | None = None) -> None:
        super().__init__(message, field="mrz", code=code, message_vi=message_vi or _MESSAGE_VI)


class Zone(Protocol):
    """One possible zone: per line, per character cell, the probability of each character of ``alphabet``."""

    alphabet: str
    probabilities: Sequence[Sequence[Sequence[float]]]


class ZoneSource(Protocol):
    def zones(self, image: Any) -> Iterable[Zone]:
        """Possible zones of ``image``, likeliest first; raises ``ValueError`` (with a ``code``) for a bad image."""
        ...


@dataclass(frozen=True)
class MrzReading:
    """One MRZ read from one frame."""

    mrz: Mrz
    lines: tuple[str, ...]
    line_confidence: tuple[float, ...]  # per line, the lowest probability of an accepted character (0–1)
    corrected: int  # characters changed from the first reading so that the check digits hold
    ms: float

    def __repr__(self) -> str:  # never print the holder's data
        return f"MrzReading({self.mrz.format}, corrected={self.corrected}, ms={self.ms:.1f})"

    def to_dict(self) -> dict[str, Any]:
        return {"format": self.mrz.format, "lines": list(self.lines),
                "line_confidence": [round(c, 4) for c in self.line_confidence], "corrected": self.corrected,
                "ms": round(self.ms, 1)}


def read_mrz(source: ZoneSource, image: Any) -> MrzReading:
    """The MRZ of one camera frame (BGR or grayscale array), or ``MrzUnreadableError``."""
    start = time.perf_counter()
    seen = False
    try:
        for zone in source.zones(image):
            seen = True
            try:
                result = correct(zone.probabilities, zone.alphabet)
            except UnsureZoneError:
                continue
            return MrzReading(mrz=result.mrz, lines=result.lines,
                              line_confidence=tuple(min(line) for line in result.probabilities),
                              corrected=result.changed, ms=(time.perf_counter() - start) * 1000)
    except ValueError as exc:
        raise MrzUnreadableError(str(exc), code=getattr(exc, "code", "invalid-image"),
                                 message_vi=getattr(exc, "message_vi", None)) from None
    if not seen:
        raise MrzUnreadableError("No code lines (MRZ) in view: place the photo page under the camera, the code "
                                 "lines at the bottom.", code="mrz-not-found")
    raise MrzUnreadableError("The code lines (MRZ) could not be read for certain: lay the page flat, avoid glare and "
                             "hold it still, or type the details.", code="mrz-unsure")


class FrameAgreement:
    """The camera flow's acceptance rule: a reading counts once ``needed`` of the last ``window`` readings of one
    document have the same lines. A misread that passes every check digit by chance is not repeated in a second
    frame with other light and noise; a person holding the page still gives several frames a second."""

    def __init__(self, *, needed: int = 2, window: int = 3) -> None:
        self.needed, self.window = needed, window
        self._recent: list[MrzReading] = []

    def offer(self, reading: MrzReading) -> MrzReading | None:
        """Add one frame's reading; the reading once enough recent frames agree with it, else ``None``."""
        self._recent = [*self._recent, reading][-self.window:]
        if sum(r.lines == reading.lines for r in self._recent) >= self.needed:
            self._recent = []
            return reading
        return None

    def reset(self) -> None:
        """Forget the readings so far (another document, or the person took it away)."""
        self._recent = []

