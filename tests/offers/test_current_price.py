"""offers_currentprice and offers_currentvacancy (migration 0005), kept by database
triggers in the writing transaction whatever the path: each offer's latest published main
tariff per year as a monthly price, and its latest vacancy report. They agree with what the
offer page, the open data and the comparison compute (selectors.with_current_tariff), and
the search's price and vacancy filters and sorts find the same offers in the same order as
the computed values do."""

from decimal import Decimal
from importlib import import_module

import pytest
from django.db import connection
from django.db.models import Subquery

from offers import selectors, services
from offers.models import CurrentPrice, CurrentVacancy, Offer, Tariff, VacancyReport
from offers.search import selectors as search_selectors
from offers.search.selectors import SearchParams
from offers.selectors import current_year
from tests.factories import TariffFactory, days_ago, demo_user, make_offer, pl_rates, publish

YEAR = current_year()


EDITOR = "leverandoer.a@portal.example"
pytestmark = pytest.mark.postgres


@pytest.fixture
def editor(demo):
    pl_rates(**{f"y{YEAR - 1}": "2.6", f"y{YEAR}": "2.4"})
    return demo_user(EDITOR)


def _stored() -> dict[tuple[int, int], tuple[int, Decimal]]:
    return {
        (c.offer_id, c.year): (c.tariff_id, c.monthly_price) for c in CurrentPrice.objects.all()
    }


def _comparable_stored() -> dict[tuple[int, int], Decimal]:
    return {(c.offer_id, c.year): c.comparable_price for c in CurrentPrice.objects.all()}


def _comparable_computed() -> dict[tuple[int, int], Decimal]:
    """The comparable price (monthly, excluding VAT) of every year's latest published
    version, as offers.pricing computes it."""
    found = {}
    for year in set(Tariff.objects.values_list("year", flat=True)):
        for offer in selectors.decorate(
            selectors.with_current_tariff(Offer.objects.all(), year), year, rate=None
        ):
            if offer.tariff_id is not None:
                found[(offer.pk, year)] = offer.comparable_price
    return found


def _computed() -> dict[tuple[int, int], tuple[int, Decimal]]:
    """What the rest of the portal computes: the latest published version, × 365/12 per day
    (offers.pricing)."""
    found = {}
    for year in set(Tariff.objects.values_list("year", flat=True)):
        for offer in selectors.decorate(
            selectors.with_current_tariff(Offer.objects.all(), year), year, rate=None
        ):
            if offer.tariff_id is not None:
                found[(offer.pk, year)] = (offer.tariff_id, offer.monthly_price)
    return found


def _draft(offer, year, price, unit, by):
    return services.save_tariff_draft(
        offer=offer,
        year=year,
        fields={"price": Decimal(price), "unit": unit, "occupancy_percent": Decimal("95")},
        addons=[],
        by=by,
    )


def test_publishing_and_correcting_keep_the_current_price(editor):
    offer = make_offer()
    other = make_offer()
    draft = _draft(offer, YEAR, "2500.50", "day", editor)
    assert _stored() == {}  # a draft is no price
    first = services.publish_tariff(tariff=draft, by=editor)
    assert _stored() == {(offer.pk, YEAR): (first.pk, Decimal("76056.88"))}  # 76.056,875

    correction = services.start_correction(tariff=first, by=editor)
    assert _stored()[(offer.pk, YEAR)][0] == first.pk  # the correction is a draft still
    correction = services.save_tariff_draft(
        offer=offer,
        year=YEAR,
        fields={"price": Decimal("61000"), "unit": "month", "occupancy_percent": Decimal("95")},
        addons=[],
        by=editor,
        draft=correction,
    )
    second = services.publish_tariff(tariff=correction, by=editor, reason="Forkert enhed")
    last_year = services.publish_tariff(
        tariff=_draft(offer, YEAR - 1, "1999.99", "day", editor), by=editor
    )
    publish(other, YEAR, "1972.61")  # straight to the database, as the demo data and import
    publish(other, YEAR, "1972.62", version=2, reason="Rettelse")
    stored = _stored()
    assert stored[(offer.pk, YEAR)] == (second.pk, Decimal("61000.00"))
    assert stored[(offer.pk, YEAR - 1)][0] == last_year.pk
    assert stored[(other.pk, YEAR)][1] == Decimal("60000.53")  # 1.972,62 × 365 / 12
    assert stored == _computed()


