"""Reads on quality: the latest assessments of offers (for the offer page and the
comparison), a dialogue with everything on its page, and the overview. Each issues a fixed
number of queries whatever the number of rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from .models import (
    Action,
    Assessment,
    AssessmentScore,
    Criterion,
    Dialogue,
    Framework,
    Origin,
    Side,
    Theme,
)
from .permissions import dialogues_visible_to

if TYPE_CHECKING:
    from partnership.permissions import AnyUser


def active_frameworks() -> QuerySet[Framework]:
    return Framework.objects.filter(is_active=True).prefetch_related(
        Prefetch("themes", queryset=Theme.objects.filter(is_active=True))
    )


@dataclass
class Edition:
    """A framework edition with the period it is in force: from its `valid_from` (none:
    from the start) to the day before the next active edition of its model takes over."""

    framework: Framework
    valid_to: date | None
    in_force: bool  # today

    @property
    def valid_from(self) -> date | None:
        return self.framework.valid_from


def editions(*, include_inactive: bool = False, with_criteria: bool = False) -> list[Edition]:
    """Every edition (the active ones, or all), in framework order. Four queries (six
    with the criteria)."""
    frameworks = Framework.objects.order_by("order", "name")
    if not include_inactive:
        frameworks = frameworks.filter(is_active=True)
    themes = Theme.objects.order_by("order", "name")
    if with_criteria:
        themes = themes.prefetch_related(
            Prefetch(
                "criteria",
                queryset=Criterion.objects.filter(parent=None).prefetch_related("indicators"),
            )
        )
    listed = list(frameworks.prefetch_related(Prefetch("themes", queryset=themes)))
    today = timezone.localdate()
    in_force = set(Framework.objects.in_force(today).values_list("pk", flat=True))
    valid_to: dict[int, date] = {}
    active = Framework.objects.filter(is_active=True).order_by(
        "family", F("valid_from").asc(nulls_first=True)
    )
    previous: Framework | None = None
    for framework in active:
        if previous is not None and previous.family == framework.family and framework.valid_from:
            valid_to[previous.pk] = framework.valid_from - timedelta(days=1)
        previous = framework
    return [
        Edition(f, valid_to.get(f.pk) if f.is_active else None, f.pk in in_force) for f in listed
    ]


def edition_in_force(family: str, on: date) -> Framework | None:
    return Framework.objects.in_force(on).filter(family=family).first()


@dataclass
class ScoredAssessment:
    """An assessment with its axes (the framework's themes) and scores in axis order."""

    assessment: Assessment
    axes: list[str]
    scores: list[int | None]

    @property
    def rows(self) -> list[tuple[str, int | None]]:
        return list(zip(self.axes, self.scores, strict=True))


def _scored(assessment: Assessment) -> ScoredAssessment:
    by_theme = {s.theme_id: s for s in assessment.scores.all()}
    themes = [t for t in assessment.framework.themes.all() if t.is_active or t.pk in by_theme]
    return ScoredAssessment(
        assessment=assessment,
        axes=[t.name for t in themes],
        scores=[by_theme[t.pk].score if t.pk in by_theme else None for t in themes],
    )


# The latest assessment per offer, model (family) and origin, as latest_assessments() picks
# it, by its id only: a plain query costs a tenth of the ORM's with its joins and prefetches,
# which are run only for the assessments found.
_LATEST_IDS_SQL = """
SELECT DISTINCT ON (a.offer_id, f.family, a.origin) a.id
FROM quality_assessment a JOIN quality_framework f ON f.id = a.framework_id
WHERE a.offer_id = ANY(%s)
ORDER BY a.offer_id, f.family, a.origin, a.assessed_on DESC, a.id DESC
"""


def _latest_assessment_ids(offer_ids: list[int]) -> list[int]:
    if not offer_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_LATEST_IDS_SQL, [offer_ids])
        return [row[0] for row in cursor.fetchall()]


