"""Issue 11, finding 4: a stolen session cookie must not be enough to take an account over.
Changing the e-mail address or the password asks who you are again (allauth's
reauthentication, or the current password), and the address the account had is told."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.urls import reverse

from partnership.demo import DEMO_PASSWORD, SECRETARIAT_TOTP
from partnership.management.commands.demo_totp import current_code
from partnership.models import User
from tests.factories import demo_user

EMAIL = reverse("account_email")
REAUTH = reverse("account_reauthenticate")
PASSWORD_CHANGE = reverse("account_change_password")
OWNER = "sagsbehandler.slagelse@portal.example"
ATTACKER = "angriber@ondsindet.example"


@pytest.fixture
def stolen_session(client, demo):
    """A client holding nothing but the caseworker's session cookie (no password)."""
    client.force_login(demo_user(OWNER))
    return client


def ask_for_new_address(client, email=ATTACKER):
    return client.post(EMAIL, {"email": email, "action_add": ""})


def confirm_link(mail) -> str:
    return re.search(r"https?://[^/\s]+(/konto/confirm-email/\S+)", mail.body).group(1)


def test_a_stolen_session_cannot_change_the_email_address(stolen_session, mailoutbox):
    response = ask_for_new_address(stolen_session)
    assert response.status_code == 302
    assert response["Location"].startswith(REAUTH)
    assert not EmailAddress.objects.filter(email=ATTACKER).exists()
    assert mailoutbox == []  # no confirmation link for the attacker to click

    # Nor can it set a new password without knowing the current one: the takeover chain
    # (new address → confirm → reset the password there) is cut at every link.
    response = stolen_session.post(
        PASSWORD_CHANGE,
        {
            "oldpassword": "gaet-et-kodeord",
            "password1": "Overtaget-2026!",
            "password2": "Overtaget-2026!",
        },
    )
    assert response.status_code == 200
    assert "adgangskode" in response.content.decode().lower()
    assert demo_user(OWNER).check_password(DEMO_PASSWORD)


def test_the_reauthentication_page_is_danish_and_refuses_a_wrong_password(stolen_session):
    ask_for_new_address(stolen_session)
    page = stolen_session.get(REAUTH + "?next=" + EMAIL)
    body = page.content.decode()
    assert page.status_code == 200
    assert "Bekræft, at det er dig" in body
    assert "Få en engangskode på e-mail" in body  # the alternative, in the portal's Danish
    response = stolen_session.post(REAUTH + "?next=" + EMAIL, {"password": "forkert-kodeord"})
    assert response.status_code == 200
    assert "Forkert adgangskode" in response.content.decode()
    assert not EmailAddress.objects.filter(email=ATTACKER).exists()


def test_with_the_password_the_change_goes_through_and_the_old_address_is_told(
    stolen_session, client, mailoutbox
):
    new = "signe.ny@slagelse.example"
    response = ask_for_new_address(stolen_session, new)
    response = client.post(response["Location"], {"password": DEMO_PASSWORD})
    assert response.status_code == 302  # the suspended request is carried out
    assert EmailAddress.objects.filter(email=new, verified=False).exists()

    to_old = [m for m in mailoutbox if m.to == [OWNER]]
    to_new = [m for m in mailoutbox if m.to == [new]]
    assert len(to_old) == 1 and len(to_new) == 1
    assert "Der er bedt om at skifte din e-mailadresse" in to_old[0].subject
    assert new in to_old[0].body and "Var det ikke dig" in to_old[0].body
    assert "Bekræft din nye e-mailadresse" in to_new[0].subject

    mailoutbox.clear()
    link = confirm_link(to_new[0])
    owner_pk = demo_user(OWNER).pk
    assert client.post(link).status_code == 302
    assert User.objects.get(pk=owner_pk).email == new
    [changed] = mailoutbox
    assert changed.to == [OWNER]  # the address the account had, not the new one
    assert "Din e-mailadresse er skiftet" in changed.subject
    assert f"fra {OWNER} til {new}" in changed.body


@pytest.mark.parametrize("action", ["action_remove", "action_primary"])
def test_removing_an_address_or_making_another_primary_asks_for_the_password(
    stolen_session, action
):
    owner = demo_user(OWNER)
    EmailAddress.objects.create(user=owner, email="signe@privat.example", verified=True)
    response = stolen_session.post(EMAIL, {"email": "signe@privat.example", action: ""})
    assert response["Location"].startswith(REAUTH)
    assert EmailAddress.objects.get(email="signe@privat.example").primary is False
    assert EmailAddress.objects.get(email=OWNER).primary is True


def test_setting_a_password_asks_for_reauthentication(stolen_session):
    owner = demo_user(OWNER)
    owner.password = make_password(None)  # unusable: "set password" instead of "change"
    owner.save(update_fields=["password"])
    stolen_session.force_login(owner)
    response = stolen_session.get(reverse("account_set_password"))
    assert response.status_code == 302
    assert not response["Location"].startswith(reverse("account_set_password"))
    assert not demo_user(OWNER).has_usable_password()


def test_changing_the_password_needs_the_current_one_and_tells_the_owner(
    stolen_session, mailoutbox
):
    response = stolen_session.post(
        PASSWORD_CHANGE,
        {
            "oldpassword": DEMO_PASSWORD,
            "password1": "Nyt-kodeord-2026!",
            "password2": "Nyt-kodeord-2026!",
        },
    )
    assert response.status_code == 302
    assert demo_user(OWNER).check_password("Nyt-kodeord-2026!")
    [mail] = mailoutbox
    assert mail.to == [OWNER]
    assert "Din adgangskode er ændret" in mail.subject
    assert "Var det ikke dig" in mail.body


def test_a_totp_user_confirms_with_the_authenticator_app(client, demo, mailoutbox):
    """allauth refuses a new address outright on an account with TOTP; removing one asks
    who it is, and the code from the app will do."""
    sara = demo_user("sekretariat@portal.example")
    EmailAddress.objects.create(user=sara, email="sara@privat.example", verified=True)
    client.force_login(sara)
    response = client.post(EMAIL, {"email": "sara@privat.example", "action_remove": ""})
    assert response["Location"].startswith(REAUTH)
    mfa = reverse("mfa_reauthenticate") + "?next=" + EMAIL
    page = client.get(mfa)
    assert "godkendelsesapp" in page.content.decode()
    response = client.post(mfa, {"code": current_code(SECRETARIAT_TOTP)})
    assert response.status_code == 302
    assert not EmailAddress.objects.filter(email="sara@privat.example").exists()
    [mail] = mailoutbox
    assert mail.to == ["sekretariat@portal.example"]
    assert "sara@privat.example er fjernet" in mail.body
