"""The API's reads: published offers only (never drafts or withdrawn offers, never a draft
tariff), matched by the search's FilterSet (offers.filters.OfferFilter, validated by the
search form as offers.search.forms.SearchFilter does for /tilbud/) and read in a fixed
number of queries whatever the number of rows. The numbers are offers.pricing's, through
offers.selectors.decorate() as the search and the open data have them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet

from offers.filters import OfferFilter
from offers.models import (
    Offer,
    OfferStatus,
    RegulationRate,
    Tariff,
    TariffDeclarationAnswer,
    TariffStatus,
)
from offers.search.forms import SearchFilter
from offers.selectors import decorate, with_current_tariff

if TYPE_CHECKING:
    from offers.selectors import DecoratedOffer

# The most offers one page of the list may ask for, and what it gets without asking.
PAGE_MAX = 200
PAGE_DEFAULT = 50


def published_offers() -> QuerySet[Offer]:
    return Offer.objects.filter(status=OfferStatus.PUBLISHED)


def offer_filter(data: Mapping[str, Any]) -> SearchFilter:
    """The search's FilterSet bound to the API's query parameters (the search URL's names)."""
    return SearchFilter(data, queryset=published_offers())


@dataclass
class OfferPage:
    offers: list[DecoratedOffer]
    # The id the next page starts after, or None on the last page.
    next_after: int | None


def offer_page(values: Mapping[str, Any], year: int, *, after: int | None, limit: int) -> OfferPage:
    """A page of the published offers matching the search form's cleaned `values`, in the
    order of their ids (stable, so a cursor after an id never repeats or skips an offer that
    stays published): the filters as the search's, with the current tariff and vacancy."""
    annotated = with_current_tariff(published_offers(), year)
    values = {k: v for k, v in values.items() if k != "sorter"}
    matching = OfferFilter(queryset=annotated, year=year).filter_cleaned(values)
    if after is not None:
        matching = matching.filter(pk__gt=after)
    rows = list(
        matching.order_by("pk")
        .select_related("provider", "municipality")
        .prefetch_related("paragraphs", "target_groups")[: limit + 1]
    )
    more = len(rows) > limit
    offers = decorate(rows[:limit], year)
    return OfferPage(offers=offers, next_after=offers[-1].pk if more and offers else None)


@dataclass
class OfferDetail:
    offer: DecoratedOffer
    tariffs: list[Tariff]


def offer_detail(pk: int, year: int) -> OfferDetail | None:
    """A published offer with its current tariff, and every published tariff version (newest
    first) with its add-ons and the declaration kept with it; None if there is no such
    published offer."""
    annotated = with_current_tariff(published_offers().filter(pk=pk), year)
    rows = list(
        annotated.select_related("provider", "municipality").prefetch_related(
            "paragraphs", "target_groups"
        )
    )
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
    return OfferDetail(offer=decorate(rows, year)[0], tariffs=tariffs)


def pl_rates() -> list[RegulationRate]:
    """Every year's PL rate, newest first."""
    return list(RegulationRate.objects.order_by("-year"))
