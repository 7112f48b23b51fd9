"""The offers as open data: the published offers matching a search (offers.filters.OfferFilter:
the search's filters and order), each with its facts and the year's numbers, read by ids with
set-based SQL in a fixed number of queries per page of ids, never a model instance per offer.

Two callers, one home: the open-data downloads (offers.search.views.open_data: every match in
the search's order, streamed in pages of CHUNK ids) and the API (api.selectors: a page of the
matches by id after a cursor, and one offer). The current tariff, last year's, the vacancy and
the PL rate are the search cards' (offers.search.selectors.card_details, one statement with
lateral joins, held to offers.selectors.with_current_tariff by
tests/offers/test_search_queries.py); the numbers are offers.pricing's."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Subquery

from offers import pricing
from offers.filters import OfferFilter
from offers.models import LegalParagraph, Offer, OfferStatus, TargetGroup
from offers.search.selectors import card_details
from offers.selectors import published_tariffs
from partnership.models import OwnershipForm

# Offers read per page of the downloads: the memory a download holds whatever its size.
CHUNK = 500


@dataclass(frozen=True)
class Paragraph:
    code: str  # "SEL § 108"
    short: str  # "§ 108", the search's value


@dataclass(frozen=True)
class Group:
    name: str
    slug: str


@dataclass(frozen=True)
class Names:
    """The paragraphs and target groups by id, each with its place in the models' order."""

    paragraphs: dict[int, tuple[int, Paragraph]]
    groups: dict[int, tuple[int, Group]]


def names() -> Names:
    """Two queries, however many offers follow."""
    return Names(
        paragraphs={
            pk: (i, Paragraph(code, short))
            for i, (pk, code, short) in enumerate(
                LegalParagraph.objects.values_list("pk", "code", "short")
            )
        },
        groups={
            pk: (i, Group(name, slug))
            for i, (pk, name, slug) in enumerate(
                TargetGroup.objects.values_list("pk", "name", "slug")
            )
        },
    )


@dataclass
class OfferRow:
    """One offer as the open data has it: facts, the latest report of vacancies, and the
    year's latest published tariff with offers.pricing's numbers (None without a tariff)."""

    pk: int
    name: str
    provider_name: str
    provider_slug: str
    provider_cvr: str | None
    ownership_form: str  # the label ("Privat"), "" if none
    branch_organisation: str  # the branch organisation's name, "" if none
    municipality_name: str
    municipality_slug: str
    municipality_code: str | None
    paragraphs: list[Paragraph]
    target_groups: list[Group]
    age_min: int
    age_max: int
    places: int
    vacant: int | None
    vacancy_date: date | None
    tariff_version: int | None
    tariff_price: Decimal | None
    tariff_unit: str | None
    tariff_vat: bool | None
    monthly_price: Decimal | None
    comparable_price: Decimal | None
    change_percent: Decimal | None
    pl_flag: bool


def _matching(values: Mapping[str, Any], year: int) -> QuerySet[Offer]:
    """The published offers matching a search's cleaned values, in the search's order."""
    matching: QuerySet[Offer] = OfferFilter(year=year).filter_cleaned(values)
    return matching


def matching_ids(values: Mapping[str, Any], year: int) -> list[int]:
    """Every match's id in the search's order (`sorter` as on /tilbud/): one narrow query."""
    return list(_matching(values, year).values_list("pk", flat=True))


def id_page(
    values: Mapping[str, Any], year: int, *, after: int | None, limit: int
) -> tuple[list[int], int | None]:
    """A page of the matches' ids in id order (a stable cursor: an offer that stays published
    is never repeated or skipped), after the id `after`; and the id the next page starts
    after, None on the last page. `sorter` is left out: the order is the ids'."""
    matching = _matching({k: v for k, v in values.items() if k != "sorter"}, year)
    if after is not None:
        matching = matching.filter(pk__gt=after)
    ids = list(matching.order_by("pk").values_list("pk", flat=True)[: limit + 1])
    more = len(ids) > limit
    ids = ids[:limit]
    return ids, ids[-1] if more and ids else None