def test_an_older_version_published_later_does_not_replace_a_newer_one(editor):
    offer = make_offer()
    publish(offer, YEAR, "2100", version=2, reason="Rettelse")
    old = Tariff.objects.create(
        offer=offer, year=YEAR, version=1, price=Decimal("2000"), unit="day",
        occupancy_percent=Decimal("95"), created_by=editor,
    )  # fmt: skip
    Tariff.objects.filter(pk=old.pk).update(status="published", published_at=old.created_at)
    assert _stored()[(offer.pk, YEAR)][1] == Decimal("63875.00")  # 2.100 × 365 / 12
    assert _stored() == _computed()


def test_the_migration_fills_the_tables_from_what_was_there_before_it(editor):
    for i in range(6):
        offer = make_offer()
        publish(offer, YEAR - 1, 1900 + i)
        publish(offer, YEAR, 2000 + i, unit=("day", "month")[i % 2])
        if i % 3 == 0:
            publish(offer, YEAR, 2050 + i, version=2, reason="Rettelse")
        for month in range(1, 1 + i % 3):
            VacancyReport.objects.create(
                offer=offer, vacant=month, reported_on=days_ago(90 - 30 * month)
            )
    # One tariff including VAT: its comparable price is its monthly price / 1,25.
    TariffFactory(offer=make_offer(), price=Decimal("2500.50"), vat_included=True)
    prices, vacancies = _stored(), _vacancies_stored()
    assert prices == _computed() and len(prices) == 13
    assert vacancies == _vacancies_computed() and len(vacancies) == 4
    CurrentPrice.objects.all().delete()
    CurrentVacancy.objects.all().delete()
    migration = import_module("offers.migrations.0005_current_price_and_search_generation")
    backfills = [sql for sql in migration.PG_FORWARD if "SELECT DISTINCT ON" in sql]
    assert len(backfills) == 2
    # The prices as 0009 fills them (the monthly price in øre, and the comparable price: a
    # column 0005's backfill does not know).
    comparable = import_module("offers.migrations.0009_comparable_price")
    with connection.cursor() as cursor:
        cursor.execute(comparable.BACKFILL)
        cursor.execute(next(sql for sql in backfills if "offers_currentvacancy" in sql))
    assert _stored() == prices and _vacancies_stored() == vacancies
    assert _comparable_stored() == _comparable_computed() and len(_comparable_stored()) == 13
    assert Decimal("60845.50") in _comparable_stored().values()  # 76.056,875 / 1,25


def test_the_search_filters_and_sorts_on_the_price_as_the_computed_one(editor):
    """Prices on both sides of the filter's limits, per day and per month, some equal: the
    search page (offers_currentprice) finds the offers the open data (computed) finds, in
    the same order."""
    prices = [
        ("1972.60", "day"),  # 59.999,916667 kr. a month
        ("1972.61", "day"),  # 60.000,220833
        ("60000", "month"),
        ("60000.01", "month"),
        ("3616.43", "day"),  # 109.999,745833
        ("110000", "month"),
        ("3616.44", "day"),  # 110.000,05
        ("2400", "day"),  # 73.000 exactly: as the next, ordered by name
        ("73000", "month"),
    ]
    for i, (price, unit) in enumerate(prices):
        offer = make_offer(name=f"Pris {i}")
        publish(offer, YEAR - 1, "1000", unit="day")
        publish(offer, YEAR, price, unit=unit)
    make_offer(name="Uden takst")
    user = demo_user("sagsbehandler.slagelse@portal.example")
    reference = search_selectors.search_reference()
    searches = [
        {"price_min": Decimal("60000"), "price_max": Decimal("110000")},
        {"price_min": Decimal("60000.01"), "sort": "price_desc"},
        {"price_max": Decimal("73000"), "sort": "price"},
        {"sort": "price"},
        {"sort": "price_desc"},
    ]
    for fields in searches:
        params = SearchParams(year=YEAR, **fields)
        expected = [o.pk for o in search_selectors.search_offers(user, params)]
        results = search_selectors.search_page(user, params, reference)
        assert results.count() == len(expected), fields
        assert [r.pk for r in results[0 : search_selectors.PAGE_SIZE]] == expected, fields


