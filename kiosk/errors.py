"""Typed errors: what was wrong and what the person should do, in English (logs) and Vietnamese (screen).

Messages never contain personal data: they name the field and the reason, not the value.
"""

from __future__ import annotations

from wire.errors import CodedError


class KioskError(CodedError):
    """Base of every error the kiosk reports to a person or a caller (see ``wire.errors`` for the whole tree)."""

    code = "kiosk-error"


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
