"""SAML login (OIOSAML 3) against a real identity provider process: the login, each
refusal with its Danish message and its log line, and the mapping onto the portal's
organisations, people and roles (federation/services.py)."""

from __future__ import annotations

import logging

import pytest
import requests
from allauth.socialaccount.models import SocialAccount

from federation.claims import privileges_document
from federation.models import PendingLogin
from partnership.models import Membership, Notice, Organisation, User
from tests.federation.servers import inputs, post_answer, saml_login, start_saml

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

EGELUND_CVR = "12354495"  # Bostedet Egelund ApS in the demo data
EDITOR = "leverandoer.a@portal.example"
PERSON = "11111111-2222-4333-8444-555555555555"


@pytest.fixture
def portal(live_server, saml_idp):
    return live_server.url


@pytest.fixture(autouse=True)
def _federation_log(caplog):
    caplog.set_level(logging.INFO, logger="federation")
    caplog.set_level(logging.INFO, logger="allauth")


def refused_lines(caplog) -> str:
    return "\n".join(
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING
        and r.name in ("federation", "allauth", "allauth.socialaccount.providers.saml.views")
    )


def test_a_provider_editor_logs_in_through_the_idp_and_lands_on_mit_overblik(portal, caplog):
    _session, r, _answer = saml_login(portal, cvr=EGELUND_CVR, email=EDITOR, loa="Substantial")
    assert r.status_code == 200, r.text[:500]
    assert r.url == f"{portal}/overblik/"
    assert "Bostedet Egelund" in r.text
    account = SocialAccount.objects.get(provider="saml-test-idp")
    assert account.user.email == EDITOR
    assert account.uid.startswith("urn:uuid:")


@pytest.mark.parametrize(
    ("scenario", "danish"),
    [
        ("expired", "Login-svaret fra identitetsudbyderen er udløbet"),
        ("not_yet_valid", "endnu ikke gyldigt"),
        ("wrong_audience", "ikke udstedt til Partnerskabsportalen"),
        ("tampered", "signatur kunne ikke godkendes"),
        ("wrong_key", "signatur kunne ikke godkendes"),
        ("unsigned", "ikke signeret"),
    ],
)
def test_a_bad_assertion_is_refused_in_danish_and_logged(portal, caplog, scenario, danish):
    _session, r, _answer = saml_login(portal, cvr=EGELUND_CVR, email=EDITOR, scenario=scenario)
    assert r.status_code == 401
    assert danish in r.text
    assert "Login afvist" in r.text
    assert "federated login failed" in refused_lines(caplog)
    assert not SocialAccount.objects.exists()


def test_an_assertion_without_cvr_is_refused(portal, caplog):
    _s, r, _a = saml_login(portal, email=EDITOR, scenario="no_cvr")
    assert r.status_code == 403
    assert "intet CVR-nummer" in r.text
    assert "no CVR" in refused_lines(caplog)


def test_an_unknown_cvr_is_refused(portal, caplog):
    _s, r, _a = saml_login(portal, cvr="99999999", email="x@ukendt.example")
    assert r.status_code == 403
    assert "CVR-nummer 99999999 hører ikke til en organisation" in r.text
    assert "unknown CVR 99999999" in refused_lines(caplog)


def test_a_level_below_the_providers_minimum_is_refused(portal, saml_idp, caplog):
    saml_idp.minimum_loa = "Substantial"
    saml_idp.save()
    _s, r, _a = saml_login(portal, cvr=EGELUND_CVR, email=EDITOR, loa="Low")
    assert r.status_code == 403
    assert "sikringsniveau Lav" in r.text and "mindst Betydelig" in r.text
    assert "below Substantial" in refused_lines(caplog)


def test_a_replayed_response_is_refused_in_danish_and_logged(portal, caplog):
    session, r, answer = saml_login(portal, cvr=EGELUND_CVR, email=EDITOR)
    assert r.status_code == 200
    again = post_answer(session, answer)  # the same browser
    assert again.status_code == 403
    assert "allerede brugt" in again.text
    other = post_answer(requests.Session(), answer)  # someone else who caught it
    assert other.status_code == 403
    own = requests.Session()  # …with a login of their own under way
    start_saml(own, portal)
    assert post_answer(own, answer).status_code == 403
    assert refused_lines(caplog).count("replayed?") >= 2


