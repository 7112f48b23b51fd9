"""Issue 13, finding 7: "no list of the offers I follow". *Tilbud jeg følger* on "Mit
overblik" and on its own page: each followed offer with its provider, current tariff and
vacancy, a button to stop following, and the choice of an e-mail when a new tariff comes
(the notice on "Mit overblik" comes either way)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from offers.models import OfferFollow, VacancyReport
from offers.tasks import notify_tariff_published
from partnership import formats
from partnership.models import Notice
from tests.factories import CASEWORKER, demo_user, logged_in, make_offer, publish

DASHBOARD = reverse("partnership:dashboard")


@pytest.fixture
def followed(demo, today):
    """Two offers the Slagelse caseworker follows (one with a tariff and a vacancy report),
    one they do not."""
    me = demo_user(CASEWORKER)
    havblik = make_offer(name="Havblik", provider_slug="fonden-solsikken")
    publish(havblik, today.year, "2500")
    VacancyReport.objects.create(offer=havblik, vacant=2, reported_on=today)
    skovly = make_offer(name="Skovly")
    make_offer(name="Engly")  # not followed
    for offer in (havblik, skovly):
        OfferFollow.objects.create(user=me, offer=offer)
    return havblik, skovly


def _panel(html: str) -> str:
    start = html.index('id="panel-followed_offers-heading"')
    return html[start : html.index("</section>", start)]


def test_mit_overblik_lists_the_offers_i_follow(followed):
    havblik, skovly = followed
    panel = _panel(logged_in(CASEWORKER).get(DASHBOARD).content.decode())
    assert "Tilbud jeg følger" in panel
    assert panel.index("Havblik") < panel.index("Skovly")  # by name
    assert "Engly" not in panel
    assert "Fonden Solsikken" in panel
    assert f"{formats.kr(2500)} pr. døgn" in panel
    assert "Ingen offentliggjort takst" in panel  # Skovly
    assert f"2 af {havblik.places}" in panel
    assert reverse("offers:unfollow", args=[havblik.pk]) in panel
    assert "Følg ikke længere" in panel


def test_another_person_sees_only_their_own(followed):
    panel = _panel(
        logged_in("sagsbehandler.naestved@portal.example").get(DASHBOARD).content.decode()
    )
    assert "Havblik" not in panel and "Du følger ingen tilbud" in panel


def test_stop_following_from_mit_overblik_comes_back_there(followed):
    havblik, _skovly = followed
    client = logged_in(CASEWORKER)
    response = client.post(reverse("offers:unfollow", args=[havblik.pk]), {"tilbage": "overblik"})
    assert response.status_code == 302 and response["Location"] == DASHBOARD
    assert not OfferFollow.objects.filter(offer=havblik).exists()
    assert "Havblik" not in _panel(client.get(DASHBOARD).content.decode())
    # From the page of all followed offers, back to that page.
    _havblik, skovly = followed
    response = client.post(reverse("offers:unfollow", args=[skovly.pk]))
    assert response["Location"] == reverse("offers:followed_list")


def test_the_page_lists_every_followed_offer(followed, today):
    me = demo_user(CASEWORKER)
    for n in range(6):
        OfferFollow.objects.create(user=me, offer=make_offer(name=f"Fulgt {n}"))
    client = logged_in(CASEWORKER)
    panel = _panel(client.get(DASHBOARD).content.decode())
    assert panel.count('class="result"') == 5
    assert "Se alle 8 tilbud, du følger" in panel
    page = client.get(reverse("offers:followed_list")).content.decode()
    assert page.count('class="result"') == 8


def test_the_panel_reads_a_fixed_number_of_queries(followed, django_assert_max_num_queries):
    from offers.following import panels

    me = demo_user(CASEWORKER)
    with django_assert_max_num_queries(6):
        panels.context(me)
    for n in range(10):
        offer = make_offer(name=f"Mange {n}")
        OfferFollow.objects.create(user=me, offer=offer)
    me = demo_user(CASEWORKER)
    with django_assert_max_num_queries(6):
        assert len(panels.context(me)["offers"]) == 5


def test_the_email_on_a_new_tariff_can_be_turned_off(followed, today, mailoutbox):
    havblik, _skovly = followed
    client = logged_in(CASEWORKER)
    response = client.post(
        reverse("offers:follow_email", args=[havblik.pk]), {"email": "nej", "tilbage": "overblik"}
    )
    assert response["Location"] == DASHBOARD
    assert not OfferFollow.objects.get(offer=havblik).notify_by_email
    assert "Nej, kun besked på Mit overblik" in _panel(client.get(DASHBOARD).content.decode())

    tariff = publish(havblik, today.year + 1, "2600")
    assert notify_tariff_published(tariff.pk) == 0
    assert mailoutbox == []
    assert Notice.objects.filter(user__email=CASEWORKER, message__startswith="Havblik").exists()

    client.post(reverse("offers:follow_email", args=[havblik.pk]), {"email": "ja"})
    tariff = publish(havblik, today.year + 2, "2700")
    assert notify_tariff_published(tariff.pk) == 1
    assert [m.to for m in mailoutbox] == [[CASEWORKER]]
