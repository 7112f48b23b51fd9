"""Issue 13, finding 7: "no saved searches". A caseworker saves the search on the page under a
name, sees it on "Mit overblik" and on *Gemte søgninger*, renames or deletes it, and may ask
to be told (a notice and an e-mail linking to the portal's address, SITE_URL) when a new
offer matches it. Nobody sees or changes another person's saved searches."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse

from offers import services
from offers.models import SavedSearch
from offers.savedsearches.services import SAVED_SEARCHES_MAX
from offers.tasks import notify_saved_searches
from partnership.models import Notice
from tests.factories import (
    CASEWORKER,
    CASEWORKER_NAESTVED,
    PROVIDER,
    demo_user,
    logged_in,
    make_offer,
    pl_rates,
)

PORTAL = "https://partnerskab.example.dk"
DASHBOARD = reverse("partnership:dashboard")
CREATE = reverse("offers:saved_search_create")
LIST = reverse("offers:saved_search_list")


def _save(client, query: str, name: str, email: bool = False):
    data = {"name": name, "soegning": query}
    if email:
        data["notify_by_email"] = "on"
    return client.post(CREATE, data)


def test_the_search_page_offers_to_save_the_search(as_caseworker):
    page = as_caseworker.get(reverse("offers:search"), {"q": "bosted", "kommune": "naestved"})
    assert f'href="{CREATE}?q=bosted&amp;kommune=naestved"' in page.content.decode()


def test_save_the_search_and_see_it_on_the_list_and_on_mit_overblik(as_caseworker):
    form = as_caseworker.get(CREATE, {"kommune": "naestved", "ledige": "on", "side": "3"})
    html = form.content.decode()
    assert "Beliggenhedskommune: Næstved Kommune" in html
    assert "Kun tilbud med ledige pladser nu: ja" in html

    response = _save(as_caseworker, "kommune=naestved&ledige=on&side=3", "Ledigt i Næstved")
    assert response.status_code == 302 and response["Location"] == LIST
    saved = SavedSearch.objects.get(user__email=CASEWORKER)
    assert saved.name == "Ledigt i Næstved"
    assert saved.query == "kommune=naestved&ledige=on"  # the page number is not the search
    assert not saved.notify_by_email

    listing = as_caseworker.get(LIST).content.decode()
    assert "Ledigt i Næstved" in listing
    assert f'href="{reverse("offers:search")}?kommune=naestved&amp;ledige=on"' in listing
    dashboard = as_caseworker.get(DASHBOARD).content.decode()
    assert 'id="panel-saved_searches-heading"' in dashboard
    assert "Ledigt i Næstved" in dashboard
    # Run again, it is the same search.
    assert as_caseworker.get(saved.get_absolute_url()).status_code == 200


def test_a_search_with_an_error_or_a_name_used_before_is_refused(as_caseworker):
    response = _save(as_caseworker, "alder=gammel", "Fejl")
    assert response.status_code == 200
    assert "Søgningen har en fejl og kan ikke gemmes." in response.content.decode()
    assert not SavedSearch.objects.exists()

    _save(as_caseworker, "q=bosted", "Bosteder")
    response = _save(as_caseworker, "q=autisme", " bosteder ")
    assert "Du har allerede en gemt søgning med navnet «bosteder»." in response.content.decode()
    assert response.context["form"]["name"].value() == " bosteder "  # what was typed
    assert SavedSearch.objects.count() == 1


def test_at_most_so_many_searches(demo, as_caseworker):
    me = demo_user(CASEWORKER)
    SavedSearch.objects.bulk_create(
        SavedSearch(user=me, name=f"Søgning {n}") for n in range(SAVED_SEARCHES_MAX)
    )
    response = _save(as_caseworker, "q=bosted", "En for meget")
    assert f"Du kan højst have {SAVED_SEARCHES_MAX} gemte søgninger." in response.content.decode()


def test_rename_and_delete(as_caseworker):
    _save(as_caseworker, "q=bosted", "Bosteder")
    saved = SavedSearch.objects.get()
    edit = reverse("offers:saved_search_edit", args=[saved.pk])
    response = as_caseworker.post(edit, {"name": "Alle bosteder", "notify_by_email": "on"})
    assert response.status_code == 302
    saved.refresh_from_db()
    assert (saved.name, saved.notify_by_email, saved.query) == ("Alle bosteder", True, "q=bosted")

    response = as_caseworker.post(reverse("offers:saved_search_delete", args=[saved.pk]))
    assert response.status_code == 302 and response["Location"] == LIST
    assert not SavedSearch.objects.exists()
    assert "Du har ingen gemte søgninger." in as_caseworker.get(LIST).content.decode()


def test_nobody_sees_or_changes_another_persons_saved_searches(as_caseworker):
    _save(as_caseworker, "kommune=slagelse", "Slagelses søgning")
    saved = SavedSearch.objects.get()
    other = logged_in(CASEWORKER_NAESTVED)
    assert "Slagelses søgning" not in other.get(LIST).content.decode()
    assert "Slagelses søgning" not in other.get(DASHBOARD).content.decode()
    edit = reverse("offers:saved_search_edit", args=[saved.pk])
    assert other.get(edit).status_code == 404
    assert other.post(edit, {"name": "Kapret"}).status_code == 404
    delete = reverse("offers:saved_search_delete", args=[saved.pk])
    assert other.post(delete).status_code == 404
    saved.refresh_from_db()
    assert saved.name == "Slagelses søgning"


# --- Told of a new offer --------------------------------------------------------------


@pytest.fixture
def searches(demo):
    """The Slagelse caseworker's searches: offers in Næstved (told), offers for children
    (told), offers in Næstved again (not told); the Næstved caseworker's search in Næstved
    (told)."""
    me, other = demo_user(CASEWORKER), demo_user(CASEWORKER_NAESTVED)
    return {
        "naestved": SavedSearch.objects.create(
            user=me, name="Næstved", query="kommune=naestved", notify_by_email=True
        ),
        "children": SavedSearch.objects.create(
            user=me, name="Børn", query="alder=10", notify_by_email=True
        ),
        "quiet": SavedSearch.objects.create(
            user=me, name="Næstved uden besked", query="kommune=naestved"
        ),
        "other": SavedSearch.objects.create(
            user=other, name="Vores kommune", query="kommune=naestved", notify_by_email=True
        ),
    }


def _publish(offer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.set_offer_status(offer=offer, status="published", by=demo_user(PROVIDER))


@override_settings(SITE_URL=PORTAL + "/")
def test_a_new_offer_that_matches_is_told_by_email_with_a_link_to_the_portal(
    searches, mailoutbox, django_capture_on_commit_callbacks
):
    offer = make_offer(name="Bostedet Karolinelund", municipality_slug="naestved", status="draft")
    _publish(offer, django_capture_on_commit_callbacks)

    assert sorted(m.to[0] for m in mailoutbox) == sorted([CASEWORKER, CASEWORKER_NAESTVED])
    mail = next(m for m in mailoutbox if m.to == [CASEWORKER])
    assert mail.subject == "Nyt tilbud i «Næstved»: Bostedet Karolinelund"
    links = [word for word in mail.body.split() if "://" in word]
    assert f"{PORTAL}/tilbud/{offer.pk}/" in links
    assert f"{PORTAL}/tilbud/?kommune=naestved" in links
    assert f"{PORTAL}{LIST}" in links
    assert all(link.startswith(PORTAL + "/") for link in links), links
    assert ":8000" not in mail.body
    notice = Notice.objects.get(user__email=CASEWORKER)
    assert "Bostedet Karolinelund" in notice.message and notice.url == offer.get_absolute_url()

    # Safe to run twice; withdrawn and published again, nothing more.
    assert notify_saved_searches(offer.pk) == 0
    services.set_offer_status(offer=offer, status="withdrawn", by=demo_user(PROVIDER))
    _publish(offer, django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 2


def test_an_offer_that_does_not_match_or_a_search_without_email_tells_nobody(
    searches, mailoutbox, django_capture_on_commit_callbacks
):
    offer = make_offer(name="Slagelse Bo", status="draft")  # Slagelse, adults
    _publish(offer, django_capture_on_commit_callbacks)
    assert mailoutbox == []
    assert not Notice.objects.exists()
    # Published already: saving it again is no new offer.
    services.save_offer(
        offer=offer, paragraphs=offer.paragraphs.all(), target_groups=[], by=demo_user(PROVIDER)
    )
    assert mailoutbox == []


def test_an_offer_is_new_to_a_search_by_price_when_it_gets_its_first_tariff(
    demo, today, mailoutbox, django_capture_on_commit_callbacks
):
    pl_rates()
    SavedSearch.objects.create(
        user=demo_user(CASEWORKER),
        name="Under 100.000",
        query="pris_max=100000",
        notify_by_email=True,
    )
    offer = make_offer(name="Prisbo", status="draft")
    _publish(offer, django_capture_on_commit_callbacks)
    assert mailoutbox == []  # no price yet: not found by the search
    editor = demo_user(PROVIDER)
    draft = services.save_tariff_draft(
        offer=offer,
        year=today.year,
        fields={"price": Decimal("2500"), "unit": "day", "occupancy_percent": Decimal("95")},
        addons=[],
        by=editor,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_tariff(tariff=draft, by=editor)
    assert [m.to for m in mailoutbox] == [[CASEWORKER]]


def test_a_search_with_an_error_tells_of_nothing(
    demo, mailoutbox, django_capture_on_commit_callbacks
):
    SavedSearch.objects.create(
        user=demo_user(CASEWORKER),
        name="Gammel",
        query="paragraf=findes-ikke",
        notify_by_email=True,
    )
    _publish(make_offer(status="draft"), django_capture_on_commit_callbacks)
    assert mailoutbox == []


def test_a_search_too_long_to_keep_is_refused_with_a_reason(as_caseworker):
    # A valid search within the hidden field's limit as typed, longer than a saved search
    # keeps once written as the search's URL (æ is %C3%A6).
    query = "q=" + "æ" * 200 + "&leverandoer=" + "æ" * 200
    assert as_caseworker.get(reverse("offers:search") + "?" + query).status_code == 200
    response = _save(as_caseworker, query, "Lang")
    assert response.status_code == 200
    assert "Søgningen har en fejl og kan ikke gemmes." in response.content.decode()
    assert not SavedSearch.objects.exists()