def test_privileges_decide_the_roles_at_every_login(portal):
    egelund = Organisation.objects.get(cvr=EGELUND_CVR)
    both = privileges_document(EGELUND_CVR, ["provider_editor", "org_admin"])
    _s, r, _a = saml_login(portal, cvr=EGELUND_CVR, email=EDITOR, privileges=both)
    assert r.status_code == 200
    roles = set(
        Membership.objects.active()
        .filter(user__email=EDITOR, organisation=egelund)
        .values_list("role", flat=True)
    )
    assert roles == {"provider_editor", "org_admin"}
    only_editor = privileges_document(EGELUND_CVR, ["provider_editor"])
    _s, r, _a = saml_login(portal, cvr=EGELUND_CVR, email=EDITOR, privileges=only_editor)
    roles = set(
        Membership.objects.active()
        .filter(user__email=EDITOR, organisation=egelund)
        .values_list("role", flat=True)
    )
    assert roles == {"provider_editor"}
    # Privileges for another organisation's CVR grant nothing here.
    elsewhere = privileges_document("12354991", ["provider_editor"])
    _s, r, _a = saml_login(portal, cvr=EGELUND_CVR, email=EDITOR, privileges=elsewhere)
    assert r.status_code == 403
    assert "ingen rolle" in r.text


def test_a_first_login_creates_the_person_where_the_organisation_allows_it(portal):
    Organisation.objects.filter(cvr=EGELUND_CVR).update(federated_provisioning=True)
    grant = privileges_document(EGELUND_CVR, ["provider_editor"])
    _s, r, _a = saml_login(
        portal, cvr=EGELUND_CVR, email="ny.medarbejder@egelund.example", privileges=grant
    )
    assert r.status_code == 200 and r.url.endswith("/overblik/")
    person = User.objects.get(email="ny.medarbejder@egelund.example")
    assert not person.has_usable_password()
    assert list(person.memberships.values_list("role", flat=True)) == ["provider_editor"]


def test_otherwise_the_first_login_waits_for_the_admins_approval(portal, client):
    egelund = Organisation.objects.get(cvr=EGELUND_CVR)
    admin = User.objects.create_user("admin@egelund.example", password="x-Sikker-2026!")
    Membership.objects.create(user=admin, organisation=egelund, role="org_admin")
    grant = privileges_document(EGELUND_CVR, ["provider_editor"])
    _s, r, answer = saml_login(
        portal, cvr=EGELUND_CVR, email="venter@egelund.example", privileges=grant
    )
    assert r.status_code == 403
    assert "venter på godkendelse" in r.text
    assert "administrator i portalen har fået besked" in r.text
    assert not User.objects.filter(email="venter@egelund.example").exists()
    pending = PendingLogin.objects.get(email="venter@egelund.example")
    assert pending.roles == ["provider_editor"]
    notice = Notice.objects.get(user=admin)
    assert "venter på din godkendelse" in notice.message
    # The administrator approves on the organisation's page; the next login goes in.
    client.force_login(admin)
    session = client.session
    session["second_factor_by_login"] = True
    session.save()
    page = client.get(notice.url)
    assert "venter@egelund.example" in page.content.decode()
    client.post(f"{notice.url}{pending.pk}/godkend/", {"roles": ["provider_editor"]})
    pending.refresh_from_db()
    assert pending.status == "approved"
    uid = pending.uid
    # The same person again (the IdP's persistent id stays the same)
    _s, r, _a = saml_login(
        portal,
        cvr=EGELUND_CVR,
        email="venter@egelund.example",
        privileges=grant,
        uuid=uid.removeprefix("urn:uuid:"),
    )
    assert r.status_code == 200 and r.url.endswith("/overblik/")
    assert SocialAccount.objects.get(uid=uid).user.email == "venter@egelund.example"


def test_a_changed_persistent_id_for_the_same_cvr_and_email_is_relinked(portal, caplog):
    _s, r, _a = saml_login(portal, cvr=EGELUND_CVR, email=EDITOR)
    account = SocialAccount.objects.get(provider="saml-test-idp")
    first_uid = account.uid
    _s, r, _a = saml_login(portal, cvr=EGELUND_CVR, email=EDITOR)  # a new uuid
    assert r.status_code == 200
    accounts = list(SocialAccount.objects.filter(provider="saml-test-idp"))
    assert [a.pk for a in accounts] == [account.pk]
    assert accounts[0].uid != first_uid
    assert "re-linked" in refused_lines(caplog)


