"""The public open-data API (issue 16): /api/v1/offers filtered exactly as the search page,
published data only, cursor pages, ETag/304, Danish problem+json errors, a rate limit per IP,
and a valid OpenAPI 3 schema with a documentation page that needs no CDN."""

import json
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openapi_spec_validator import validate

from api import v1
from offers import demo as offers_demo
from offers.models import AnswerKind, DeclarationAnswer, DeclarationQuestion, Offer
from offers.search.forms import SearchForm
from offers.selectors import current_year
from partnership.models import Organisation
from tests.factories import TariffFactory, make_offer, pl_rates, publish

YEAR = current_year()
LIST = reverse("api:offer_list")


@pytest.fixture
def anon(demo):
    pl_rates()
    return Client()


def detail_url(offer):
    return reverse("api:offer_detail", kwargs={"offer_id": offer.pk})


def walk(client, params, limit):
    """Every offer of the list, page by page through `next`: (ids, number of pages)."""
    ids, pages = [], 0
    r = client.get(LIST, {**params, "limit": limit})
    while True:
        assert r.status_code == 200, r.content
        body = r.json()
        pages += 1
        ids += [o["id"] for o in body["tilbud"]]
        if body["next"] is None:
            return ids, pages
        assert len(body["tilbud"]) == limit
        parts = urlsplit(body["next"])
        r = client.get(f"{parts.path}?{parts.query}")


def search_page_ids(client, query):
    """The offers the search page /tilbud/ lists for the query string, every page."""
    ids, number = [], 1
    while True:
        r = client.get(reverse("offers:search"), {**query, "side": number})
        page = r.context["page"]
        ids += [card.pk for card in page.object_list]
        if not page.has_next():
            return ids
        number += 1


def test_anonymous_offers_match_the_search_page(anon, as_caseworker):
    """Done means: an anonymous GET /api/v1/offers?paragraf=§ 108&maalgruppe=autisme returns
    the same offers as the search page, on the demo offers."""
    offers_demo.seed({o.slug: o for o in Organisation.objects.all()})
    make_offer(name="Kladde med § 108 og autisme", status="draft")
    # Each filter narrows: § 108 without autism, autism without § 108.
    other_group = make_offer(name="§ 108, ADHD", target_groups=["adhd"])
    other_paragraph = make_offer(name="§ 85, autisme", paragraphs=["SEL § 85"])
    make_offer(name="Trukket tilbage", status="withdrawn")
    query = {"paragraf": "§ 108", "maalgruppe": "autisme"}
    on_page = search_page_ids(as_caseworker, query)
    api_ids, pages = walk(anon, query, limit=5)
    assert on_page and pages > 1
    assert sorted(api_ids) == sorted(on_page)
    assert other_group.pk not in api_ids and other_paragraph.pk not in api_ids
    # The filter matters: without it there are more offers.
    everything, _pages = walk(anon, {}, limit=200)
    assert len(everything) > len(api_ids)
    assert set(everything) == set(
        Offer.objects.filter(status="published").values_list("pk", flat=True)
    )


def test_the_other_filters_follow_the_search_page_too(anon, as_caseworker):
    offers_demo.seed({o.slug: o for o in Organisation.objects.all()})
    for query in (
        {"q": "autisme"},
        {"kommune": "slagelse", "ledige": "on"},
        {"leverandoer": "bostedet-egelund", "alder": "20"},
        {"pris_max": "60000"},
    ):
        assert sorted(walk(anon, query, limit=200)[0]) == sorted(
            search_page_ids(as_caseworker, query)
        ), query


def test_the_cursor_walks_every_page_once(anon):
    made = [make_offer(name=f"Side {i}") for i in range(7)]
    ids, pages = walk(anon, {"leverandoer": "bostedet-egelund"}, limit=2)
    assert pages == 4
    assert len(ids) == len(set(ids)) and ids == sorted(ids)
    assert {o.pk for o in made} <= set(ids)