def is_published(pk: int) -> bool:
    return Offer.objects.filter(pk=pk, status=OfferStatus.PUBLISHED).exists()


def _facts(ids: list[int], year: int) -> dict[int, dict[str, Any]]:
    """What the open data names beyond the cards: the provider's and municipality's keys,
    and the current tariff's version (offers.selectors.published_tariffs)."""
    rows = (
        Offer.objects.filter(pk__in=ids)
        .order_by()  # (by id, in Python: not the model's order by name)
        .annotate(tariff_version=Subquery(published_tariffs(year).values("version")[:1]))
        .values(
            "pk",
            "provider__slug",
            "provider__cvr",
            "provider__ownership_form",
            "provider__branch_organisation__name",
            "municipality__slug",
            "municipality__code",
            "tariff_version",
        )
    )
    return {row["pk"]: row for row in rows}


def offer_rows(ids: list[int], year: int, reference: Names | None = None) -> list[OfferRow]:
    """These offers in the order of `ids` (an id no longer there is left out): two queries,
    and two more for the names unless the caller passes them (`reference`)."""
    if not ids:
        return []
    ref = names() if reference is None else reference
    cards = {row["pk"]: row for row in card_details(ids, year)}
    facts = _facts(ids, year)
    ownership = dict(OwnershipForm.choices)
    rows = []
    for pk in ids:
        card, fact = cards.get(pk), facts.get(pk)
        if card is None or fact is None:
            continue
        price, unit, vat = card["tariff_price"], card["tariff_unit"], card["tariff_vat"]
        change = pricing.change_percent(price, unit, card["previous_price"], card["previous_unit"])
        form = fact["provider__ownership_form"]
        rows.append(
            OfferRow(
                pk=pk,
                name=card["name"],
                provider_name=card["provider__name"],
                provider_slug=fact["provider__slug"],
                provider_cvr=fact["provider__cvr"],
                ownership_form=str(ownership.get(form, form or "")),
                branch_organisation=fact["provider__branch_organisation__name"] or "",
                municipality_name=card["municipality__name"],
                municipality_slug=fact["municipality__slug"],
                municipality_code=fact["municipality__code"],
                paragraphs=[
                    ref.paragraphs[p][1]
                    for p in sorted(
                        (p for p in card["paragraph_ids"] if p in ref.paragraphs),
                        key=lambda p: ref.paragraphs[p][0],
                    )
                ],
                target_groups=[
                    ref.groups[g][1]
                    for g in sorted(
                        (g for g in card["target_group_ids"] if g in ref.groups),
                        key=lambda g: ref.groups[g][0],
                    )
                ],
                age_min=card["age_min"],
                age_max=card["age_max"],
                places=card["places"],
                vacant=card["vacant"],
                vacancy_date=card["vacancy_date"],
                tariff_version=fact["tariff_version"] if price is not None else None,
                tariff_price=(
                    Decimal(price).quantize(Decimal("0.01")) if price is not None else None
                ),
                tariff_unit=unit,
                tariff_vat=vat,
                monthly_price=pricing.monthly_price(price, unit) if price is not None else None,
                comparable_price=(
                    pricing.comparable_price(price, unit, vat) if price is not None else None
                ),
                change_percent=change,
                pl_flag=pricing.above_pl(change, card["pl_rate"]),
            )
        )
    return rows


def stream(ids: list[int], year: int) -> Iterator[OfferRow]:
    """The offers of `ids` one by one, read CHUNK at a time (matching_ids() for a search):
    the memory of one chunk, two queries a chunk and two for the names."""
    reference = names()
    for start in range(0, len(ids), CHUNK):
        yield from offer_rows(ids[start : start + CHUNK], year, reference)
