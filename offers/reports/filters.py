"""Which offers and years a report covers: the takstoversigt's filters (kept in Job.params as
codes and slugs), the years with tariffs, where an offer is placed (once), and the progress
callback every report takes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from offers.models import LegalParagraph, Offer, OfferStatus, TargetGroup, Tariff, TariffStatus
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


def _one(qs, value: str, message: str):
    if not value:
        return None
    found = qs.filter(slug=value).first()
    if found is None:
        raise UnknownFilter(message % {"value": value})
    return found


def resolve_filters(filters: OverviewFilters) -> ResolvedFilters:
    """Codes and slugs to objects. Raises UnknownFilter naming the first unknown value, so
    a filter never silently widens into "everything"."""
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


def filtered_offers(resolved: ResolvedFilters) -> QuerySet[Offer]:
    """Published offers matching the filters. The M2M filters go through subqueries (as in
    offers.search.selectors.search_offers): no DISTINCT over every column."""
    qs = Offer.objects.filter(status=OfferStatus.PUBLISHED)
    if resolved.paragraphs:
        qs = qs.filter(
            pk__in=Offer.paragraphs.through.objects.filter(
                legalparagraph__in=resolved.paragraphs
            ).values("offer_id")
        )
    if resolved.target_groups:
        qs = qs.filter(
            pk__in=Offer.target_groups.through.objects.filter(
                targetgroup__in=resolved.target_groups
            ).values("offer_id")
        )
    if resolved.municipality:
        qs = qs.filter(municipality=resolved.municipality)
    if resolved.ownership:
        qs = qs.filter(provider__ownership_form=resolved.ownership)
    if resolved.provider:
        qs = qs.filter(provider=resolved.provider)
    if resolved.branch:
        qs = qs.filter(provider__branch_organisation=resolved.branch)
    return qs


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
