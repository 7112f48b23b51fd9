"""Logging in as Danish public staff and providers do: through a SAML identity provider
(OIOSAML 3 attributes, as NemLog-in sends them) and through an OpenID Connect broker,
each a real process, in Chromium with the portal's Content-Security-Policy in force (the
button's POST is answered with a redirect to the identity provider, which form-action
must allow). Both land on "Mit overblik" with the organisation and the role."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from federation.claims import privileges_document
from partnership.models import Organisation
from tests.browser.conftest import assert_accessible, log_in

pytestmark = pytest.mark.postgres

EGELUND_CVR = "12354495"


@pytest.fixture
def strict_page(chromium):
    """A browser context that keeps the portal's CSP (new_page bypasses it for axe)."""
    context = chromium.new_context(locale="da-DK", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_a_new_provider_employee_logs_in_through_saml_and_gets_the_role_the_idp_grants(
    live_server, saml_idp, strict_page
):
    Organisation.objects.filter(cvr=EGELUND_CVR).update(federated_provisioning=True)
    page = strict_page
    page.goto(live_server.url + "/konto/login/")
    page.get_by_role("link", name="Log ind med Test-IdP").click()
    expect(page.get_by_role("heading", name="Log ind gennem Test-IdP")).to_be_visible()
    page.get_by_role("button", name="Fortsæt til Test-IdP").click()
    # The identity provider's own login page (NemLog-in's place)
    expect(page.get_by_role("heading", name="Lokal test-IdP (OIOSAML 3)")).to_be_visible()
    page.get_by_label("CVR", exact=True).fill(EGELUND_CVR)
    page.get_by_label("E-mail").fill("ny.kollega@egelund.example")
    page.get_by_label("Fornavn").fill("Nina")
    page.get_by_label("Efternavn").fill("Kollega")
    page.get_by_label("Privilegier (base64, valgfri)").fill(
        privileges_document(EGELUND_CVR, ["provider_editor"])
    )
    page.get_by_role("button", name="Log ind").click()
    expect(page).to_have_url(live_server.url + "/overblik/")
    expect(page.get_by_role("heading", name="Mit overblik")).to_be_visible()
    roles = page.get_by_role("region", name="Dine organisationer og roller")
    expect(roles).to_contain_text("Bostedet Egelund ApS")
    expect(roles).to_contain_text("Leverandørredaktør")


def test_a_member_logs_in_through_the_oidc_broker(live_server, oidc_broker, strict_page):
    page = strict_page
    page.goto(live_server.url + "/konto/login/")
    page.get_by_role("link", name="Log ind med Test-broker").click()
    page.get_by_role("button", name="Fortsæt til Test-broker").click()
    # oidc-provider's development login page stands in for the broker's
    page.locator("input[name=login]").fill("cvr:12354495:leverandoer.a@portal.example")
    page.locator("input[name=password]").fill("x")
    page.locator("button[type=submit]").click()
    expect(page).to_have_url(live_server.url + "/overblik/")
    roles = page.get_by_role("region", name="Dine organisationer og roller")
    expect(roles).to_contain_text("Bostedet Egelund ApS")
    expect(roles).to_contain_text("Leverandørredaktør")


def test_the_federated_login_pages_are_accessible(live_server, saml_idp, new_page):
    page = new_page()
    page.goto(live_server.url + "/konto/login/")
    expect(page.get_by_role("link", name="Log ind med Test-IdP")).to_be_visible()
    assert_accessible(page)
    page.goto(live_server.url + "/konto/saml/test-idp/login/")
    expect(page.get_by_role("button", name="Fortsæt til Test-IdP")).to_be_visible()
    assert_accessible(page)
    # a refusal (no CVR): the Danish page is accessible too
    page.get_by_role("button", name="Fortsæt til Test-IdP").click()
    page.get_by_label("Scenarie").select_option("no_cvr")
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_role("heading", name="Login afvist")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("intet CVR-nummer")
    assert_accessible(page)
    # a first login that waits for the administrator
    page.goto(live_server.url + "/konto/saml/test-idp/login/")
    page.get_by_role("button", name="Fortsæt til Test-IdP").click()
    page.get_by_label("E-mail").fill("venter@egelund.example")
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_role("heading", name="Din adgang venter på godkendelse")).to_be_visible()
    # Egelund has no administrator in the portal yet: the person is told whom to ask.
    expect(page.get_by_text("har endnu ingen administrator i portalen")).to_be_visible()
    assert_accessible(page)


def test_the_administrator_approves_a_waiting_first_login(live_server, saml_idp, new_page):
    from federation.models import PendingLogin

    holbaek = Organisation.objects.get(slug="holbaek")
    waiting = PendingLogin.objects.create(
        identity_provider=saml_idp,
        organisation=holbaek,
        uid="urn:uuid:venter",
        email="ny.sagsbehandler@holbaek.example",
        name="Nanna Ny",
        roles=["caseworker"],
    )
    page = new_page()
    log_in(page, live_server.url, "admin.holbaek@portal.example")
    page.goto(f"{live_server.url}/organisationer/holbaek/")
    page.get_by_role("link", name="Føderede logins").click()
    item = page.get_by_role("region", name="Nanna Ny")
    expect(item).to_contain_text("ny.sagsbehandler@holbaek.example")
    expect(item.get_by_label("Sagsbehandler")).to_be_checked()
    assert_accessible(page)
    item.get_by_role("button", name="Godkend").click()
    expect(page.get_by_text("Nanna Ny har nu adgang")).to_be_visible()
    expect(page.get_by_text("Ingen venter på godkendelse.")).to_be_visible()
    waiting.refresh_from_db()
    assert waiting.status == "approved"
