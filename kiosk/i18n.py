"""The kiosk's on-screen strings, Vietnamese first, English second. All text NFC.

``tr(key, lang)`` gives one language; ``both(key)`` gives ``"Vietnamese\\nEnglish"`` for places that always show the
two (errors, notices). Keys are stable identifiers; a missing key is a programming error (``KeyError``).
"""

from __future__ import annotations

from typing import Literal

from kiosk.address.texts import ADDRESS_STRINGS
from kiosk.text import nfc
from wire.errors import CodedError

Lang = Literal["vi", "en"]
LANGS: tuple[Lang, ...] = ("vi", "en")

_STRINGS: dict[str, tuple[str, str]] = {
    "app.title": ("Ki-ốt căn cước", "ID card kiosk"),
    "home.choose": ("Chọn thủ tục", "Choose a service"),
    "home.language": ("English", "Tiếng Việt"),
    "home.pending.title": ("Khách chờ khai báo lưu trú", "Guests to declare"),
    "home.pending.waiting": ("Chưa khai báo", "Not declared"),
    "home.pending.due_soon": ("Sắp đến hạn", "Due soon"),
    "home.pending.overdue": ("Quá hạn", "Overdue"),
    "home.pending.show": ("Xem danh sách", "Show list"),
    "home.pending.hide": ("Ẩn danh sách", "Hide list"),
    "staff.call": ("Gọi nhân viên", "Call staff"),
    "staff.calling": ("Đang gọi nhân viên…", "Calling staff…"),
    "staff.called": ("Đã gọi nhân viên. Xin vui lòng chờ trong giây lát.", "Staff has been called. Please wait a "
                     "moment."),
    "staff.failed": ("Chưa gọi được nhân viên. Xin mời đến quầy.", "Staff could not be called. Please go to the "
                     "counter."),
    # the "Call staff" button turned into what it did (short: one line each at 140 % text)
    "staff.button.called": ("Đã gọi nhân viên · {at}", "Staff called · please wait"),
    "staff.button.failed": ("Chưa gọi được — mời đến quầy", "Could not call — please go to the desk"),
    "home.queue.ok": ("Đã gửi hết", "All sent"),
    "home.queue.pending": ("Đang chờ gửi: {n}", "Waiting to send: {n}"),
    "home.queue.problem": ("Có hồ sơ lỗi: {n}", "Items need attention: {n}"),
    "scan.title": ("Quét thẻ căn cước", "Scan your ID card"),
    "scan.hint": ("Đưa mã QR mặt trước thẻ vào khung hình", "Hold the QR code on the front of the card in the frame"),
    "scan.or_chip": ("hoặc đặt thẻ lên đầu đọc chip", "or place the card on the chip reader"),
    "scan.chip.reading": ("Đang đọc chip… Giữ yên thẻ trên đầu đọc", "Reading the chip… Keep the card still"),
    "scan.chip.text_ready": ("Đã đọc thông tin, đang đọc ảnh…", "Details read, reading the photo…"),
    "scan.chip.done": ("Đã đọc xong chip", "Chip read"),
    "scan.qr.found": ("Đã đọc mã QR", "QR code read"),
    "scan.enter_key": ("Nhập số thẻ để đọc chip", "Type the card number to read the chip"),
    "scan.key_prompt": ("Số định danh (12 số) hoặc số CAN (6 số):", "ID number (12 digits) or CAN (6 digits):"),
    "scan.key_invalid": ("Cần đúng 12 hoặc 6 chữ số", "Exactly 12 or 6 digits are needed"),
    "scan.camera_off": ("Không có camera", "No camera"),
    "scan.rescan_qr": ("Quét lại mã QR", "Rescan the QR code"),
    "scan.enter_mrz": ("Nhập thông tin in trên thẻ", "Type the details printed on the card"),
    "mrz.title": ("Nhập thông tin in trên thẻ", "Type the details printed on the card"),
    "scan.passport.title": ("Quét hộ chiếu", "Scan your passport"),
    "scan.passport.hint": ("Đặt trang có ảnh của hộ chiếu dưới camera, dòng mã ở dưới cùng",
                           "Place the passport's photo page under the camera, the code lines at the bottom"),
    "scan.passport.or_chip": ("Sau đó đặt hộ chiếu lên đầu đọc chip", "Then place the passport on the chip reader"),
    "scan.mrz.found": ("Đã đọc trang hộ chiếu. Đặt hộ chiếu lên đầu đọc chip",
                       "Passport page read. Place the passport on the chip reader"),
    "scan.use_passport": ("Dùng hộ chiếu (khách nước ngoài)", "Use a passport (foreign visitors)"),
    "scan.rescan_page": ("Đọc lại trang hộ chiếu", "Read the passport page again"),
    "scan.enter_passport": ("Nhập thông tin hộ chiếu", "Type the passport details"),
    "scan.problem.warn": ("Không xác minh được chữ ký của hộ chiếu", "The passport's signature could not be verified"),
    "scan.problem.stop": ("Giấy tờ không được chấp nhận tại máy", "This document cannot be accepted here"),
    "scan.problem.continue_note": (
        "Có thể tiếp tục: thông tin được đánh dấu «chưa xác thực» để lễ tân kiểm tra hộ chiếu.",
        "You may continue: the details are marked “not verified” for the reception to check the passport."),
    "scan.problem.continue": ("Tiếp tục (chưa xác thực)", "Continue (not verified)"),
    "mrz.passport_title": ("Nhập thông tin hộ chiếu", "Type the passport details"),
    "mrz.passport_number": ("Số hộ chiếu", "Passport number"),
    "mrz.document_number": ("Số định danh (12 số) hoặc số thẻ (9 số)",
                            "ID number (12 digits) or card number (9 digits)"),
    "mrz.date_of_birth": ("Ngày sinh", "Date of birth"),
    "mrz.date_of_expiry": ("Có giá trị đến", "Valid until"),
    "mrz.date_hint": ("ngày/tháng/năm", "day/month/year"),
    "mrz.no_expiry": ("Không thời hạn", "No expiry"),
    "mrz.read": ("Đọc chip", "Read the chip"),
    "common.cancel": ("Hủy", "Cancel"),
    "common.back": ("Quay lại", "Back"),
    "common.next": ("Tiếp tục", "Continue"),
    "common.ok": ("Đồng ý", "OK"),
    "common.close": ("Đóng", "Close"),
    "review.title": ("Kiểm tra thông tin", "Check your details"),
    "review.source.chip-verified": ("Chip đã xác thực", "Chip, verified"),
    "review.source.chip-unverified": ("Chip chưa xác thực", "Chip, not verified"),
    "review.source.qr": ("Mã QR", "QR code"),
    "review.source.typed": ("Nhập tay", "Typed"),
    "review.locked": ("đã khóa", "locked"),
    "review.locked_note": ("Thông tin do chip xác thực được giữ nguyên, không sửa được. Chạm vào ô khác để sửa.",
                           "Details verified by the chip are kept as they are. Touch any other box to change it."),
    "review.required": ("Bắt buộc", "Required"),
    "review.missing": ("Cần bổ sung hoặc sửa: {fields}", "To complete or correct: {fields}"),
    "review.photo": ("Ảnh từ chip", "Chip photo"),
    "review.member": ("Thành viên {n}", "Member {n}"),
    "review.add_member": ("Thêm thành viên", "Add a member"),
    "review.remove_member": ("Xóa thành viên này", "Remove this member"),
    "review.members_room": ("{n}/{max} người", "{n}/{max} people"),
    "review.photo_pending": ("Ảnh hiện khi đọc xong chip", "The photo appears once the chip is read"),
    "consent.title": ("Thông báo xử lý dữ liệu cá nhân", "Personal data notice"),
    "consent.accept": ("Tôi đồng ý", "I agree"),
    "consent.decline": ("Không đồng ý", "I do not agree"),
    "consent.purpose": ("Mục đích", "Purpose"),
    "consent.recipients": ("Bên nhận", "Recipients"),
    "consent.retention": ("Thời gian lưu", "Retention"),
    "consent.retention_text": (
        "Ki-ốt không lưu ảnh thẻ hay ảnh chân dung. Hồ sơ được mã hóa, chỉ lưu trên ki-ốt đến khi nơi nhận xác nhận "
        "đã nhận, rồi bị xóa. Thông tin trên màn hình bị xóa ngay khi bạn hoàn tất hoặc rời đi.",
        "The kiosk keeps no card images or portraits. Your submission is encrypted and kept on the kiosk only until "
        "the recipient confirms receipt, then deleted. The screen is cleared as soon as you finish or leave."),
    "check.title": ("Kiểm tra trước khi gửi", "Checks before sending"),
    "check.running": ("Đang kiểm tra thẻ BHYT…", "Checking the BHYT card…"),
    "check.code": ("Mã kết quả: {code}", "Result code: {code}"),
    "check.no_code": ("Chưa có mã kết quả", "No result code"),
    "check.no_lookup": ("Không tra cứu thẻ BHYT", "No insurance card look-up"),
    "check.flag": ("Quầy tiếp đón sẽ thấy: {flag}", "Reception will see: {flag}"),
    "check.continue": ("Tiếp tục", "Continue"),
    "done.ticket": ("Số thứ tự của bạn", "Your queue number"),
    "done.ticket_counter": ("Mời đến {counter}", "Please go to {counter}"),
    "done.print_document": ("In tờ khai", "Print the form"),
    "done.printed_document": ("Đã in tờ khai", "Form printed"),
    "done.printed_ticket": ("Đã in số thứ tự", "Queue number printed"),
    "done.sent": ("Đã gửi hồ sơ", "Submitted"),
    "done.saved": ("Đã lưu, sẽ gửi khi có mạng", "Saved, will be sent when the network returns"),
    "done.code": ("Mã biên nhận", "Receipt code"),
    "done.print": ("In biên nhận", "Print receipt"),
    "done.printed": ("Đã in biên nhận", "Receipt printed"),
    "done.print_again": ("In lại", "Print again"),
    "done.finish": ("Hoàn tất", "Finish"),
    "done.auto_home": ("Tự động về màn hình chính sau {n} giây", "Back to the start in {n} s"),
    "operator.title": ("Quản trị", "Operator"),
    "operator.pin": ("Nhập mã PIN", "Enter the PIN"),
    "operator.outbox": ("Hàng đợi gửi", "Outbox"),
    "operator.pending": ("Chờ gửi", "Pending"),
    "operator.sent": ("Đã gửi", "Sent"),
    "operator.quarantined": ("Bị giữ lại", "Quarantined"),
    "operator.oldest": ("Chờ lâu nhất", "Oldest pending"),
    "operator.retry": ("Gửi lại", "Retry"),
    "operator.deadlines": ("Hạn thông báo lưu trú", "Lodging deadlines"),
    "operator.due_soon": ("Sắp đến hạn", "Due soon"),
    "operator.overdue": ("Quá hạn", "Overdue"),
    "operator.devices": ("Thiết bị", "Devices"),
    "operator.camera": ("Camera", "Camera"),
    "operator.reader": ("Đầu đọc chip", "Chip reader"),
    "operator.printer": ("Máy in", "Printer"),
    "operator.enrol": ("Đăng ký thiết bị", "Enrol device"),
    "operator.reenrol": ("Đăng ký lại", "Enrol again"),
    "operator.enrolment": ("Đăng ký thiết bị", "Device enrolment"),
    "operator.intake": ("Máy chủ tiếp nhận", "Intake"),
    "operator.device_id": ("Mã khóa thiết bị", "Device key id"),
    "operator.intake_url": ("Địa chỉ máy chủ", "Intake address"),
    "operator.token": ("Mã đăng ký", "One-time token"),
    "operator.enrol_now": ("Đăng ký", "Enrol"),
    "operator.enrolling": ("Đang đăng ký…", "Enrolling…"),
    "operator.enrolled": ("Đã đăng ký với máy chủ tiếp nhận", "Enrolled with the intake"),
    "operator.export": ("Xuất tệp khai báo ra ổ USB", "Export the police files to a USB drive"),
    "operator.text_size": ("Cỡ chữ", "Text size"),
    "operator.contrast": ("Tương phản cao", "High contrast"),
    "operator.display": ("Hiển thị", "Display"),
    "operator.exit": ("Thoát quản trị", "Leave operator mode"),
    "keyboard.done": ("Xong", "Done"),
    "keyboard.delete": ("Xóa", "Delete"),
    "keyboard.clear": ("Xóa hết", "Clear"),
    "keyboard.space": ("Dấu cách", "Space"),
    "keyboard.telex_hint": ("Gõ dấu: aa=â  aw=ă  ee=ê  oo=ô  ow=ơ  uw=ư  dd=đ · s sắc  f huyền  r hỏi  x ngã  "
                            "j nặng · hoặc chạm phím dấu ở hàng dưới",
                            "Marks: aa=â  aw=ă  ee=ê  oo=ô  ow=ơ  uw=ư  dd=đ · tones s f r x j · or touch a mark key "
                            "in the bottom row"),
    "speech.review": ("Vui lòng kiểm tra thông tin, sửa nếu cần, rồi chạm Tiếp tục",
                      "Please check your details, correct them if needed, then touch Continue"),
    "speech.review_error": ("Có ô còn thiếu hoặc chưa đúng. Vui lòng xem dòng chữ đỏ",
                            "Some boxes are missing or wrong. Please see the red text"),
    "speech.consent": ("Vui lòng đọc thông báo, rồi chạm Tôi đồng ý để gửi hồ sơ",
                       "Please read the notice, then touch I agree to submit"),
    "speech.done": ("Vui lòng giữ mã biên nhận", "Please keep the receipt code"),
    "operator.speech": ("Giọng nói hướng dẫn", "Spoken guidance"),
    "operator.speech_on": ("Bật", "On"),
    "operator.speech_off": ("Tắt", "Off"),
    "operator.volume": ("Âm lượng {n}%", "Volume {n}%"),
    "error.printer": ("Máy in không hoạt động. Hãy ghi lại mã biên nhận.",
                      "The printer is not working. Please write down the receipt code."),
    "error.generic": ("Đã có lỗi. Vui lòng thử lại hoặc hỏi nhân viên.", "Something went wrong. Please try again "
                      "or ask the staff."),
}


_STRINGS.update(ADDRESS_STRINGS)


def tr(key: str, lang: Lang = "vi", **values: object) -> str:
    vi, en = _STRINGS[key]
    text = vi if lang == "vi" else en
    return nfc(text.format(**values)) if values else nfc(text)


def both(key: str, **values: object) -> str:
    """Vietnamese, then English on the next line."""
    return f"{tr(key, 'vi', **values)}\n{tr(key, 'en', **values)}"


def pick(vi: str, en: str, lang: Lang) -> str:
    """One of a pair of texts supplied by configuration (procedure titles, field labels)."""
    return nfc(vi if lang == "vi" or not en else en)


def error_text(error: CodedError) -> str:
    """What a person reads for an error: Vietnamese first, English second."""
    if error.message_vi and error.message_vi != error.message:
        return nfc(f"{error.message_vi}\n{error.message}")
    return nfc(error.message)


def keys() -> list[str]:
    return sorted(_STRINGS)