# --- offers_currentvacancy ----------------------------------------------------------------


def _vacancies_stored() -> dict[int, tuple[int, int]]:
    return {c.offer_id: (c.report_id, c.vacant) for c in CurrentVacancy.objects.all()}


def _vacancies_computed() -> dict[int, tuple[int, int]]:
    """The latest report as the offer page's open data and comparison read it."""
    rows = selectors.with_current_tariff(Offer.objects.all(), YEAR).annotate(
        report_id=Subquery(selectors._latest_vacancy().values("pk")[:1])
    )
    return {o.pk: (o.report_id, o.vacant) for o in rows if o.report_id is not None}


def test_reporting_changing_and_deleting_vacancies_keep_the_current_one(editor):
    offer, other, quiet = make_offer(), make_offer(), make_offer()
    first = services.report_vacancy(offer=offer, vacant=2, reported_on=days_ago(90), by=editor)
    assert _vacancies_stored() == {offer.pk: (first.pk, 2)}
    newer = services.report_vacancy(offer=offer, vacant=0, reported_on=days_ago(30), by=editor)
    # An older date reported later is not the current one; the same date later is.
    services.report_vacancy(offer=offer, vacant=9, reported_on=days_ago(60), by=editor)
    assert _vacancies_stored()[offer.pk] == (newer.pk, 0)
    same_day = VacancyReport.objects.create(offer=other, vacant=1, reported_on=days_ago(30))
    again = VacancyReport.objects.create(offer=other, vacant=3, reported_on=days_ago(30))
    VacancyReport.objects.filter(pk=again.pk).update(created_at=same_day.created_at)  # a tie
    assert _vacancies_stored()[other.pk] == (again.pk, 3)  # the id settles it
    assert _vacancies_stored() == _vacancies_computed() and quiet.pk not in _vacancies_stored()

    VacancyReport.objects.filter(pk=newer.pk).update(vacant=4)
    assert _vacancies_stored()[offer.pk] == (newer.pk, 4)
    VacancyReport.objects.filter(pk=newer.pk).delete()
    assert _vacancies_stored()[offer.pk][1] == 9  # the report of 60 days ago
    VacancyReport.objects.filter(offer=offer).update(offer=quiet)  # moved to another offer
    assert offer.pk not in _vacancies_stored() and _vacancies_stored()[quiet.pk][1] == 9
    VacancyReport.objects.filter(offer=quiet).delete()
    assert _vacancies_stored() == _vacancies_computed() and quiet.pk not in _vacancies_stored()


def test_the_search_filters_and_sorts_on_vacancies_as_the_computed_ones(editor):
    for i, vacant in enumerate([0, 3, 1, None, 3, 0, 7]):
        offer = make_offer(name=f"Ledighed {i}")
        if vacant is not None:
            VacancyReport.objects.create(offer=offer, vacant=5, reported_on=days_ago(60))
            VacancyReport.objects.create(offer=offer, vacant=vacant, reported_on=days_ago(30))
    user = demo_user("sagsbehandler.slagelse@portal.example")
    reference = search_selectors.search_reference()
    for fields in [{"vacancies": True}, {"sort": "vacancies"}, {"vacancies": True, "q": "autisme"}]:
        params = SearchParams(year=YEAR, **fields)
        expected = [o.pk for o in search_selectors.search_offers(user, params)]
        results = search_selectors.search_page(user, params, reference)
        assert results.count() == len(expected), fields
        assert [r.pk for r in results[0 : search_selectors.PAGE_SIZE]] == expected, fields
    assert _vacancies_stored() == _vacancies_computed()
