"""Typed errors of the eMRTD data layer.

Drivers do not import the kiosk core: this tree hangs from ``wire.errors.CodedError``, the project's one error
base, and the kiosk layer maps its errors to screen texts. Messages never contain personal data: they say
what is malformed, not the value.
"""

from __future__ import annotations

from wire.errors import CodedError


class EmrtdError(CodedError):
    """Base of every error raised while decoding or building eMRTD data."""

    code = "emrtd-error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message, code=code)


class TlvError(EmrtdError):
    """Bytes are not valid BER-TLV (truncated, bad length, unsupported form)."""

    code = "tlv-malformed"


class LdsError(EmrtdError):
    """An LDS file has the wrong tag or an unexpected structure."""

    code = "lds-malformed"


class SecurityObjectError(EmrtdError):
    """EF.SOD, a certificate, a master list or a key cannot be decoded."""

    code = "security-object-malformed"


class ImageError(EmrtdError):
    """The DG2 face image is missing, of an unknown format, or cannot be decoded."""

    code = "image-malformed"