def latest_assessments(offer_ids: Iterable[int]) -> dict[int, list[ScoredAssessment]]:
    """Per offer, the latest assessment of each model (whatever edition it was made in)
    from each origin: Socialtilsynet's and the provider's own side by side, in framework
    order. One query when none of the offers has an assessment (the offer page and the
    comparison of most offers), four otherwise."""
    ids = _latest_assessment_ids(list(offer_ids))
    if not ids:
        return {}
    assessments = (
        Assessment.objects.filter(pk__in=ids)
        .select_related("framework", "created_by", "entered_by_organisation")
        .prefetch_related(
            Prefetch("scores", queryset=AssessmentScore.objects.select_related("theme")),
            Prefetch("framework__themes", queryset=Theme.objects.order_by("order", "name")),
        )
        .order_by("offer_id", "framework__family", "origin", "-assessed_on", "-pk")
    )
    result: dict[int, list[ScoredAssessment]] = {}
    for a in assessments:
        result.setdefault(a.offer_id, []).append(_scored(a))
    for scored in result.values():
        scored.sort(
            key=lambda s: (
                s.assessment.framework.order,
                s.assessment.framework.family,
                s.assessment.origin != Origin.SOCIALTILSYNET,
            )
        )
    return result


# --- Dialogues ------------------------------------------------------------------------------


def dialogue_for_page(user: AnyUser, pk: int) -> Dialogue | None:
    return (
        dialogues_visible_to(user)
        .select_related("municipality", "provider", "framework", "created_by")
        .prefetch_related(
            "offers",
            "municipality_participants",
            "provider_participants",
            Prefetch("framework__themes", queryset=Theme.objects.order_by("order", "name")),
            "notes",
            "documents",
            Prefetch(
                "actions",
                queryset=Action.objects.select_related(
                    "owner", "owner_organisation", "origin_dialogue", "carried_from"
                ),
            ),
            Prefetch(
                "carried_on_actions",
                queryset=Action.objects.select_related("owner", "owner_organisation", "dialogue"),
            ),
        )
        .filter(pk=pk)
        .first()
    )


@dataclass
class ThemeRow:
    theme: Theme
    municipality: object = None  # ThemeNote or None
    provider: object = None


def theme_rows(dialogue: Dialogue) -> list[ThemeRow]:
    """One row per theme of the dialogue's framework (active ones, and any with notes),
    with each side's note and score. Uses what dialogue_for_page prefetched."""
    notes = {(n.theme_id, n.side): n for n in dialogue.notes.all()}
    rows = []
    for theme in dialogue.framework.themes.all():
        m, p = notes.get((theme.pk, Side.MUNICIPALITY)), notes.get((theme.pk, Side.PROVIDER))
        if theme.is_active or m or p:
            rows.append(ThemeRow(theme, m, p))
    return rows


@dataclass
class Overview:
    year: int
    today: date
    dialogues: list[Dialogue] = field(default_factory=list)
    open_actions: list[Action] = field(default_factory=list)
    overdue_actions: list[Action] = field(default_factory=list)
    upcoming: list[Dialogue] = field(default_factory=list)


def overview(user: AnyUser, today: date | None = None) -> Overview:
    """Dialogues held this year, open and overdue actions, and the next planned dialogues
    for what the person may see (the secretariat: everything)."""
    today = today or timezone.localdate()
    visible = dialogues_visible_to(user)
    dialogues: list[Dialogue] = list(
        visible.filter(held_on__year=today.year)
        .select_related("municipality", "provider", "framework")
        .prefetch_related("offers")
        .annotate(
            open_count=Count("actions", filter=Q(actions__status__in=["open", "in_progress"]))
        )
        .order_by("-held_on", "-pk")
    )
    actions = list(
        Action.objects.unfinished()
        .filter(dialogue__in=visible)
        .select_related(
            "owner", "owner_organisation", "dialogue__municipality", "dialogue__provider"
        )
        .order_by("deadline", "pk")
    )
    upcoming = list(
        visible.filter(next_dialogue_on__gte=today)
        .select_related("municipality", "provider")
        .order_by("next_dialogue_on", "pk")[:20]
    )
    return Overview(
        year=today.year,
        today=today,
        dialogues=dialogues,
        open_actions=actions,
        overdue_actions=[a for a in actions if a.deadline < today],
        upcoming=upcoming,
    )
