"""Renders a filled CT01 "Tờ khai thay đổi thông tin cư trú" (TT 66/2023/TT-BCA) to a printable A4 PDF.

The layout follows the official form: the header note with the circular's date, items 1–10, the item 11 members
table, the four signature blocks with their footnote markers (3)–(6), each under its own place-and-date line, the
"(7)" name and ID lines of the three consent blocks, and the footnotes (1)–(7).
Values filled by the kiosk are printed in dark blue so that a clerk sees at a glance what was
filled. Text is embedded with a TrueType font that has the Vietnamese glyphs (Debian ``fonts-noto-core``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from fpdf import FPDF

from kiosk.address.outputs import ct01_residence_line
from kiosk.errors import KioskError
from kiosk.workflows.fill import FilledForm
from kiosk.workflows.values import display

FONT_DIR = Path(os.environ.get("KIOSK_FONT_DIR", "/usr/share/fonts/truetype/noto"))
FONT_FILES = {"": "NotoSerif-Regular.ttf", "B": "NotoSerif-Bold.ttf", "I": "NotoSerif-Italic.ttf"}

INK = (0, 0, 0)
FILLED = (0, 45, 140)
LEFT, RIGHT, TOP = 18.0, 15.0, 12.0
ROW_H = 7.5
SIGNATURE_BLOCK_H = 54.0  # one row of two signature blocks


HEADER_NOTE = "Mẫu CT01 ban hành kèm theo Thông tư số 66/2023/TT-BCA ngày 17/11/2023 của Bộ trưởng Bộ Công an"
MEDIA_TYPE = "application/pdf"


class FontMissingError(KioskError):
    code = "font-missing"

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"Font file {path} not found; install the Debian package fonts-noto-core",
            field=None,
            message_vi="Thiếu phông chữ để in tờ khai. Hãy báo cho nhân viên kỹ thuật.",
        )


class _Ct01(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        for style, name in FONT_FILES.items():
            path = FONT_DIR / name
            if not path.is_file():
                raise FontMissingError(path)
            self.add_font("Form", style, str(path))
        self.set_margins(LEFT, TOP, RIGHT)
        self.set_auto_page_break(True, margin=14)
        self.set_title("Tờ khai thay đổi thông tin cư trú (CT01)")
        self.set_creator("cccd-kiosk")

    @property
    def width(self) -> float:
        return self.w - LEFT - RIGHT

    def text_line(
        self, text: str, *, size: float = 11, style: str = "", align: str = "L", h: float = 5.6
    ) -> None:
        self.set_font("Form", style, size)
        self.set_text_color(*INK)
        self.multi_cell(self.width, h, text, align=align, new_x="LMARGIN", new_y="NEXT")

    def field(
        self, label: str, value: str | None, width: float | None = None, *, last: bool = True
    ) -> None:
        """``label: value`` on a dotted line, ``width`` mm wide from the current x (the rest of the
        line if None)."""
        x0, y0 = self.get_x(), self.get_y()
        width = width if width is not None else LEFT + self.width - x0
        self.set_font("Form", "", 11)
        self.set_text_color(*INK)
        label_w = self.get_string_width(label + " ") + 0.5
        self.cell(label_w, 6.5, label)
        rest = width - label_w
        text = value or ""
        size = 11.0
        self.set_font("Form", "B", size)
        while size > 7.5 and self.get_string_width(text) > rest - 1:
            size -= 0.5
            self.set_font("Form", "B", size)
        while text and self.get_string_width(text) > rest - 1:
            text = text[:-1]
        self.set_text_color(*FILLED)
        self.cell(rest, 6.5, text)
        self.set_draw_color(90, 90, 90)
        self.set_dash_pattern(dash=0.4, gap=0.9)
        self.line(x0 + label_w, y0 + 5.6, x0 + width, y0 + 5.6)
        self.set_dash_pattern()
        self.set_text_color(*INK)
        if last:
            self.set_xy(LEFT, y0 + 7)

    def id_boxes(self, label: str, number: str | None) -> None:
        """Label then 12 boxes, one digit each, as on the official form."""
        y0 = self.get_y()
        self.set_font("Form", "", 11)
        self.set_text_color(*INK)
        label_w = self.get_string_width(label + " ") + 1
        self.cell(label_w, 7, label)
        box = 6.2
        x = LEFT + label_w
        self.set_draw_color(*INK)
        digits = (number or "").ljust(12)[:12]
        for i, digit in enumerate(digits):
            self.rect(x + i * box, y0 + 0.4, box, box)
            if digit.strip():
                self.set_xy(x + i * box, y0 + 0.4)
                self.set_font("Form", "B", 11)
                self.set_text_color(*FILLED)
                self.cell(box, box, digit, align="C")
        self.set_text_color(*INK)
        self.set_xy(LEFT, y0 + 8)


def _value(form: FilledForm, name: str) -> str | None:
    spec = form.procedure.field(name)
    value = form.get(name)
    return display(spec, value) if spec and value else None


def _members_table(pdf: _Ct01, form: FilledForm) -> None:
    spec = form.procedure.field("members")
    rows: list[dict[str, Any]] = []
    if spec is not None:
        for row in form.tables.get("members", []):
            cells: dict[str, str] = {}
            for col in spec.columns:
                fv = row.get(col.name)
                cells[col.name] = display(col, fv.value) if fv else ""
            rows.append(cells)
    headers = [
        "TT",
        "Họ, chữ đệm và tên",
        "Ngày, tháng,\nnăm sinh",
        "Giới tính",
        "Số định danh\ncá nhân",
        "Mối quan hệ\nvới chủ hộ",
    ]
    widths = [10.0, 52.0, 26.0, 18.0, 36.0, pdf.width - 142.0]
    y = _table_header(pdf, headers, widths, pdf.get_y())
    keys = ["full_name", "date_of_birth", "sex", "id_number", "relation"]
    for index in range(max(3, len(rows))):
        if y + ROW_H > pdf.page_break_trigger:
            pdf.add_page()
            y = _table_header(pdf, headers, widths, pdf.get_y())
        cells = rows[index] if index < len(rows) else {}
        values = [str(index + 1) if cells else ""] + [cells.get(k, "") for k in keys]
        x = LEFT
        for value, w in zip(values, widths, strict=True):
            pdf.rect(x, y, w, ROW_H)
            pdf.set_xy(x + 0.8, y)
            pdf.set_font("Form", "B" if value else "", 9.5)
            pdf.set_text_color(*FILLED)
            pdf.cell(w - 1.6, ROW_H, value, align="C" if w < 30 else "L")
            x += w
        y += ROW_H
    pdf.set_text_color(*INK)
    pdf.set_xy(LEFT, y + 2)


def _table_header(pdf: _Ct01, headers: list[str], widths: list[float], y: float) -> float:
    """Draw the members table header at ``y`` (repeated on a new page); returns the y below it."""
    pdf.set_font("Form", "B", 9.5)
    pdf.set_text_color(*INK)
    pdf.set_draw_color(*INK)
    x = LEFT
    for header, w in zip(headers, widths, strict=True):
        pdf.rect(x, y, w, 11)
        pdf.set_xy(x, y + (3 if "\n" not in header else 0.6))
        pdf.multi_cell(w, 4.8, header, align="C")
        x += w
    return y + 11


# The four signature blocks of the TT 66/2023 form: title with its footnote marker, the instruction under it, and
# whether the block carries the "(7)" name and ID lines (filled only when the consent is confirmed in VNeID).
SIGNATURE_BLOCKS = (
    ("Ý KIẾN CỦA CHỦ HỘ (3)", "(Ghi rõ nội dung, ký, ghi rõ họ tên)", True),
    ("Ý KIẾN CỦA CHỦ SỞ HỮU HOẶC NGƯỜI ĐƯỢC ỦY QUYỀN CỦA CHỦ SỞ HỮU CHỖ Ở HỢP PHÁP (4)",
     "(Ghi rõ nội dung, ký, ghi rõ họ tên)", True),
    ("Ý KIẾN CỦA CHA, MẸ HOẶC NGƯỜI GIÁM HỘ (5)", "(Ghi rõ nội dung, ký, ghi rõ họ tên)", True),
    ("NGƯỜI KÊ KHAI (6)", "(Ký, ghi rõ họ tên)", False),
)
_VNEID_WAYS = ("ghi rõ nội dung đồng ý và ký, ghi rõ họ tên vào Tờ khai. b) {who} xác nhận nội dung đồng ý thông qua "
               "ứng dụng VNeID hoặc các dịch vụ công trực tuyến khác. c) {who} có văn bản riêng ghi rõ nội dung đồng ý "
               "(văn bản này không phải công chứng, chứng thực).")
NOTES = (
    "(1) Cơ quan đăng ký cư trú.",
    "(2) Ghi rõ ràng, cụ thể nội dung đề nghị. Ví dụ: đăng ký thường trú; đăng ký tạm trú; tách hộ; xác nhận thông tin "
    "về cư trú...",
    "(3) Áp dụng đối với các trường hợp quy định tại khoản 2, khoản 3, khoản 5, khoản 6 Điều 20; khoản 1 Điều 25; "
    "điểm a khoản 1 Điều 26 Luật Cư trú. Việc lấy ý kiến của chủ hộ được thực hiện theo các phương thức sau: a) Chủ hộ "
    + _VNEID_WAYS.format(who="Chủ hộ"),
    "(4) Áp dụng đối với các trường hợp quy định tại khoản 2, khoản 3, khoản 4, khoản 5, khoản 6 Điều 20; khoản 1 "
    "Điều 25; điểm a khoản 1 Điều 26 Luật Cư trú. Việc lấy ý kiến của chủ sở hữu chỗ ở hợp pháp được thực hiện theo "
    "các phương thức sau: a) Chủ sở hữu chỗ ở hợp pháp " + _VNEID_WAYS.format(who="Chủ sở hữu chỗ ở hợp pháp")
    + " Ghi chú: Trường hợp chủ sở hữu chỗ ở hợp pháp gồm nhiều cá nhân, tổ chức thì phải có ý kiến đồng ý của tất "
    "cả các đồng sở hữu, trừ trường hợp đã có thỏa thuận về việc cử đại diện có ý kiến đồng ý; trường hợp chủ sở hữu "
    "chỗ ở hợp pháp xác nhận nội dung đồng ý thông qua ứng dụng VNeID thì công dân phải kê khai thông tin về họ, chữ "
    "đệm, tên và số ĐDCN của chủ sở hữu chỗ ở hợp pháp.",
    "(5) Áp dụng đối với trường hợp người chưa thành niên, người hạn chế hành vi dân sự, người không đủ năng lực hành "
    "vi dân sự có thay đổi thông tin về cư trú. Việc lấy ý kiến của cha, mẹ hoặc người giám hộ được thực hiện theo "
    "các phương thức sau: a) Cha, mẹ hoặc người giám hộ " + _VNEID_WAYS.format(who="Cha, mẹ hoặc người giám hộ"),
    "(6) Trường hợp nộp trực tiếp, người kê khai ký, ghi rõ họ, chữ đệm và tên vào Tờ khai. Trường hợp nộp qua cổng "
    "dịch vụ công hoặc ứng dụng VNeID thì người kê khai không phải ký vào mục này.",
    "(7) Chỉ kê khai thông tin khi công dân đề nghị xác nhận nội dung đồng ý thông qua ứng dụng VNeID.",
)
BLANK_DATE_LINE = "……, ngày …… tháng …… năm ……"


def date_line(signed_on: date | None) -> str:
    """The place-and-date line above a signature: blank for the others to fill in, the kiosk's date for the
    declarant (the place is left for the person to write)."""
    if signed_on is None:
        return BLANK_DATE_LINE
    return f"……, ngày {signed_on.day:02d} tháng {signed_on.month:02d} năm {signed_on.year}"


def _signature_block(pdf: _Ct01, x: float, y: float, w: float, block: tuple[str, str, bool],
                     dated: date | None, signer: str | None) -> None:
    title, instruction, vneid_lines = block
    pdf.set_text_color(*INK)
    pdf.set_xy(x, y)
    pdf.set_font("Form", "I", 9)
    pdf.cell(w, 4.6, date_line(dated), align="C")
    pdf.set_xy(x, y + 5)
    pdf.set_font("Form", "B", 9)
    pdf.multi_cell(w, 4.3, title, align="C")
    pdf.set_x(x)
    pdf.set_font("Form", "I", 8.5)
    pdf.multi_cell(w, 4.2, instruction, align="C")
    if vneid_lines:
        pdf.set_font("Form", "", 8.5)
        for k, label in enumerate(("Họ, chữ đệm và tên (7):", "Số định danh cá nhân (7):")):
            line_y = y + 36 + k * 6
            pdf.set_xy(x + 2, line_y)
            pdf.cell(pdf.get_string_width(label) + 1, 5, label)
            pdf.set_draw_color(90, 90, 90)
            pdf.set_dash_pattern(dash=0.4, gap=0.9)
            pdf.line(x + 3 + pdf.get_string_width(label), line_y + 4.2, x + w - 2, line_y + 4.2)
            pdf.set_dash_pattern()
    if signer:
        pdf.set_xy(x, y + 40)
        pdf.set_font("Form", "B", 10)
        pdf.set_text_color(*FILLED)
        pdf.multi_cell(w, 5, signer, align="C")
        pdf.set_text_color(*INK)


def _signatures(pdf: _Ct01, form: FilledForm, signed_on: date) -> None:
    """Four blocks in two rows: household head (3), home owner (4), parent or guardian (5), declarant (6)."""
    if pdf.get_y() + 2 * SIGNATURE_BLOCK_H > pdf.page_break_trigger:
        pdf.add_page()
    w = (pdf.width - 8) / 2
    y0 = pdf.get_y() + 2
    for i, block in enumerate(SIGNATURE_BLOCKS):
        declarant = i == len(SIGNATURE_BLOCKS) - 1
        x = LEFT + (i % 2) * (w + 8)
        y = y0 + (i // 2) * SIGNATURE_BLOCK_H
        _signature_block(pdf, x, y, w, block, signed_on if declarant else None,
                         _value(form, "full_name") if declarant else None)
    pdf.set_xy(LEFT, y0 + 2 * SIGNATURE_BLOCK_H)


def _notes(pdf: _Ct01, receipt_code: str | None) -> None:
    if pdf.get_y() + 60 > pdf.page_break_trigger:  # keep the footnotes together rather than orphan the first
        pdf.add_page()
    pdf.set_font("Form", "B", 8.5)
    pdf.cell(pdf.width, 4.6, "Chú thích:", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Form", "", 8)
    for note in NOTES:
        pdf.multi_cell(pdf.width, 3.9, note, new_x="LMARGIN", new_y="NEXT")
    if receipt_code:
        pdf.ln(1)
        pdf.set_font("Form", "I", 8.5)
        pdf.multi_cell(
            pdf.width,
            4.4,
            f"Tờ khai lập tại kiosk. Mã hồ sơ: {receipt_code}",
            new_x="LMARGIN",
            new_y="NEXT",
        )


def render_ct01(form: FilledForm, *, signed_on: date, receipt_code: str | None = None) -> bytes:
    """The PDF bytes of ``form`` (a CT01 procedure), printable on A4."""
    pdf = _Ct01()
    pdf.add_page()
    pdf.set_font("Form", "I", 8.5)
    pdf.set_x(LEFT + pdf.width - 96)
    pdf.multi_cell(
        96,
        4,
        HEADER_NOTE,
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    pdf.text_line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=12, style="B", align="C", h=6)
    pdf.text_line("Độc lập - Tự do - Hạnh phúc", size=12, style="B", align="C", h=6)
    mid = LEFT + pdf.width / 2
    pdf.line(mid - 26, pdf.get_y() + 0.5, mid + 26, pdf.get_y() + 0.5)
    pdf.ln(6)
    pdf.text_line("TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ", size=14, style="B", align="C", h=7)
    pdf.ln(3)
    half = pdf.width * 0.58
    pdf.field("Kính gửi (1):", _value(form, "authority"))
    pdf.field("1. Họ, chữ đệm và tên:", _value(form, "full_name"))
    pdf.field("2. Ngày, tháng, năm sinh:", _value(form, "date_of_birth"), half, last=False)
    pdf.field("3. Giới tính:", _value(form, "sex"))
    pdf.id_boxes("4. Số định danh cá nhân:", form.get("id_number"))
    pdf.field("5. Số điện thoại liên hệ:", _value(form, "phone"), half, last=False)
    pdf.field("6. Email:", _value(form, "email"))
    pdf.field("7. Họ, chữ đệm và tên chủ hộ:", _value(form, "head_name"))
    pdf.field("8. Mối quan hệ với chủ hộ:", _value(form, "relation_to_head"))
    pdf.id_boxes("9. Số định danh cá nhân của chủ hộ:", form.get("head_id_number"))
    pdf.set_font("Form", "", 11)
    pdf.cell(pdf.get_string_width("10. Nội dung đề nghị (2): ") + 1, 6.5, "10. Nội dung đề nghị (2): ")
    pdf.set_font("Form", "B", 11)
    pdf.set_text_color(*FILLED)
    pdf.multi_cell(0, 6.5, _value(form, "request") or "…", align="L", new_x="LMARGIN", new_y="NEXT")
    if form.address is not None:  # the card's residence in the current units, as the person confirmed it
        pdf.set_font("Form", "", 9.5)
        pdf.multi_cell(0, 5, ct01_residence_line(form.address), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.ln(1)
    pdf.text_line("11. Những thành viên trong hộ gia đình cùng thay đổi:")
    pdf.ln(1)
    _members_table(pdf, form)
    _signatures(pdf, form, signed_on)
    _notes(pdf, receipt_code)
    return bytes(pdf.output())


@dataclass(frozen=True)
class Attachment:
    """A rendered document a submission carries: bytes, file name and media type."""

    content: bytes
    filename: str
    media_type: str = MEDIA_TYPE


def ct01_attachment(form: FilledForm, *, signed_on: date, receipt_code: str | None = None) -> Attachment:
    """The CT01 PDF of ``form`` as a submission attachment (``ct01-<procedure>-<yyyymmdd>.pdf``); a one-stop plugin
    calls it in ``submission_extra`` and prints ``content`` on request."""
    data = render_ct01(form, signed_on=signed_on, receipt_code=receipt_code)
    return Attachment(data, f"ct01-{form.procedure.id}-{signed_on.strftime('%Y%m%d')}.pdf")
