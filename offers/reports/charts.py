"""Server-rendered SVG charts for the tariff and capacity reports (issue 6). The same SVG goes
on the HTML page and into the PDF: no JavaScript, no external files, in the style of
offers/charts.py. Every chart has a <title> and a <desc> with the numbers, and the pages
show the same numbers in a table beside it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from offers.charts import _money
from partnership import formats

BLUE = "#0059b3"
BAND = "#cfe0f3"
GREY = "#747474"
INK = "#1a1a1a"
WIDTH, HEIGHT, PAD_L, PAD_R, PAD_T, PAD_B = 600, 240, 90, 20, 20, 44


def _scale(values: list[Decimal]):
    lo, hi = min(values), max(values)
    span = (hi - lo) or (abs(hi) or Decimal(1))
    return lo - span * Decimal("0.1"), hi + span * Decimal("0.1")


def _open(chart_id: str, title: str, desc: str) -> list[str]:
    return [
        format_html(
            '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-labelledby="{}-title {}-desc" '
            'xmlns="http://www.w3.org/2000/svg">',
            WIDTH,
            HEIGHT,
            chart_id,
            chart_id,
        ),
        format_html('<title id="{}-title">{}</title>', chart_id, title),
        format_html('<desc id="{}-desc">{}</desc>', chart_id, desc),
        f'<line x1="{PAD_L}" y1="{HEIGHT - PAD_B}" x2="{WIDTH - PAD_R}" y2="{HEIGHT - PAD_B}" '
        f'stroke="{GREY}"/>',
    ]


def _y_labels(parts, y, lo, hi, fmt) -> None:
    for value in (lo + (hi - lo) * Decimal("0.1"), (lo + hi) / 2, hi - (hi - lo) * Decimal("0.1")):
        parts.append(
            f'<line x1="{PAD_L}" y1="{y(value):.1f}" x2="{WIDTH - PAD_R}" y2="{y(value):.1f}" '
            f'stroke="#e0e0e0"/>'
        )
        parts.append(
            f'<text x="{PAD_L - 8}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="{INK}">{escape(fmt(value))}</text>'
        )


def development_svg(
    rows: list[tuple[int, Decimal, Decimal, Decimal]],
    pl_path: list[tuple[int, Decimal]],
    *,
    title: str,
    chart_id: str,
) -> SafeString:
    """Per year the quartile band (Q1–Q3) shaded, the median as a line, and the path the
    PL rates allow from the first year's median dashed. rows: (year, q1, median, q3)."""
    if not rows:
        return mark_safe("")
    values = [v for r in rows for v in r[1:]] + [v for _y, v in pl_path]
    lo, hi = _scale(values)
    years = [r[0] for r in rows] + [y for y, _v in pl_path]
    y0, y1 = min(years), max(years)

    def x(year):
        if y0 == y1:
            return (PAD_L + WIDTH - PAD_R) / 2
        return PAD_L + (WIDTH - PAD_L - PAD_R) * (year - y0) / (y1 - y0)

    def y(value):
        return PAD_T + float((hi - value) / (hi - lo)) * (HEIGHT - PAD_T - PAD_B)

    desc = "; ".join(
        f"{yr}: median {_money(med)}, kvartiler {_money(q1)}–{_money(q3)}"
        for yr, q1, med, q3 in rows
    )
    if pl_path:
        desc += f". PL-sporet ender på {_money(pl_path[-1][1])}."
    parts = _open(chart_id, title, desc)
    _y_labels(parts, y, lo, hi, _money)
    band = [f"{x(r[0]):.1f},{y(r[3]):.1f}" for r in rows] + [
        f"{x(r[0]):.1f},{y(r[1]):.1f}" for r in reversed(rows)
    ]
    if len(rows) > 1:
        parts.append(f'<polygon points="{" ".join(band)}" fill="{BAND}" stroke="none"/>')
    if len(pl_path) > 1:
        pl_line = " ".join(f"{x(yr):.1f},{y(v):.1f}" for yr, v in pl_path)
        parts.append(
            f'<polyline points="{pl_line}" fill="none" stroke="{GREY}" stroke-width="2" '
            f'stroke-dasharray="6 4"/>'
        )
    line = " ".join(f"{x(r[0]):.1f},{y(r[2]):.1f}" for r in rows)
    parts.append(f'<polyline points="{line}" fill="none" stroke="{BLUE}" stroke-width="3"/>')
    for yr, q1, med, q3 in rows:
        parts.append(
            f'<line x1="{x(yr):.1f}" y1="{y(q3):.1f}" x2="{x(yr):.1f}" y2="{y(q1):.1f}" '
            f'stroke="{BLUE}" stroke-width="1"/>'
        )
        parts.append(f'<circle cx="{x(yr):.1f}" cy="{y(med):.1f}" r="4" fill="{BLUE}"/>')
        parts.append(
            f'<text x="{x(yr):.1f}" y="{HEIGHT - PAD_B + 18}" text-anchor="middle" '
            f'font-size="12" fill="{INK}">{yr}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(str(p) for p in parts))


def _count(value: Decimal) -> str:
    return formats.number(value, 0)


def capacity_svg(points: list[tuple[date, int]], *, title: str, chart_id: str) -> SafeString:
    """Vacant places at each month end as a line with dots."""
    if not points:
        return mark_safe("")
    values = [Decimal(v) for _d, v in points]
    lo, hi = _scale(values + [Decimal(0)])
    lo = max(lo, Decimal(0))
    n = len(points)

    def x(i):
        if n == 1:
            return (PAD_L + WIDTH - PAD_R) / 2
        return PAD_L + (WIDTH - PAD_L - PAD_R) * i / (n - 1)

    def y(value):
        return PAD_T + float((hi - Decimal(value)) / (hi - lo)) * (HEIGHT - PAD_T - PAD_B)

    desc = "; ".join(f"{date_format(d, 'j. M Y')}: {v}" for d, v in points)
    parts = _open(chart_id, title, desc)
    _y_labels(parts, y, lo, hi, _count)
    line = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, (_d, v) in enumerate(points))
    parts.append(f'<polyline points="{line}" fill="none" stroke="{BLUE}" stroke-width="3"/>')
    for i, (d, v) in enumerate(points):
        parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="4" fill="{BLUE}"/>')
        parts.append(
            f'<text x="{x(i):.1f}" y="{HEIGHT - PAD_B + 18}" text-anchor="middle" '
            f'font-size="11" fill="{INK}">{escape(date_format(d, "M y"))}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(str(p) for p in parts))
