"""Why an address could not be converted, for the log (English) and the screen (Vietnamese).

Messages never contain the address itself. Every one of them sends the person to the typing path.
"""

from __future__ import annotations

from kiosk.errors import KioskError


class AddressError(KioskError):
    code = "address-error"
    field_name = "residence"

    def __init__(self, message: str, message_vi: str) -> None:
        super().__init__(message, field=self.field_name, message_vi=message_vi)


class AddressEmptyError(AddressError):
    code = "address-empty"

    def __init__(self) -> None:
        super().__init__("The card gives no address; type it",
                         "Thẻ không có địa chỉ. Vui lòng chọn tỉnh và xã, phường nơi cư trú.")


class AddressMojibakeError(AddressError):
    code = "address-mojibake"

    def __init__(self) -> None:
        super().__init__("The address text is garbled (decoded with the wrong character set); type it",
                         "Địa chỉ đọc được bị lỗi phông chữ. Vui lòng chọn tỉnh và xã, phường nơi cư trú.")


class AddressNoProvinceError(AddressError):
    code = "address-no-province"

    def __init__(self) -> None:
        super().__init__("No province (current or former) is recognised in the address; type it",
                         "Không nhận ra tỉnh, thành phố trong địa chỉ. "
                         "Vui lòng chọn tỉnh và xã, phường nơi cư trú.")


class AddressUnknownUnitError(AddressError):
    code = "address-unknown-unit"

    def __init__(self) -> None:
        super().__init__("The commune in the address is not recognised (unknown or misspelled); pick it",
                         "Không nhận ra xã, phường trong địa chỉ (có thể viết sai). "
                         "Vui lòng chọn xã, phường nơi cư trú.")


class AddressNotReadyError(AddressError):
    code = "address-data-not-ready"

    def __init__(self) -> None:
        super().__init__("The address data is still loading",
                         "Đang tải dữ liệu địa chỉ, vui lòng chờ trong giây lát.")


class AddressChoiceError(AddressError):
    code = "address-choice-invalid"

    def __init__(self) -> None:
        super().__init__("The chosen commune is not one of the candidates or of the province",
                         "Xã, phường đã chọn không hợp lệ. Vui lòng chọn lại.")
