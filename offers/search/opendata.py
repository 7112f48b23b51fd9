"""The offers as open data: the published offers matching a search (offers.filters.OfferFilter:
the search's filters and order), each with its facts and the year's numbers, read by ids in one
set-based SQL statement, never a model instance per offer.

Two callers, one home: the open-data downloads (offers.search.views.open_data: every match in
the search's order, streamed through a server-side cursor that hands over CHUNK rows at a time,
so the memory a download holds does not grow with the catalogue) and the API (api.selectors: a
page of the matches by id after a cursor, and one offer). The current tariff, last year's and
the vacancy are the narrow tables the search filters and sorts on, kept by triggers
(offers.CurrentPrice with its monthly and comparable prices by the database twins of
offers.pricing, offers.CurrentVacancy, offers.SearchRow's paragraphs and target groups);
tests/offers/test_open_data_stream.py holds the rows to offers.selectors.with_current_tariff
and offers.pricing."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from offers import pricing
from offers.filters import OfferFilter
from offers.models import (
    CurrentPrice,
    CurrentVacancy,
    Offer,
    OfferStatus,
    RegulationRate,
    Tariff,
)
from offers.search.selectors import SearchReference, search_generation, search_reference
from partnership.models import Organisation, OwnershipForm

# Rows handed over by the server-side cursor at a time: the memory a download holds,
# whatever its size.
CHUNK = 500


@dataclass(frozen=True)
class Paragraph:
    code: str  # "SEL § 108"
    short: str  # "§ 108", the search's value


@dataclass(frozen=True)
class Group:
    name: str
    slug: str


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


@cache
def _statement() -> str:
    """The one statement: the offers of the array %(ids)s that are published, in the array's
    order, each with its provider, municipality, the ids of its paragraphs and target groups,
    the year's latest published tariff with its monthly and comparable prices and version
    (offers_currentprice), last year's monthly price, the latest vacancy report and the year's
    PL rate. (The names of the paragraphs and target groups are the search's reference data,
    in Python: aggregating them here cost the statement half its time.)"""
    tables = {
        "offer": Offer._meta.db_table,
        "offer_paragraphs": Offer.paragraphs.through._meta.db_table,
        "offer_groups": Offer.target_groups.through._meta.db_table,
        "org": Organisation._meta.db_table,
        "price": CurrentPrice._meta.db_table,
        "tariff": Tariff._meta.db_table,
        "vacancy": CurrentVacancy._meta.db_table,
        "rate": RegulationRate._meta.db_table,
    }
    return (
        "SELECT o.id, o.name, o.age_min, o.age_max, o.places,"
        " p.name, p.slug, p.cvr, p.ownership_form, b.name, m.name, m.slug, m.code,"
        " ARRAY(SELECT x.legalparagraph_id FROM {offer_paragraphs} x WHERE x.offer_id = o.id),"
        " ARRAY(SELECT x.targetgroup_id FROM {offer_groups} x WHERE x.offer_id = o.id),"
        " t.version, t.price, t.unit, t.vat_included, cur.monthly_price, cur.comparable_price,"
        " prev.monthly_price, v.vacant, v.reported_on,"
        " (SELECT r.rate FROM {rate} r WHERE r.year = %(year)s)"
        " FROM unnest(%(ids)s::bigint[]) WITH ORDINALITY AS wanted (id, ord)"
        " JOIN {offer} o ON o.id = wanted.id"
        " JOIN {org} p ON p.id = o.provider_id"
        " LEFT JOIN {org} b ON b.id = p.branch_organisation_id"
        " JOIN {org} m ON m.id = o.municipality_id"
        " LEFT JOIN {price} cur ON cur.offer_id = o.id AND cur.year = %(year)s"
        " LEFT JOIN {tariff} t ON t.id = cur.tariff_id"
        " LEFT JOIN {price} prev ON prev.offer_id = o.id AND prev.year = %(previous)s"
        " LEFT JOIN {vacancy} v ON v.offer_id = o.id"
        " WHERE o.status = %(published)s"
        " ORDER BY wanted.ord"
    ).format(**tables)


def _params(ids: Sequence[int], year: int) -> dict[str, Any]:
    return {
        "ids": list(ids),
        "year": year,
        "previous": year - 1,
        "published": OfferStatus.PUBLISHED,
    }


class _Rows:
    """Turns the statement's rows into OfferRows, with the paragraphs and target groups by
    the search's reference data (names, in the models' order), each distinct set of them and
    each ownership form's label made once, not once per row."""

    def __init__(self, reference: SearchReference) -> None:
        self.ownership = {value: str(label) for value, label in OwnershipForm.choices}
        self.paragraph = {
            c.pk: (i, Paragraph(c.label, c.key)) for i, c in enumerate(reference.paragraphs)
        }
        self.group = {
            c.pk: (i, Group(c.label, c.key)) for i, c in enumerate(reference.target_groups)
        }
        self.paragraphs: dict[tuple[int, ...], list[Paragraph]] = {}
        self.groups: dict[tuple[int, ...], list[Group]] = {}

    def row(self, r: Sequence[Any]) -> OfferRow:
        (pk, name, age_min, age_max, places) = r[0:5]
        (provider, provider_slug, cvr, form, branch, municipality, slug, code) = r[5:13]
        (paragraph_ids, group_ids) = r[13:15]
        (version, price, unit, vat, monthly, comparable, previous, vacant, reported) = r[15:24]
        rate = r[24]
        key = tuple(paragraph_ids)
        paragraphs = self.paragraphs.get(key)
        if paragraphs is None:
            found = sorted(self.paragraph[p] for p in key if p in self.paragraph)
            paragraphs = self.paragraphs[key] = [p for _i, p in found]
        key = tuple(group_ids)
        groups = self.groups.get(key)
        if groups is None:
            found_groups = sorted(self.group[g] for g in key if g in self.group)
            groups = self.groups[key] = [g for _i, g in found_groups]
        change = None
        if price is not None and previous is not None:
            change = pricing.change_between(previous, monthly)
        return OfferRow(
            pk=pk,
            name=name,
            provider_name=provider,
            provider_slug=provider_slug,
            provider_cvr=cvr,
            ownership_form=self.ownership.get(form, form or ""),
            branch_organisation=branch or "",
            municipality_name=municipality,
            municipality_slug=slug,
            municipality_code=code,
            paragraphs=list(paragraphs),
            target_groups=list(groups),
            age_min=age_min,
            age_max=age_max,
            places=places,
            vacant=vacant,
            vacancy_date=reported,
            tariff_version=version if price is not None else None,
            tariff_price=price.quantize(pricing.CENT) if price is not None else None,
            tariff_unit=unit,
            tariff_vat=vat,
            monthly_price=monthly if price is not None else None,
            comparable_price=comparable if price is not None else None,
            change_percent=change,
            pl_flag=pricing.above_pl(change, rate),
        )


