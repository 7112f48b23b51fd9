"""Server-rendered SVG charts for the tariff and capacity reports (issue 6). The same SVG goes
on the HTML page and into the PDF: no JavaScript, no external files, in the style of
offers/charts.py. The geometry is worked out here as plain numbers and texts, and
templates/offers/reports/_chart.html draws it. Every chart has a <title> and a <desc> with
the numbers, and the pages show the same numbers in a table beside it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from offers.charts import _money, axis_range
from offers.pricing import index_series
from partnership import formats

WIDTH, HEIGHT, PAD_L, PAD_R, PAD_T, PAD_B = 600, 240, 90, 20, 20, 44


@dataclass
class ReportChart:
    """A report chart's geometry: coordinates as text with one decimal."""

    chart_id: str
    title: str
    desc: str
    line: str
    label_size: int  # the font size of the labels under the axis
    band: str = ""  # the shaded quartile band's points, if drawn
    pl_line: str = ""  # the dashed PL path's points, if drawn
    baseline: str = ""  # the y of a reference line (the index chart's 100), if drawn
    grid: list[tuple[str, str, str]] = field(default_factory=list)  # (y, text's y, label)
    # Per point (x, y, whisker top, whisker bottom, label); no whisker when top is "".
    marks: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    axis_x1: int = PAD_L
    axis_x2: int = WIDTH - PAD_R
    axis_y: int = HEIGHT - PAD_B
    label_y: int = HEIGHT - PAD_B + 18
    tick_x: int = PAD_L - 8


def _grid(y, lo, hi, fmt) -> list[tuple[str, str, str]]:
    return [
        (f"{y(value):.1f}", f"{y(value) + 4:.1f}", fmt(value))
        for value in (
            lo + (hi - lo) * Decimal("0.1"),
            (lo + hi) / 2,
            hi - (hi - lo) * Decimal("0.1"),
        )
    ]


def development_chart(
    rows: list[tuple[int, Decimal, Decimal, Decimal]],
    pl_path: list[tuple[int, Decimal]],
    *,
    title: str,
    chart_id: str,
) -> ReportChart | None:
    """Per year the quartile band (Q1–Q3) shaded, the median as a line, and the path the
    PL rates allow from the first year's median dashed. rows: (year, q1, median, q3)."""
    if not rows:
        return None
    lo, hi = axis_range([v for r in rows for v in r[1:]], [v for _y, v in pl_path])
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
    band = [f"{x(r[0]):.1f},{y(r[3]):.1f}" for r in rows] + [
        f"{x(r[0]):.1f},{y(r[1]):.1f}" for r in reversed(rows)
    ]
    return ReportChart(
        chart_id=chart_id,
        title=title,
        desc=desc,
        grid=_grid(y, lo, hi, _money),
        band=" ".join(band) if len(rows) > 1 else "",
        pl_line=" ".join(f"{x(yr):.1f},{y(v):.1f}" for yr, v in pl_path)
        if len(pl_path) > 1
        else "",
        line=" ".join(f"{x(r[0]):.1f},{y(r[2]):.1f}" for r in rows),
        marks=[
            (f"{x(yr):.1f}", f"{y(med):.1f}", f"{y(q3):.1f}", f"{y(q1):.1f}", str(yr))
            for yr, q1, med, q3 in rows
        ],
        label_size=12,
    )


def _index(value: Decimal) -> str:
    return formats.number(value, 1)


