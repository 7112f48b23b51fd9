"""The open-data downloads (issue 16 and 17): thin views over the API's reader
(offers.search.opendata), streamed a row at a time from one statement read CHUNK rows at a
time through a server-side cursor, the JSON valid and its offers the API's, the numbers the
offer page's."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from offers import pricing
from offers.models import Offer, RegulationRate, VacancyReport
from offers.search import opendata
from offers.selectors import current_year, with_current_tariff
from tests.factories import TariffFactory, days_ago, make_offer, pl_rates, publish

YEAR = current_year()


@pytest.fixture
def offers(demo):
    pl_rates()
    made = []
    for i in range(12):
        offer = make_offer(name=f"Strøm {i:02d}")
        publish(offer, YEAR - 1, 2000 + i)
        publish(offer, YEAR, 2100 + i, unit="day" if i % 2 else "month")
        VacancyReport.objects.create(offer=offer, vacant=i % 3, reported_on=days_ago(10))
        made.append(offer)
    return made


def download(client, fmt, params=None):
    response = client.get(reverse("offers:open_data", args=[fmt]), params or {})
    assert response.status_code == 200
    assert response.streaming
    return b"".join(response.streaming_content)


def test_the_json_is_valid_and_its_offers_are_the_apis(offers, as_caseworker):
    data = json.loads(download(as_caseworker, "json", {"leverandoer": "bostedet-egelund"}))
    assert data["antal"] == len(data["tilbud"]) >= 12
    api = Client().get(reverse("api:offer_list"), {"leverandoer": "bostedet-egelund", "limit": 200})
    by_id = {o["id"]: o for o in api.json()["tilbud"]}
    assert set(by_id) == {row["id"] for row in data["tilbud"]}
    for row in data["tilbud"]:
        offer = by_id[row["id"]]
        assert row["navn"] == offer["navn"]
        assert row["lovgrundlag"] == [p["kode"] for p in offer["lovgrundlag"]]
        assert row["ledige_pladser"] == offer["ledige_pladser"]
        tariff = offer["takst"]
        if tariff is None:
            assert row["takst"] is None
            continue
        assert (row["takst"], row["takst_version"], row["enhed"]) == (
            tariff["takst"],
            tariff["version"],
            tariff["enhed"],
        )
        assert (row["maanedspris"], row["maanedspris_ekskl_moms"], row["aendring_pct"]) == (
            tariff["maanedspris"],
            tariff["maanedspris_ekskl_moms"],
            tariff["aendring_pct"],
        )


def test_the_csv_has_the_same_rows_with_decimal_commas(offers, as_caseworker):
    data = json.loads(download(as_caseworker, "json"))
    text = download(as_caseworker, "csv").decode("utf-8")
    assert text.startswith("\ufeff") and text.count("\ufeff") == 1
    rows = list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))
    assert [int(r["id"]) for r in rows] == [row["id"] for row in data["tilbud"]]
    first = next(r for r in rows if r["navn"] == "Strøm 03")
    expected = next(row for row in data["tilbud"] if row["navn"] == "Strøm 03")
    assert first["takst"] == str(Decimal(expected["takst"])).replace(".", ",")
    assert first["moms_inkluderet_ja_nej"] in ("ja", "nej")


def test_the_download_is_one_read_however_many_chunks(offers, as_caseworker, monkeypatch):
    """The offers are read by one statement through a server-side cursor that hands over
    CHUNK rows at a time: the same queries for any number of chunks, every row once."""
    monkeypatch.setattr(opendata, "CHUNK", 5)

    made = []

    def queries(extra):
        for _ in range(extra):
            made.append(make_offer(name=f"Flere {len(made)}"))
            publish(made[-1], YEAR, 3000)
        with CaptureQueriesContext(connection) as ctx:
            data = json.loads(download(as_caseworker, "json"))
        assert len({row["id"] for row in data["tilbud"]}) == data["antal"]
        return len(ctx), data["antal"]

    first, count = queries(0)
    second, more = queries(5)  # one chunk more
    third, most = queries(5)  # two chunks more
    assert (more - count, most - count) == (5, 10)
    assert third == second == first


def test_the_rows_are_the_offer_pages_numbers(offers, demo):
    """Each row's tariff, last year's change, PL flag and vacancy as offers.selectors reads
    them for the offer page (with_current_tariff, the newest published version; drafts never)
    and offers.pricing computes them; the paragraphs and target groups in the models' order."""
    vat = make_offer(name="Med moms", paragraphs=["SEL § 108", "SEL § 107"])
    publish(vat, YEAR - 1, "1500.00", unit="month")
    TariffFactory(offer=vat, year=YEAR, price="1999.99", unit="day", vat_included=True)
    TariffFactory(
        offer=vat,
        year=YEAR,
        version=2,
        price="2001.50",
        unit="day",
        vat_included=True,
        correction_reason="Regnefejl",
    )
    TariffFactory(offer=vat, year=YEAR, version=3, price="9999", published=False)
    bare = make_offer(name="Uden takst")
    VacancyReport.objects.create(offer=bare, vacant=4, reported_on=days_ago(3))
    VacancyReport.objects.create(offer=bare, vacant=1, reported_on=days_ago(1))
    ids = [o.pk for o in [*offers, vat, bare]]
    rows = {row.pk: row for row in opendata.stream(ids, YEAR)}
    assert list(rows) == ids
    assert rows == {row.pk: row for row in opendata.offer_rows(ids, YEAR)}
    rate = RegulationRate.objects.filter(year=YEAR).values_list("rate", flat=True).first()
    expected = with_current_tariff(Offer.objects.filter(pk__in=ids), YEAR).prefetch_related(
        "paragraphs", "target_groups"
    )
    for offer in expected:
        row = rows[offer.pk]
        change = pricing.change_percent(
            offer.tariff_price, offer.tariff_unit, offer.previous_price, offer.previous_unit
        )
        assert (row.name, row.vacant, row.vacancy_date) == (
            offer.name,
            offer.vacant,
            offer.vacancy_date,
        )
        assert [p.code for p in row.paragraphs] == [p.code for p in offer.paragraphs.all()]
        assert [g.slug for g in row.target_groups] == [g.slug for g in offer.target_groups.all()]
        if offer.tariff_price is None:
            assert (row.tariff_price, row.monthly_price, row.change_percent) == (None,) * 3
            assert row.tariff_version is None and not row.pl_flag
            continue
        price, unit, vat_included = offer.tariff_price, offer.tariff_unit, offer.tariff_vat
        assert (row.tariff_price, row.tariff_unit, row.tariff_vat, row.tariff_version) == (
            price,
            unit,
            vat_included,
            offer.tariff_version,
        )
        assert row.monthly_price == pricing.monthly_price(price, unit)
        assert row.comparable_price == pricing.comparable_price(price, unit, vat_included)
        assert row.change_percent == change
        assert row.pl_flag == pricing.above_pl(change, rate)
    assert rows[vat.pk].tariff_version == 2 and rows[vat.pk].tariff_vat is True
    assert len(rows[vat.pk].paragraphs) == 2
    assert rows[bare.pk].vacant == 1


def test_only_published_offers_are_read(offers):
    draft = make_offer(name="Kladde", status="draft")
    ids = [offers[0].pk, draft.pk, offers[1].pk]
    assert [row.pk for row in opendata.stream(ids, YEAR)] == [offers[0].pk, offers[1].pk]
    assert opendata.offer_rows([draft.pk], YEAR) == []
