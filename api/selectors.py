"""The API's reads: published offers only (never drafts or withdrawn offers, never a draft
tariff), matched by the search's FilterSet (offers.filters.OfferFilter, validated by the
search form as offers.search.forms.SearchFilter does for /tilbud/) and read in a fixed
number of queries whatever the number of rows: offers.search.opendata's, as the open-data downloads
read them (set-based SQL, the numbers offers.pricing's)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet

from offers.models import (
    Offer,
    OfferStatus,
    RegulationRate,
    Tariff,
    TariffDeclarationAnswer,
    TariffStatus,
)
from offers.reports import development
from offers.reports.filters import years_with_tariffs
from offers.reports.forms import DevelopmentForm
from offers.search import opendata
from offers.search.forms import SearchFilter
from offers.search.opendata import OfferRow
from offers.search.selectors import SearchReference

# The most offers one page of the list may ask for, and what it gets without asking.
PAGE_MAX = 200
PAGE_DEFAULT = 50


def published_offers() -> QuerySet[Offer]:
    return Offer.objects.filter(status=OfferStatus.PUBLISHED)


def offer_filter(
    data: Mapping[str, Any], *, reference: SearchReference | None = None
) -> SearchFilter:
    """The search's FilterSet bound to the API's query parameters (the search URL's names);
    `reference`: the search form's choices already read (search_reference())."""
    return SearchFilter(data, queryset=published_offers(), reference=reference)


@dataclass
class OfferPage:
    offers: list[OfferRow]
    # The id the next page starts after, or None on the last page.
    next_after: int | None


def offer_page(
    values: Mapping[str, Any],
    year: int,
    *,
    after: int | None,
    limit: int,
    reference: SearchReference | None = None,
) -> OfferPage:
    """A page of the published offers matching the search form's cleaned `values`, in the
    order of their ids (stable, so a cursor after an id never repeats or skips an offer that
    stays published): the filters as the search's, with the current tariff and vacancy, read
    as the open-data downloads read them (offers.search.opendata)."""
    ids, next_after = opendata.id_page(values, year, after=after, limit=limit)
    return OfferPage(offers=opendata.offer_rows(ids, year, reference), next_after=next_after)


@dataclass
class OfferDetail:
    offer: OfferRow
    tariffs: list[Tariff]


def offer_detail(pk: int, year: int) -> OfferDetail | None:
    """A published offer with its current tariff, and every published tariff version (newest
    first) with its add-ons and the declaration kept with it; None if there is no such
    published offer."""
    rows = opendata.offer_rows([pk], year)  # published offers only
    if not rows:
        return None
    tariffs = list(
        Tariff.objects.filter(offer_id=pk, status=TariffStatus.PUBLISHED)
        .order_by("-year", "-version")
        .prefetch_related(
            "addons",
            Prefetch(
                "declaration",
                queryset=TariffDeclarationAnswer.objects.select_related(
                    "question", "option"
                ).order_by("question__order", "question__key"),
            ),
        )
    )
    return OfferDetail(offer=rows[0], tariffs=tariffs)


def pl_rates() -> list[RegulationRate]:
    """Every year's PL rate, newest first."""
    return list(RegulationRate.objects.order_by("-year"))


def tariff_development(
    fra: int | None, til: int | None, paragraphs: list[str]
) -> tuple[development.TariffDevelopment | None, dict[str, list[str]]]:
    """The takstudvikling report's own figures (offers.reports.development) for a period and
    paragraphs (codes, "SEL § 108"), checked by the report's form (DevelopmentForm): (the
    figures, {}) or (None, the errors by parameter). A year left out is that of the period
    the report page shows first (development.default_period)."""
    first, last = development.default_period(years_with_tariffs()) or (None, None)
    form = DevelopmentForm(  # type: ignore[no-untyped-call]  # a form (not typed)
        {
            "fra": first if fra is None else fra,
            "til": last if til is None else til,
            "paragraf": paragraphs,
        }
    )
    if not form.is_valid():
        return None, {name: [str(m) for m in messages] for name, messages in form.errors.items()}
    d = form.cleaned_data
    codes = [p.code for p in d["paragraf"]] or None
    return development.tariff_development(d["fra"], d["til"], codes), {}
