"""One correction per intent: "Ret taksten" pressed twice, or by two editors at the same
moment, makes one draft version; both land on it with a Danish message, never a server
error."""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from offers import services
from offers.models import Tariff, TariffStatus
from tests.factories import demo_user, logged_in, make_offer, pl_rates, publish
from tests.races import run_together, slowed

EDITOR = "leverandoer.a@portal.example"


@pytest.fixture
def published(demo):
    pl_rates()
    return publish(make_offer(), timezone.localdate().year, "2500", addons=[("Kørsel", 4, "km")])


def correct_url(tariff: Tariff) -> str:
    return reverse("offers:tariff_correct", args=[tariff.offer_id, tariff.pk])


def test_correcting_twice_makes_one_draft_and_shows_it(client, published):
    client.force_login(demo_user(EDITOR))
    first = client.post(correct_url(published))
    second = client.post(correct_url(published))
    draft = Tariff.objects.get(status=TariffStatus.DRAFT)
    assert draft.version == 2 and [a.name for a in draft.addons.all()] == ["Kørsel"]
    assert (
        first.url
        == second.url
        == reverse("offers:tariff_edit", args=[published.offer_id, draft.pk])
    )
    assert "allerede en rettelse" in client.get(second.url).content.decode()


@pytest.mark.postgres
def test_two_corrections_at_the_same_moment_make_one_draft(transactional_db, published):
    clients = [logged_in(EDITOR), logged_in(EDITOR)]
    # The first one in holds on after choosing the version number, so the other arrives
    # while it is still making the draft.
    with mock.patch.object(services, "_next_version", slowed(services._next_version)):
        outcomes = run_together(*(lambda c=c: c.post(correct_url(published)) for c in clients))
    assert [o.error for o in outcomes] == [None, None]
    draft = Tariff.objects.get(status=TariffStatus.DRAFT)
    assert draft.version == 2 and draft.addons.count() == 1
    assert Tariff.objects.count() == 2
    assert {o.result.url for o in outcomes} == {
        reverse("offers:tariff_edit", args=[published.offer_id, draft.pk])
    }
