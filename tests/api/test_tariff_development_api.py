"""Takstudvikling in the API (issue 16): /api/v1/tariff-development gives the report's own
figures (offers.reports.development, the numbers the page and the PDF show), without login,
amounts as strings, the period and paragraphs checked by the report's form (Danish 400)."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from offers.reports import development
from offers.selectors import current_year
from tests.factories import make_offer, pl_rates, publish

YEAR = current_year()
URL = reverse("api:tariff_development")


@pytest.fixture
def world(demo):
    """Three § 108 offers with tariffs last year and this year (one rising far above PL),
    and a § 107 offer; the PL rates."""
    pl_rates()
    for i, (before, now) in enumerate([("2000", "2040"), ("2500", "2550"), ("3000", "3900")]):
        offer = make_offer(name=f"Udvikling {i}")
        publish(offer, YEAR - 1, before)
        publish(offer, YEAR, now)
    other = make_offer(name="Et § 107-tilbud", paragraphs=["SEL § 107"])
    publish(other, YEAR - 1, "1800")
    publish(other, YEAR, "1850")
    return Client()


def test_the_figures_are_the_reports(world, as_caseworker):
    r = world.get(URL, {"fra": YEAR - 1, "til": YEAR})
    assert r.status_code == 200, r.content
    body = r.json()
    page = as_caseworker.get(reverse("offers:tariff_development"), {"fra": YEAR - 1, "til": YEAR})
    report = page.context["report"]
    assert (body["fra_aar"], body["til_aar"]) == (report.from_year, report.to_year)
    assert Decimal(body["tilladt_aendring_pct"]) == report.allowed_percent
    assert [p["kode"] for p in body["lovgrundlag"]] == [p.paragraph.code for p in report.paragraphs]
    for got, want in zip(body["lovgrundlag"], report.paragraphs, strict=True):
        assert got["sammenlignet"] == want.compared
        assert [
            (y["aar"], y["antal_tilbud"], y["nedre_kvartil"], y["median"], y["oevre_kvartil"])
            for y in got["aar"]
        ] == [(s.year, s.count, str(s.q1), str(s.median), str(s.q3)) for s in want.years]
        assert [y["pl_spor"] for y in got["aar"]] == [
            None if s.pl_value is None else str(s.pl_value) for s in want.years
        ]
        assert [y["median_indeks"] for y in got["aar"]] == [
            None if s.median_index is None else str(s.median_index) for s in want.years
        ]
        assert [(o["tilbud_id"], o["aendring_pct"]) for o in got["over_pl"]] == [
            (row.offer_id, str(row.change_percent)) for row in want.above
        ]
    sel108 = next(p for p in body["lovgrundlag"] if p["kode"] == "SEL § 108")
    assert sel108["noegle"] == "§ 108"
    assert [o["navn"] for o in sel108["over_pl"]] == ["Udvikling 2"]
    assert sel108["over_pl"][0]["url"].endswith(
        reverse("offers:offer_detail", args=[sel108["over_pl"][0]["tilbud_id"]])
    )
    # Amounts are strings with a decimal point, as everywhere in the API.
    assert "." in sel108["aar"][0]["median"]


def test_without_a_period_the_reports_first_period_and_one_paragraph_on_request(world):
    r = world.get(URL, {"paragraf": "SEL § 107"})
    assert r.status_code == 200, r.content
    body = r.json()
    years = development.default_period([YEAR, YEAR - 1])
    assert (body["fra_aar"], body["til_aar"]) == years
    assert [p["kode"] for p in body["lovgrundlag"]] == ["SEL § 107"]
    assert body["lovgrundlag"][0]["aar"][0]["antal_tilbud"] == 1


@pytest.mark.parametrize(
    "params, name",
    [
        ({"fra": YEAR, "til": YEAR - 1}, "til"),
        ({"fra": YEAR - 25, "til": YEAR}, "til"),
        ({"fra": YEAR - 1, "til": YEAR, "paragraf": "SEL § 999"}, "paragraf"),
        ({"fra": "x"}, "fra"),
    ],
)
def test_a_bad_period_or_paragraph_is_a_danish_400(world, params, name):
    r = world.get(URL, params)
    assert r.status_code == 400
    assert r["Content-Type"] == "application/problem+json"
    errors = r.json()["errors"]
    assert name in errors and all(errors[name]), errors


def test_the_schema_documents_it_as_public(world):
    schema = world.get(reverse("api:openapi-json")).json()
    operation = schema["paths"]["/api/v1/tariff-development"]["get"]
    assert "security" not in operation
    assert {p["name"] for p in operation["parameters"]} == {"fra", "til", "paragraf"}