def test_an_offer_with_its_published_tariff_versions(anon):
    offer = make_offer(name="Åbrinken")
    question = DeclarationQuestion.objects.get(key="transport")
    DeclarationAnswer.objects.create(offer=offer, question=question, answer=AnswerKind.INCLUDED)
    publish(offer, YEAR - 1, "2000", addons=[("Ledsagelse", "350.00", "hour")])
    publish(offer, YEAR, "2400")
    publish(offer, YEAR, "2450", version=2, reason="Regnefejl i belægningen")
    TariffFactory(offer=offer, year=YEAR, version=3, price="9999", published=False)
    r = anon.get(detail_url(offer))
    assert r.status_code == 200
    body = r.json()
    assert body["navn"] == "Åbrinken" and body["url"].endswith(f"/tilbud/{offer.pk}/")
    assert body["takst"]["takst"] == "2450.00" and body["takst"]["version"] == 2
    assert body["takst"]["maanedspris"] == "74520.83"  # 2450 × 365 / 12
    versions = [(t["takstaar"], t["version"]) for t in body["takster"]]
    assert versions == [(YEAR, 2), (YEAR, 1), (YEAR - 1, 1)]  # the draft version 3: never
    assert body["takster"][0]["begrundelse_for_rettelse"] == "Regnefejl i belægningen"
    last_year = body["takster"][2]
    assert last_year["tillaegsydelser"][0]["navn"] == "Ledsagelse"
    assert last_year["tillaegsydelser"][0]["pris"] == "350.00"
    assert {d["spoergsmaal"]: d["svar"] for d in last_year["deklaration"]} == {
        "transport": "included"
    }


def test_drafts_and_withdrawn_offers_never_appear(anon):
    published = make_offer(name="Offentligt")
    draft = make_offer(name="Kladde", status="draft")
    withdrawn = make_offer(name="Trukket", status="withdrawn")
    ids, _pages = walk(anon, {}, limit=200)
    assert published.pk in ids and draft.pk not in ids and withdrawn.pk not in ids
    for offer in (draft, withdrawn):
        r = anon.get(detail_url(offer))
        assert r.status_code == 404 and r["Content-Type"] == "application/problem+json"


def test_pl_rates(anon):
    pl_rates(**{f"y{YEAR}": "2.4"})
    rates = anon.get(reverse("api:pl_rates")).json()
    assert {"aar": YEAR, "sats_pct": "2.40", "note": ""} in rates or any(
        r["aar"] == YEAR and r["sats_pct"] == "2.40" for r in rates
    )


@pytest.mark.parametrize("which", ["list", "detail"])
def test_etag_and_if_none_match_give_304(anon, which):
    offer = make_offer(name="Med ETag")
    url = LIST if which == "list" else detail_url(offer)
    first = anon.get(url)
    etag = first["ETag"]
    assert first.status_code == 200 and etag.startswith('"')
    again = anon.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    offer.name = "Nyt navn"
    offer.save()
    changed = anon.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag


def problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert body["status"] == status and body["type"] == "about:blank"
    assert body["title"] and body["detail"]
    return body


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"paragraf": "§ 999"}, "paragraf"),
        ({"maalgruppe": "findes-ikke"}, "maalgruppe"),
        ({"alder": "gammel"}, "alder"),
        ({"alder": "500"}, "alder"),
        ({"pris_min": "10", "pris_max": "5"}, "pris_max"),
        ({"cursor": "ikke-en-cursor"}, "cursor"),
        ({"limit": "0"}, "limit"),
    ],
)
def test_bad_parameters_are_a_danish_400(anon, params, name):
    body = problem(anon.get(LIST, params), 400)
    assert body["title"] == "Ugyldige parametre"
    assert name in body["errors"] and name in body["detail"]


def test_an_unknown_offer_is_a_danish_404(anon):
    body = problem(anon.get(reverse("api:offer_detail", kwargs={"offer_id": 987654321})), 404)
    assert body["title"] == "Ikke fundet"


def test_an_unknown_address_under_the_api_is_a_danish_404_too(anon):
    problem(anon.get("/api/v1/findes-ikke"), 404)


