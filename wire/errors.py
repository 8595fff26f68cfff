"""The one error base of the project, and the errors of the contract itself.

Every error tree derives from ``CodedError``, so a caller catches one type and a reader sees every error and its
parent here::

    CodedError                         wire.errors: code, field, English message, Vietnamese message
    ├── PayloadSchemaError             wire.errors: a submission's data does not match its kind's schema
    ├── JsonInputError                 wire.json_input: JSON malformed or nested too deep
    ├── SubmissionError                wire.envelope: cannot sign, encrypt, decrypt or verify
    ├── KeyFormatError                 wire.keys: a key of an unsupported kind, or malformed
    ├── KioskError                     kiosk.errors: the kiosk core (forms, scans, outbox, workflows; their
    │                                  subclasses live with them: FormError, OutboxError, DeviceKeyError, …)
    ├── IntakeError                    intake.errors: an HTTP answer of the intake (status + code)
    ├── EmrtdError                     drivers.emrtd.errors: the chip protocol
    ├── TransportError                 drivers.transport: the card link
    ├── CameraError                    drivers.camera: the camera
    ├── ImageError                     drivers.qr.pipeline: an image the QR pipeline cannot read
    ├── ImageRejectedError             drivers.mrz_ocr.reader: an image the MRZ reader refuses
    ├── FontMissingError               drivers.mrz_ocr.glyphs: the OCR-B font is not installed
    ├── PrinterError                   drivers.printer: the receipt printer
    └── SpeechError                    drivers.speech: the spoken guidance's voice

Messages never contain personal data: they name the field and the reason, not the value.
"""

from __future__ import annotations

from typing import Any


class CodedError(Exception):
    """``code`` is a stable machine-readable identifier, ``field`` the input field concerned (or ``None``),
    ``message`` the English explanation for logs, ``message_vi`` the Vietnamese text for the screen."""

    code = "error"

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


class PayloadSchemaError(CodedError):
    """A submission's ``data`` or ``evidence`` does not match the schema of its kind (the field is named, never its
    value)."""

    code = "invalid-field"

    def __init__(self, field: str, problem: str, *, code: str | None = None) -> None:
        super().__init__(f"{field}: {problem}", field=field, code=code,
                         message_vi="Hồ sơ thiếu thông tin hoặc có thông tin không hợp lệ. Hãy báo nhân viên.")
