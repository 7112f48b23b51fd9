from __future__ import annotations

from datetime import date

import pytest

from tests.factories import make_dialogue, make_offer

TODAY = date.today()


@pytest.fixture
def frameworks(db):
    """The seeded frameworks, with the L 200 edition of the quality model not yet in force
    (put back after transactional tests flushed them)."""
    from importlib import import_module

    from django.apps import apps

    import_module("quality.migrations.0002_frameworks").forward(apps, None)
    import_module("quality.migrations.0004_versioned_model_and_sources").seed_editions(apps, None)
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


@pytest.fixture
def dialogue(model, offer):
    """A dialogue about the offer, held 30 days ago (tests/factories.py: DialogueFactory)."""
    return make_dialogue(model, offer)
