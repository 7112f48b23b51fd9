"""OpenID Connect login through a broker (a real oidc-provider process with NemLog-in's
claims as `nemlogin.*`): the same mapping as SAML (federation/services.py)."""

from __future__ import annotations

import logging
from urllib.parse import urljoin

import pytest
import requests
from allauth.socialaccount.models import SocialAccount

from tests.federation.servers import OIDC_SLUG, form_action, inputs

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def portal(live_server, oidc_broker):
    return live_server.url


def oidc_login(portal: str, login_name: str) -> requests.Response:
    """The portal's button, its confirmation (POST), the broker's login page, back."""
    session = requests.Session()
    url = f"{portal}/konto/oidc/oidc-{OIDC_SLUG}/login/"
    page = session.get(url)
    r = session.post(
        url,
        data={"csrfmiddlewaretoken": inputs(page.text)["csrfmiddlewaretoken"]},
        headers={"Referer": url},
    )
    assert "/interaction/" in r.url, r.url
    data = inputs(r.text)
    data.update({"login": login_name, "password": "x"})
    return session.post(urljoin(r.url, form_action(r.text)), data=data)


def test_a_broker_login_with_nemlogin_claims_lands_on_mit_overblik(portal):
    r = oidc_login(portal, "cvr:12354495:leverandoer.a@portal.example")
    assert r.status_code == 200, r.text[:300]
    assert r.url == f"{portal}/overblik/"
    assert "Bostedet Egelund" in r.text
    account = SocialAccount.objects.get(provider=f"oidc-{OIDC_SLUG}")
    assert account.user.email == "leverandoer.a@portal.example"
    assert account.extra_data["userinfo"]["nemlogin.cvr"] == "12354495"


def test_a_broker_login_with_an_unknown_cvr_is_refused_and_logged(portal, caplog):
    caplog.set_level(logging.INFO, logger="federation")
    r = oidc_login(portal, "ukendt")
    assert r.status_code == 403
    assert "CVR-nummer 99999999 hører ikke til en organisation" in r.text
    assert any("unknown CVR 99999999" in rec.getMessage() for rec in caplog.records)
    assert not SocialAccount.objects.exists()
