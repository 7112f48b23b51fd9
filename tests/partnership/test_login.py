from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from partnership.demo import DEMO_PASSWORD, DEMO_USERS, SECRETARIAT_TOTP
from partnership.management.commands.demo_totp import current_code
from partnership.models import Role
from tests.factories import MembershipFactory, OrganisationFactory

LOGIN = reverse("account_login")


def login(client, email, password=DEMO_PASSWORD):
    return client.post(LOGIN, {"login": email, "password": password})


@pytest.mark.parametrize("email", [email for email, _n, _o, _r, secret in DEMO_USERS if not secret])
def test_every_demo_user_without_mfa_logs_in_and_sees_mit_overblik(client, demo, email):
    response = login(client, email)
    assert response.status_code == 302
    page = client.get(reverse("partnership:dashboard"))
    assert page.status_code == 200
    assert "Mit overblik" in page.content.decode()


@pytest.mark.parametrize("email", [email for email, _n, _o, _r, secret in DEMO_USERS if secret])
def test_mfa_demo_users_log_in_with_a_totp_code(client, demo, email):
    secret = next(s for e, _n, _o, _r, s in DEMO_USERS if e == email)
    response = login(client, email)
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("partnership:dashboard")).status_code == 302  # not yet in

    response = client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert response.status_code == 302
    assert client.get(reverse("partnership:dashboard")).status_code == 200


def test_wrong_totp_code_gets_a_danish_message_and_no_access(client, demo):
    login(client, "sekretariat@portal.example")
    wrong = f"{(int(current_code(SECRETARIAT_TOTP)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert response.status_code == 200
    assert "Forkert kode" in response.content.decode()
    assert client.get(reverse("partnership:dashboard")).status_code == 302


@pytest.mark.django_db
def test_secretariat_without_mfa_reaches_only_the_mfa_setup(client):
    secretariat = OrganisationFactory(kind="secretariat", name="Sekretariat", slug="sek")
    member = MembershipFactory(organisation=secretariat, role=Role.SECRETARIAT)
    assert login(client, member.user.email, "partnerskab-test").status_code == 302
    setup = reverse("mfa_activate_totp")
    for name in [
        "partnership:dashboard",
        "partnership:organisation_list",
        "partnership:job_list",
        "partnership:member_list_order",
        "partnership:profile",
    ]:
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"] == setup, name
    # allauth asks for the password once more before any change to MFA.
    response = client.get(setup)
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(response["Location"], {"password": "partnerskab-test"})
    page = client.get(setup)
    assert page.status_code == 200
    assert "godkendelsesapp" in page.content.decode().lower()

    import re

    secret = re.search(r'value="([A-Z2-7]{32})"', page.content.decode())
    client.post(setup, {"code": current_code(secret.group(1))})
    assert client.get(reverse("partnership:dashboard")).status_code == 200


@pytest.mark.django_db
def test_org_admin_without_mfa_is_sent_to_setup_but_caseworker_is_not(client):
    holbaek = OrganisationFactory()
    admin = MembershipFactory(organisation=holbaek, role=Role.ORG_ADMIN)
    caseworker = MembershipFactory(organisation=holbaek, role=Role.CASEWORKER)
    login(client, admin.user.email, "partnerskab-test")
    assert client.get(reverse("partnership:dashboard"))["Location"] == reverse("mfa_activate_totp")
    client.logout()
    login(client, caseworker.user.email, "partnerskab-test")
    assert client.get(reverse("partnership:dashboard")).status_code == 200


def test_repeated_wrong_passwords_are_throttled(client, demo):
    email = "sagsbehandler.slagelse@portal.example"
    for _ in range(5):
        response = login(client, email, "forkert-kodeord")
        assert "ikke korrekt" in response.content.decode()
    response = login(client, email)  # even the right password is refused for now
    assert response.status_code == 200
    assert "for mange mislykkede" in response.content.decode().lower()
    assert client.get(reverse("partnership:dashboard")).status_code == 302


def test_session_ends_after_idle_time(client, demo, settings):
    assert settings.SESSION_SAVE_EVERY_REQUEST
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_MINUTES * 60
    login(client, "sagsbehandler.slagelse@portal.example")
    assert client.get(reverse("partnership:dashboard")).status_code == 200
    session = Session.objects.get()
    remaining = session.expire_date - timezone.now()
    assert (
        timedelta(minutes=settings.SESSION_IDLE_MINUTES - 1)
        < remaining
        <= timedelta(minutes=settings.SESSION_IDLE_MINUTES)
    )
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("partnership:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_pages_are_danish_even_when_the_browser_asks_for_english(client, demo):
    response = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    body = response.content.decode()
    assert '<html lang="da">' in body
    assert "Adgangskode" in body
