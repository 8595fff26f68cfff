"""Typed errors of the eMRTD protocol stack (drivers must not import ``kiosk``; the CLI maps these).

They extend the data layer's ``EmrtdError``, so ``except EmrtdError`` catches every eMRTD failure.
"""

from __future__ import annotations

from drivers.emrtd.errors import EmrtdError


class ChipError(EmrtdError):
    """Base of every chip protocol error (talking to a card). ``code`` is stable and machine-readable;
    ``sw`` is the status word concerned, when there is one."""

    code = "chip-error"

    def __init__(self, message: str, *, sw: int | None = None) -> None:
        super().__init__(message)
        self.sw = sw


class StatusWordError(ChipError):
    """The card answered a command with an unexpected status word."""

    code = "chip-status"


class AccessDeniedError(ChipError):
    """BAC or PACE failed: the access key (CAN or MRZ) is wrong for this card."""

    code = "chip-wrong-key"


class SecureMessagingError(ChipError):
    """A protected response failed its MAC check, was malformed, or the card dropped secure messaging."""

    code = "chip-secure-messaging"


class ProtocolError(ChipError):
    """A response does not have the structure the protocol requires (truncated, malformed)."""

    code = "chip-protocol"


class UnsupportedDocumentError(ChipError):
    """The card is not an ICAO 9303 travel document or ID card this reader supports."""

    code = "chip-unsupported-document"


class ReadCancelledError(ChipError):
    """The caller cancelled the read."""

    code = "chip-cancelled"
