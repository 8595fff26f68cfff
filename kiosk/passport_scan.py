"""The passport route of a scan: the photo page under the camera (its MRZ read by ``kiosk.mrz_camera``), then the
chip on the reader, opened with the BAC key the MRZ gives; or, when the camera cannot read the page, the same key
typed by the person (``kiosk.mrz_entry``).

``PassportScanner`` is the ``kiosk.scan.Scanner`` whose camera loop reads MRZs instead of QR codes; the chip loop is
the scanner's own. ``chip_mrz_mismatch`` holds the chip's DG1 to the MRZ the camera read: a chip whose data differ
from the page it came with is never accepted.

What a chip that cannot be verified means for the visit (``problem_level``), decided here for every workflow that
accepts a passport:

- ``chip-csca-unknown`` (the issuing State's CSCA is not in the kiosk's trust list: the common case for foreign
  passports until the ICAO master list is installed) and ``chip-certificate-expired``: the data are genuine chip
  data that could not be chained to a trusted, valid certificate. The screen says so plainly and the person may go on;
  every field then carries the evidence ``chip-unverified``, so reception checks the passport by eye before the
  declaration (a guesthouse must declare every guest, verified or not, within the deadline).
- Anything else (a data group whose hash does not match, a forged signature, a failed chip authentication): the
  document is not accepted at the kiosk; the person is sent to the staff.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from kiosk.errors import KioskError
from kiosk.identity import Identity
from kiosk.mrz import Mrz
from kiosk.mrz_camera import FrameAgreement, MrzReading, MrzUnreadableError, ZoneSource, read_mrz
from kiosk.scan import AccessKey, ChipReading, FrameSource, Post, ScanEvent, Scanner

log = logging.getLogger(__name__)

UNSURE_FRAMES = 3  # frames in a row with a zone that does not read before the person is told
ProblemLevel = Literal["warn", "stop"]
_WARN = frozenset({"chip-csca-unknown", "chip-certificate-expired"})


class ChipMrzMismatchError(KioskError):
    """The chip's DG1 differs from the MRZ printed on the page the camera read."""

    code = "chip-mrz-mismatch"

    def __init__(self) -> None:
        super().__init__("The chip's data do not match the passport page that was read. Please see the staff.",
                         field="mrz",
                         message_vi="Dữ liệu trong chip không khớp với trang hộ chiếu vừa đọc. Vui lòng gặp nhân viên.")


# The chip errors whose ID-card wording (a card, its QR code, the numbers printed on it) does not fit a passport.
_PASSPORT_WORDING: dict[str, tuple[str, str]] = {
    "chip-wrong-key": ("The passport's chip did not open: read the photo page again or type its details.",
                       "Không mở được chip của hộ chiếu: đọc lại trang có ảnh hoặc nhập thông tin hộ chiếu."),
    "chip-card-removed": ("The passport was lifted. Please place it on the reader again and hold it still.",
                          "Hộ chiếu vừa bị nhấc ra — vui lòng đặt lại lên đầu đọc và giữ yên."),
    "chip-unstable": ("Keep the passport still on the reader.", "Giữ yên hộ chiếu trên đầu đọc."),
    "chip-unsupported": ("This passport's chip cannot be read. Please type its details or see the staff.",
                         "Không đọc được chip của hộ chiếu này. Vui lòng nhập thông tin hộ chiếu hoặc gặp nhân viên."),
    "chip-failed": ("The passport's chip could not be read. Place it on the reader again, or see the staff.",
                    "Không đọc được chip của hộ chiếu. Vui lòng đặt lại lên đầu đọc, hoặc gặp nhân viên."),
    "chip-no-reader": ("No chip reader is connected. Please see the staff.",
                       "Không có đầu đọc chip. Vui lòng gặp nhân viên."),
}


def in_passport_words(error: KioskError) -> KioskError:
    """``error`` as a person holding a passport should read it: the same code, a passport's words where the ID
    card's wording would send them to a QR code or a card they do not have; other errors as they are."""
    wording = _PASSPORT_WORDING.get(error.code)
    if wording is None:
        return error
    return KioskError(wording[0], code=error.code, message_vi=wording[1])


