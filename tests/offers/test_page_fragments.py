"""The offer page and the comparison cache the parts drawn from the data alone (issue 17):
a change to what they show is shown at once, and the cached page equals the drawn one."""

from __future__ import annotations

import re

from django.urls import reverse

from offers.models import DeclarationAnswer, DeclarationQuestion, VacancyReport
from offers.selectors import current_year
from tests.factories import PROVIDER, days_ago, demo_user, make_offer, publish

YEAR = current_year()


def _page(client, url) -> str:
    body = client.get(url).content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)


def test_the_offer_page_follows_every_change_and_is_the_same_from_the_cache(as_caseworker):
    offer = make_offer(name="Fragmenthuset", description="Første beskrivelse.")
    publish(offer, YEAR - 1, "2000")
    publish(offer, YEAR, "2100")
    url = offer.get_absolute_url()
    drawn = _page(as_caseworker, url)
    assert _page(as_caseworker, url) == drawn  # the second from the cache
    offer.description = "Anden beskrivelse."
    offer.save()
    VacancyReport.objects.create(offer=offer, vacant=3, reported_on=days_ago(1))
    publish(offer, YEAR, "2300", version=2, reason="Ny normering")
    page = _page(as_caseworker, url)
    assert "Anden beskrivelse." in page and "Første beskrivelse." not in page
    assert "3 ledige af" in page
    assert "Ny normering" in page
    provider = offer.provider
    provider.name = "Omdøbt Leverandør"
    provider.save()
    assert "Omdøbt Leverandør" in _page(as_caseworker, url)


def test_the_providers_editor_gets_the_page_drawn_with_fresh_forms(as_caseworker, as_provider):
    offer = make_offer(name="Redaktørhuset")
    publish(offer, YEAR, "2000")
    url = offer.get_absolute_url()
    _page(as_caseworker, url)  # the caseworker's parts cached
    first = as_provider.get(url).content.decode()
    assert "Ret<span" in first  # the editor's correction form, not the cached parts
    assert re.search(r'name="csrfmiddlewaretoken" value="[^"]+"', first)


def test_the_comparison_follows_a_changed_answer(as_caseworker):
    offers = [make_offer(name=f"Sammenlign {i}") for i in range(2)]
    for o in offers:
        publish(o, YEAR, "2000")
        as_caseworker.post(reverse("offers:compare_add"), {"offer": o.pk})
    question = DeclarationQuestion.objects.filter(is_active=True, options=None).first()
    answer = DeclarationAnswer.objects.create(offer=offers[0], question=question, answer="included")
    url = reverse("offers:compare")
    as_caseworker.get(url)  # shows the messages of adding them once
    drawn = _page(as_caseworker, url)
    assert _page(as_caseworker, url) == drawn
    assert 'class="answer-included"' in drawn
    answer.answer = "not_offered"
    answer.save()
    page = _page(as_caseworker, url)
    assert 'class="answer-not_offered"' in page and 'class="answer-included"' not in page


def test_the_comparison_follows_the_offer_and_its_quality_and_hides_what_one_may_not_see(
    as_caseworker, today
):
    from quality.models import Assessment, AssessmentScore, Framework, Origin

    offers = [make_offer(name=f"Sammenlign {i}") for i in range(2)]
    for o in offers:
        publish(o, YEAR, "2000")
    url = f"{reverse('offers:compare')}?id={offers[0].pk}&id={offers[1].pk}"
    first = _page(as_caseworker, url)
    assert _page(as_caseworker, url) == first  # from the cache, the same
    offers[0].name = "Sammenlign omdøbt"
    offers[0].save()
    assert "Sammenlign omdøbt" in _page(as_caseworker, url)
    framework = Framework.objects.filter(themes__isnull=False).first()
    theme = framework.themes.order_by("order", "name").first()
    assessment = Assessment.objects.create(
        offer=offers[1],
        framework=framework,
        origin=Origin.PROVIDER,
        assessed_on=today,
        entered_by_organisation=offers[1].provider,
        created_by=demo_user(PROVIDER),
    )
    score = AssessmentScore.objects.create(assessment=assessment, theme=theme, score=2)
    assert f"{theme.name}: 2</li>" in _page(as_caseworker, url)
    score.score = 4
    score.save()
    page = _page(as_caseworker, url)
    assert f"{theme.name}: 4</li>" in page and f"{theme.name}: 2</li>" not in page
    # Withdrawn: no longer the caseworker's to see, though the table was cached with it.
    offers[1].status = "withdrawn"
    offers[1].save()
    page = _page(as_caseworker, url)
    assert "Sammenlign 1" not in page and "Sammenlign omdøbt" in page
