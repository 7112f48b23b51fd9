"""Radar charts of theme scores (1-5), rendered on the server as SVG: no JavaScript, no
inline styles, usable in PDFs. The geometry is worked out here as plain numbers and texts;
templates/quality/_radar_chart.html draws it. Each chart carries a <title> and a <desc> with
every score in words; the pages show the scores as a table too."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .models import SCORE_MAX

WIDTH, HEIGHT = 720, 380
CX, CY, RADIUS = 360, 190, 125
# Colour and dash per series: blue solid, orange dashed (told apart without colour too).
STYLES = [("#0059b3", ""), ("#b36200", "7 4")]


def _point(i: int, n: int, value: float) -> tuple[float, float]:
    angle = -math.pi / 2 + 2 * math.pi * i / n
    r = RADIUS * value / SCORE_MAX
    return CX + r * math.cos(angle), CY + r * math.sin(angle)


def _xy(x: float, y: float) -> tuple[str, str]:
    return f"{x:.1f}", f"{y:.1f}"


def _points(pts: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)


def _score_text(score: int | None) -> str:
    return _("%(score)s af 5") % {"score": score} if score else _("ikke vurderet")


def describe(axes: Sequence[str], series: Sequence[tuple[str, Sequence[int | None]]]) -> str:
    """The scores in words, e.g. 'Kommunen: Borger 4 af 5; Tilbud 3 af 5'."""
    parts = []
    for name, scores in series:
        values = "; ".join(
            f"{axis} {_score_text(score)}" for axis, score in zip(axes, scores, strict=True)
        )
        parts.append(f"{name}: {values}" if name else values)
    return ". ".join(parts) + "."


@dataclass(frozen=True)
class Series:
    points: str  # the polygon
    colour: str
    dash: str  # stroke-dasharray, or ""
    dots: list[tuple[str, str]]  # (cx, cy) of each score given


@dataclass(frozen=True)
class AxisLabel:
    x: str
    y: str
    anchor: str
    lines: list[tuple[str, str]]  # (dy, text) per line


@dataclass(frozen=True)
class RadarChart:
    """What templates/quality/_radar_chart.html draws. Coordinates as text, one decimal."""

    uid: str  # makes the ids of <title> and <desc> unique on the page
    title: str
    desc: str
    width: int
    height: int
    cx: int
    rings: list[str]  # one polygon per score 1..5
    spokes: list[tuple[str, str]]  # the outer end of each axis
    ring_labels: list[tuple[str, str, int]]  # (x, y, score)
    series: list[Series]
    labels: list[AxisLabel]

    @property
    def cy(self) -> int:
        return CY


def radar_chart(
    axes: Sequence[str],
    series: Sequence[tuple[str, Sequence[int | None]]],
    *,
    title: str,
    uid: str,
) -> RadarChart | None:
    """A radar chart with one axis per theme and one polygon per series (at most two).
    None when there is nothing to draw (fewer than three themes, or no series)."""
    n = len(axes)
    if n < 3 or not series:
        return None
    rings = [_points([_point(i, n, ring) for i in range(n)]) for ring in range(1, SCORE_MAX + 1)]
    spokes = [_xy(*_point(i, n, SCORE_MAX)) for i in range(n)]
    ring_labels = [
        (str(CX + 4), f"{_point(0, n, ring)[1] + 4:.1f}", ring) for ring in range(1, SCORE_MAX + 1)
    ]
    drawn = [
        Series(
            points=_points([_point(i, n, s or 0) for i, s in enumerate(scores)]),
            colour=colour,
            dash=dash,
            dots=[_xy(*_point(i, n, s)) for i, s in enumerate(scores) if s],
        )
        for (_name, scores), (colour, dash) in zip(series, STYLES, strict=False)
    ]
    labels = []
    for i, axis in enumerate(axes):
        angle = -math.pi / 2 + 2 * math.pi * i / n
        x = CX + (RADIUS + 14) * math.cos(angle)
        y = CY + (RADIUS + 14) * math.sin(angle)
        cos = math.cos(angle)
        anchor = "start" if cos > 0.3 else "end" if cos < -0.3 else "middle"
        lines = textwrap.wrap(axis, 22) or [axis]
        if math.sin(angle) < -0.3:
            y -= 15 * (len(lines) - 1)
        elif abs(math.sin(angle)) <= 0.3:
            y -= 7 * (len(lines) - 1)
        else:
            y += 8
        labels.append(
            AxisLabel(
                *_xy(x, y),
                anchor=anchor,
                lines=[("0" if j == 0 else "15", line) for j, line in enumerate(lines)],
            )
        )
    return RadarChart(
        uid=uid,
        title=title,
        desc=describe(axes, series),
        width=WIDTH,
        height=HEIGHT,
        cx=CX,
        rings=rings,
        spokes=spokes,
        ring_labels=ring_labels,
        series=drawn,
        labels=labels,
    )