@dataclass(frozen=True)
class MrzEvent(ScanEvent):
    """``mrz``: the photo page read by the camera."""

    reading: MrzReading | None = None


def bac_key(mrz: Mrz) -> AccessKey:
    """The chip's BAC key from an MRZ: document number, date of birth and expiry as printed (YYMMDD)."""
    return AccessKey(document_number=mrz.document_number, date_of_birth=mrz.birth_raw, date_of_expiry=mrz.expiry_raw)


def chip_mrz_mismatch(camera_lines: tuple[str, ...] | None, identity: Identity) -> ChipMrzMismatchError | None:
    """The mismatch error when the camera read an MRZ and the chip's DG1 is another; ``None`` when they agree or
    the key was typed (no printed MRZ to compare: the chip opening with the typed key is the check)."""
    if not camera_lines:
        return None
    chip_lines = tuple(str(line) for line in identity.raw.get("mrz") or ())
    return None if chip_lines == tuple(camera_lines) else ChipMrzMismatchError()


def problem_level(code: str) -> ProblemLevel:
    """``warn``: the person may go on with the data marked unverified; ``stop``: not at the kiosk (module doc)."""
    return "warn" if code in _WARN else "stop"


def verification_problem_of(identity: Identity) -> dict[str, Any] | None:
    """The typed verification problem ``kiosk.chip_identity`` recorded on a chip identity (code and messages)."""
    problem = identity.verification.get("problem")
    return problem if isinstance(problem, dict) and problem.get("code") else None


class PassportScanner(Scanner):
    """A scan of a passport (or another State's ID card): MRZ by camera, then the chip with its BAC key."""

    def __init__(self, *, camera: FrameSource | None, zones: ZoneSource | None, chip: ChipReading | None, post: Post,
                 on_event: Callable[[ScanEvent], None], frame_interval: float = 0.03) -> None:
        super().__init__(camera=camera, decoder=None, chip=chip, post=post, on_event=on_event,
                         frame_interval=frame_interval)
        self._zones = zones

    def start(self) -> None:
        if self._camera is not None and self._zones is not None:
            self._spawn(self._mrz_loop, "scan-mrz")
        if self._chip is not None:
            self._spawn(self._chip_loop, "scan-chip")

    def _mrz_loop(self) -> None:
        assert self._camera is not None and self._zones is not None
        unsure, told = 0, ""
        agreement = FrameAgreement()  # one frame's reading is not enough: two frames must agree
        previous: Any | None = None
        while not self._stop.is_set():
            working, frame = self._read_frame("Camera không hoạt động. Vui lòng nhập thông tin hộ chiếu.")
            if not working:
                return
            if frame is None or self._qr_done.is_set():
                unsure = 0
                agreement.reset()
            if frame is None or frame is previous or self._qr_done.is_set():
                self._stop.wait(self._interval)
                continue
            previous = frame
            try:
                reading = read_mrz(self._zones, frame)
            except MrzUnreadableError as exc:
                if exc.code == "mrz-not-found":
                    agreement.reset()  # the page left the view: the next page may be another document
                unsure = unsure + 1 if exc.code == "mrz-unsure" else 0
                report = exc.code not in ("mrz-not-found", "mrz-unsure") or unsure >= UNSURE_FRAMES
                if report and exc.code != told:  # reported once until the page reads or changes
                    self._emit(ScanEvent("mrz-error", error=exc))
                    told = exc.code
                self._stop.wait(self._interval)
                continue
            except Exception as exc:  # a recogniser fault: logged, the camera keeps going
                log.warning("MRZ reading failed: %s", type(exc).__name__)
                self._stop.wait(self._interval)
                continue
            unsure, told = 0, ""
            accepted = agreement.offer(reading)
            if accepted is None:
                continue
            self._qr_done.set()
            self._emit(MrzEvent("mrz", reading=accepted))
