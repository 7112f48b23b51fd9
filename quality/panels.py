"""Quality on the offer page and in the comparison, through offers.extensions (so offers
does not import quality). Each issues a fixed number of queries whatever the offers."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from offers import extensions
from partnership import dashboard, formats
from partnership.permissions import organisations_where

from . import permissions
from .charts import RadarChart, radar_chart
from .selectors import ScoredAssessment, latest_assessments


def _chart(scored: ScoredAssessment, uid: str) -> RadarChart | None:
    a = scored.assessment
    return radar_chart(
        scored.axes,
        [("", scored.scores)],
        title=_("%(framework)s: %(origin)s")
        % {"framework": a.framework.name, "origin": a.origin_text},
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


def compare_row(offers, user) -> extensions.CompareRow | None:
    """The latest assessments as charts, and their scores per theme as numbers (for the
    comparison's marking of differences and its XLSX)."""
    if not offers:
        return None
    assessed = latest_assessments([o.pk for o in offers])
    cells = []
    scores: dict[str, dict[int, int | None]] = {}
    for offer in offers:
        items = [
            (s, _chart(s, f"c{offer.pk}-a{s.assessment.pk}")) for s in assessed.get(offer.pk, [])
        ]
        cells.append(mark_safe(render_to_string("quality/_compare_cell.html", {"items": items})))
        for scored in assessed.get(offer.pk, []):
            a = scored.assessment
            for axis, score in scored.rows:
                # Whose scores: Socialtilsynet's and a provider's own are never one row.
                label = f"{a.framework.name} ({a.get_origin_display()}): {axis}"
                scores.setdefault(label, {})[offer.pk] = score
    values = [
        (label, [by_offer.get(o.pk) for o in offers], formats.XLSX_WHOLE)
        for label, by_offer in scores.items()
    ]
    return extensions.CompareRow(_("Kvalitet (seneste vurdering)"), cells, values)


# Everything compare_row() draws of these offers' assessments (all of them, not only the
# latest: a new one moves the digest too), read as the rows' text: the assessment, its
# scores, its framework and the framework's themes, who entered it and for which organisation.
_COMPARE_DIGEST_SQL = """
SELECT md5(coalesce(string_agg(concat_ws('|', a::text, f::text, u.name, u.email, e.name,
  (SELECT string_agg(s::text, ',' ORDER BY s.id) FROM quality_assessmentscore s
    WHERE s.assessment_id = a.id),
  (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM quality_theme t
    WHERE t.framework_id = f.id)), '/' ORDER BY a.id), ''))
FROM quality_assessment a
JOIN quality_framework f ON f.id = a.framework_id
LEFT JOIN partnership_user u ON u.id = a.created_by_id
LEFT JOIN partnership_organisation e ON e.id = a.entered_by_organisation_id
WHERE a.offer_id = ANY(%s)
"""


def compare_digest(offer_ids: list[int]) -> str:
    """A digest of what compare_row() draws for these offers (one query): the comparison's
    table is cached under it. Prepared, as the comparison's own digest
    (offers.compare.comparison._page_key)."""
    with dashboard.compiled_cursor() as cursor:
        cursor.execute(_COMPARE_DIGEST_SQL, [offer_ids])
        row = cursor.fetchone()
    return str(row[0]) if row else ""
