"""The printed queue ticket: a 1-bit image for any ESC/POS printer (``drivers.printer.EscposPrinter``) or its
simulated twin (``drivers.sim.png_printer.PngPrinter``).

A one-stop plugin calls ``print_ticket(ticket, printer, issued_at=..., procedure=...)`` in ``after_saved`` once the
dossier is queued and the ``TicketDispenser`` has issued the number; the same ``ticket_image`` is what a screen can
show. The slip carries no personal data: the number in large type, the counter, the procedure's title, the date
and time, and what to do next, Vietnamese first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from PIL import Image, ImageDraw, ImageFont

from kiosk.receipt_image import PAPER_WIDTH, font, wrap_text
from kiosk.text import nfc
from kiosk.workflows.model import Procedure
from kiosk.workflows.receipt import Ticket


class ImagePrinter(Protocol):
    """What prints the slip (``drivers.printer.ImagePrinter``)."""

    def print_image(self, image: Image.Image) -> str: ...


def ticket_image(ticket: Ticket, *, issued_at: datetime, procedure: Procedure | None = None) -> Image.Image:
    """The ticket as a 1-bit image ``PAPER_WIDTH`` dots wide (80 mm paper at 203 dpi)."""
    margin = 16
    width = PAPER_WIDTH - 2 * margin
    canvas = Image.new("L", (PAPER_WIDTH, 1200), 255)
    draw = ImageDraw.Draw(canvas)
    centre = PAPER_WIDTH / 2
    y = margin
    title, small, body = font(28, bold=True), font(20), font(24)
    draw.text((centre, y), "SỐ THỨ TỰ", font=title, fill=0, anchor="ma")
    y += 36
    draw.text((centre, y), "QUEUE NUMBER", font=small, fill=0, anchor="ma")
    y += 34
    draw.text((centre, y), ticket.display, font=font(120, bold=True), fill=0, anchor="ma")
    y += 150
    lines: list[tuple[str, ImageFont.FreeTypeFont | ImageFont.ImageFont, int]] = [
        (ticket.counter_label_vi, font(26, bold=True), 34),
        (ticket.counter_label_en, small, 28),
    ]
    if procedure is not None:
        lines += [(procedure.title_vi, body, 32), (procedure.title_en, small, 28)]
    lines += [
        (issued_at.strftime("%H:%M  %d/%m/%Y"), body, 40),
        ("Vui lòng chờ đến lượt; số của bạn sẽ được gọi và hiện trên bảng.", body, 32),
        ("Please wait; your number will be called and shown on the board.", small, 28),
    ]
    for text, face, gap in lines:
        for line in wrap_text(draw, nfc(text), face, width):
            draw.text((centre, y), line, font=face, fill=0, anchor="ma")
            y += gap
        y += 4
    draw.line((margin, y + 6, PAPER_WIDTH - margin, y + 6), fill=0, width=2)
    y += 16
    return canvas.crop((0, 0, PAPER_WIDTH, y + margin)).point(lambda v: 255 if v > 128 else 0, mode="1")


def print_ticket(
    ticket: Ticket, printer: ImagePrinter, *, issued_at: datetime, procedure: Procedure | None = None
) -> str:
    """Render and print the ticket; returns the printer's description (the PNG path for the simulated printer).
    A printer fault raises the printer's own typed error (``PrinterError``): the number stays valid on screen."""
    return printer.print_image(ticket_image(ticket, issued_at=issued_at, procedure=procedure))
