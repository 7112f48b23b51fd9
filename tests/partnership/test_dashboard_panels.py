"""The panels of "Mit overblik" (partnership.dashboard): apps register them, as they do their
sections, so partnership imports none of them. Every registered panel is drawn for every
role, empty and with something in it, without an error, and only for those it is meant for."""

from __future__ import annotations

import pytest
from django.urls import reverse

from offers.models import OfferFollow, SavedSearch
from partnership import dashboard
from partnership.demo import DEMO_USERS
from tests.factories import demo_user, logged_in, make_offer, publish

ROLES = [email for email, *_ in DEMO_USERS]


def _heading(key: str) -> str:
    return f'id="panel-{key}-heading"'


def test_the_offers_app_registers_its_panels():
    assert {"followed_offers", "saved_searches"} <= {p.key for p in dashboard.registered()}


@pytest.mark.parametrize("email", ROLES)
def test_every_registered_panel_renders_for_every_role(demo, today, email):
    user = demo_user(email)
    client = logged_in(email)
    panels = dashboard.registered()

    def shown() -> str:
        response = client.get(reverse("partnership:dashboard"))
        assert response.status_code == 200
        html = response.content.decode()
        for panel in panels:
            assert (_heading(panel.key) in html) == panel.visible(user), panel.key
        return html

    shown()  # empty: each panel says so
    offer = make_offer(name="Paneltilbud")
    publish(offer, today.year, "2500")
    OfferFollow.objects.create(user=user, offer=offer)
    SavedSearch.objects.create(user=user, name="Panelsøgning", query="q=bosted")
    html = shown()
    assert "Paneltilbud" in html and "Panelsøgning" in html


def test_a_panel_is_shown_only_to_those_it_is_for(demo, monkeypatch):
    monkeypatch.setattr(dashboard, "_panels", dict(dashboard._panels))
    for key, visible in (("for_nobody", lambda user: False), ("for_all", lambda user: True)):
        dashboard.register(
            dashboard.Panel(
                key=key,
                title=key,
                template="offers/savedsearches/_panel.html",
                context=lambda user: {"items": [], "total": 0},
                visible=visible,
            )
        )
    html = logged_in(ROLES[1]).get(reverse("partnership:dashboard")).content.decode()
    assert _heading("for_all") in html
    assert _heading("for_nobody") not in html
