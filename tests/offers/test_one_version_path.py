"""Issue 13, finding 1: "Ny takst" for a year that already has a published tariff made a new
version from the form alone and so dropped the add-ons, the VAT flag and the overhead that
the form never showed. Both ways into a new version of a published year (Ret takst, and Ny
takst for that year) now start from that version; a new year proposes the latest add-ons."""

from decimal import Decimal

import pytest
from django.urls import reverse

from offers.models import Tariff, TariffStatus
from offers.selectors import current_year
from tests.factories import TariffFactory, make_offer, pl_rates

YEAR = current_year()


@pytest.fixture
def published(demo):
    """Bostedet Egelund's offer with this year's tariff published: VAT included, overhead
    212,38 kr., two add-ons (as in the finding)."""
    pl_rates()
    offer = make_offer(name="Åbrinken")
    TariffFactory(
        offer=offer,
        year=YEAR,
        price="3000",
        vat_included=True,
        overhead_amount=Decimal("212.38"),
        cost_note="Normeringen 1:3",
        addons=[("Ekstra støtte 1:1", Decimal("465"), "hour"), ("Kørsel", Decimal("3.79"), "km")],
    )
    return offer


def _new_tariff_post(year: int) -> dict[str, str]:
    """The "Ny takst" form as the finding filled it: price and occupancy typed, VAT left
    unticked and no add-ons, as the empty form shows them."""
    return {
        "year": str(year),
        "price": "3.150,00",
        "unit": "day",
        "occupancy_percent": "95",
        "overhead_amount": "",
        "cost_note": "",
        "tillaeg-TOTAL_FORMS": "3",
        "tillaeg-INITIAL_FORMS": "0",
        **{f"tillaeg-{i}-{f}": "" for i in range(3) for f in ("name", "price", "unit")},
    }


def _latest(offer, year):
    return (
        Tariff.objects.filter(offer=offer, year=year, status=TariffStatus.PUBLISHED)
        .order_by("-version")
        .first()
    )


def test_new_tariff_for_a_published_year_carries_addons_vat_and_overhead(as_provider, published):
    offer = published
    response = as_provider.post(
        reverse("offers:tariff_create", args=[offer.pk]), _new_tariff_post(YEAR), follow=True
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "har allerede en takst (version 1)" in body
    draft = Tariff.objects.get(offer=offer, year=YEAR, status=TariffStatus.DRAFT)
    assert draft.version == 2 and draft.price == Decimal("3150.00")
    response = as_provider.post(
        reverse("offers:tariff_publish", args=[offer.pk, draft.pk]),
        {"reason": "Ny normering fra 1. juli"},
    )
    assert response.status_code == 302
    v2 = _latest(offer, YEAR)
    assert (v2.version, v2.price, v2.occupancy_percent) == (2, Decimal("3150"), Decimal("95"))
    assert v2.vat_included is True
    assert v2.overhead_amount == Decimal("212.38")
    assert v2.cost_note == "Normeringen 1:3"
    assert sorted(v2.addons.values_list("name", "price", "unit")) == [
        ("Ekstra støtte 1:1", Decimal("465.00"), "hour"),
        ("Kørsel", Decimal("3.79"), "km"),
    ]
    page = as_provider.get(offer.get_absolute_url()).content.decode()
    assert "Taksten er uden moms" not in page and "Ingen tillægsydelser" not in page


def test_both_ways_into_a_correction_give_the_same_draft(as_provider, published):
    offer = published
    v1 = _latest(offer, YEAR)
    as_provider.post(reverse("offers:tariff_correct", args=[offer.pk, v1.pk]))
    by_correction = Tariff.objects.get(offer=offer, year=YEAR, status=TariffStatus.DRAFT)
    fields = ("price", "unit", "occupancy_percent", "vat_included", "overhead_amount", "cost_note")

    def described(t):
        return [getattr(t, f) for f in fields], sorted(t.addons.values_list("name", "price"))

    first = described(by_correction)
    by_correction.delete()
    as_provider.post(
        reverse("offers:tariff_create", args=[offer.pk]),
        {**_new_tariff_post(YEAR), "price": "3.000,00"},
    )
    by_new = Tariff.objects.get(offer=offer, year=YEAR, status=TariffStatus.DRAFT)
    assert described(by_new) == first


def test_new_tariff_for_a_year_with_a_draft_keeps_the_drafts_addons(as_provider, published):
    offer = published
    v1 = _latest(offer, YEAR)
    as_provider.post(reverse("offers:tariff_correct", args=[offer.pk, v1.pk]))
    as_provider.post(reverse("offers:tariff_create", args=[offer.pk]), _new_tariff_post(YEAR))
    drafts = Tariff.objects.filter(offer=offer, year=YEAR, status=TariffStatus.DRAFT)
    assert drafts.count() == 1
    draft = drafts.get()
    assert draft.price == Decimal("3150.00") and draft.vat_included is True
    assert draft.addons.count() == 2


def test_a_new_year_proposes_the_latest_addons_and_saves_what_is_posted(as_provider, published):
    offer = published
    page = as_provider.get(reverse("offers:tariff_create", args=[offer.pk])).content.decode()
    assert 'value="Ekstra støtte 1:1"' in page and 'value="Kørsel"' in page
    # A year without a version: what is posted is the draft (the proposal is only a proposal).
    pl_rates(**{f"y{YEAR + 1}": "2.0"})
    as_provider.post(reverse("offers:tariff_create", args=[offer.pk]), _new_tariff_post(YEAR + 1))
    draft = Tariff.objects.get(offer=offer, year=YEAR + 1)
    assert draft.version == 1 and draft.addons.count() == 0 and draft.vat_included is False
