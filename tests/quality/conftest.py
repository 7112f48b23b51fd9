from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.factories import demo_user, make_offer

TODAY = date.today()


@pytest.fixture
def frameworks(db):
    """The two seeded frameworks (put back after transactional tests flushed them)."""
    from importlib import import_module

    from django.apps import apps

    import_module("quality.migrations.0002_frameworks").forward(apps, None)
    from quality.models import Framework

    return {f.key: f for f in Framework.objects.all()}


@pytest.fixture
def model(frameworks):
    return frameworks["kvalitetsmodel"]


@pytest.fixture
def parties(demo):
    from partnership.models import Organisation

    return Organisation.objects.get(slug="slagelse"), Organisation.objects.get(
        slug="bostedet-egelund"
    )


@pytest.fixture
def offer(demo):
    return make_offer(name="Botilbuddet Egen")


def make_dialogue(
    model, offer, *, held_on=None, by="sagsbehandler.slagelse@portal.example", **fields
):
    from partnership.models import Organisation
    from quality import services

    data = {"held_on": held_on or TODAY - timedelta(days=30)}
    data.update(fields)
    return services.create_dialogue(
        municipality=Organisation.objects.get(slug="slagelse"),
        provider=offer.provider,
        framework=model,
        fields=data,
        offers=[offer],
        municipality_participants=[demo_user("sagsbehandler.slagelse@portal.example")],
        provider_participants=[
            m.user for m in offer.provider.memberships.filter(role="provider_editor")
        ],
        by=demo_user(by),
    )


def make_action(dialogue, *, deadline, status="open", text="Trivselsmåling for alle borgere"):
    from quality import services

    return services.add_action(
        dialogue=dialogue,
        text=text,
        owner_organisation=dialogue.provider,
        owner=dialogue.provider.memberships.filter(role="provider_editor").first().user,
        deadline=deadline,
        status=status,
        by=demo_user("sagsbehandler.slagelse@portal.example"),
    )
