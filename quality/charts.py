"""Radar charts of theme scores (1-5), rendered on the server as SVG: no JavaScript, no
inline styles, usable in PDFs. Each chart carries a <title> and a <desc> with every score
in words; the pages show the scores as a table too."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .models import SCORE_MAX

WIDTH, HEIGHT = 720, 380
CX, CY, RADIUS = 360, 190, 125
# Colour and dash per series: blue solid, orange dashed (told apart without colour too).
STYLES = [("#0059b3", ""), ("#b36200", ' stroke-dasharray="7 4"')]


def _point(i: int, n: int, value: float) -> tuple[float, float]:
    angle = -math.pi / 2 + 2 * math.pi * i / n
    r = RADIUS * value / SCORE_MAX
    return CX + r * math.cos(angle), CY + r * math.sin(angle)


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


def radar_svg(
    axes: Sequence[str],
    series: Sequence[tuple[str, Sequence[int | None]]],
    *,
    title: str,
    uid: str,
) -> str:
    """A radar chart with one axis per theme and one polygon per series (at most two).
    `uid` makes the ids of <title> and <desc> unique on the page."""
    n = len(axes)
    if n < 3 or not series:
        return ""
    title_id, desc_id = f"radar-{uid}-title", f"radar-{uid}-desc"
    parts = [
        format_html(
            '<svg class="chart radar-chart" viewBox="0 0 {} {}" role="img" '
            'aria-labelledby="{} {}" xmlns="http://www.w3.org/2000/svg">',
            WIDTH,
            HEIGHT,
            title_id,
            desc_id,
        ),
        format_html('<title id="{}">{}</title>', title_id, title),
        format_html('<desc id="{}">{}</desc>', desc_id, describe(axes, series)),
    ]
    for ring in range(1, SCORE_MAX + 1):
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in (_point(i, n, ring) for i in range(n)))
        parts.append(f'<polygon points="{points}" fill="none" stroke="#d8d8d8" stroke-width="1"/>')
    for i in range(n):
        x, y = _point(i, n, SCORE_MAX)
        parts.append(
            f'<line x1="{CX}" y1="{CY}" x2="{x:.1f}" y2="{y:.1f}" stroke="#bfbfbf" stroke-width="1"/>'
        )
    for ring in range(1, SCORE_MAX + 1):
        _x, y = _point(0, n, ring)
        parts.append(
            f'<text x="{CX + 4}" y="{y + 4:.1f}" font-size="11" fill="#595959">{ring}</text>'
        )
    for (_name, scores), (colour, dash) in zip(series, STYLES, strict=False):
        points = " ".join(
            f"{x:.1f},{y:.1f}" for x, y in (_point(i, n, s or 0) for i, s in enumerate(scores))
        )
        parts.append(
            f'<polygon points="{points}" fill="{colour}" fill-opacity="0.12" stroke="{colour}" '
            f'stroke-width="3"{dash}/>'
        )
        for i, score in enumerate(scores):
            if score:
                x, y = _point(i, n, score)
                parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>')
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
        tspans = "".join(
            f'<tspan x="{x:.1f}" dy="{0 if j == 0 else 15}">{escape(line)}</tspan>'
            for j, line in enumerate(lines)
        )
        parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="13" '
            f'fill="#1a1a1a">{tspans}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(str(p) for p in parts))
