"""Typed intake errors, each with the HTTP status the kiosk classifies (see ``kiosk.sender``)."""

from __future__ import annotations

from wire.errors import CodedError


class IntakeError(CodedError):
    """A refused request: ``status`` is the HTTP status, ``code`` the stable reason sent back."""

    code = "intake-error"
    status = 400

    def __init__(
        self, message: str, *, code: str, status: int, field: str | None = None, message_vi: str | None = None
    ) -> None:
        super().__init__(message, code=code, field=field, message_vi=message_vi)
        self.status = status


def bad_request(code: str, message: str, field: str | None = None) -> IntakeError:
    return IntakeError(message, code=code, status=400, field=field)


def unprocessable(code: str, message: str, field: str | None = None) -> IntakeError:
    return IntakeError(message, code=code, status=422, field=field)
