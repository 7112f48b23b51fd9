"""The search's narrow table offers_searchrow (offers.models.SearchRow, migration 0013) is a
promise of the database: whatever changes a source of a row (the offer, its paragraphs and
target groups, its tariffs through offers_currentprice, its vacancy reports through
offers_currentvacancy), by the ORM or raw SQL, the row says what the sources say in the same
transaction; and the migration fills it for the offers there are."""

from __future__ import annotations

from decimal import Decimal
from importlib import import_module

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from offers.models import (
    CurrentPrice,
    CurrentVacancy,
    LegalParagraph,
    Offer,
    OfferStatus,
    SearchRow,
    TargetGroup,
    VacancyReport,
)
from offers.selectors import current_year
from partnership.db_roles import as_owner
from tests.factories import days_ago, demo_org, make_offer, publish

YEAR = current_year()
MIGRATION = import_module("offers.migrations.0013_search_table")

pytestmark = pytest.mark.postgres

# Each column of the row and the table it comes from: a new column fails
# test_every_column_has_a_source_and_every_source_a_trigger until it is listed here, with a
# trigger on its source (migration) and a change of it below (CHANGES).
COLUMN_SOURCES = {
    "offer": "offers_offer",
    "status": "offers_offer",
    "name": "offers_offer",
    "provider": "offers_offer",
    "municipality": "offers_offer",
    "age_min": "offers_offer",
    "age_max": "offers_offer",
    "search_document": "offers_offer",
    "paragraph_ids": "offers_offer_paragraphs",
    "target_group_ids": "offers_offer_target_groups",
    "prices_by_year": "offers_currentprice",
    "vacant": "offers_currentvacancy",
}


