"""A published tariff is whole: every row that is part of it (its add-ons, the declaration
kept with it) is as immutable as the tariff itself, in the database. The test enumerates the
models that point at a tariff and fails when a new one is added without being classed here
(and, if it is a part, without a trigger that refuses the change)."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, models, transaction

from offers.models import (
    AnswerKind,
    DeclarationAnswer,
    DeclarationQuestion,
    Tariff,
    TariffAddOn,
    TariffDeclarationAnswer,
)
from tests.factories import TariffFactory, make_offer

# Rows that are part of a tariff version: immutable once it is published.
PARTS = {TariffAddOn, TariffDeclarationAnswer}
# Rows that refer to a tariff without being part of it, and why.
REFERENCES = {
    "contracts.Contract": "a contract names the tariff it was made on; it has its own history",
}


def _pointing_at_tariff() -> set[type[models.Model]]:
    return {r.related_model for r in Tariff._meta.related_objects}


def test_every_model_pointing_at_a_tariff_is_classed():
    unclassed = {m._meta.label for m in _pointing_at_tariff() if m not in PARTS} - set(REFERENCES)
    assert not unclassed, f"Part of a tariff (immutable) or a reference? {sorted(unclassed)}"


@pytest.mark.parametrize("model", sorted(PARTS, key=lambda m: m.__name__), ids=lambda m: m.__name__)
def test_a_part_of_a_published_tariff_cannot_change(demo, model):
    offer = make_offer(name="Åbrinken")
    question = DeclarationQuestion.objects.get(key="transport")
    DeclarationAnswer.objects.create(offer=offer, question=question, answer=AnswerKind.INCLUDED)
    tariff = TariffFactory(offer=offer, addons=[("Kørsel", Decimal("3.79"), "km")])
    rows = model.objects.filter(tariff=tariff)
    assert rows.exists()
    for change in (lambda: rows.update(note="ændret bagefter"), lambda: rows.delete()):
        with pytest.raises(IntegrityError), transaction.atomic():
            change()
    assert set(rows.values_list("note", flat=True)) == {""}
