"""The Holbæk administrator invites a caseworker; the invitee sets a password from the
e-mail link, logs in and sees "Mit overblik"."""

import re

from django.core import mail
from playwright.sync_api import expect

from tests.browser.conftest import log_in


def test_admin_invites_a_caseworker_who_sets_a_password_and_logs_in(portal, new_page):
    admin = new_page()
    log_in(admin, portal, "admin.holbaek@portal.example")
    expect(admin.get_by_role("heading", name="Mit overblik")).to_be_visible()

    admin.get_by_role("link", name="Medlemmer i Holbæk Kommune").click()
    admin.get_by_label("E-mail").fill("karin.kofoed@holbaek.example")
    admin.get_by_label("Navn").fill("Karin Kofoed")
    admin.get_by_label("Rolle").select_option(label="Sagsbehandler")
    admin.get_by_role("button", name="Send invitation").click()
    expect(
        admin.get_by_text("Invitationen er sendt til karin.kofoed@holbaek.example")
    ).to_be_visible()
    expect(
        admin.get_by_role("cell", name="karin.kofoed@holbaek.example", exact=True)
    ).to_be_visible()

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/invitation/\S+/", mail.outbox[0].body).group(0)
    path = link.split("/invitation/", 1)[1]

    invitee = new_page()
    invitee.goto(f"{portal}/invitation/{path}")
    expect(
        invitee.get_by_text("Du er inviteret som Sagsbehandler i Holbæk Kommune")
    ).to_be_visible()
    assert invitee.get_by_label("Dit navn").input_value() == "Karin Kofoed"
    invitee.get_by_label("Adgangskode", exact=True).fill("Kalundborgvej-17!")
    invitee.get_by_label("Gentag adgangskoden").fill("Kalundborgvej-17!")
    invitee.get_by_role("button", name="Opret adgang").click()
    assert "/konto/login/" in invitee.url

    log_in(invitee, portal, "karin.kofoed@holbaek.example", "Kalundborgvej-17!")
    expect(invitee.get_by_role("heading", name="Mit overblik")).to_be_visible()
    expect(invitee.get_by_role("cell", name="Holbæk Kommune", exact=True)).to_be_visible()
    expect(invitee.get_by_role("cell", name="Sagsbehandler", exact=True)).to_be_visible()

    # The link was for one use only.
    again = new_page()
    again.goto(f"{portal}/invitation/{path}")
    expect(again.get_by_role("heading", name="Invitationen kan ikke bruges")).to_be_visible()
    expect(again.get_by_text("allerede brugt")).to_be_visible()
