"""The operator page (``GET /operator``): server-rendered HTML, Vietnamese first and English second, no script.

Every value is escaped with ``html.escape``; every value is a count, a state, a code, a version or a time (see
``intake.fleet``). A stale kiosk's row has the class ``stale`` (red) and the words "Mất liên lạc / Stale", so the
state never rests on colour alone. The page reloads itself every minute (``<meta http-equiv="refresh">``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from html import escape

from intake.fleet import Compliance, KioskView
from intake.svg_charts import backlog_chart, on_time_rate_chart
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
# What an operator reads for the error codes kiosks report (the code stays in a tooltip for support).
ERROR_LABELS = {
    "chip-unstable": "thẻ bị xê dịch khi đọc chip / card moved while the chip was read",
    "chip-card-removed": "thẻ bị nhấc ra khi đang đọc / card lifted during the read",
    "chip-wrong-key": "chip từ chối khóa (CAN/MRZ) / chip refused the key",
    "chip-no-reader": "không có đầu đọc chip / no chip reader",
    "chip-unsupported": "chip không đọc được / chip not readable",
    "camera-failed": "camera ngừng hoạt động / camera stopped",
    "printer-error": "máy in lỗi / printer error",
}
NO_CONTACT = "không rõ — mất liên lạc / unknown — no contact"
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
code { font-size: 12px; }
code.kid { display: block; word-break: break-all; user-select: all; font-size: 11px; color: #333; margin-top: 3px; }
.reasons { display: block; font-weight: 400; font-size: 12px; }
.sub { display: block; color: #555; font-size: 12px; }
ul.errors { margin: 0; padding-left: 16px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
.charts figure { margin: 0; background: #fff; border: 1px solid #d5d9de; padding: 8px; }
.charts figcaption { font-size: 13px; font-weight: 600; margin-bottom: 4px; }
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


def _error(code: str) -> str:
    label = ERROR_LABELS.get(code)
    if label is None:
        return f"<li>mã lỗi / error code <code>{escape(code)}</code></li>"
    return f'<li title="{escape(code)}">{escape(label)}</li>'


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
    # A kiosk out of contact: what it last said about its devices is no longer known to be true.
    if view.state == "stale":
        devices = NO_CONTACT
    else:
        devices = (f"Đầu đọc / Reader: {DEVICE_LABELS.get(view.reader or '', view.reader or '—')}; "
                   f"Camera: {DEVICE_LABELS.get(view.camera or '', view.camera or '—')}")
    place = " · ".join(x for x in (view.establishment if view.establishment != view.kid else None,
                                   PROFILE_LABELS.get(view.profile or "", view.profile), view.version) if x)
    outbox = (f"{view.pending if view.pending is not None else '—'} chờ / pending · "
              f"{view.quarantined if view.quarantined is not None else '—'} cách ly / quarantined")
    oldest = duration(view.oldest_pending_seconds)
    errors = f'<ul class="errors">{"".join(_error(code) for code in view.errors)}</ul>' if view.errors else "—"
    cells = [
        state,
        f'<td>{escape(place or "—")}<code class="kid" title="Mã thiết bị / Device id">{escape(view.kid)}</code></td>',
        _cell(last_seen),
        f'<td>{escape(outbox)}<span class="sub">chờ lâu nhất / oldest: {escape(oldest)}</span></td>',
        _cell(devices),
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
    "Ki-ốt / Kiosk",
    "Lần cuối / Last seen",
    "Hàng đợi / Outbox",
    "Thiết bị / Devices",
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


def _charts(on_time: Sequence[tuple[date, int, int]], backlog: Mapping[str, Sequence[tuple[date, int, int]]]) -> str:
    figures = [f"<figure><figcaption>Tỷ lệ thông báo đúng hạn theo ngày / On-time notifications per day"
               f"</figcaption>{on_time_rate_chart(on_time)}</figure>"]
    figures += [f"<figure><figcaption>{escape(name)} · chờ thông báo và quá hạn theo ngày / pending and overdue per "
                f"day</figcaption>{backlog_chart(name, days)}</figure>" for name, days in backlog.items()]
    return f'<div class="charts">{"".join(figures)}</div>'


def render(
    kiosks: Sequence[KioskView], compliance: Sequence[Compliance], now: datetime, stale_minutes: float,
    on_time: Sequence[tuple[date, int, int]] = (), backlog: Mapping[str, Sequence[tuple[date, int, int]]] | None = None,
) -> str:
    """The page; ``on_time``: ``(day, on time, late)`` per day; ``backlog``: per establishment, ``(day, pending,
    overdue)`` per day (both drawn as inline SVG charts)."""
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
{_charts(on_time, backlog or {})}
{_table(COMPLIANCE_HEADERS, [_compliance_row(c) for c in compliance],
        "Chưa có cơ sở lưu trú / No lodging establishment", "compliance")}
</body>
</html>
"""
