from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from offers import services
from offers.models import PublishedTariffError, Tariff, TariffAddOn
from offers.selectors import current_year
from partnership.models import User
from tests.factories import demo_user, make_offer, pl_rates, publish

EDITOR = "leverandoer.a@portal.example"
YEAR = current_year()  # on the test clock; pl_rates() sets this year and the two before


@pytest.fixture
def offer(demo):
    pl_rates()
    return make_offer()


def tariff_post(**overrides):
    data = {
        "year": str(YEAR),
        "price": "2.650,50",
        "unit": "day",
        "occupancy_percent": "95",
        "overhead_amount": "",
        "cost_note": "",
        "tillaeg-TOTAL_FORMS": "3",
        "tillaeg-INITIAL_FORMS": "0",
        "tillaeg-0-name": "Ekstra støtte 1:1",
        "tillaeg-0-price": "465",
        "tillaeg-0-unit": "hour",
        "tillaeg-1-name": "",
        "tillaeg-1-price": "",
        "tillaeg-1-unit": "",
        "tillaeg-2-name": "",
        "tillaeg-2-price": "",
        "tillaeg-2-unit": "",
    }
    data.update(overrides)
    return data


def test_editor_saves_draft_publishes_and_corrects(as_provider, offer):
    response = as_provider.post(reverse("offers:tariff_create", args=[offer.pk]), tariff_post())
    assert response.status_code == 302
    draft = Tariff.objects.get(offer=offer)
    assert draft.price == Decimal("2650.50") and draft.status == "draft"
    assert [a.name for a in draft.addons.all()] == ["Ekstra støtte 1:1"]

    as_provider.post(reverse("offers:tariff_publish", args=[offer.pk, draft.pk]))
    draft.refresh_from_db()
    assert draft.is_published and draft.version == 1

    response = as_provider.post(reverse("offers:tariff_correct", args=[offer.pk, draft.pk]))
    v2 = Tariff.objects.get(offer=offer, version=2)
    assert response["Location"] == reverse("offers:tariff_edit", args=[offer.pk, v2.pk])
    assert [a.name for a in v2.addons.all()] == ["Ekstra støtte 1:1"]
    as_provider.post(
        reverse("offers:tariff_edit", args=[offer.pk, v2.pk]), tariff_post(price="2.600,00")
    )

    # Publishing a correction without a reason is refused.
    as_provider.post(reverse("offers:tariff_publish", args=[offer.pk, v2.pk]), {"reason": ""})
    v2.refresh_from_db()
    assert not v2.is_published
    as_provider.post(
        reverse("offers:tariff_publish", args=[offer.pk, v2.pk]), {"reason": "Fejl i budgettet"}
    )
    v2.refresh_from_db()
    assert v2.is_published and v2.correction_reason == "Fejl i budgettet"

    page = as_provider.get(offer.get_absolute_url()).content.decode()
    assert "2.600,00 kr." in page and "2.650,50 kr." in page  # history stays visible
    assert "Fejl i budgettet" in page


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("price", "-10", "Taksten skal være over 0 kr."),
        ("price", "100,123", "højst have 2 decimaler"),
        ("price", "mange penge", "skal være et tal"),
        ("unit", "", "Dette felt er påkrævet"),
        ("occupancy_percent", "101", "Belægningen skal være over 0 og højst 100 %."),
        ("occupancy_percent", "0", "Belægningen skal være over 0 og højst 100 %."),
        ("year", str(YEAR + 5), f"Der er ingen PL-sats for {YEAR + 5}"),
    ],
)
def test_bad_tariff_input_names_the_field_keeps_input_and_saves_nothing(
    as_provider, offer, field, value, message
):
    response = as_provider.post(
        reverse("offers:tariff_create", args=[offer.pk]), tariff_post(**{field: value})
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body, body[
        body.find("form-error-message") - 200 : body.find("form-error-message") + 400
    ]
    assert "Ekstra støtte 1:1" in body
    assert not Tariff.objects.exists()


def test_addon_without_unit_is_refused(as_provider, offer):
    response = as_provider.post(
        reverse("offers:tariff_create", args=[offer.pk]), tariff_post(**{"tillaeg-0-unit": ""})
    )
    assert "Vælg en enhed for tillægsydelsen" in response.content.decode()
    assert not Tariff.objects.exists()


def test_published_tariff_cannot_be_changed_through_the_portal(as_provider, offer):
    tariff = publish(offer, YEAR, "2500")
    response = as_provider.post(
        reverse("offers:tariff_edit", args=[offer.pk, tariff.pk]), tariff_post(price="1")
    )
    assert response.status_code == 302
    tariff.refresh_from_db()
    assert tariff.price == Decimal("2500")


def test_published_tariff_cannot_be_changed_through_the_model(offer):
    tariff = publish(offer, YEAR, "2500")
    tariff.price = Decimal("1")
    with pytest.raises(PublishedTariffError):
        tariff.save()
    with pytest.raises(PublishedTariffError):
        tariff.delete()


def test_published_tariff_is_read_only_in_the_admin(client, offer):
    tariff = publish(offer, YEAR, "2500")
    # An operator (superuser): no portal role has the admin (issue 11).
    client.force_login(User.objects.create_superuser("drift@portal.example", "drift-2026!"))
    url = reverse("admin:offers_tariff_change", args=[tariff.pk])
    assert client.get(url).status_code == 200
    client.post(
        url,
        {
            "offer": offer.pk,
            "year": YEAR,
            "version": 1,
            "status": "published",
            "price": "1",
            "unit": "day",
            "occupancy_percent": "95",
            "created_by": tariff.created_by_id,
        },
    )
    tariff.refresh_from_db()
    assert tariff.price == Decimal("2500")
    client.post(reverse("admin:offers_tariff_delete", args=[tariff.pk]), {"post": "yes"})
    assert Tariff.objects.filter(pk=tariff.pk).exists()


def test_database_refuses_raw_update_delete_and_new_addons(offer):
    """The database's trigger holds whatever path the write takes."""
    tariff = publish(offer, YEAR, "2500")
    with pytest.raises(IntegrityError), transaction.atomic():
        Tariff.objects.filter(pk=tariff.pk).update(price=Decimal("1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Tariff.objects.filter(pk=tariff.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        TariffAddOn.objects.create(tariff=tariff, name="Snig", price=Decimal("1"), unit="hour")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE offers_tariff SET price = 1 WHERE id = %s", [tariff.pk])
    tariff.refresh_from_db()
    assert tariff.price == Decimal("2500")


@pytest.mark.postgres
def test_postgres_trigger_message_is_danish(offer):
    tariff = publish(offer, YEAR, "2500")
    with pytest.raises(IntegrityError) as exc, transaction.atomic():
        Tariff.objects.filter(pk=tariff.pk).update(price=Decimal("1"))
    assert "offentliggjort takst kan ikke ændres" in str(exc.value)


def test_duplicate_year_and_version_is_refused_by_the_database(offer):
    publish(offer, YEAR, "2500")
    with pytest.raises(IntegrityError), transaction.atomic():
        publish(offer, YEAR, "2600")


def test_change_from_previous_year_and_pl_flag(offer):
    publish(offer, YEAR - 1, "2000")
    low = publish(offer, YEAR, "2040")  # +2,0 % < 2,4 %
    assert low.change_from_previous() == Decimal("2.0")
    assert not low.exceeds_regulation()
    high = publish(offer, YEAR, "2100", version=2, reason="Ny beregning")  # +5,0 %
    assert high.change_from_previous() == Decimal("5.0")
    assert high.exceeds_regulation()


def test_change_compares_monthly_normalised_prices(offer):
    publish(offer, YEAR - 1, "60000", unit="month")
    t = publish(offer, YEAR, "2000", unit="day")  # 2000 × 365/12 = 60.833,33
    assert t.change_from_previous() == Decimal("1.4")


def test_publishing_twice_is_refused(offer):
    by = demo_user(EDITOR)
    draft = services.save_tariff_draft(
        offer=offer,
        year=YEAR,
        fields={"price": Decimal("100"), "unit": "day", "occupancy_percent": Decimal("90")},
        addons=[],
        by=by,
    )
    services.publish_tariff(tariff=draft, by=by)
    with pytest.raises(ValidationError):
        services.publish_tariff(tariff=draft, by=by)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_editors_publishing_at_once_keep_one_history(demo):
    """Two threads publish the same draft at the same moment: exactly one succeeds."""
    import threading

    pl_rates()
    offer = make_offer()
    by = demo_user(EDITOR)
    draft = services.save_tariff_draft(
        offer=offer,
        year=YEAR,
        fields={"price": Decimal("100"), "unit": "day", "occupancy_percent": Decimal("90")},
        addons=[],
        by=by,
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def publish_it():
        try:
            barrier.wait()
            services.publish_tariff(tariff=Tariff.objects.get(pk=draft.pk), by=by)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=publish_it) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert Tariff.objects.filter(offer=offer, status="published").count() == 1
