"""Renders a filled CT01 "Tờ khai thay đổi thông tin cư trú" (TT 66/2023/TT-BCA) to a printable A4 PDF.

The layout follows the official form: header, items 1–10, the item 11 members table, the four signature blocks
and the notes. Values filled by the kiosk are printed in dark blue so that a clerk sees at a glance what was
filled. Text is embedded with a TrueType font that has the Vietnamese glyphs (Debian ``fonts-noto-core``).
"""

from __future__ import annotations

import os
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
SIGNATURE_BLOCK_H = 60.0


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


def _signatures(pdf: _Ct01, form: FilledForm, signed_on: date) -> None:
    if pdf.get_y() + SIGNATURE_BLOCK_H > pdf.page_break_trigger:
        pdf.add_page()
    place = "…………"
    pdf.set_font("Form", "I", 11)
    pdf.cell(
        pdf.width,
        6,
        f"{place}, ngày {signed_on.day:02d} tháng {signed_on.month:02d} năm {signed_on.year}",
        align="R",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    blocks = [
        ("Ý KIẾN CỦA CHỦ HỘ (3)", "(Ghi rõ nội dung,\nký, ghi rõ họ tên)"),
        (
            "Ý KIẾN CỦA CHỦ SỞ HỮU HOẶC NGƯỜI ĐƯỢC ỦY QUYỀN CỦA CHỦ SỞ HỮU CHỖ Ở HỢP PHÁP (3)",
            "(Ghi rõ nội dung,\nký, ghi rõ họ tên)",
        ),
        ("Ý KIẾN CỦA CHA, MẸ HOẶC NGƯỜI GIÁM HỘ (3)", "(Ghi rõ nội dung,\nký, ghi rõ họ tên)"),
        ("NGƯỜI KÊ KHAI", "(Ký, ghi rõ họ tên)"),
    ]
    w = pdf.width / 4
    y0 = pdf.get_y() + 1
    for i, (title, note) in enumerate(blocks):
        pdf.set_xy(LEFT + i * w, y0)
        pdf.set_font("Form", "B", 8.5)
        pdf.multi_cell(w, 4.2, title, align="C")
        pdf.set_x(LEFT + i * w)
        pdf.set_font("Form", "I", 8.5)
        pdf.multi_cell(w, 4.2, note, align="C")
    declarant = _value(form, "full_name")
    if declarant:
        pdf.set_xy(LEFT + 3 * w, y0 + 42)
        pdf.set_font("Form", "B", 10)
        pdf.set_text_color(*FILLED)
        pdf.multi_cell(w, 5, declarant, align="C")
        pdf.set_text_color(*INK)
    pdf.set_xy(LEFT, y0 + 52)


def _notes(pdf: _Ct01, receipt_code: str | None) -> None:
    pdf.set_font("Form", "B", 9)
    pdf.cell(pdf.width, 5, "Chú thích:", new_x="LMARGIN", new_y="NEXT")
    notes = [
        "(1) Cơ quan đăng ký cư trú.",
        "(2) Ghi rõ ràng, cụ thể nội dung đề nghị. Ví dụ: đăng ký thường trú; đăng ký tạm trú; "
        "khai báo tạm vắng; "
        "xác nhận thông tin về cư trú; điều chỉnh thông tin về cư trú...",
        "(3) Áp dụng đối với các trường hợp mà Luật Cư trú yêu cầu ý kiến đồng ý của chủ hộ, "
        "chủ sở hữu chỗ ở hợp "
        "pháp hoặc cha, mẹ, người giám hộ.",
    ]
    pdf.set_font("Form", "", 9)
    for note in notes:
        pdf.multi_cell(pdf.width, 4.4, note, new_x="LMARGIN", new_y="NEXT")
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
    pdf.set_x(LEFT + pdf.width - 72)
    pdf.multi_cell(
        72,
        4,
        "Mẫu CT01 ban hành kèm theo Thông tư số 66/2023/TT-BCA của Bộ trưởng Bộ Công an",
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