def _reference(reference: SearchReference | None) -> SearchReference:
    """The search's reference data, as given or from the cache under the data's generation
    (one query for the generation; the reference data's own query only when it changed)."""
    return reference if reference is not None else search_reference(search_generation())


def offer_rows(
    ids: Sequence[int], year: int, reference: SearchReference | None = None
) -> list[OfferRow]:
    """These offers, those still published, in the order of `ids`: one query, and the
    reference data (search_reference()) unless the caller has it."""
    if not ids:
        return []
    made = _Rows(_reference(reference))
    with connection.cursor() as cursor:
        cursor.execute(_statement(), _params(ids, year))
        rows = cursor.fetchall()
    return [made.row(r) for r in rows]


def stream(
    ids: Sequence[int], year: int, reference: SearchReference | None = None
) -> Iterator[OfferRow]:
    """The offers of `ids` (matching_ids() for a search) one by one, as offer_rows() reads
    them, in one query through a server-side cursor that hands over CHUNK rows at a time:
    the memory of one chunk, whatever the number of offers."""
    if not ids:
        return
    made = _Rows(_reference(reference))
    with connection.chunked_cursor() as cursor:
        cursor.execute(_statement(), _params(ids, year))
        while rows := cursor.fetchmany(CHUNK):
            for r in rows:
                yield made.row(r)
