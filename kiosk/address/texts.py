"""The review screen's address strings (Vietnamese, English), merged into ``kiosk.i18n``."""

from __future__ import annotations

ADDRESS_STRINGS: dict[str, tuple[str, str]] = {
    "address.title": ("Địa chỉ theo đơn vị hành chính mới (từ 01/7/2025)",
                      "Your address in the new administrative units (since 1 July 2025)"),
    "address.pending": ("Đang chuyển địa chỉ trên thẻ sang đơn vị hành chính mới…",
                        "Converting the address on your card to the new units…"),
    "address.agree": ("Địa chỉ của bạn nay thuộc:", "Your address now belongs to:"),
    "address.pick": ("Xã, phường cũ của bạn đã được chia hoặc nhập. Hãy chạm vào xã, phường hiện nay của bạn:",
                     "Your former commune was split or merged. Touch the commune you live in now:"),
    "address.confirm": ("Đúng", "Correct"),
    "address.type": ("Nhập địa chỉ khác", "Type another address"),
    "address.keep": ("Giữ như trên thẻ", "Keep as on the card"),
    "address.change": ("Sửa địa chỉ", "Change the address"),
    "address.done": ("Địa chỉ mới: {text}", "New address: {text}"),
    "address.kept": ("Giữ địa chỉ như trên thẻ: {text}", "Address kept as on the card: {text}"),
    "address.typing": ("Nhập địa chỉ hiện nay: số nhà/thôn, xã/phường, tỉnh/thành phố (không cần quận, huyện)",
                       "Type your current address: house/hamlet, commune/ward, province (no district)"),
    "address.data": ("Dữ liệu địa chỉ ({state}): {version}", "Address data ({state}): {version}"),
    "address.data_ready": ("sẵn sàng", "ready"),
    "address.data_loading": ("đang tải", "loading"),
}
