"""Quality on the offer page and in the comparison, through offers.extensions (so offers
does not import quality). Each issues a fixed number of queries whatever the offers."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from partnership.permissions import organisations_where

from . import permissions
from .charts import RadarChart, radar_chart
from .selectors import ScoredAssessment, latest_assessments


def _chart(scored: ScoredAssessment, uid: str) -> RadarChart | None:
    a = scored.assessment
    return radar_chart(
        scored.axes,
        [("", scored.scores)],
        title=_("%(framework)s: vurdering %(date)s")
        % {"framework": a.framework.name, "date": a.assessed_on.strftime("%d.%m.%Y")},
        uid=uid,
    )


def offer_panel(offer, user) -> str:
    """The latest assessment in each framework as a radar chart and a table."""
    assessed = latest_assessments([offer.pk]).get(offer.pk, [])
    items = [(s, _chart(s, f"o{offer.pk}-a{s.assessment.pk}")) for s in assessed]
    municipalities = [
        o for o in organisations_where(user, *permissions.MUNICIPALITY_ROLES) if o.is_public_buyer
    ]
    return mark_safe(
        render_to_string(
            "quality/_offer_panel.html",
            {
                "offer": offer,
                "items": items,
                "can_assess": permissions.can_assess_offer(user, offer),
                "dialogue_municipality": municipalities[0] if len(municipalities) == 1 else None,
            },
        )
    )


def compare_row(offers, user) -> tuple[str, list[str]] | None:
    if not offers:
        return None
    assessed = latest_assessments([o.pk for o in offers])
    cells = []
    for offer in offers:
        items = [
            (s, _chart(s, f"c{offer.pk}-a{s.assessment.pk}")) for s in assessed.get(offer.pk, [])
        ]
        cells.append(mark_safe(render_to_string("quality/_compare_cell.html", {"items": items})))
    return _("Kvalitet (seneste vurdering)"), cells
