"""Tariff and capacity reports (issue 6): what goes in them, and their PDF and XLSX files.

Takstoversigt — the tariff catalogue for a year. Published offers with a published main
tariff for the year (latest version), filtered by paragraph, target group, the
municipality the offer lies in, ownership form, provider or branch organisation.

  Placement: each offer appears ONCE, so that counts and sums in the PDF and the XLSX are
  honest. It is placed under its first paragraph and first target group in the reference
  data's order; when the report is filtered by paragraph or target group, under the first
  one that matches the filter. Its other paragraphs and target groups are listed with it
  ("Også: …").

Takstudvikling — per paragraph and year, the median and quartiles of the monthly-normalised
main tariff, against the path the PL rates allow from the first year's median. Here an offer
with several paragraphs counts under each of them: the statistics describe the price level
of each kind of service. "Rose above" means the offer's own monthly price rose more from the
first to the last year of the span than the PL rates of the years in between allow.

Kapacitetsoverblik — places and vacancies of published offers per paragraph × target group
(placed once, as in the takstoversigt, so the totals are the sum of the latest vacancy
reports), with the trend of vacancies at each of the last 12 month ends.

The functions here build plain data and render it; the job kinds registered in
report_jobs.py and the views in views_reports.py call them."""

from __future__ import annotations

import logging
import statistics
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from partnership.exports import XlsxWorkbook
from partnership.models import Organisation, OrganisationKind, OwnershipForm
from partnership.pdf import render_pdf
from partnership.templatetags.portal import kr

from . import report_charts, selectors
from .models import (
    LegalParagraph,
    Offer,
    OfferStatus,
    PublishedReport,
    RegulationRate,
    ScheduledReport,
    TargetGroup,
    Tariff,
    TariffAddOn,
    TariffStatus,
    TariffUnit,
    VacancyReport,
    normalise_monthly,
)

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

MONEY_FORMAT = '#,##0.00 "kr."'
CHANGE_FORMAT = '+0.0" %";-0.0" %";0.0" %"'
CENT = Decimal("0.01")


def _no_progress(done: int, total: int) -> None:
    pass


class UnknownFilter(ValueError):
    """A filter value that names nothing in the reference data."""


