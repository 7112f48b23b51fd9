"""Which offers and years a report covers: the takstoversigt's filters (kept in Job.params as
codes and slugs, read into the values of the offer list's one FilterSet,
offers.filters.OfferFilter), the years with tariffs, where an offer is placed (once), and the
progress callback every report takes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from offers.models import LegalParagraph, OfferStatus, TargetGroup, Tariff, TariffStatus
from partnership.models import Organisation, OrganisationKind, OwnershipForm

Progress = Callable[[int, int], None]


def _no_progress(done: int, total: int) -> None:
    pass


class UnknownFilter(ValueError):
    """A filter value that names nothing in the reference data."""


@dataclass
class OverviewFilters:
    """The takstoversigt's filters as they are kept in Job.params: codes and slugs, so a job
    can be read and rerun."""

    paragraphs: list[str] = field(default_factory=list)  # LegalParagraph.code
    target_groups: list[str] = field(default_factory=list)  # TargetGroup.slug
    municipality: str = ""  # Organisation.slug
    ownership: str = ""  # OwnershipForm value
    provider: str = ""  # Organisation.slug
    branch: str = ""  # Organisation.slug

    @classmethod
    def from_params(cls, params: dict) -> OverviewFilters:
        return cls(
            paragraphs=list(params.get("paragraphs") or []),
            target_groups=list(params.get("target_groups") or []),
            municipality=params.get("municipality") or "",
            ownership=params.get("ownership") or "",
            provider=params.get("provider") or "",
            branch=params.get("branch") or "",
        )

    def as_params(self) -> dict:
        return {
            "paragraphs": self.paragraphs,
            "target_groups": self.target_groups,
            "municipality": self.municipality,
            "ownership": self.ownership,
            "provider": self.provider,
            "branch": self.branch,
        }


@dataclass
class ResolvedFilters:
    paragraphs: list[LegalParagraph] = field(default_factory=list)
    target_groups: list[TargetGroup] = field(default_factory=list)
    municipality: Organisation | None = None
    ownership: str = ""
    provider: Organisation | None = None
    branch: Organisation | None = None

    def labels(self) -> list[tuple[str, str]]:
        """(label, value) for each filter in use, for the report's heading."""
        out = []
        if self.paragraphs:
            out.append((_("Lovgrundlag"), ", ".join(p.code for p in self.paragraphs)))
        if self.target_groups:
            out.append((_("Målgruppe"), ", ".join(g.name for g in self.target_groups)))
        if self.municipality:
            out.append((_("Beliggenhedskommune"), self.municipality.name))
        if self.ownership:
            out.append((_("Ejerform"), str(OwnershipForm(self.ownership).label)))
        if self.provider:
            out.append((_("Leverandør"), self.provider.name))
        if self.branch:
            out.append((_("Brancheorganisation"), self.branch.name))
        return out

    def values(self) -> dict[str, Any]:
        """The cleaned values for OfferFilter.filter_cleaned(). The provider is the one the
        order form settled on, exactly (an Organisation, not text to search for)."""
        return {
            "paragraf": [p.pk for p in self.paragraphs],
            "maalgruppe": [g.pk for g in self.target_groups],
            "kommune": self.municipality.pk if self.municipality else None,
            "ejerform": self.ownership,
            "leverandoer": self.provider or "",
            "branche": self.branch.pk if self.branch else None,
        }


def _one(qs, value: str, message: str):
    if not value:
        return None
    found = qs.filter(slug=value).first()
    if found is None:
        raise UnknownFilter(message % {"value": value})
    return found


def resolve_filters(filters: OverviewFilters) -> ResolvedFilters:
    """Codes and slugs to objects (the adapter from Job.params to OfferFilter's values, also
    for old jobs). Inactive paragraphs and target groups are known: a stored job reruns after
    one is retired. Raises UnknownFilter naming the first unknown value, so a filter never
    silently widens into "everything"."""
    paragraphs = list(LegalParagraph.objects.filter(code__in=filters.paragraphs))
    missing = set(filters.paragraphs) - {p.code for p in paragraphs}
    if missing:
        raise UnknownFilter(
            _("Ukendt lovgrundlag: %(value)s") % {"value": ", ".join(sorted(missing))}
        )
    groups = list(TargetGroup.objects.filter(slug__in=filters.target_groups))
    missing = set(filters.target_groups) - {g.slug for g in groups}
    if missing:
        raise UnknownFilter(
            _("Ukendt målgruppe: %(value)s") % {"value": ", ".join(sorted(missing))}
        )
    if filters.ownership and filters.ownership not in OwnershipForm.values:
        raise UnknownFilter(_("Ukendt ejerform: %(value)s") % {"value": filters.ownership})
    orgs = Organisation.objects
    return ResolvedFilters(
        paragraphs=paragraphs,
        target_groups=groups,
        municipality=_one(
            orgs.filter(kind=OrganisationKind.MUNICIPALITY),
            filters.municipality,
            _("Ukendt kommune: %(value)s"),
        ),
        ownership=filters.ownership,
        provider=_one(
            orgs.filter(kind=OrganisationKind.PROVIDER),
            filters.provider,
            _("Ukendt leverandør: %(value)s"),
        ),
        branch=_one(
            orgs.filter(kind=OrganisationKind.BRANCH),
            filters.branch,
            _("Ukendt brancheorganisation: %(value)s"),
        ),
    )


def years_with_tariffs() -> list[int]:
    """Years with at least one published tariff of a published offer, newest first."""
    return sorted(
        set(
            Tariff.objects.filter(
                status=TariffStatus.PUBLISHED, offer__status=OfferStatus.PUBLISHED
            ).values_list("year", flat=True)
        ),
        reverse=True,
    )


def has_tariffs(year: int) -> bool:
    return Tariff.objects.filter(
        year=year, status=TariffStatus.PUBLISHED, offer__status=OfferStatus.PUBLISHED
    ).exists()


def _placement(items: list, wanted: list):
    """The item an offer is placed under: the first of its own (in reference-data order)
    that the filter asks for, else its first. Returns (placed, others)."""
    if not items:
        return None, []
    wanted_ids = {w.pk for w in wanted}
    placed = next((i for i in items if i.pk in wanted_ids), items[0]) if wanted_ids else items[0]
    return placed, [i for i in items if i.pk != placed.pk]