def _documents() -> dict[int, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, search_document::text FROM offers_offer")
        return dict(cursor.fetchall())


def _computed() -> dict[int, tuple]:
    """Every offer's row as its sources say it, read here on their own."""
    documents = _documents()
    paragraphs: dict[int, list[int]] = {}
    for offer_id, pk in Offer.paragraphs.through.objects.values_list(
        "offer_id", "legalparagraph_id"
    ):
        paragraphs.setdefault(offer_id, []).append(pk)
    groups: dict[int, list[int]] = {}
    for offer_id, pk in Offer.target_groups.through.objects.values_list(
        "offer_id", "targetgroup_id"
    ):
        groups.setdefault(offer_id, []).append(pk)
    prices: dict[int, dict[str, Decimal]] = {}
    for price in CurrentPrice.objects.all():
        prices.setdefault(price.offer_id, {})[str(price.year)] = price.comparable_price
    vacant = dict(CurrentVacancy.objects.values_list("offer_id", "vacant"))
    return {
        o.pk: (
            o.status,
            o.name,
            o.provider_id,
            o.municipality_id,
            o.age_min,
            o.age_max,
            vacant.get(o.pk),
            prices.get(o.pk, {}),
            sorted(paragraphs.get(o.pk, [])),
            sorted(groups.get(o.pk, [])),
            documents[o.pk],
        )
        for o in Offer.objects.all()
    }


def _prices_by_year() -> dict[int, dict[str, Decimal]]:
    """Each row's prices_by_year as {year: price}, read in SQL at the array's own subscripts
    (the years; Python's list loses them): what the search reads, prices_by_year[year]."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.offer_id, y, r.prices_by_year[y] FROM offers_searchrow r,"
            " generate_series(array_lower(r.prices_by_year, 1), array_upper(r.prices_by_year, 1))"
            " AS y WHERE r.prices_by_year[y] IS NOT NULL"
        )
        found: dict[int, dict[str, Decimal]] = {}
        for pk, year, price in cursor.fetchall():
            found.setdefault(pk, {})[str(year)] = price
    return found


def _stored() -> dict[int, tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT offer_id, search_document::text FROM offers_searchrow")
        documents = dict(cursor.fetchall())
    prices = _prices_by_year()
    return {
        r.pk: (
            r.status,
            r.name,
            r.provider_id,
            r.municipality_id,
            r.age_min,
            r.age_max,
            r.vacant,
            prices.get(r.pk, {}),
            r.paragraph_ids,
            r.target_group_ids,
            documents[r.pk],
        )
        for r in SearchRow.objects.all()
    }


@pytest.fixture
def offers(demo):
    first = make_offer(name="Rækkehuset", age_min=18, age_max=30)
    second = make_offer(
        name="Anden række", provider_slug="fonden-solsikken", paragraphs=["SEL § 107"]
    )
    publish(first, YEAR - 1, "1900")
    publish(first, YEAR, "2000")
    VacancyReport.objects.create(offer=second, vacant=2, reported_on=days_ago(10))
    assert _stored() == _computed()
    return first, second


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _change_offer(first: Offer, second: Offer) -> None:
    first.name = "Rækkehuset Nord"
    first.age_max = 40
    first.status = OfferStatus.WITHDRAWN
    first.municipality = demo_org("naestved")
    first.description = "Nu med heste og lav arousal."  # the document follows
    first.save()
    _raw(
        "UPDATE offers_offer SET age_min = 20, provider_id = %s WHERE id = %s",
        [demo_org("bostedet-egelund").pk, second.pk],
    )
    assert SearchRow.objects.get(pk=first.pk).name == "Rækkehuset Nord"
    third = make_offer(name="Helt ny")
    assert SearchRow.objects.filter(pk=third.pk).exists()
    third.delete()
    second_twin = make_offer(name="Slettes med SQL")
    _raw("DELETE FROM offers_offer_paragraphs WHERE offer_id = %s", [second_twin.pk])
    _raw("DELETE FROM offers_offer_target_groups WHERE offer_id = %s", [second_twin.pk])
    _raw("DELETE FROM offers_offer WHERE id = %s", [second_twin.pk])


def _change_paragraphs(first: Offer, second: Offer) -> None:
    first.paragraphs.add(LegalParagraph.objects.get(code="SEL § 107"))
    second.paragraphs.clear()
    # A paragraph renamed: the documents of its offers, so their rows, follow.
    LegalParagraph.objects.filter(code="SEL § 107").update(title="Midlertidigt ophold, nyt navn")
    link = Offer.paragraphs.through.objects.filter(offer=first).first()
    _raw(
        "UPDATE offers_offer_paragraphs SET offer_id = %s WHERE id = %s",
        [second.pk, link.pk],
    )


def _change_target_groups(first: Offer, second: Offer) -> None:
    first.target_groups.add(TargetGroup.objects.get(slug="adhd"))
    second.target_groups.set([])
    TargetGroup.objects.filter(slug="adhd").update(name="ADHD og lignende")


def _change_prices(first: Offer, second: Offer) -> None:
    publish(first, YEAR, "2100", version=2, reason="Rettelse")
    publish(second, YEAR, "65000", unit="month")
    assert _prices_by_year()[first.pk][str(YEAR)] == 63875
    # A year between two with a price, without one: NULL at its subscript.
    publish(first, YEAR - 2, "1900")
    CurrentPrice.objects.filter(offer=first, year=YEAR - 1).delete()
    assert sorted(_prices_by_year()[first.pk]) == [str(YEAR - 2), str(YEAR)]


def _change_vacancies(first: Offer, second: Offer) -> None:
    report = VacancyReport.objects.create(offer=first, vacant=3, reported_on=days_ago(1))
    assert SearchRow.objects.get(pk=first.pk).vacant == 3
    report.vacant = 1
    report.save()
    VacancyReport.objects.filter(offer=second).delete()
    assert SearchRow.objects.get(pk=second.pk).vacant is None


# One change of each source, by the ORM and by SQL.
CHANGES = {
    "offers_offer": _change_offer,
    "offers_offer_paragraphs": _change_paragraphs,
    "offers_offer_target_groups": _change_target_groups,
    "offers_currentprice": _change_prices,
    "offers_currentvacancy": _change_vacancies,
}


@pytest.mark.parametrize("source", sorted(CHANGES))
def test_a_change_of_each_source_shows_in_the_row_at_once(offers, source):
    before = _stored()
    CHANGES[source](*offers)
    after = _stored()
    assert after == _computed()
    assert after != before


def test_every_column_has_a_source_and_every_source_a_trigger(db):
    columns = {f.name for f in SearchRow._meta.get_fields() if f.concrete}
    assert columns == set(COLUMN_SOURCES)
    sources = set(COLUMN_SOURCES.values())
    assert sources == set(MIGRATION.SOURCES) == set(CHANGES)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " JOIN pg_proc p ON p.oid = t.tgfoid WHERE p.proname LIKE 'offers_searchrow_%%'"
            " AND NOT t.tgisinternal"
        )
        triggered = {name for (name,) in cursor.fetchall()}
    assert triggered == sources


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_table_for_the_offers_there_are(demo):
    first = make_offer(name="Før tabellen", paragraphs=["SEL § 107", "SEL § 108"])
    publish(first, YEAR, "2000")
    VacancyReport.objects.create(offer=first, vacant=1, reported_on=days_ago(3))
    make_offer(name="Uden takst", target_groups=[])
    expected = _computed()
    assert _stored() == expected and len(expected) == 2
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    with as_owner():
        MigrationExecutor(connection).migrate([("offers", "0012_declaration_versions")])
        MigrationExecutor(connection).migrate(latest)
    assert _stored() == expected
