"""Takstudvikling: per paragraph and year, the median and quartiles of the monthly price
against the PL path, and the offers that rose above it."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from offers import pricing, selectors
from offers.models import (
    LegalParagraph,
    Offer,
    OfferStatus,
    RegulationRate,
    Tariff,
    TariffStatus,
)
from partnership.jobs import JobFailed
from partnership.pdf import render_pdf

from . import charts
from .filters import Progress, _no_progress


@dataclass
class YearStats:
    year: int
    count: int
    q1: Decimal
    median: Decimal
    q3: Decimal
    pl_value: Decimal | None
    # The median and the PL path as an index, the first year = 100 (pricing.index_series).
    median_index: Decimal | None = None
    pl_index: Decimal | None = None


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
    chart: charts.ReportChart | None = None
    index_chart: charts.ReportChart | None = None  # median and PL path, first year = 100


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
    return (
        pricing.round_kr(Decimal(q1)),
        pricing.round_kr(Decimal(med)),
        pricing.round_kr(Decimal(q3)),
    )


def default_period(years: list[int]) -> tuple[int, int] | None:
    """The period shown before one is chosen: from the earliest of the last five years with
    tariffs to the last (`years`: filters.years_with_tariffs(), newest first); None if none."""
    if not years:
        return None
    last = years[0]
    return min(y for y in years if y >= last - 4), last


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
    allowed = pricing.allowed_change(rates, from_year, to_year)

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
        latest.setdefault((offer_id, year), pricing.monthly_price(price, unit))
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
            pl_path = pricing.pl_path(years[0].median, rates, from_year, to_year)
            path = dict(pl_path)
            pl_index = dict(zip(path, pricing.index_series(list(path.values())), strict=False))
            median_index = pricing.index_series([s.median for s in years])
            for s, index in zip(years, median_index or [None] * len(years), strict=True):
                s.pl_value = path.get(s.year)
                s.median_index = index
                s.pl_index = pl_index.get(s.year)
        compared = 0
        for o in offer_ids:
            first, last = latest.get((o, from_year)), latest.get((o, to_year))
            if first is None or last is None or from_year == to_year:
                continue
            compared += 1
            change = pricing.change_between(first, last)
            if pricing.above_pl(change, allowed):
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
        dev.chart = charts.development_chart(
            [(s.year, s.q1, s.median, s.q3) for s in dev.years],
            dev.pl_path,
            title=_("%(paragraph)s: median og kvartiler af månedsprisen pr. år")
            % {"paragraph": dev.paragraph.code},
            chart_id=f"udvikling-{dev.paragraph.pk}",
        )
        dev.index_chart = charts.index_chart(
            [(s.year, s.median) for s in dev.years],
            dev.pl_path,
            title=_("%(paragraph)s: medianen og PL-sporet som indeks (første år = 100)")
            % {"paragraph": dev.paragraph.code},
            chart_id=f"indeks-{dev.paragraph.pk}",
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
        raise JobFailed(_("Det første år skal ligge før det sidste."))
    dev = tariff_development(from_year, to_year, params.get("paragraphs") or None, progress)
    return f"takstudvikling-{from_year}-{to_year}.pdf", render_pdf(tariff_development_html(dev))
