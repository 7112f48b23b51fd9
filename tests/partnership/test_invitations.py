from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from partnership.models import Invitation, Membership, Role, User
from tests.factories import demo_user

MEMBERS = reverse("partnership:members", args=["holbaek"])


def invite(client, email="ny.kollega@holbaek.example", role=Role.CASEWORKER, name="Ny Kollega"):
    return client.post(MEMBERS, {"email": email, "name": name, "role": role})


@pytest.fixture
def holbaek_admin(client, demo):
    client.force_login(demo_user("admin.holbaek@portal.example"))
    return client


def test_org_admin_invites_and_the_invitee_sets_a_password(
    holbaek_admin, client, mailoutbox_links, mailoutbox
):
    response = invite(holbaek_admin)
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["ny.kollega@holbaek.example"]
    assert "Sagsbehandler i Holbæk Kommune" in mailoutbox[0].body
    link = mailoutbox_links()[0]
    path = link.replace("http://127.0.0.1:8000", "")

    client.logout()
    page = client.get(path)
    assert page.status_code == 200
    assert "Holbæk Kommune" in page.content.decode()
    response = client.post(
        path,
        {"name": "Ny Kollega", "password1": "Sjaelland-2026!x", "password2": "Sjaelland-2026!x"},
    )
    assert response.status_code == 302
    person = User.objects.get(email="ny.kollega@holbaek.example")
    assert person.check_password("Sjaelland-2026!x")
    assert Membership.objects.get(user=person).role == Role.CASEWORKER
    assert client.login(email=person.email, password="Sjaelland-2026!x")


def test_token_is_not_stored_in_clear(holbaek_admin, mailoutbox_links):
    invite(holbaek_admin)
    token = mailoutbox_links()[0].rstrip("/").split("/")[-1]
    assert not Invitation.objects.filter(token_hash=token).exists()
    assert Invitation.objects.by_token(token).exists()


def test_reused_link_is_refused_and_changes_nothing(holbaek_admin, client, mailoutbox_links):
    invite(holbaek_admin)
    path = mailoutbox_links()[0].replace("http://127.0.0.1:8000", "")
    client.logout()
    client.post(
        path, {"name": "A", "password1": "Sjaelland-2026!x", "password2": "Sjaelland-2026!x"}
    )
    client.logout()
    response = client.post(
        path, {"name": "B", "password1": "Andet-kodeord-99", "password2": "Andet-kodeord-99"}
    )
    assert response.status_code == 410
    assert "allerede brugt" in response.content.decode()
    assert User.objects.get(email="ny.kollega@holbaek.example").check_password("Sjaelland-2026!x")


def test_expired_link_is_refused(holbaek_admin, client, mailoutbox_links):
    invite(holbaek_admin)
    Invitation.objects.update(
        created_at=timezone.now() - timedelta(days=8), expires_at=timezone.now() - timedelta(days=1)
    )
    path = mailoutbox_links()[0].replace("http://127.0.0.1:8000", "")
    client.logout()
    response = client.post(
        path, {"name": "A", "password1": "Sjaelland-2026!x", "password2": "Sjaelland-2026!x"}
    )
    assert response.status_code == 410
    assert "udløbet" in response.content.decode()
    assert not User.objects.filter(email="ny.kollega@holbaek.example").exists()


def test_link_expires_after_seven_days(holbaek_admin):
    invite(holbaek_admin)
    invitation = Invitation.objects.get()
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)


def test_unknown_link_is_refused(client, db):
    response = client.get(reverse("partnership:invitation_accept", args=["ikke-et-rigtigt-token"]))
    assert response.status_code == 410
    assert "ikke gyldigt" in response.content.decode()


