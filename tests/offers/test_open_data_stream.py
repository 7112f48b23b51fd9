"""The open-data downloads (issue 16 and 17): thin views over the API's reader
(offers.search.opendata), streamed a row at a time and read CHUNK offers at a time with the
same queries for each chunk, the JSON valid and its offers the API's."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from offers.models import VacancyReport
from offers.search import opendata
from offers.selectors import current_year
from tests.factories import days_ago, make_offer, pl_rates, publish

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


def test_each_chunk_of_offers_costs_the_same_queries(offers, as_caseworker, monkeypatch):
    monkeypatch.setattr(opendata, "CHUNK", 5)

    made = []

    def queries(extra):
        for _ in range(extra):
            made.append(make_offer(name=f"Flere {len(made)}"))
            publish(made[-1], YEAR, 3000)
        with CaptureQueriesContext(connection) as ctx:
            data = json.loads(download(as_caseworker, "json"))
        return len(ctx), data["antal"]

    first, count = queries(0)
    second, more = queries(5)  # one chunk more
    third, most = queries(5)  # two chunks more
    assert (more - count, most - count) == (5, 10)
    assert third - second == second - first == 2  # the cards and the facts of a chunk
