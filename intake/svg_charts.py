"""Small charts drawn on the server as inline SVG: no script, no web font, nothing fetched (the operator page's
Content-Security-Policy allows none of that). Every chart has a title and a text alternative (``<title>``,
``<desc>``) and labels its values, so nothing rests on colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

WIDTH, HEIGHT = 560, 200
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 16, 34
INK, GRID, MUTED = "#1b1f24", "#d5d9de", "#555"
ON_TIME, LATE = "#2e7d32", "#c0261b"
PENDING, OVERDUE = "#0b5cad", "#c0261b"


def _frame(title: str, desc: str, body: str, width: int = WIDTH, height: int = HEIGHT) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="Noto Sans, DejaVu Sans, sans-serif" font-size="11">'
            f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>{body}</svg>")


def _day(day: date) -> str:
    return day.strftime("%d/%m")


def _axis(top_label: str, height: int) -> str:
    bottom = height - BOTTOM
    return (f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}" stroke="{GRID}"/>'
            f'<line x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}" stroke="{GRID}"/>'
            f'<line x1="{LEFT}" y1="{TOP}" x2="{WIDTH - RIGHT}" y2="{TOP}" stroke="{GRID}" stroke-dasharray="3 3"/>'
            f'<text x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end" fill="{MUTED}">{escape(top_label)}</text>'
            f'<text x="{LEFT - 6}" y="{bottom + 4}" text-anchor="end" fill="{MUTED}">0</text>')


def _day_labels(days: Sequence[date], x_of: dict[date, float], height: int) -> str:
    step = max(1, len(days) // 10)  # at most about ten labels under the axis
    return "".join(f'<text x="{x_of[d]:.1f}" y="{height - BOTTOM + 16}" text-anchor="middle" fill="{MUTED}">'
                   f"{_day(d)}</text>" for i, d in enumerate(days) if i % step == 0 or i == len(days) - 1)


def on_time_rate_chart(days: Sequence[tuple[date, int, int]]) -> str:
    """Bars: the share of lodging notifications received on time, per day (``(day, on_time, late)``); the count
    of notifications is written above each bar. A day without notifications has no bar."""
    title = "Tỷ lệ thông báo đúng hạn theo ngày / On-time notifications per day"
    if not days:
        return _frame(title, "Chưa có thông báo / No notification yet",
                      f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" fill="{MUTED}">'
                      "Chưa có thông báo / No notification yet</text>")
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(days)
    x_of = {d: LEFT + slot * (i + 0.5) for i, (d, _, _) in enumerate(days)}
    bars, parts = [], []
    for d, on_time, late in days:
        total = on_time + late
        if not total:
            continue
        rate = on_time / total
        h = plot_h * rate
        x = x_of[d] - slot * 0.35
        colour = ON_TIME if rate >= 0.95 else LATE
        bars.append(f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" '
                    f'fill="{colour}"><title>{_day(d)}: {on_time}/{total} đúng hạn / on time</title></rect>')
        parts.append(f"{_day(d)} {round(rate * 100)}% ({on_time}/{total})")
        if slot >= 26:
            bars.append(f'<text x="{x_of[d]:.1f}" y="{TOP + plot_h - h - 3:.1f}" text-anchor="middle" '
                        f'fill="{INK}">{round(rate * 100)}%</text>')
    body = _axis("100%", HEIGHT) + "".join(bars) + _day_labels([d for d, _, _ in days], x_of, HEIGHT)
    return _frame(title, "; ".join(parts), body)


def backlog_chart(establishment: str, days: Sequence[tuple[date, int, int]]) -> str:
    """Lines: guests not yet notified (pending) and, of them, past the deadline (overdue), per day, as the
    establishment's kiosks reported them (``(day, pending, overdue)``)."""
    title = f"{establishment}: chờ thông báo và quá hạn / pending and overdue"
    height = 170
    plot_w, plot_h = WIDTH - LEFT - RIGHT, height - TOP - BOTTOM
    top = max([1, *(p for _, p, _ in days), *(o for _, _, o in days)])
    slot = plot_w / max(1, len(days))
    x_of = {d: LEFT + slot * (i + 0.5) for i, (d, _, _) in enumerate(days)}

    def y(value: int) -> float:
        return TOP + plot_h - plot_h * value / top

    lines = []
    for index, colour, label, dash in ((1, PENDING, "chờ / pending", ""), (2, OVERDUE, "quá hạn / overdue", "6 3")):
        points = " ".join(f"{x_of[row[0]]:.1f},{y(row[index]):.1f}" for row in days)  # type: ignore[arg-type]
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        if len(days) > 1:
            lines.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5"{dashed}/>')
        for row in days:
            lines.append(f'<circle cx="{x_of[row[0]]:.1f}" cy="{y(row[index]):.1f}" r="3.5" fill="{colour}">'  # type: ignore[arg-type]
                         f"<title>{_day(row[0])}: {row[index]} {label}</title></circle>")
    legend = (f'<g transform="translate({LEFT + 8},{TOP + 2})">'
              f'<line x1="0" y1="6" x2="18" y2="6" stroke="{PENDING}" stroke-width="2.5"/>'
              f'<text x="22" y="10" fill="{INK}">chờ thông báo / pending</text>'
              f'<line x1="170" y1="6" x2="188" y2="6" stroke="{OVERDUE}" stroke-width="2.5" stroke-dasharray="6 3"/>'
              f'<text x="192" y="10" fill="{INK}">quá hạn / overdue</text></g>')
    last = days[-1] if days else None
    desc = "; ".join(f"{_day(d)}: {p} chờ / pending, {o} quá hạn / overdue" for d, p, o in days) or "—"
    latest = (f'<text x="{WIDTH - RIGHT}" y="{TOP + 10}" text-anchor="end" fill="{INK}" font-weight="bold">'
              f"{_day(last[0])}: {last[1]} / {last[2]}</text>") if last else ""
    body = _axis(str(top), height) + "".join(lines) + legend + latest + \
        _day_labels([d for d, _, _ in days], x_of, height)
    return _frame(title, desc, body, height=height)
