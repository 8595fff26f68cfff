"""Date helpers: the kiosk's legal time zone and the date formats found on cards."""

from __future__ import annotations

from datetime import date, datetime

from wire.zones import VIETNAM

__all__ = ["VIETNAM", "age_on", "birthday_in_year", "parse_ddmmyyyy", "today_in_vietnam"]


def today_in_vietnam() -> date:
    """Today's date in Asia/Ho_Chi_Minh, whatever the machine's time zone."""
    return datetime.now(VIETNAM).date()


def parse_ddmmyyyy(text: str, *, slashes: bool = False) -> date:
    """Parse ``ddMMyyyy`` (QR), or also ``dd/MM/yyyy`` (DG13) when ``slashes``; ValueError on anything else."""
    digits = text
    if slashes and len(text) == 10 and text[2] == "/" and text[5] == "/":
        digits = text.replace("/", "")
    if len(digits) != 8 or not digits.isdigit():
        raise ValueError("expected ddMMyyyy")
    return date(int(digits[4:]), int(digits[2:4]), int(digits[:2]))


def age_on(birth: date, day: date) -> int:
    """Completed years of age on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def birthday_in_year(birth: date, year: int) -> date:
    """The holder's birthday in ``year`` (29 February falls back to 28 February in common years)."""
    try:
        return birth.replace(year=year)
    except ValueError:
        return date(year, 2, 28)
