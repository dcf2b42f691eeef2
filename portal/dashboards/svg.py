"""Server-rendered SVG charts: pictures with a <title>, an aria label and printed values.

No JavaScript: each chart is inline SVG with role="img" and a text summary, values are
printed beside the marks, and ratings use a shape as well as a colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from portal.dashboards.kpis import Point

RATING_NAMES = {0: "OK", 1: "watch", 2: "at risk", None: "no snapshot"}
RATING_CLASSES = {0: "r-green", 1: "r-amber", 2: "r-red"}


def _num(value: Decimal | float | None) -> str:
    if value is None:
        return "-"
    return f"{Decimal(value).quantize(Decimal('0.1')):f}".rstrip("0").rstrip(".")


def sparkline(scores: Sequence[int | None], weeks: Sequence[str]) -> SafeString:
    """12 weekly ratings: a line, and a circle / triangle / square per week by rating."""
    width, height, step = 132, 28, 11
    summary = ", ".join(f"{w}: {RATING_NAMES[s]}" for w, s in zip(weeks, scores, strict=False))
    known = [s for s in scores if s is not None]
    parts = [
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="Risk over the last {len(scores)} weeks: {escape(summary)}">',
        f"<title>Risk trend: {escape(summary)}</title>",
    ]
    if not known:
        parts.append(f'<text x="0" y="{height - 10}" class="spark-empty">no snapshots yet</text>')
        parts.append("</svg>")
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
    coords = [(5 + i * step, 22 - (s or 0) * 8, s) for i, s in enumerate(scores)]
    path = " ".join(f"{x},{y}" for x, y, s in coords if s is not None)
    parts.append(f'<polyline points="{path}" class="spark-line"/>')
    for x, y, s in coords:
        if s is None:
            continue
        cls = RATING_CLASSES[s]
        if s == 0:
            parts.append(f'<circle cx="{x}" cy="{y}" r="3" class="{cls}"/>')
        elif s == 1:
            parts.append(
                f'<path d="M{x} {y - 4} L{x + 4} {y + 3} L{x - 4} {y + 3} Z" class="{cls}"/>'
            )
        else:
            parts.append(f'<rect x="{x - 3.5}" y="{y - 3.5}" width="7" height="7" class="{cls}"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


def line_chart(points: Sequence[Point], unit: str, title: str) -> SafeString:
    """A weekly series: dots joined by a line, each value printed above its dot."""
    width, height, left, bottom, top = 640, 200, 40, 36, 24
    values = [p.value for p in points if p.value is not None]
    plot_h = height - bottom - top
    step = (width - left - 10) / max(len(points) - 1, 1)
    high = max([Decimal(1), *values]) if unit != "%" else Decimal(100)
    summary = "; ".join(f"{p.label}: {_num(p.value)} {unit}" if p.value is not None
                        else f"{p.label}: no data" for p in points)  # fmt: skip
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)} by week. {escape(summary)}">',
        f"<title>{escape(title)} by week</title>",
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 5}" y2="{height - bottom}" '
        'class="axis"/>',
        f'<text x="2" y="{top + 4}" class="tick">{_num(high)}</text>',
        f'<text x="2" y="{height - bottom}" class="tick">0</text>',
    ]
    coords = []
    for i, p in enumerate(points):
        x = left + i * step
        parts.append(f'<text x="{x:.0f}" y="{height - 18}" class="tick" text-anchor="middle">'
                     f'{escape(p.label[-3:])}</text>')  # fmt: skip
        if p.value is None:
            parts.append(f'<text x="{x:.0f}" y="{height - bottom - 4}" class="gap" '
                         'text-anchor="middle">·</text>')  # fmt: skip
            continue
        y = height - bottom - float(p.value / high) * plot_h if high else height - bottom
        coords.append((x, y, p))
    if len(coords) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in coords)
        parts.append(f'<polyline points="{path}" class="series"/>')
    for x, y, p in coords:
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" class="dot">'
                     f"<title>{escape(p.label)}: {_num(p.value)} {escape(unit)} "
                     f"({p.count})</title></circle>")  # fmt: skip
        parts.append(f'<text x="{x:.1f}" y="{y - 8:.1f}" class="val" text-anchor="middle">'
                     f"{_num(p.value)}</text>")  # fmt: skip
    parts.append(f'<text x="{width - 5}" y="{height - 2}" class="tick" text-anchor="end">'
                 f"ISO week · {escape(unit)}</text>")  # fmt: skip
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


def bar_chart(points: Sequence[Point], unit: str, title: str) -> SafeString:
    """Horizontal bars, one per business unit, with the value printed after the bar."""
    rows = [p for p in points if p.value is not None]
    # Drawn at about the width of its column (2/5 of the page), so that the 13-unit labels
    # (static/portal.css) render near 13 px instead of being scaled down to unreadable.
    bar_h, gap, label_w, width = 20, 8, 150, 440
    height = max(len(rows), 1) * (bar_h + gap) + 10
    high = max([Decimal(1), *(p.value for p in rows if p.value is not None)])
    summary = "; ".join(f"{p.label}: {_num(p.value)} {unit}" for p in rows) or "no data"
    parts = [
        f'<svg class="chart bars" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)} by business unit. {escape(summary)}">',
        f"<title>{escape(title)} by business unit</title>",
    ]
    for i, p in enumerate(rows):
        y = 5 + i * (bar_h + gap)
        length = float((p.value or 0) / high) * (width - label_w - 90)
        parts.append(f'<text x="0" y="{y + 15}" class="tick">{escape(p.label[:20])}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{max(length, 1):.1f}" '
                     f'height="{bar_h}" class="bar"/>')  # fmt: skip
        parts.append(f'<text x="{label_w + length + 6:.1f}" y="{y + 15}" class="val">'
                     f"{_num(p.value)} {escape(unit)}</text>")  # fmt: skip
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
