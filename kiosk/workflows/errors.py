"""Typed errors of the form engine: English for logs, Vietnamese for screens, never a field's value."""

from __future__ import annotations

from kiosk.errors import KioskError


class FormError(KioskError):
    """A form, procedure or profile cannot be used as asked."""

    code = "form-error"


class UnknownProcedureError(FormError):
    code = "unknown-procedure"

    def __init__(self, procedure: str, known: list[str]) -> None:
        super().__init__(
            f"Unknown procedure {procedure!r}; choose one of: {', '.join(known)}",
            field="procedure",
            message_vi=f"Không có thủ tục «{procedure}». Hãy chọn một trong: {', '.join(known)}.",
        )


class UnknownFieldError(FormError):
    code = "unknown-field"

    def __init__(self, name: str) -> None:
        super().__init__(
            f"The form has no field {name!r}; check the field name",
            field=name,
            message_vi=f"Biểu mẫu không có trường «{name}». Hãy kiểm tra tên trường.",
        )


class FieldInputError(FormError):
    """A value typed for a field has the wrong format."""

    code = "invalid-form-field"

    def __init__(self, name: str, expected_en: str, expected_vi: str) -> None:
        super().__init__(
            f"Field {name!r} is invalid: expected {expected_en}",
            field=name,
            message_vi=f"Trường «{name}» không hợp lệ: cần {expected_vi}.",
        )


class FieldLockedError(FormError):
    """A value read from a verified chip cannot be overwritten by typing."""

    code = "field-locked"

    def __init__(self, name: str) -> None:
        super().__init__(
            f"Field {name!r} was read from a verified chip and cannot be edited",
            field=name,
            message_vi=f"Trường «{name}» được đọc từ chip đã xác thực nên không thể sửa.",
        )


class ConfigError(FormError):
    """A configuration file is malformed."""

    code = "invalid-config"

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(
            f"Configuration {where}: {problem}",
            field=None,
            message_vi=f"Cấu hình {where} không hợp lệ: {problem}. Hãy báo cho nhân viên kỹ thuật.",
        )


class InputFileError(FormError):
    """An input file (identity JSON, catalog) cannot be read."""

    code = "invalid-input-file"

    def __init__(self, what: str, what_vi: str, problem: str, problem_vi: str) -> None:
        super().__init__(
            f"Cannot read the {what}: {problem}",
            field=what,
            message_vi=f"Không đọc được {what_vi}: {problem_vi}.",
        )
