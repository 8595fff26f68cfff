"""The operator page (``GET /operator``): server-rendered HTML, Vietnamese first and English second, no script.

Every value is escaped with ``html.escape``; every value is a count, a state, a code, a version or a time (see
``intake.fleet``). A stale kiosk's row has the class ``stale`` (red) and the words "Mất liên lạc / Stale", so the
state never rests on colour alone. The page reloads itself every minute (``<meta http-equiv="refresh">``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from intake.fleet import Compliance, KioskView
from wire.zones import VIETNAM

STATE_LABELS = {
    "ok": "Bình thường / OK",
    "warning": "Cần chú ý / Warning",
    "stale": "Mất liên lạc / Stale",
}
REASON_LABELS = {
    "never-seen": "chưa gửi tín hiệu / never reported",
    "silent": "không có tín hiệu / no heartbeat",
    "outbox-held": "máy chủ từ chối thiết bị / delivery held",
    "quarantined": "hồ sơ bị cách ly / quarantined items",
    "old-pending": "hồ sơ chờ gửi quá lâu / old pending items",
    "reader": "đầu đọc thẻ / card reader",
    "camera": "camera",
    "lodging-overdue": "lưu trú quá hạn / lodging overdue",
}
DEVICE_LABELS = {
    "ok": "tốt / ok",
    "absent": "không thấy / absent",
    "error": "lỗi / error",
    "simulated": "mô phỏng / simulated",
    "unknown": "không rõ / unknown",
}
PROFILE_LABELS = {"one-stop": "Một cửa / One-stop", "clinic": "Phòng khám / Clinic", "lodging": "Lưu trú / Lodging"}

STYLE = """
body { font-family: "Noto Sans", "DejaVu Sans", sans-serif; margin: 24px; color: #1b1f24; background: #f6f7f9; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; }
p.meta { color: #555; margin: 0 0 16px; font-size: 13px; }
.summary span { display: inline-block; margin-right: 12px; padding: 4px 10px; border-radius: 4px; font-size: 14px;
  background: #e8ebef; }
.summary .n-stale { background: #f8d0cd; } .summary .n-warning { background: #fbe9bd; }
.summary .n-ok { background: #d7ecd9; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 13px; }
th, td { border: 1px solid #d5d9de; padding: 5px 7px; text-align: left; vertical-align: top; }
th { background: #e8ebef; font-weight: 600; font-size: 12px; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.stale td { background: #f8d0cd; }
tr.stale td.state { color: #8b0f07; font-weight: 700; border-left: 6px solid #c0261b; }
tr.warning td { background: #fdf3d7; }
tr.warning td.state { color: #6b4a00; font-weight: 700; border-left: 6px solid #d99a00; }
tr.ok td.state { color: #1c5e2a; border-left: 6px solid #2e8540; }
code { font-size: 12px; white-space: nowrap; }
.reasons { display: block; font-weight: 400; font-size: 12px; }
"""


def _local(moment: datetime | None) -> str:
    return moment.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M:%S") if moment is not None else "—"


def duration(seconds: int | None) -> str:
    """``45 giây / s``, ``12 phút / min``, ``3 giờ / h``, ``2 ngày / d``; ``—`` when unknown."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds} giây / s"
    if seconds < 3600:
        return f"{seconds // 60} phút / min"
    if seconds < 86400:
        return f"{seconds // 3600} giờ / h"
    return f"{seconds // 86400} ngày / d"


def ago(seconds: int) -> str:
    """``6 giây trước / 6 s ago``, ``12 phút trước / 12 min ago``…"""
    for size, vi, en in ((86400, "ngày", "d"), (3600, "giờ", "h"), (60, "phút", "min")):
        if seconds >= size:
            return f"{seconds // size} {vi} trước / {seconds // size} {en} ago"
    return f"{seconds} giây trước / {seconds} s ago"


def _cell(value: object, css: str = "") -> str:
    text = "—" if value is None or value == "" else str(value)
    attribute = f' class="{css}"' if css else ""
    return f"<td{attribute}>{escape(text)}</td>"


def _kiosk_row(view: KioskView) -> str:
    reasons = ", ".join(REASON_LABELS.get(reason, reason) for reason in view.reasons)
    state = (
        f'<td class="state">{escape(STATE_LABELS[view.state])}'
        + (f'<span class="reasons">{escape(reasons)}</span>' if reasons else "")
        + "</td>"
    )
    lodging = "—"
    if view.lodging_due_soon is not None or view.lodging_overdue is not None:
        lodging = f"{view.lodging_due_soon or 0} sắp hạn / due soon, {view.lodging_overdue or 0} quá hạn / overdue"
    last_seen = _local(view.last_seen)
    if view.silent_seconds is not None:
        last_seen += f" ({ago(view.silent_seconds)})"
    errors = " ".join(f"<code>{escape(code)}</code>" for code in view.errors) or "—"
    cells = [
        state,
        f'<td><code title="{escape(view.kid)}">{escape(view.kid[:12])}…</code></td>',
        _cell(view.establishment if view.establishment != view.kid else None),
        _cell(PROFILE_LABELS.get(view.profile or "", view.profile)),
        _cell(view.version),
        _cell(last_seen),
        _cell(view.pending, "num"),
        _cell(duration(view.oldest_pending_seconds), "num"),
        _cell(view.quarantined, "num"),
        _cell(DEVICE_LABELS.get(view.reader or "", view.reader)),
        _cell(DEVICE_LABELS.get(view.camera or "", view.camera)),
        _cell(lodging),
        f"<td>{errors}</td>",
    ]
    return f'<tr class="{escape(view.state)}" data-kid="{escape(view.kid)}">' + "".join(cells) + "</tr>"


def _compliance_row(entry: Compliance) -> str:
    return (
        f'<tr data-establishment="{escape(entry.establishment)}">'
        + _cell(entry.establishment)
        + _cell(len(entry.kiosks), "num")
        + _cell(entry.on_time, "num")
        + _cell(entry.late, "num")
        + _cell(entry.pending, "num")
        + _cell(entry.overdue, "num")
        + "</tr>"
    )


KIOSK_HEADERS = (
    "Trạng thái / State",
    "Thiết bị / Device",
    "Cơ sở / Establishment",
    "Loại / Profile",
    "Phiên bản / Version",
    "Lần cuối / Last seen",
    "Chờ gửi / Pending",
    "Chờ lâu nhất / Oldest pending",
    "Cách ly / Quarantined",
    "Đầu đọc / Reader",
    "Camera",
    "Lưu trú / Lodging deadlines",
    "Lỗi gần đây / Last errors",
)
COMPLIANCE_HEADERS = (
    "Cơ sở / Establishment",
    "Ki-ốt / Kiosks",
    "Đúng hạn / On time",
    "Trễ hạn / Late",
    "Chưa gửi / Pending",
    "Trong đó quá hạn / Of which overdue",
)


def _table(headers: Sequence[str], rows: Sequence[str], empty: str, table_id: str) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(rows) or f'<tr><td colspan="{len(headers)}">{escape(empty)}</td></tr>'
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def render(
    kiosks: Sequence[KioskView], compliance: Sequence[Compliance], now: datetime, stale_minutes: float
) -> str:
    counts = {state: sum(1 for k in kiosks if k.state == state) for state in STATE_LABELS}
    summary = "".join(
        f'<span class="n-{state}">{escape(STATE_LABELS[state])}: {counts[state]}</span>' for state in STATE_LABELS
    )
    stale_text = f"{stale_minutes:g}"
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="60">
<title>Tình trạng ki-ốt / Kiosk fleet</title>
<style>{STYLE}</style>
</head>
<body>
<h1>Tình trạng ki-ốt / Kiosk fleet</h1>
<p class="meta">Cập nhật / Updated: {escape(_local(now))} (giờ Việt Nam / Vietnam time).
Mất liên lạc khi không có tín hiệu quá {escape(stale_text)} phút / Stale after {escape(stale_text)} min without a
heartbeat.</p>
<div class="summary">{summary}<span>Tổng / Total: {len(kiosks)}</span></div>
<h2>Ki-ốt / Kiosks</h2>
{_table(KIOSK_HEADERS, [_kiosk_row(k) for k in kiosks], "Chưa có ki-ốt nào / No kiosk enrolled", "kiosks")}
<h2>Thông báo lưu trú theo cơ sở / Lodging notifications by establishment</h2>
<p class="meta">Đúng hạn / trễ hạn: thông báo máy chủ đã nhận trước / sau hạn luật định; chưa gửi: khách ki-ốt báo
chưa thông báo. / On time, late: notifications received before / after the legal deadline; pending: guests the kiosks
report as not notified yet.</p>
{_table(COMPLIANCE_HEADERS, [_compliance_row(c) for c in compliance],
        "Chưa có cơ sở lưu trú / No lodging establishment", "compliance")}
</body>
</html>
"""