# --- Filters ---------------------------------------------------------------------------------


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
    selectors.search_offers): no DISTINCT over every column."""
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


# --- Takstoversigt --------------------------------------------------------------------------


@dataclass
class AddOnLine:
    name: str
    price: Decimal | None
    unit: str

    def text(self) -> str:
        if self.price is None:
            return f"{self.name}: {self.unit}"
        return f"{self.name}: {kr(self.price)} {self.unit}"


@dataclass
class OverviewRow:
    offer_id: int
    name: str
    provider: str
    ownership: str
    municipality: str
    paragraph: str
    target_group: str
    also: list[str]
    price: Decimal
    unit: str
    unit_label: str
    vat_included: bool
    monthly_price: Decimal
    addons: list[AddOnLine]
    change_percent: Decimal | None
    pl_flag: bool

    @property
    def addons_text(self) -> str:
        return "; ".join(a.text() for a in self.addons)


@dataclass
class OverviewGroup:
    paragraph: str
    target_group: str
    rows: list[OverviewRow] = field(default_factory=list)


@dataclass
class TariffOverview:
    year: int
    filters: list[tuple[str, str]]
    pl_rate: Decimal | None
    groups: list[OverviewGroup]
    generated_at: object

    @property
    def count(self) -> int:
        return sum(len(g.rows) for g in self.groups)

    @property
    def rows(self) -> list[OverviewRow]:
        return [r for g in self.groups for r in g.rows]

    @property
    def title(self) -> str:
        return _("Takstoversigt %(year)s") % {"year": self.year}


def tariff_overview(
    year: int, filters: OverviewFilters, progress: Progress = _no_progress
) -> TariffOverview:
    """The catalogue for a year: one row per matching offer with a published tariff,
    grouped by paragraph then target group. Calls progress(done, total) per offer."""
    resolved = resolve_filters(filters)
    qs = (
        selectors.with_current_tariff(filtered_offers(resolved), year)
        .filter(tariff_id__isnull=False)
        .select_related("provider", "municipality")
        .prefetch_related("paragraphs", "target_groups")
        .order_by("name", "pk")
    )
    offers = selectors.decorate(qs, year)
    tariff_ids = [o.tariff_id for o in offers]
    vat = dict(Tariff.objects.filter(pk__in=tariff_ids).values_list("pk", "vat_included"))
    addons: dict[int, list[AddOnLine]] = defaultdict(list)
    for a in TariffAddOn.objects.filter(tariff_id__in=tariff_ids).order_by("pk"):
        addons[a.tariff_id].append(AddOnLine(a.name, a.price, str(a.get_unit_display())))
    units = dict(TariffUnit.choices)
    total = len(offers)
    progress(0, total)
    placed: dict[tuple, OverviewGroup] = {}
    for done, o in enumerate(offers, start=1):
        paragraph, other_paragraphs = _placement(list(o.paragraphs.all()), resolved.paragraphs)
        group, other_groups = _placement(list(o.target_groups.all()), resolved.target_groups)
        key = (
            (paragraph.order, paragraph.code) if paragraph else (10**9, ""),
            (group.order, group.name) if group else (10**9, ""),
        )
        if key not in placed:
            placed[key] = OverviewGroup(
                paragraph=paragraph.code if paragraph else _("Uden lovgrundlag"),
                target_group=group.name if group else _("Uden målgruppe"),
            )
        placed[key].rows.append(
            OverviewRow(
                offer_id=o.pk,
                name=o.name,
                provider=o.provider.name,
                ownership=str(o.provider.get_ownership_form_display()),
                municipality=o.municipality.name,
                paragraph=placed[key].paragraph,
                target_group=placed[key].target_group,
                also=[p.code for p in other_paragraphs] + [g.name for g in other_groups],
                price=o.tariff_price,
                unit=o.tariff_unit,
                unit_label=str(units.get(o.tariff_unit, o.tariff_unit)),
                vat_included=bool(vat.get(o.tariff_id)),
                monthly_price=o.monthly_price,
                addons=addons.get(o.tariff_id, []),
                change_percent=o.change_percent,
                pl_flag=o.pl_flag,
            )
        )
        progress(done, total)
    return TariffOverview(
        year=year,
        filters=resolved.labels(),
        pl_rate=RegulationRate.objects.filter(year=year).values_list("rate", flat=True).first(),
        groups=[placed[k] for k in sorted(placed)],
        generated_at=timezone.localtime(),
    )


def tariff_overview_html(overview: TariffOverview) -> str:
    return render_to_string("offers/reports/pdf/tariff_overview.html", {"report": overview})


def tariff_overview_pdf(overview: TariffOverview) -> bytes:
    return render_pdf(tariff_overview_html(overview))


def tariff_overview_xlsx(overview: TariffOverview) -> bytes:
    """The same content as the PDF, one row per offer: numbers as numbers with Danish-style
    formats, the header row frozen and filters on."""
    book = XlsxWorkbook()
    ws = book.sheet(_("Takstoversigt %(year)s") % {"year": overview.year})
    columns = [
        (_("Lovgrundlag"), 14, None),
        (_("Målgruppe"), 22, None),
        (_("Tilbud"), 34, None),
        (_("Leverandør"), 30, None),
        (_("Ejerform"), 22, None),
        (_("Beliggenhedskommune"), 20, None),
        (_("Takst (kr.)"), 14, MONEY_FORMAT),
        (_("Enhed"), 11, None),
        (_("Inkl. moms"), 10, None),
        (_("Månedspris (kr.)"), 15, MONEY_FORMAT),
        (_("Tillægsydelser"), 40, None),
        (_("Ændring fra sidste år (%)"), 14, CHANGE_FORMAT),
        (_("Over PL-satsen"), 10, None),
        (_("Også under"), 28, None),
    ]
    ws.style(ws.append([c[0] for c in columns]), bold=True, wrap=True)
    for row in overview.rows:
        cells = ws.append(
            [
                row.paragraph,
                row.target_group,
                row.name,
                row.provider,
                row.ownership,
                row.municipality,
                float(row.price),
                row.unit_label,
                _("Ja") if row.vat_included else _("Nej"),
                float(row.monthly_price),
                row.addons_text or None,
                float(row.change_percent) if row.change_percent is not None else None,
                _("Ja") if row.pl_flag else _("Nej"),
                ", ".join(row.also) or None,
            ]
        )
        for cell, (_label, _width, fmt) in zip(cells, columns, strict=True):
            ws.style([cell], number_format=fmt)
    if not overview.count:
        ws.append([_("Ingen tilbud matcher filtrene")])
    for i, (_label, width, _fmt) in enumerate(columns, start=1):
        ws.set_width(i, width)
    ws.freeze("A2")
    ws.filter_columns(len(columns))

    about = book.sheet(_("Om rapporten"))
    about.style(about.append([overview.title]), bold=True)
    about.append([_("Takstår"), overview.year])
    about.append([_("Dannet"), overview.generated_at.strftime("%d-%m-%Y %H:%M")])
    about.append([_("Antal tilbud"), overview.count])
    cells = about.append(
        [_("PL-sats (%)"), float(overview.pl_rate) if overview.pl_rate is not None else None]
    )
    about.style(cells[1:], number_format="0.00")
    for label, value in overview.filters or [(_("Filtre"), _("Ingen (alle tilbud)"))]:
        about.append([label, value])
    about.append([])
    about.append([_placement_note()])
    about.append([_monthly_note()])
    about.set_width(1, 24)
    about.set_width(2, 60)
    return book.to_bytes()


def _placement_note() -> str:
    return _(
        "Hvert tilbud står én gang: under dets første lovgrundlag og første målgruppe (når "
        "der er filtreret, den første, der matcher filteret). Øvrige lovgrundlag og "
        "målgrupper står ved tilbuddet under 'Også'."
    )


def _monthly_note() -> str:
    return _(
        "Månedsprisen gør døgn- og månedstakster sammenlignelige (døgnpris × 365/12). "
        "Ændringen er i forhold til sidste års gældende takst, på månedsprisen. 'Over PL' "
        "betyder, at taksten stiger mere end årets PL-sats; det åbner en dialog og er ikke en dom."
    )


def render_tariff_overview(job, progress: Progress) -> tuple[str, bytes]:
    """The job kind "takstoversigt": params {year, paragraphs, target_groups, municipality,
    ownership, provider, branch, format: "pdf"|"xlsx"}."""
    params = job.params or {}
    year = int(params["year"])
    fmt = params.get("format") or "pdf"
    if fmt not in ("pdf", "xlsx"):
        raise ValueError(_("Ukendt format: %(value)s") % {"value": fmt})
    overview = tariff_overview(year, OverviewFilters.from_params(params), progress)
    if fmt == "xlsx":
        return f"takstoversigt-{year}.xlsx", tariff_overview_xlsx(overview)
    return f"takstoversigt-{year}.pdf", tariff_overview_pdf(overview)


# --- Takstudvikling -------------------------------------------------------------------------


@dataclass
class YearStats:
    year: int
    count: int
    q1: Decimal
    median: Decimal
    q3: Decimal
    pl_value: Decimal | None


@dataclass
class RiseRow:
    offer_id: int
    name: str
    provider: str
    first_price: Decimal
    last_price: Decimal
    change_percent: Decimal
    allowed_percent: Decimal


@dataclass
class ParagraphDevelopment:
    paragraph: LegalParagraph
    years: list[YearStats]
    pl_path: list[tuple[int, Decimal]]
    above: list[RiseRow]
    compared: int  # offers with a tariff in both the first and the last year
    chart: str = ""


@dataclass
class TariffDevelopment:
    from_year: int
    to_year: int
    rates: dict[int, Decimal]
    allowed_percent: Decimal
    paragraphs: list[ParagraphDevelopment]
    missing_rates: list[int]
    generated_at: object

    @property
    def title(self) -> str:
        return _("Takstudvikling %(a)s–%(b)s") % {"a": self.from_year, "b": self.to_year}


def _quartiles(values: list[Decimal]) -> tuple[Decimal, Decimal, Decimal]:
    data = sorted(values)
    if len(data) == 1:
        return data[0], data[0], data[0]
    q1, med, q3 = statistics.quantiles(data, n=4, method="inclusive")
    return (Decimal(q1).quantize(CENT), Decimal(med).quantize(CENT), Decimal(q3).quantize(CENT))


def missing_pl_rates(from_year: int, to_year: int) -> list[int]:
    have = set(
        RegulationRate.objects.filter(year__gt=from_year, year__lte=to_year).values_list(
            "year", flat=True
        )
    )
    return [y for y in range(from_year + 1, to_year + 1) if y not in have]


def tariff_development(
    from_year: int,
    to_year: int,
    paragraph_codes: list[str] | None = None,
    progress: Progress = _no_progress,
) -> TariffDevelopment:
    """Per paragraph: median and quartiles of the monthly price per year, the PL path from
    the first year's median, and the offers whose own price rose more than the path allows.
    A year without a PL rate counts as 0 % and is named in missing_rates."""
    rates = {y: r for y, r in selectors.regulation_rates().items() if from_year <= y <= to_year}
    factor = Decimal(1)
    factors = {from_year: factor}
    for y in range(from_year + 1, to_year + 1):
        factor *= 1 + (rates.get(y) or Decimal(0)) / Decimal(100)
        factors[y] = factor
    allowed = ((factor - 1) * 100).quantize(Decimal("0.1"))

    # The latest published version per offer and year, for published offers.
    latest: dict[tuple[int, int], Decimal] = {}
    for offer_id, year, price, unit in (
        Tariff.objects.filter(
            status=TariffStatus.PUBLISHED,
            offer__status=OfferStatus.PUBLISHED,
            year__gte=from_year,
            year__lte=to_year,
        )
        .order_by("offer_id", "year", "-version")
        .values_list("offer_id", "year", "price", "unit")
    ):
        latest.setdefault((offer_id, year), normalise_monthly(price, unit))
    by_paragraph: dict[int, set[int]] = defaultdict(set)
    for offer_id, paragraph_id in Offer.paragraphs.through.objects.filter(
        offer_id__in={k[0] for k in latest}
    ).values_list("offer_id", "legalparagraph_id"):
        by_paragraph[paragraph_id].add(offer_id)
    paragraphs = LegalParagraph.objects.filter(pk__in=by_paragraph.keys())
    if paragraph_codes:
        paragraphs = paragraphs.filter(code__in=paragraph_codes)
    paragraphs = list(paragraphs)

    rising: dict[int, list[tuple[int, Decimal, Decimal, Decimal]]] = defaultdict(list)
    result = []
    total = len(paragraphs)
    progress(0, total)
    for done, paragraph in enumerate(paragraphs, start=1):
        offer_ids = by_paragraph[paragraph.pk]
        years = []
        for y in range(from_year, to_year + 1):
            values = [latest[(o, y)] for o in offer_ids if (o, y) in latest]
            if values:
                q1, med, q3 = _quartiles(values)
                years.append(YearStats(y, len(values), q1, med, q3, None))
        pl_path: list[tuple[int, Decimal]] = []
        if years and years[0].year == from_year:
            start = years[0].median
            pl_path = [(y, (start * factors[y]).quantize(CENT)) for y in factors]
            path = dict(pl_path)
            for s in years:
                s.pl_value = path.get(s.year)
        compared = 0
        for o in offer_ids:
            first, last = latest.get((o, from_year)), latest.get((o, to_year))
            if first is None or last is None or from_year == to_year:
                continue
            compared += 1
            change = ((last - first) / first * 100).quantize(Decimal("0.1"))
            if change > allowed:
                rising[paragraph.pk].append((o, first, last, change))
        result.append(
            ParagraphDevelopment(
                paragraph=paragraph, years=years, pl_path=pl_path, above=[], compared=compared
            )
        )
        progress(done, total)

    names = {
        o.pk: o
        for o in Offer.objects.filter(
            pk__in={r[0] for rows in rising.values() for r in rows}
        ).select_related("provider")
    }
    for dev in result:
        dev.above = sorted(
            (
                RiseRow(
                    offer_id=o,
                    name=names[o].name,
                    provider=names[o].provider.name,
                    first_price=first,
                    last_price=last,
                    change_percent=change,
                    allowed_percent=allowed,
                )
                for o, first, last, change in rising.get(dev.paragraph.pk, [])
            ),
            key=lambda r: (-r.change_percent, r.name),
        )
        dev.chart = report_charts.development_svg(
            [(s.year, s.q1, s.median, s.q3) for s in dev.years],
            dev.pl_path,
            title=_("%(paragraph)s: median og kvartiler af månedsprisen pr. år")
            % {"paragraph": dev.paragraph.code},
            chart_id=f"udvikling-{dev.paragraph.pk}",
        )
    return TariffDevelopment(
        from_year=from_year,
        to_year=to_year,
        rates=rates,
        allowed_percent=allowed,
        paragraphs=result,
        missing_rates=missing_pl_rates(from_year, to_year),
        generated_at=timezone.localtime(),
    )


def tariff_development_html(dev: TariffDevelopment) -> str:
    return render_to_string("offers/reports/pdf/tariff_development.html", {"report": dev})


def render_tariff_development(job, progress: Progress) -> tuple[str, bytes]:
    """The job kind "takstudvikling": params {from_year, to_year, paragraphs, format: "pdf"}."""
    params = job.params or {}
    from_year, to_year = int(params["from_year"]), int(params["to_year"])
    if from_year > to_year:
        raise ValueError(_("Det første år skal ligge før det sidste."))
    dev = tariff_development(from_year, to_year, params.get("paragraphs") or None, progress)
    return f"takstudvikling-{from_year}-{to_year}.pdf", render_pdf(tariff_development_html(dev))


# --- Kapacitetsoverblik ---------------------------------------------------------------------


@dataclass
class CapacityRow:
    paragraph: str
    target_group: str
    offers: int = 0
    places: int = 0
    vacant: int = 0
    without_report: int = 0


@dataclass
class CapacitySection:
    paragraph: str
    rows: list[CapacityRow]

    @property
    def offers(self) -> int:
        return sum(r.offers for r in self.rows)

    @property
    def places(self) -> int:
        return sum(r.places for r in self.rows)

    @property
    def vacant(self) -> int:
        return sum(r.vacant for r in self.rows)


@dataclass
class Capacity:
    today: date
    sections: list[CapacitySection]
    trend: list[tuple[date, int]]
    chart: str

    @property
    def offers(self) -> int:
        return sum(s.offers for s in self.sections)

    @property
    def places(self) -> int:
        return sum(s.places for s in self.sections)

    @property
    def vacant(self) -> int:
        return sum(s.vacant for s in self.sections)

    @property
    def without_report(self) -> int:
        return sum(r.without_report for s in self.sections for r in s.rows)


def month_ends(today: date, months: int = 12) -> list[date]:
    """The last day of each of the last `months` months, oldest first; the current month's
    point is today."""
    ends = []
    first_of_month = today.replace(day=1)
    for _i in range(months):
        end = min(today, _next_month(first_of_month) - timedelta(days=1))
        ends.append(end)
        first_of_month = (first_of_month - timedelta(days=1)).replace(day=1)
    return list(reversed(ends))


def _next_month(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def vacancy_trend(ends: list[date]) -> list[tuple[date, int]]:
    """For each date: the sum over published offers of each offer's latest vacancy report
    on or before that date (reports in the order the offer page reads them)."""
    reports = (
        VacancyReport.objects.filter(offer__status=OfferStatus.PUBLISHED, reported_on__lte=ends[-1])
        .order_by("reported_on", "created_at", "pk")
        .values_list("offer_id", "reported_on", "vacant")
    )
    latest: dict[int, int] = {}
    points = []
    it = iter(reports)
    pending = next(it, None)
    for end in ends:
        while pending is not None and pending[1] <= end:
            latest[pending[0]] = pending[2]
            pending = next(it, None)
        points.append((end, sum(latest.values())))
    return points


def capacity_overview(today: date | None = None) -> Capacity:
    """Places and vacancies of published offers per paragraph × target group, each offer
    placed once, from each offer's latest vacancy report."""
    today = today or timezone.localdate()
    latest = VacancyReport.objects.filter(offer=OuterRef("pk")).order_by(
        "-reported_on", "-created_at", "-pk"
    )
    offers = (
        Offer.objects.filter(status=OfferStatus.PUBLISHED)
        .annotate(latest_vacant=Subquery(latest.values("vacant")[:1]))
        .prefetch_related("paragraphs", "target_groups")
    )
    cells: dict[tuple, CapacityRow] = {}
    for o in offers:
        paragraph, _others = _placement(list(o.paragraphs.all()), [])
        group, _others = _placement(list(o.target_groups.all()), [])
        key = (
            (paragraph.order, paragraph.code) if paragraph else (10**9, ""),
            (group.order, group.name) if group else (10**9, ""),
        )
        row = cells.setdefault(
            key,
            CapacityRow(
                paragraph=paragraph.code if paragraph else _("Uden lovgrundlag"),
                target_group=group.name if group else _("Uden målgruppe"),
            ),
        )
        row.offers += 1
        row.places += o.places
        if o.latest_vacant is None:
            row.without_report += 1
        else:
            row.vacant += o.latest_vacant
    sections: OrderedDict[tuple, CapacitySection] = OrderedDict()
    for key in sorted(cells):
        row = cells[key]
        sections.setdefault(key[0], CapacitySection(paragraph=row.paragraph, rows=[])).rows.append(
            row
        )
    trend = vacancy_trend(month_ends(today))
    chart = report_charts.capacity_svg(
        trend,
        title=_("Ledige pladser i regionen ved hvert månedsskifte"),
        chart_id="kapacitet-udvikling",
    )
    return Capacity(today=today, sections=list(sections.values()), trend=trend, chart=chart)


