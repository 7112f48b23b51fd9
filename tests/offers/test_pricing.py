"""Tariff arithmetic, each rule once (offers.pricing): the monthly price of a day tariff
(× 365 / 12, half up to øre), the change from last year, the PL flag and the PL path. The
database computes the monthly price the search sorts and filters on with the same result
as Python, and the offer page, the search, the tariff watch and the reports agree."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from offers import pricing
from offers.models import CurrentPrice, Offer, Tariff
from offers.reports.development import tariff_development
from offers.search import selectors as search_selectors
from offers.search.selectors import SearchParams
from offers.selectors import current_year, decorate, with_current_tariff
from offers.tariffs.selectors import tariffs_above_pl
from tests.factories import TariffFactory, demo_user, make_offer, pl_rates, publish

YEAR = current_year()
CASEWORKER = "sagsbehandler.slagelse@portal.example"

pytestmark = pytest.mark.postgres

# --- The rules ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "price,unit,monthly",
    [
        ("1000", "day", "30416.67"),  # 1.000 × 365 / 12 = 30.416,666…
        ("2400", "day", "73000.00"),
        ("2500.50", "day", "76056.88"),  # 76.056,875: half up
        ("1972.62", "day", "60000.53"),  # 60.000,525
        ("0.06", "day", "1.83"),  # 1,825 (half to even would give 1,82)
        ("1972.60", "day", "59999.92"),
        ("61000", "month", "61000.00"),
        ("9999999999.99", "day", "304166666666.36"),  # the largest tariff the column holds
    ],
)
def test_a_day_tariff_is_a_month_of_365_over_12_days_rounded_half_up_to_oere(price, unit, monthly):
    assert pricing.monthly_price(Decimal(price), unit) == Decimal(monthly)
    assert str(pricing.monthly_price(Decimal(price), unit)) == monthly


@pytest.mark.parametrize(
    "before,after,change",
    [
        (("2000", "day"), ("2090", "day"), "4.5"),
        (("30000", "month"), ("30600", "month"), "2.0"),
        # A change of unit is no price change: 2.000 pr. døgn is 60.833,33 pr. måned.
        (("2000", "day"), ("61000", "month"), "0.3"),
        (("1000", "month"), ("1000.50", "month"), "0.1"),  # 0,05 %: half up
        (("2000", "day"), ("1900", "day"), "-5.0"),
    ],
)
def test_the_change_from_last_year_is_on_monthly_prices_to_one_decimal_half_up(
    before, after, change
):
    (before_price, before_unit), (price, unit) = before, after
    found = pricing.change_percent(Decimal(price), unit, Decimal(before_price), before_unit)
    assert found == Decimal(change) and str(found) == change


@pytest.mark.parametrize(
    "price,unit,vat,comparable",
    [
        ("2500.50", "day", True, "60845.50"),  # 76.056,875 a month / 1,25 = 60.845,50
        ("2500.50", "day", False, "76056.88"),  # without VAT: the monthly price
        ("1000", "day", True, "24333.33"),  # 30.416,666… × 0,8 = 24.333,333…
        ("76000", "month", True, "60800.00"),
        ("0.01", "month", True, "0.01"),  # 0,008: half up
        ("0.06", "day", True, "1.46"),  # 1,46
        ("1972.62", "day", True, "48000.42"),  # 48.000,42
        ("9999999999.99", "day", True, "243333333333.09"),  # the largest tariff the column holds
    ],
)
def test_the_comparable_price_is_monthly_without_vat_rounded_once(price, unit, vat, comparable):
    """One division from the stated price: × 365 / 12 for a day, × 4 / 5 to take out 25 %
    VAT, then half up to øre (not the monthly price rounded and then divided)."""
    found = pricing.comparable_price(Decimal(price), unit, vat)
    assert found == Decimal(comparable) and str(found) == comparable


def test_there_is_no_change_without_last_years_tariff():
    assert pricing.change_percent(Decimal("1000"), "day", None, None) is None


def test_above_pl_means_the_change_as_shown_is_larger_than_the_rate():
    assert pricing.above_pl(Decimal("2.5"), Decimal("2.4"))
    assert not pricing.above_pl(Decimal("2.4"), Decimal("2.40"))
    assert not pricing.above_pl(Decimal("-1.0"), Decimal("2.4"))
    assert not pricing.above_pl(None, Decimal("2.4"))  # no tariff last year
    assert not pricing.above_pl(Decimal("9.9"), None)  # no rate for the year


def test_the_pl_path_compounds_every_years_rate_and_a_missing_rate_counts_as_zero():
    rates = {YEAR + 1: Decimal("2.4"), YEAR + 3: Decimal("3.0")}  # none for YEAR + 2
    assert pricing.pl_path(Decimal("10000"), rates, YEAR, YEAR + 3) == [
        (YEAR, Decimal("10000.00")),
        (YEAR + 1, Decimal("10240.00")),
        (YEAR + 2, Decimal("10240.00")),
        (YEAR + 3, Decimal("10547.20")),
    ]
    assert pricing.allowed_change(rates, YEAR, YEAR + 3) == Decimal("5.5")  # 5,472 %
    assert pricing.allowed_change(rates, YEAR, YEAR) == Decimal("0.0")


# --- SQL and Python agree ----------------------------------------------------------------

# Every price from 0,01 to 300,00 kr. (each of the twelve remainders of øre × 365 / 12,
# the half-øre ties among them), and large ones.
ALL_SMALL = "SELECT p / 100.0 FROM generate_series(1, 30000) p"
LARGE = ["9999999999.99", "9999999999.94", "123456789.06", "76056.87", "2500.50", "1972.62"]


def test_the_database_computes_the_monthly_price_python_computes(db):
    with connection.cursor() as cursor:
        for unit in ("day", "month"):
            cursor.execute(
                f"SELECT x.price, offers_monthly_price(x.price, %s)"
                f" FROM (SELECT (v)::numeric(12, 2) AS price FROM ({ALL_SMALL}"
                f" UNION ALL SELECT unnest(%s::numeric[])) s(v)) x",
                [unit, LARGE],
            )
            rows = cursor.fetchall()
            assert len(rows) == 30000 + len(LARGE)
            differ = [(p, m) for p, m in rows if m != pricing.monthly_price(p, unit)]
            assert differ == [], unit


def test_the_database_computes_the_comparable_price_python_computes(db):
    with connection.cursor() as cursor:
        for unit, vat in [("day", True), ("day", False), ("month", True), ("month", False)]:
            cursor.execute(
                f"SELECT x.price, offers_comparable_price(x.price, %s, %s)"
                f" FROM (SELECT (v)::numeric(12, 2) AS price FROM ({ALL_SMALL}"
                f" UNION ALL SELECT unnest(%s::numeric[])) s(v)) x",
                [unit, vat, LARGE],
            )
            rows = cursor.fetchall()
            assert len(rows) == 30000 + len(LARGE)
            differ = [(p, c) for p, c in rows if c != pricing.comparable_price(p, unit, vat)]
            assert differ == [], (unit, vat)


def test_the_search_and_the_pages_use_one_comparable_price(demo):
    """The stored price the search sorts and filters on (offers_currentprice.comparable_price,
    written by the trigger), the price computed in SQL for the open data
    (pricing.ComparablePrice) and the price the pages show (Python) are one number."""
    prices = ["2500.50", "0.06", "0.18", "1972.62", "1000", "61000.00", "123456.78", "3616.43"]
    for i, price in enumerate(prices):
        TariffFactory(
            offer=make_offer(name=f"Pris {i}"),
            year=YEAR,
            price=Decimal(price),
            unit="month" if i == 5 else "day",
            vat_included=i % 2 == 0,
        )
    stored = dict(
        CurrentPrice.objects.filter(year=YEAR).values_list("tariff_id", "comparable_price")
    )
    in_sql = dict(
        Tariff.objects.filter(year=YEAR)
        .annotate(c=pricing.ComparablePrice())
        .values_list("pk", "c")
    )
    shown = {t.pk: t.comparable_price for t in Tariff.objects.filter(year=YEAR)}
    offers = with_current_tariff(Offer.objects.all(), YEAR)
    annotated = {o.tariff_id: o.comparable_price for o in offers if o.tariff_id}
    decorated = {o.tariff_id: o.comparable_price for o in decorate(offers, YEAR) if o.tariff_id}
    assert len(shown) == len(prices)
    assert stored == in_sql == shown == annotated == decorated
    assert shown[Tariff.objects.get(offer__name="Pris 0").pk] == Decimal("60845.50")


def test_the_search_and_the_pages_use_one_monthly_price(demo):
    """The stored price the search sorts and filters on (offers_currentprice, written by the
    trigger), the price computed in SQL for the open data (pricing.MonthlyPrice) and the
    price the pages show (Python) are one number, ties at half an øre included."""
    prices = ["2500.50", "0.06", "0.18", "1972.62", "1000", "61000.00", "123456.78", "3616.43"]
    for i, price in enumerate(prices):
        publish(make_offer(name=f"Pris {i}"), YEAR, price, unit="month" if i == 5 else "day")
    stored = dict(CurrentPrice.objects.filter(year=YEAR).values_list("tariff_id", "monthly_price"))
    in_sql = dict(
        Tariff.objects.filter(year=YEAR).annotate(m=pricing.MonthlyPrice()).values_list("pk", "m")
    )
    shown = {t.pk: t.monthly_price for t in Tariff.objects.filter(year=YEAR)}
    annotated = {
        o.tariff_id: o.monthly_price
        for o in with_current_tariff(Offer.objects.all(), YEAR)
        if o.tariff_id
    }
    decorated = {
        o.tariff_id: o.monthly_price
        for o in decorate(with_current_tariff(Offer.objects.all(), YEAR), YEAR)
        if o.tariff_id
    }
    assert len(shown) == len(prices)
    assert stored == in_sql == shown == annotated == decorated


def test_the_price_filter_finds_an_offer_by_the_monthly_price_its_page_shows(demo):
    """2.500,50 kr. pr. døgn is shown as 76.056,88 kr. pr. måned; a filter from 76.056,88
    finds it and one to 76.056,87 does not, on the search page and in the open data alike.
    (The search's table kept 76.056,875 and missed it.)"""
    offer = make_offer(name="Halvøre")
    publish(offer, YEAR, "2500.50")
    user = demo_user(CASEWORKER)
    reference = search_selectors.search_reference()
    for fields, found in [
        ({"price_min": Decimal("76056.88")}, True),
        ({"price_max": Decimal("76056.88")}, True),
        ({"price_max": Decimal("76056.87")}, False),
        ({"price_min": Decimal("76056.89")}, False),
    ]:
        params = SearchParams(year=YEAR, **fields)
        page = search_selectors.search_page(user, params, reference)
        listed = [r.pk for r in page[0 : search_selectors.PAGE_SIZE]]
        open_data = [o.pk for o in search_selectors.search_offers(user, params)]
        assert (offer.pk in listed, offer.pk in open_data) == (found, found), fields
        if found:
            assert next(r for r in page[0:1] if r.pk == offer.pk).monthly_price == Decimal(
                "76056.88"
            )


def test_the_offer_page_search_watch_and_reports_flag_the_same_tariffs(demo, client):
    """One change and one flag: the offer page, the search card, Takster over PL and the
    takstudvikling say the same of the same tariffs."""
    pl_rates(**{f"y{YEAR - 1}": "2.6", f"y{YEAR}": "2.4"})
    rising = make_offer(name="Stiger")
    steady = make_offer(name="Følger PL")
    publish(rising, YEAR - 1, "2000")
    publish(rising, YEAR, "2090")  # +4,5 %
    publish(steady, YEAR - 1, "30000", unit="month")
    publish(steady, YEAR, "30720", unit="month")  # +2,4 %: not above 2,4 %
    assert [o.name for o in tariffs_above_pl(YEAR)] == ["Stiger"]
    assert [(o.name, o.change_percent) for o in tariffs_above_pl(YEAR)] == [
        ("Stiger", Decimal("4.5"))
    ]
    user = demo_user(CASEWORKER)
    cards = {
        r.name: r
        for r in search_selectors.search_page(
            user, SearchParams(year=YEAR, sort="name"), search_selectors.search_reference()
        )[0 : search_selectors.PAGE_SIZE]
    }
    assert (cards["Stiger"].change_percent, cards["Stiger"].pl_flag) == (Decimal("4.5"), True)
    assert (cards["Følger PL"].change_percent, cards["Følger PL"].pl_flag) == (
        Decimal("2.4"),
        False,
    )
    client.force_login(user)
    page = client.get(reverse("offers:offer_detail", args=[rising.pk])).content.decode()
    assert "+4,5 %" in page and "Stigningen er større end PL-satsen" in page
    page = client.get(reverse("offers:offer_detail", args=[steady.pk])).content.decode()
    assert "+2,4 %" in page and "Stigningen er større end PL-satsen" not in page
    dev = tariff_development(YEAR - 1, YEAR)
    above = [r.name for d in dev.paragraphs for r in d.above]
    assert set(above) == {"Stiger"} and dev.allowed_percent == Decimal("2.4")


def test_the_offer_pages_pl_path_counts_a_year_without_a_tariff(demo, client):
    """The dashed PL path on the offer page compounds every year's rate, as the
    takstudvikling does, also a year in which the offer published no tariff (it left
    that year's rate out)."""
    pl_rates(**{f"y{YEAR - 1}": "3.9", f"y{YEAR}": "2.4"})
    offer = make_offer(name="Med et hul")
    publish(offer, YEAR - 2, "2000", unit="month")
    publish(offer, YEAR, "2200", unit="month")
    client.force_login(demo_user(CASEWORKER))
    page = client.get(reverse("offers:offer_detail", args=[offer.pk])).content.decode()
    # 2.000 × 1,039 × 1,024 = 2.127,87 (without last year's rate it was 2.048)
    assert "PL-sporet ender på 2.128 kr." in page
