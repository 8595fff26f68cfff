"""The time zone the contract's local dates and times are in (lodging arrivals, deadlines, receipts): Vietnam's."""

from __future__ import annotations

from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