__all__ = [
    "OverviewFilters",
    "UnknownFilter",
    "capacity_overview",
    "has_tariffs",
    "render_tariff_development",
    "render_tariff_overview",
    "tariff_development",
    "tariff_overview",
    "tariff_overview_xlsx",
    "years_with_tariffs",
]


# --- Who may, and the library's writes ------------------------------------------------------

REPORT_KINDS = ("takstoversigt", "takstudvikling")


def can_view_capacity(user) -> bool:
    from partnership.permissions import can_buy, is_secretariat

    return is_secretariat(user) or can_buy(user)


def publishable_jobs():
    """Finished tariff report jobs not yet in the library."""
    from partnership.models import Job, JobStatus

    return (
        Job.objects.filter(
            status=JobStatus.DONE, kind__in=REPORT_KINDS, published_report__isnull=True
        )
        .exclude(result_file="")
        .order_by("-finished_at", "-pk")
    )


def _report_year(job) -> int:
    params = job.params or {}
    year = params.get("year") or params.get("to_year")
    return int(year) if year else timezone.localdate().year


@transaction.atomic
def publish_report(*, job, title: str = "", year: int | None = None, by) -> PublishedReport:
    """Put a finished report job in the library for every member."""
    from partnership.models import JobStatus
    from partnership.permissions import is_secretariat

    if not is_secretariat(by):
        raise PermissionDenied
    if job.status != JobStatus.DONE or not job.result_file or job.kind not in REPORT_KINDS:
        raise ValidationError(_("Kun en færdig takstrapport kan lægges i biblioteket."))
    report = PublishedReport(
        job=job,
        title=(title or "").strip() or job.title,
        year=year or _report_year(job),
        published_by=by,
    )
    report.full_clean()
    report.save()
    return report


