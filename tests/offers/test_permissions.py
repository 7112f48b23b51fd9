"""Only a provider's own editors may change its offers and tariffs. Every write URL of the
offers app is tried by another provider's editor and by a caseworker."""

import pytest
from django.urls import reverse

from offers.models import Offer, Tariff
from offers.selectors import current_year
from tests.factories import TariffFactory, demo_user, make_offer, pl_rates, publish

YEAR = current_year()


@pytest.fixture
def setup(demo):
    pl_rates()
    offer = make_offer()  # provider A
    published = publish(offer, YEAR - 1, "2000")
    draft = TariffFactory(offer=offer, year=YEAR, price=2100, published=False)
    return offer, published, draft


def write_urls(offer, published, draft):
    return [
        ("get", reverse("offers:offer_edit", args=[offer.pk])),
        ("post", reverse("offers:offer_edit", args=[offer.pk])),
        ("post", reverse("offers:offer_status", args=[offer.pk])),
        ("get", reverse("offers:declaration_edit", args=[offer.pk])),
        ("post", reverse("offers:declaration_edit", args=[offer.pk])),
        ("get", reverse("offers:vacancy_report", args=[offer.pk])),
        ("post", reverse("offers:vacancy_report", args=[offer.pk])),
        ("get", reverse("offers:photo_upload", args=[offer.pk])),
        ("post", reverse("offers:photo_upload", args=[offer.pk])),
        ("get", reverse("offers:document_upload", args=[offer.pk])),
        ("post", reverse("offers:document_upload", args=[offer.pk])),
        ("get", reverse("offers:tariff_create", args=[offer.pk])),
        ("post", reverse("offers:tariff_create", args=[offer.pk])),
        ("get", reverse("offers:tariff_edit", args=[offer.pk, draft.pk])),
        ("post", reverse("offers:tariff_edit", args=[offer.pk, draft.pk])),
        ("post", reverse("offers:tariff_publish", args=[offer.pk, draft.pk])),
        ("post", reverse("offers:tariff_correct", args=[offer.pk, published.pk])),
    ]


@pytest.mark.parametrize(
    "email",
    [
        "leverandoer.b@portal.example",
        "sagsbehandler.slagelse@portal.example",
        "branche.los@portal.example",
    ],
)
def test_others_cannot_change_provider_a_offer_or_tariffs(client, setup, email):
    offer, published, draft = setup
    client.force_login(demo_user(email))
    before = (
        Offer.objects.get(pk=offer.pk).updated_at,
        list(Tariff.objects.values_list("pk", "status", "price")),
    )
    for method, url in write_urls(offer, published, draft):
        response = getattr(client, method)(url, {"status": "withdrawn", "name": "Kapret"})
        assert response.status_code == 403, (method, url, response.status_code)
    assert (
        Offer.objects.get(pk=offer.pk).updated_at,
        list(Tariff.objects.values_list("pk", "status", "price")),
    ) == before


def test_only_editors_may_create_offers_and_import(client, demo):
    client.force_login(demo_user("sagsbehandler.slagelse@portal.example"))
    assert client.get(reverse("offers:offer_create")).status_code == 403
    assert client.get(reverse("offers:own_offers")).status_code == 403
    assert client.get(reverse("offers:tariff_import")).status_code == 403


def test_the_own_editor_may(client, setup):
    offer, published, draft = setup
    client.force_login(demo_user("leverandoer.a@portal.example"))
    for method, url in write_urls(offer, published, draft):
        if method == "get":
            assert client.get(url).status_code == 200, url


def test_drafts_are_hidden_from_other_members(client, setup):
    offer, *_ = setup
    Offer.objects.filter(pk=offer.pk).update(status="draft")
    client.force_login(demo_user("sagsbehandler.slagelse@portal.example"))
    assert client.get(offer.get_absolute_url()).status_code == 404
    client.force_login(demo_user("leverandoer.a@portal.example"))
    assert client.get(offer.get_absolute_url()).status_code == 200


def test_secretariat_pages_are_for_the_secretariat(client, demo):
    client.force_login(demo_user("sagsbehandler.slagelse@portal.example"))
    assert client.get(reverse("offers:tariffs_above_pl")).status_code == 403
    assert client.get(reverse("offers:regulation_rates")).status_code == 403
    assert (
        client.post(
            reverse("offers:regulation_rates"), {"year": YEAR + 1, "rate": "2,0"}
        ).status_code
        == 403
    )


def test_secretariat_extends_reference_data_and_others_may_not(client, demo):
    from offers.models import TargetGroup

    client.force_login(demo_user("sagsbehandler.slagelse@portal.example"))
    url = reverse("offers:reference_list", args=["maalgrupper"])
    assert (
        client.post(url, {"name": "Skizofreni", "slug": "skizofreni", "order": 5}).status_code
        == 403
    )
    client.force_login(demo_user("sekretariat@portal.example"))
    assert client.get(reverse("offers:reference_index")).status_code == 200
    response = client.post(
        url, {"name": "Skizofreni", "slug": "skizofreni", "order": 5, "is_active": "on"}
    )
    assert response.status_code == 302
    assert TargetGroup.objects.filter(slug="skizofreni").exists()
    response = client.post(url, {"name": "Skizofreni", "slug": "skizofreni2", "order": 5})
    assert response.status_code == 200 and "eksisterer allerede" in response.content.decode()
