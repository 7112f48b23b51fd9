import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from partnership.models import Organisation, OrganisationKind
from tests.factories import MembershipFactory, OrganisationFactory, ProviderFactory, demo_user


@pytest.mark.django_db
def test_database_refuses_provider_without_ownership_form():
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(
            kind=OrganisationKind.PROVIDER, name="Uden ejerform", slug="uden", cvr="12439393"
        )


@pytest.mark.django_db
def test_database_refuses_branch_membership_for_a_municipality():
    branch = OrganisationFactory(kind=OrganisationKind.BRANCH, name="Branche", slug="branche")
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganisationFactory(branch_organisation=branch)


@pytest.mark.django_db
def test_database_refuses_duplicate_cvr():
    ProviderFactory(cvr="12439393")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProviderFactory(cvr="12439393")


def test_secretariat_gets_danish_message_for_invalid_cvr_and_keeps_input(client, demo):
    client.force_login(demo_user("sekretariat@portal.example"))
    data = {
        "kind": "provider",
        "name": "Botilbuddet Ny ApS",
        "slug": "botilbuddet-ny",
        "cvr": "12345678",
        "ownership_form": "privat",
    }
    before = Organisation.objects.count()
    response = client.post(reverse("partnership:organisation_create"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "kontrolcifferet passer ikke" in body
    assert 'value="Botilbuddet Ny ApS"' in body
    assert Organisation.objects.count() == before


def test_secretariat_creates_a_provider(client, demo):
    client.force_login(demo_user("sekretariat@portal.example"))
    response = client.post(
        reverse("partnership:organisation_create"),
        {
            "kind": "provider",
            "name": "Botilbuddet Ny ApS",
            "slug": "botilbuddet-ny",
            "cvr": "12439393",
            "ownership_form": "privat",
            "admin_email": "leder@botilbuddet-ny.example",
        },
    )
    assert response.status_code == 302
    assert Organisation.objects.get(slug="botilbuddet-ny").cvr == "12439393"


def test_caseworker_may_not_create_or_edit_organisations(client, demo):
    client.force_login(demo_user("sagsbehandler.slagelse@portal.example"))
    assert client.get(reverse("partnership:organisation_create")).status_code == 403
    assert (
        client.get(reverse("partnership:organisation_edit", args=["slagelse"])).status_code == 403
    )


def test_directory_lists_all_members_and_filters(client, demo):
    client.force_login(demo_user("leverandoer.a@portal.example"))
    response = client.get(reverse("partnership:organisation_list"), {"kind": "municipality"})
    body = response.content.decode()
    for name in ["Slagelse Kommune", "Næstved Kommune", "Vordingborg Kommune"]:
        assert name in body
    assert "17 organisationer" in body
    assert "Bostedet Egelund" not in body


def test_people_of_an_organisation_are_shown_to_its_members_only(client, demo):
    url = reverse("partnership:organisation_detail", args=["slagelse"])
    client.force_login(demo_user("sagsbehandler.slagelse@portal.example"))
    assert "indkoeb.slagelse@portal.example" in client.get(url).content.decode()
    client.force_login(demo_user("leverandoer.a@portal.example"))
    assert "indkoeb.slagelse@portal.example" not in client.get(url).content.decode()


@pytest.mark.django_db
def test_person_without_active_membership_is_refused(client):
    membership = MembershipFactory(is_active=False)
    client.force_login(membership.user)
    assert client.get(reverse("partnership:dashboard")).status_code == 403
