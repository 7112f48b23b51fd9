"""Reads on quality: the latest assessments of offers (for the offer page and the
comparison), a dialogue with everything on its page, and the overview. Each issues a fixed
number of queries whatever the number of rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from .models import Action, Assessment, AssessmentScore, Dialogue, Framework, Side, Theme
from .permissions import dialogues_visible_to

if TYPE_CHECKING:
    from partnership.permissions import AnyUser


def active_frameworks() -> QuerySet[Framework]:
    return Framework.objects.filter(is_active=True).prefetch_related(
        Prefetch("themes", queryset=Theme.objects.filter(is_active=True))
    )


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


def latest_assessments(offer_ids: Iterable[int]) -> dict[int, list[ScoredAssessment]]:
    """Per offer, the latest assessment in each framework (framework order). Three queries."""
    assessments = (
        Assessment.objects.filter(offer_id__in=list(offer_ids))
        .select_related("framework")
        .prefetch_related(
            Prefetch("scores", queryset=AssessmentScore.objects.select_related("theme")),
            Prefetch("framework__themes", queryset=Theme.objects.order_by("order", "name")),
        )
        .order_by("offer_id", "framework__order", "framework_id", "-assessed_on", "-pk")
    )
    result: dict[int, list[ScoredAssessment]] = {}
    seen: set[tuple[int, int]] = set()
    for a in assessments:
        if (a.offer_id, a.framework_id) in seen:
            continue
        seen.add((a.offer_id, a.framework_id))
        result.setdefault(a.offer_id, []).append(_scored(a))
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
