"""Typed errors: what was wrong and what the person should do, in English (logs) and Vietnamese (screen).

Messages never contain personal data: they name the field and the reason, not the value.
"""

from __future__ import annotations

from typing import Any


class KioskError(Exception):
    """Base of every error the kiosk reports to a person or a caller.

    ``code`` is a stable machine-readable identifier, ``field`` the input field concerned (or ``None``),
    ``message`` the English explanation for logs, ``message_vi`` the Vietnamese text for the screen.
    """

    code = "kiosk-error"

    def __init__(self, message: str, *, field: str | None = None, message_vi: str | None = None,
                 code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.message_vi = message_vi or message
        if code is not None:
            self.code = code

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "field": self.field, "message": self.message, "message_vi": self.message_vi}


class PayloadError(KioskError):
    """A scanned or typed payload (QR text, MRZ line) is malformed."""

    code = "invalid-payload"


class EncodingError(PayloadError):
    """Bytes are not valid UTF-8, or decode to text that can only be mojibake."""

    code = "invalid-encoding"


class UnsupportedQrError(PayloadError):
    """A QR code of a kind the kiosk does not read (e.g. a VNeID app code that is not a CCCD payload)."""

    code = "unsupported-qr"


class FieldCountError(PayloadError):
    """The payload has the wrong number of ``|``-separated fields."""

    code = "invalid-field-count"


class FieldValueError(PayloadError):
    """One field of a payload has an invalid value."""

    code = "invalid-field"


class CheckDigitError(PayloadError):
    """An MRZ check digit does not match its field."""

    code = "check-digit-mismatch"


class DecodeError(KioskError):
    """No QR code could be decoded from an image."""

    code = "no-qr-found"
