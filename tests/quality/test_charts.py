"""The radar chart of the latest assessment on the offer page and in the comparison, with
the scores in words for screen readers, and a fixed number of queries."""

import re

from django.template.loader import render_to_string
from django.urls import reverse

from quality import services
from quality.charts import radar_chart
from quality.models import Origin
from tests.factories import demo_user, make_offer
from tests.quality.conftest import TODAY


def assess(offer, model, score=4, source="Tilsynsrapport fra Socialtilsyn Øst"):
    return services.create_assessment(
        offer=offer,
        framework=model,
        origin=Origin.SOCIALTILSYNET,
        assessed_on=TODAY,
        source=source,
        scores={t.pk: score for t in model.themes.all()},
        by=demo_user("sekretariat@portal.example"),
    )


def test_radar_chart_has_title_description_and_one_axis_per_theme():
    chart = radar_chart(["A", "B", "C"], [("Kommunen", [1, 5, None])], title="Vurdering", uid="x")
    svg = render_to_string("quality/_radar_chart.html", {"chart": chart})
    assert '<title id="radar-x-title">Vurdering</title>' in svg
    assert 'aria-labelledby="radar-x-title radar-x-desc"' in svg
    assert "Kommunen: A 1 af 5; B 5 af 5; C ikke vurderet." in svg
    assert "style=" not in svg and "<script" not in svg
    assert svg.count("<polygon") == 5 + 1 and svg.count("<circle") == 2  # rings, scores
    assert radar_chart(["A", "B"], [("", [1, 2])], title="t", uid="y") is None  # too few axes


def test_offer_page_shows_the_latest_assessment_as_chart_and_table(as_caseworker, model, offer):
    assess(offer, model, score=2, source="Gammel rapport")
    assess(offer, model, score=4, source=f"Tilsynsrapport {TODAY.year}")
    body = as_caseworker.get(offer.get_absolute_url()).content.decode()
    assert body.count('class="chart radar-chart"') == 1
    assert f"Tilsynsrapport {TODAY.year}" in body and "Gammel rapport" not in body
    assert "Sundhed og trivsel 4 af 5" in body  # <desc>
    assert re.search(r'<th scope="row">Fysiske rammer</th><td class="num">4</td>', body)
    assert "Registrér kvalitetsvurdering" not in body  # a caseworker does not enter them


def test_offer_without_assessment_says_so(as_caseworker, model, offer):
    body = as_caseworker.get(offer.get_absolute_url()).content.decode()
    assert "ingen kvalitetsvurdering" in body


def _compare_queries(client, offers, counting):
    session_ids = [o.pk for o in offers]
    session = client.session
    session["compare_offers"] = session_ids
    session.save()
    with counting as ctx:
        response = client.get(reverse("offers:compare"))
    assert response.status_code == 200
    return len(ctx), response.content.decode()


def test_compare_shows_a_chart_per_offer_with_fixed_queries(
    as_caseworker, model, django_assert_max_num_queries, django_assert_num_queries
):
    offers = [make_offer(name=f"Sammenlign {i}") for i in range(4)]
    for o in offers:
        assess(o, model)
    two, body = _compare_queries(as_caseworker, offers[:2], django_assert_max_num_queries(30))
    assert body.count('class="chart radar-chart"') == 2
    assert "Kvalitet (seneste vurdering)" in body
    _four, body = _compare_queries(as_caseworker, offers, django_assert_num_queries(two))
    assert body.count('class="chart radar-chart"') == 4
    # The ids of titles and descriptions are unique on the page.
    ids = re.findall(r'<title id="([^"]+)"', body)
    assert len(ids) == len(set(ids)) == 4


def test_offer_page_queries_do_not_grow_with_assessments(
    as_caseworker,
    model,
    frameworks,
    offer,
    django_assert_max_num_queries,
    django_assert_num_queries,
):
    assess(offer, model)
    with django_assert_max_num_queries(40) as one:
        as_caseworker.get(offer.get_absolute_url())
    assess(offer, frameworks["kvalitetsvision"])
    assess(offer, model)
    with django_assert_num_queries(len(one)):
        body = as_caseworker.get(offer.get_absolute_url()).content.decode()
    assert body.count('class="chart radar-chart"') == 2  # one per framework
