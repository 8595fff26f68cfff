"""The camera flow's acceptance rule (``kiosk.mrz_camera.FrameAgreement``): two frames of the document agree."""

from __future__ import annotations

from datetime import date

from kiosk.mrz import format_td3, parse_mrz
from kiosk.mrz_camera import FrameAgreement, MrzReading

TRUE = format_td3(document_number="L898902C", state="UTO", nationality="UTO", full_name="ERIKSSON ANNA MARIA",
                  birth=date(1974, 8, 12), sex="F", expiry=date(2032, 4, 15), optional="ZE184226B")
# the same zone with a name character misread (no check digit covers it)
MISREAD = [TRUE[0].replace("ANNA", "ANKA"), TRUE[1]]


def reading(lines: list[str]) -> MrzReading:
    mrz = parse_mrz(lines)
    return MrzReading(mrz=mrz, lines=mrz.lines, line_confidence=(0.9, 0.9), corrected=0, ms=10.0)


def test_one_frame_is_not_enough() -> None:
    assert FrameAgreement().offer(reading(TRUE)) is None


def test_two_agreeing_frames_are_accepted_and_a_lone_misread_is_not() -> None:
    agreement = FrameAgreement()
    assert agreement.offer(reading(MISREAD)) is None
    assert agreement.offer(reading(TRUE)) is None
    accepted = agreement.offer(reading(TRUE))
    assert accepted is not None and accepted.lines == tuple(TRUE)


def test_agreement_only_counts_recent_frames_and_starts_over_after_a_reset() -> None:
    agreement = FrameAgreement(needed=2, window=2)
    assert agreement.offer(reading(TRUE)) is None
    assert agreement.offer(reading(MISREAD)) is None
    assert agreement.offer(reading(MISREAD)) is not None  # the window now holds the two misreads
    agreement.offer(reading(TRUE))
    agreement.reset()
    assert agreement.offer(reading(TRUE)) is None