def test_substantial_counts_as_the_second_factor_low_does_not(portal):
    egelund = Organisation.objects.get(cvr=EGELUND_CVR)
    Membership.objects.get_or_create(
        user=User.objects.get(email=EDITOR), organisation=egelund, role="org_admin"
    )  # an admin role needs two-factor authentication
    _s, r, _a = saml_login(portal, cvr=EGELUND_CVR, email=EDITOR, loa="Substantial")
    assert r.url.endswith("/overblik/")
    _s, r, _a = saml_login(portal, cvr=EGELUND_CVR, email=EDITOR, loa="Low")
    # The portal's own second factor first: set up the authenticator app (after confirming
    # it is the person, as any change to two-factor authentication asks).
    assert "2fa%2Ftotp%2Factivate" in r.url or "/konto/2fa/totp/activate/" in r.url, r.url


def test_an_organisation_that_requires_federated_login_refuses_the_password(portal, client):
    Organisation.objects.filter(cvr=EGELUND_CVR).update(require_federated_login=True)
    r = client.post("/konto/login/", {"login": EDITOR, "password": "partnerskab-demo"})
    assert r.status_code == 200
    assert "kræver, at du logger ind gennem organisationens identitetsudbyder" in r.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_login_page_offers_the_identity_provider(portal):
    page = requests.get(portal + "/konto/login/")
    assert "Log ind med Test-IdP" in page.text
    confirm = requests.get(portal + "/konto/saml/test-idp/login/")
    assert "Fortsæt til Test-IdP" in confirm.text
    assert inputs(confirm.text)["csrfmiddlewaretoken"]
    # the confirmation page may send the browser on to the IdP (CSP form-action)
    assert (
        "127.0.0.1"
        in confirm.headers["Content-Security-Policy"].split("form-action")[1].split(";")[0]
    )


def test_encrypted_assertions_are_read_and_required_where_configured(portal, saml_idp):
    saml_idp.want_encrypted = True
    saml_idp.save()
    _s, r, _a = saml_login(portal, cvr=EGELUND_CVR, email=EDITOR, encrypt="1")
    assert r.status_code == 200 and r.url.endswith("/overblik/")
    _s, r, _a = saml_login(portal, cvr=EGELUND_CVR, email=EDITOR)  # in clear
    assert r.status_code == 401
    assert "ikke krypteret" in r.text


def test_the_identity_provider_logs_the_person_out(portal, saml_idp):
    from federation.providers import sp_entity_id

    session, r, _a = saml_login(portal, cvr=EGELUND_CVR, email=EDITOR, uuid=PERSON)
    assert r.url.endswith("/overblik/")
    to_portal = session.get(
        f"{saml_idp.process.url}/slo/initiate",
        params={"sp": sp_entity_id(saml_idp), "uuid": PERSON},
        allow_redirects=False,
    )
    assert "/konto/saml/test-idp/sls/?SAMLRequest=" in to_portal.headers["Location"]
    back = session.get(to_portal.headers["Location"], allow_redirects=False)
    assert back.status_code == 302
    assert back.headers["Location"].startswith(saml_idp.process.url + "/slo/redirect?SAMLResponse=")
    after = session.get(portal + "/overblik/", allow_redirects=False)
    assert after.status_code == 302 and "/konto/login/" in after.headers["Location"]


def test_a_person_with_an_authenticator_app_is_not_asked_for_a_code_at_substantial(portal):
    """allauth's code step after the login (the person has TOTP) is skipped when the
    identity provider's login was Substantial or High, and asked for below it."""
    Organisation.objects.filter(slug="holbaek").update(cvr="29189129")
    admin = "admin.holbaek@portal.example"  # the demo's Holbæk admin has an authenticator app
    _s, r, _a = saml_login(portal, cvr="29189129", email=admin, loa="Substantial")
    assert r.url.endswith("/overblik/"), r.url
    _s, r, _a = saml_login(portal, cvr="29189129", email=admin, loa="Low")
    assert "/konto/2fa/authenticate/" in r.url, r.url