def test_too_many_requests_from_one_ip_is_a_429_with_retry_after(anon, monkeypatch):
    monkeypatch.setattr(v1.THROTTLE, "num_requests", 2)
    assert anon.get(LIST).status_code == 200
    assert anon.get(reverse("api:pl_rates")).status_code == 200
    r = anon.get(LIST)
    body = problem(r, 429)
    assert int(r["Retry-After"]) >= 1 and r["Retry-After"] in body["detail"]
    # Another address has its own allowance.
    assert anon.get(LIST, REMOTE_ADDR="10.0.0.9").status_code == 200
    # X-Forwarded-For is not believed without a proxy in front.
    assert anon.get(LIST, headers={"X-Forwarded-For": "10.0.0.10"}).status_code == 429


def test_the_schema_is_valid_openapi_3_and_documents_every_operation(anon):
    r = anon.get(reverse("api:openapi-json"))
    assert r.status_code == 200
    schema = r.json()
    validate(schema)
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == {
        "/api/v1/offers",
        "/api/v1/offers/{offer_id}",
        "/api/v1/pl-rates",
        "/api/v1/contracts",
        "/api/v1/meetings",
        "/api/v1/tariff-development",
        "/api/v1/calendar",
    }
    names = {p["name"] for p in schema["paths"]["/api/v1/offers"]["get"]["parameters"]}
    # The search form's own parameters (the same FilterSet), but not its order.
    assert set(SearchForm.base_fields) - {"sorter"} <= names
    assert {"cursor", "limit"} <= names
    for item in schema["paths"].values():
        for op in item.values():
            assert op["summary"] and op["description"]
            for status, response in op["responses"].items():
                if int(status) >= 400:
                    assert list(response["content"]) == ["application/problem+json"]


def test_the_documentation_page_lists_the_operations_without_a_cdn(anon):
    r = anon.get(reverse("api:docs"))
    assert r.status_code == 200
    html = r.content.decode()
    for path in ("/api/v1/offers", "/api/v1/offers/{offer_id}", "/api/v1/pl-rates"):
        assert path in html
    assert "Offentliggjorte tilbud" in html and reverse("api:openapi-json") in html
    assert "cdn." not in html and "unpkg" not in html and "swagger" not in html.lower()


def test_the_list_and_an_offer_issue_a_fixed_number_of_queries(anon):
    def queries(url, params=None):
        with CaptureQueriesContext(connection) as ctx:
            assert anon.get(url, params or {}).status_code == 200
        return len(ctx)

    few = [make_offer(name=f"Få {i}") for i in range(2)]
    for offer in few:
        publish(offer, YEAR, "2000", addons=[("Ledsagelse", "350.00", "hour")])
    list_few = queries(LIST, {"paragraf": "§ 108"})
    detail_few = queries(detail_url(few[0]))
    many = [make_offer(name=f"Mange {i}") for i in range(10)]
    for offer in many:
        publish(offer, YEAR - 1, "1900", addons=[("Kørsel", "3.50", "km")])
        publish(offer, YEAR, "2000", addons=[("Ledsagelse", "350.00", "hour")])
    assert queries(LIST, {"paragraf": "§ 108"}) == list_few
    assert queries(detail_url(many[0])) == detail_few


def test_the_same_list_at_the_same_data_generation_is_answered_from_the_cache(anon):
    """The list's answer is kept under the search's data generation: the same address again
    reads only the generation, and any change to the data makes a new answer."""
    offer = make_offer(name="Gemt svar")
    params = {"leverandoer": "bostedet-egelund", "limit": 200}
    first = anon.get(LIST, params)
    with CaptureQueriesContext(connection) as ctx:
        again = anon.get(LIST, params)
    assert again.content == first.content and again["ETag"] == first["ETag"]
    assert len(ctx) == 1  # the generation
    publish(offer, YEAR, "2500")
    changed = anon.get(LIST, params)
    row = next(o for o in changed.json()["tilbud"] if o["id"] == offer.pk)
    assert row["takst"]["takst"] == "2500.00" and changed["ETag"] != first["ETag"]
