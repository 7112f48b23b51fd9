"""Small server-rendered SVG charts (no JavaScript; usable in PDFs too): the geometry is
worked out here as plain numbers and texts, and templates/offers/_tariff_history_chart.html
draws it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from partnership import formats


def _money(value: Decimal) -> str:
    return formats.kr(value, 0)


def axis_range(*series: Iterable[Decimal]) -> tuple[Decimal, Decimal]:
    """The value axis of a chart: it holds every value of every series it draws (a line
    left out here is drawn off the plot or squeezed out of sight), with a tenth of the
    span free above and below. The one home of a chart's axis range."""
    values = [v for s in series for v in s]
    lo, hi = min(values), max(values)
    span = (hi - lo) or (abs(hi) or Decimal(1))
    return lo - span * Decimal("0.1"), hi + span * Decimal("0.1")


@dataclass
class TariffHistoryChart:
    """The tariff history chart's geometry: coordinates as text with one decimal."""

    title: str
    desc: str
    width: int
    height: int
    axis_x1: int
    axis_x2: int
    axis_y: int
    pl_line: str
    line: str
    label_y: int  # the baseline of the years under the axis
    tick_x: int  # the right edge of the amounts left of the plot
    points: list[tuple[str, str, int]] = field(default_factory=list)  # (x, y, year)
    ticks: list[tuple[str, str]] = field(default_factory=list)  # (y, amount)


def tariff_history_chart(
    points: list[tuple[int, Decimal]], pl_path: list[tuple[int, Decimal]], title: str
) -> TariffHistoryChart | None:
    """A line of the monthly-normalised main tariff per year, with the path the PL rates
    allow from the first year drawn dashed."""
    if len(points) < 2:
        return None
    width, height, pad_l, pad_r, pad_t, pad_b = 560, 220, 80, 20, 20, 40
    lo, hi = axis_range([v for _y, v in points], [v for _y, v in pl_path])
    years = [y for y, _v in points]
    y0, y1 = min(years), max(years)

    def x(year):
        return pad_l + (width - pad_l - pad_r) * (year - y0) / max(1, (y1 - y0))

    def y(value):
        return pad_t + float((hi - value) / (hi - lo)) * (height - pad_t - pad_b)

    desc = "; ".join(f"{yr}: {_money(v)}" for yr, v in points) + "."
    if pl_path:
        desc += " " + _("PL-sporet ender på %(amount)s.") % {"amount": _money(pl_path[-1][1])}
    return TariffHistoryChart(
        title=title,
        desc=desc,
        width=width,
        height=height,
        axis_x1=pad_l,
        axis_x2=width - pad_r,
        axis_y=height - pad_b,
        pl_line=" ".join(f"{x(yr):.1f},{y(v):.1f}" for yr, v in pl_path),
        line=" ".join(f"{x(yr):.1f},{y(v):.1f}" for yr, v in points),
        label_y=height - pad_b + 18,
        tick_x=pad_l - 8,
        points=[(f"{x(yr):.1f}", f"{y(v):.1f}", yr) for yr, v in points],
        ticks=[
            (f"{y(value) + 4:.1f}", _money(value))
            for value in (lo + (hi - lo) * Decimal("0.1"), hi - (hi - lo) * Decimal("0.1"))
        ],
    )
