"""Small server-rendered SVG charts (no JavaScript; usable in PDFs too)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from partnership import formats


def _money(value: Decimal) -> str:
    return formats.kr(value, 0)


def tariff_history_svg(
    points: list[tuple[int, Decimal]], pl_path: list[tuple[int, Decimal]], title: str
) -> str:
    """A line of the monthly-normalised main tariff per year, with the path the PL rates
    allow from the first year drawn dashed."""
    if len(points) < 2:
        return ""
    width, height, pad_l, pad_r, pad_t, pad_b = 560, 220, 80, 20, 20, 40
    values = [v for _y, v in points] + [v for _y, v in pl_path]
    lo, hi = min(values), max(values)
    span = (hi - lo) or Decimal(1)
    lo -= span * Decimal("0.1")
    hi += span * Decimal("0.1")
    years = [y for y, _v in points]
    y0, y1 = min(years), max(years)

    def x(year):
        return pad_l + (width - pad_l - pad_r) * (year - y0) / max(1, (y1 - y0))

    def y(value):
        return pad_t + float((hi - value) / (hi - lo)) * (height - pad_t - pad_b)

    desc = "; ".join(f"{yr}: {_money(v)}" for yr, v in points) + "."
    if pl_path:
        desc += " " + _("PL-sporet ender på %(amount)s.") % {"amount": _money(pl_path[-1][1])}
    line = " ".join(f"{x(yr):.1f},{y(v):.1f}" for yr, v in points)
    pl_line = " ".join(f"{x(yr):.1f},{y(v):.1f}" for yr, v in pl_path)
    parts = [
        format_html(
            '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-labelledby="chart-title chart-desc" '
            'xmlns="http://www.w3.org/2000/svg">',
            width,
            height,
        ),
        format_html('<title id="chart-title">{}</title>', title),
        format_html('<desc id="chart-desc">{}</desc>', desc),
        f'<line x1="{pad_l}" y1="{height - pad_b}" x2="{width - pad_r}" y2="{height - pad_b}" stroke="#747474"/>',
        f'<polyline points="{pl_line}" fill="none" stroke="#747474" stroke-width="2" stroke-dasharray="6 4"/>',
        f'<polyline points="{line}" fill="none" stroke="#0059b3" stroke-width="3"/>',
    ]
    for yr, v in points:
        parts.append(f'<circle cx="{x(yr):.1f}" cy="{y(v):.1f}" r="4" fill="#0059b3"/>')
        parts.append(
            f'<text x="{x(yr):.1f}" y="{height - pad_b + 18}" text-anchor="middle" font-size="12" fill="#1a1a1a">{yr}</text>'
        )
    for value in (lo + (hi - lo) * Decimal("0.1"), hi - (hi - lo) * Decimal("0.1")):
        parts.append(
            f'<text x="{pad_l - 8}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="11" fill="#1a1a1a">'
            f"{escape(_money(value))}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(str(p) for p in parts))