def test_weak_or_mismatched_password_keeps_name_and_creates_nothing(
    holbaek_admin, client, mailoutbox_links
):
    invite(holbaek_admin)
    path = mailoutbox_links()[0].replace("http://127.0.0.1:8000", "")
    client.logout()
    response = client.post(
        path,
        {"name": "Hanne Holm", "password1": "Sjaelland-2026!x", "password2": "noget-andet-123"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "ikke ens" in body
    assert 'value="Hanne Holm"' in body
    assert not User.objects.filter(email="ny.kollega@holbaek.example").exists()
    assert Invitation.objects.get().is_pending


def test_org_admin_cannot_grant_a_role_outside_the_organisation(holbaek_admin):
    response = invite(holbaek_admin, role=Role.SECRETARIAT)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Du må ikke give den valgte rolle" in body
    assert 'value="ny.kollega@holbaek.example"' in body
    assert not Invitation.objects.exists()


def test_org_admin_cannot_manage_another_organisation(holbaek_admin):
    response = holbaek_admin.post(
        reverse("partnership:members", args=["slagelse"]),
        {"email": "x@slagelse.example", "role": Role.CASEWORKER},
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_caseworker_cannot_invite(client, demo):
    client.force_login(demo_user("sagsbehandler.slagelse@portal.example"))
    assert client.get(reverse("partnership:members", args=["slagelse"])).status_code == 403


def test_secretariat_invites_only_the_first_admin_of_an_organisation_without_one(
    client, demo, mailoutbox
):
    """Bostedet Egelund has a provider editor and no admin: the secretariat may ask her to
    be its first admin, but give no other role and bring in nobody from outside."""
    client.force_login(demo_user("sekretariat@portal.example"))
    url = reverse("partnership:members", args=["bostedet-egelund"])
    response = client.post(url, {"email": "ny@egelund.example", "role": Role.PROVIDER_EDITOR})
    assert response.status_code == 200
    response = client.post(url, {"email": "ny@egelund.example", "role": Role.ORG_ADMIN})
    assert response.status_code == 200
    assert "skal det være en af dem" in response.content.decode()
    assert not Invitation.objects.exists() and not mailoutbox

    response = client.post(url, {"email": "leverandoer.a@portal.example", "role": Role.ORG_ADMIN})
    assert response.status_code == 302
    assert Invitation.objects.get().role == Role.ORG_ADMIN
    assert mailoutbox[0].to == ["leverandoer.a@portal.example"]


def test_duplicate_invitation_or_existing_member_gets_a_message(holbaek_admin):
    invite(holbaek_admin)
    response = invite(holbaek_admin)
    assert "allerede en åben invitation" in response.content.decode()
    assert Invitation.objects.count() == 1
    response = invite(holbaek_admin, email="admin.holbaek@portal.example", role=Role.ORG_ADMIN)
    assert "har allerede denne rolle" in response.content.decode()


def test_public_signup_is_closed(client, db):
    response = client.post(
        reverse("account_signup"), {"email": "fremmed@example.com", "password1": "Sjaelland-2026!x"}
    )
    assert "Adgang kun ved invitation" in response.content.decode()
    assert not User.objects.filter(email="fremmed@example.com").exists()


def test_admin_changes_role_and_deactivates(holbaek_admin, demo):
    from tests.factories import MembershipFactory

    m = MembershipFactory(organisation=demo_org("holbaek"), role=Role.CASEWORKER)
    url = reverse("partnership:membership_change_role", args=["holbaek", m.pk])
    assert holbaek_admin.post(url, {"role": Role.PROCUREMENT}).status_code == 302
    m.refresh_from_db()
    assert m.role == Role.PROCUREMENT
    url = reverse("partnership:membership_deactivate", args=["holbaek", m.pk])
    assert holbaek_admin.post(url).status_code == 302
    m.refresh_from_db()
    m.user.refresh_from_db()
    assert not m.is_active and not m.user.is_active


def demo_org(slug):
    from partnership.models import Organisation

    return Organisation.objects.get(slug=slug)


def test_person_with_a_login_accepts_a_second_role_after_logging_in(client, demo, mailoutbox_links):
    client.force_login(demo_user("admin.holbaek@portal.example"))
    client.post(
        MEMBERS, {"email": "sagsbehandler.slagelse@portal.example", "role": Role.CASEWORKER}
    )
    path = mailoutbox_links()[0].replace("http://127.0.0.1:8000", "")
    client.logout()
    page = client.get(path)
    assert "Log ind for at tage imod invitationen" in page.content.decode()
    client.force_login(demo_user("sagsbehandler.slagelse@portal.example"))
    assert client.post(path).status_code == 302
    orgs = set(
        Membership.objects.filter(user__email="sagsbehandler.slagelse@portal.example").values_list(
            "organisation__slug", flat=True
        )
    )
    assert orgs == {"slagelse", "holbaek"}
    assert not Invitation.objects.get().is_pending