def index_chart(
    medians: list[tuple[int, Decimal]],
    pl_path: list[tuple[int, Decimal]],
    *,
    title: str,
    chart_id: str,
) -> ReportChart | None:
    """The median and the PL path as an index (first year = 100), on an axis of their own:
    beside the quartile band the two lie close, here a median above the PL path shows.
    medians: (year, median); pl_path from the first year's median."""
    median_index = index_series([v for _y, v in medians])
    pl_index = index_series([v for _y, v in pl_path])
    if len(median_index) < 2 or len(pl_index) < 2:
        return None
    lo, hi = axis_range(median_index, pl_index, [Decimal(100)])
    median_points = list(zip((yr for yr, _v in medians), median_index, strict=True))
    pl_points = list(zip((yr for yr, _v in pl_path), pl_index, strict=True))
    years = [yr for yr, _v in median_points + pl_points]
    y0, y1 = min(years), max(years)

    def x(year):
        return PAD_L + (WIDTH - PAD_L - PAD_R) * (year - y0) / (y1 - y0)

    def y(value):
        return PAD_T + float((hi - value) / (hi - lo)) * (HEIGHT - PAD_T - PAD_B)

    pl_by_year = dict(pl_points)
    desc = "; ".join(
        _("%(year)s: median %(median)s, PL-spor %(pl)s")
        % {"year": yr, "median": _index(m), "pl": _index(pl_by_year[yr])}
        if yr in pl_by_year
        else _("%(year)s: median %(median)s") % {"year": yr, "median": _index(m)}
        for yr, m in median_points
    )
    last_year, last = median_points[-1]
    if last_year in pl_by_year:
        gap = last - pl_by_year[last_year]
        if gap > 0:
            end = _("I %(year)s ligger medianen %(gap)s point over PL-sporet.")
        elif gap < 0:
            end = _("I %(year)s ligger medianen %(gap)s point under PL-sporet.")
        else:
            end = _("I %(year)s ligger medianen på PL-sporet.")
        desc += ". " + end % {"year": last_year, "gap": _index(abs(gap))}
    return ReportChart(
        chart_id=chart_id,
        title=title,
        desc=_("Indeks, første år = 100. %(values)s") % {"values": desc},
        grid=_grid(y, lo, hi, _index),
        baseline=f"{y(Decimal(100)):.1f}",
        pl_line=" ".join(f"{x(yr):.1f},{y(v):.1f}" for yr, v in pl_points),
        line=" ".join(f"{x(yr):.1f},{y(v):.1f}" for yr, v in median_points),
        marks=[(f"{x(yr):.1f}", f"{y(v):.1f}", "", "", str(yr)) for yr, v in median_points],
        label_size=12,
    )


def _count(value: Decimal) -> str:
    return formats.number(value, 0)


def _month_label(day: date, i: int, n: int) -> str:
    """The axis names a month in full ("september 2026"), so at most four of them fit:
    every few points, counted back from the latest. The description lists every point."""
    step = -(-n // 4)
    if (n - 1 - i) % step:
        return ""
    return str(date_format(day, formats.YEAR_MONTH_FORMAT))


def capacity_chart(
    points: list[tuple[date, int]], *, title: str, chart_id: str
) -> ReportChart | None:
    """Vacant places at each month end as a line with dots."""
    if not points:
        return None
    lo, hi = axis_range([Decimal(v) for _d, v in points], [Decimal(0)])
    lo = max(lo, Decimal(0))
    n = len(points)

    def x(i):
        if n == 1:
            return (PAD_L + WIDTH - PAD_R) / 2
        return PAD_L + (WIDTH - PAD_L - PAD_R) * i / (n - 1)

    def y(value):
        return PAD_T + float((hi - Decimal(value)) / (hi - lo)) * (HEIGHT - PAD_T - PAD_B)

    return ReportChart(
        chart_id=chart_id,
        title=title,
        desc="; ".join(f"{formats.date(d)}: {v}" for d, v in points),
        grid=_grid(y, lo, hi, _count),
        line=" ".join(f"{x(i):.1f},{y(v):.1f}" for i, (_d, v) in enumerate(points)),
        marks=[
            (f"{x(i):.1f}", f"{y(v):.1f}", "", "", _month_label(d, i, n))
            for i, (d, v) in enumerate(points)
        ],
        label_size=11,
    )