def order_due_scheduled_reports(*, today: date | None = None) -> list:
    """Order each scheduled takstoversigt whose day has come, once. A row is claimed (done_at
    set) before the job is queued, so two runs at once cannot both order it; if the queue is
    down the claim is released and the next run tries again."""
    from partnership import jobs

    today = today or timezone.localdate()
    ordered = []
    due = ScheduledReport.objects.filter(done_at__isnull=True, run_on__lte=today).select_related(
        "ordered_by"
    )
    for planned in due:
        claimed = ScheduledReport.objects.filter(pk=planned.pk, done_at__isnull=True).update(
            done_at=timezone.now()
        )
        if not claimed:
            continue
        params = {"year": planned.year, **OverviewFilters().as_params(), "format": planned.format}
        try:
            job = jobs.order_job(
                kind="takstoversigt",
                title=_("Takstoversigt %(year)s (%(fmt)s, planlagt)")
                % {"year": planned.year, "fmt": planned.format.upper()},
                params=params,
                by=planned.ordered_by,
            )
        except jobs.QueueUnavailable:
            ScheduledReport.objects.filter(pk=planned.pk).update(done_at=None)
            log.warning("Queue down: scheduled report %s left for the next run", planned.pk)
            break
        ScheduledReport.objects.filter(pk=planned.pk).update(job=job)
        ordered.append(job)
    return ordered
