"""Organisation-scoped API tokens (issue 16): created by the organisation's admin, shown
once and stored as a SHA-256 hash; a revoked token is refused at the very next request; a
token sees its own organisation's contracts and meetings only, case references only with
the scope that says so, closed agenda items only when closed to its organisation."""

import hashlib
import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from openapi_spec_validator import validate

from api import auth
from contracts import services as contract_services
from partnership import services
from partnership.models import ApiScope, ApiToken
from tests.factories import (
    CASEWORKER_NAESTVED,
    demo_org,
    demo_user,
    logged_in,
    make_contract,
    make_offer,
)
from tests.meetings.conftest import CLOSED_TITLE, OPEN_TITLES, setup  # noqa: F401

CONTRACTS = reverse("api:contract_list")
MEETINGS = reverse("api:meeting_list")
ALL = [ApiScope.CONTRACTS, ApiScope.MEETINGS]


def new_token(slug, scopes=ALL, by="sekretariat@portal.example"):
    return services.create_api_token(
        organisation=demo_org(slug), name="Fagsystem", scopes=list(scopes), by=demo_user(by)
    )


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_the_token_is_stored_only_as_its_sha256(demo):
    row, token = new_token("slagelse")
    row.refresh_from_db()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in json.dumps([str(v) for v in vars(row).values()])


def test_a_revoked_token_is_refused_at_the_very_next_request(demo):
    row, token = new_token("slagelse")
    client = Client()
    assert client.get(CONTRACTS, **bearer(token)).status_code == 200
    services.revoke_api_token(api_token=row, by=demo_user("sekretariat@portal.example"))
    r = client.get(CONTRACTS, **bearer(token))
    assert r.status_code == 401
    assert r["Content-Type"] == "application/problem+json"
    assert r["WWW-Authenticate"].startswith("Bearer")
    assert "API-nøgle" in r.json()["title"]


@pytest.mark.parametrize("headers", [{}, bearer("ikke-en-noegle")])
def test_member_operations_need_a_known_token(demo, headers):
    for url in (CONTRACTS, MEETINGS):
        r = Client().get(url, **headers)
        assert r.status_code == 401
        assert r.json()["status"] == 401


def test_a_request_notes_the_last_use_at_most_once_a_minute(demo):
    row, token = new_token("slagelse")
    assert row.last_used_at is None
    client = Client()
    client.get(CONTRACTS, **bearer(token))
    row.refresh_from_db()
    first = row.last_used_at
    assert first is not None
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=first - timedelta(seconds=30))
    client.get(CONTRACTS, **bearer(token))
    row.refresh_from_db()
    assert row.last_used_at == first - timedelta(seconds=30)  # not again within a minute
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=first - timedelta(minutes=2))
    client.get(CONTRACTS, **bearer(token))
    row.refresh_from_db()
    assert row.last_used_at > first - timedelta(minutes=1)


def test_a_token_without_the_scope_gets_403(demo):
    _row, token = new_token("slagelse", scopes=[ApiScope.MEETINGS])
    r = Client().get(CONTRACTS, **bearer(token))
    assert r.status_code == 403
    assert r["Content-Type"] == "application/problem+json"


@pytest.fixture
def contracts(demo):
    """Næstved's contract with Bostedet Egelund, sent; and a draft of Næstved's (the
    provider does not see it)."""
    offer = make_offer()  # Bostedet Egelund's
    sent = make_contract(offer=offer, buyer_slug="naestved", email=CASEWORKER_NAESTVED)
    contract_services.send_to_provider(contract=sent, by=demo_user(CASEWORKER_NAESTVED))
    draft = make_contract(offer=offer, buyer_slug="naestved", email=CASEWORKER_NAESTVED)
    return sent, draft


def ids(r, key):
    assert r.status_code == 200, r.content
    return [row["id"] for row in r.json()[key]]


def test_a_token_sees_its_own_organisations_contracts_and_no_others(contracts):
    sent, draft = contracts
    client = Client()
    _r, naestved = new_token("naestved")
    _r, provider = new_token("bostedet-egelund")
    _r, slagelse = new_token("slagelse")
    assert set(ids(client.get(CONTRACTS, **bearer(naestved)), "kontrakter")) >= {
        sent.pk,
        draft.pk,
    }
    provider_ids = ids(client.get(CONTRACTS, **bearer(provider)), "kontrakter")
    assert sent.pk in provider_ids
    assert draft.pk not in provider_ids
    slagelse_ids = ids(client.get(CONTRACTS, **bearer(slagelse)), "kontrakter")
    assert sent.pk not in slagelse_ids and draft.pk not in slagelse_ids


def test_case_references_only_with_the_scope(contracts):
    sent, _draft = contracts
    client = Client()
    _r, plain = new_token("naestved")
    _r, with_refs = new_token("naestved", scopes=[ApiScope.CONTRACTS, ApiScope.CASE_REFERENCES])
    rows = {c["id"]: c for c in client.get(CONTRACTS, **bearer(plain)).json()["kontrakter"]}
    assert rows[sent.pk]["sagsreference"] is None
    assert sent.case_reference not in json.dumps(rows, ensure_ascii=False)
    rows = {c["id"]: c for c in client.get(CONTRACTS, **bearer(with_refs)).json()["kontrakter"]}
    assert rows[sent.pk]["sagsreference"] == sent.case_reference


def test_contracts_come_in_cursor_pages_with_an_etag(contracts):
    _r, token = new_token("naestved")
    client = Client()
    r = client.get(CONTRACTS, {"limit": 1}, **bearer(token))
    assert r.status_code == 200 and r.json()["next"]
    again = client.get(CONTRACTS, {"limit": 1}, HTTP_IF_NONE_MATCH=r["ETag"], **bearer(token))
    assert again.status_code == 304
    assert "private" in r["Cache-Control"] and "public" not in r["Cache-Control"]
    second = client.get(r.json()["next"], **bearer(token))
    assert ids(second, "kontrakter") != ids(r, "kontrakter")


def titles(body, meeting):
    (found,) = [m for m in body["moeder"] if m["id"] == meeting.pk]
    return [i["overskrift"] for i in found["dagsorden"]]


def test_meetings_of_the_invited_organisation_with_closed_items_only_for_whom_they_are_for(
    setup,  # noqa: F811
):
    client = Client()
    _r, slagelse = new_token("slagelse")  # invited; the closed item is closed to it
    _r, provider = new_token("bostedet-egelund")  # invited; the closed item is not for it
    _r, los = new_token("los")  # not invited
    r = client.get(MEETINGS, **bearer(slagelse))
    assert CLOSED_TITLE in titles(r.json(), setup.meeting)
    r = client.get(MEETINGS, **bearer(provider))
    assert titles(r.json(), setup.meeting) == OPEN_TITLES[:2] + OPEN_TITLES[2:]
    assert CLOSED_TITLE not in r.content.decode()
    assert setup.meeting.pk not in ids(client.get(MEETINGS, **bearer(los)), "moeder")


def test_the_schema_marks_the_member_operations_with_the_bearer_scheme(client, db):
    r = client.get(reverse("api:openapi-json"))
    schema = r.json()
    validate(schema)
    schemes = schema["components"]["securitySchemes"]
    (name,) = [n for n, s in schemes.items() if s.get("scheme") == "bearer"]
    for path in ("/api/v1/contracts", "/api/v1/meetings"):
        assert schema["paths"][path]["get"]["security"] == [{name: []}]
        assert "401" in schema["paths"][path]["get"]["responses"]
    assert "security" not in schema["paths"]["/api/v1/offers"]["get"]


def test_rate_limits_per_token_and_per_ip(demo, monkeypatch):
    per_ip, per_token = auth.TOKEN_THROTTLES
    _r, first = new_token("slagelse")
    _r, second = new_token("slagelse")
    client = Client()
    monkeypatch.setattr(per_token, "num_requests", 2)
    assert client.get(CONTRACTS, **bearer(first)).status_code == 200
    assert client.get(CONTRACTS, **bearer(first)).status_code == 200
    r = client.get(CONTRACTS, **bearer(first), REMOTE_ADDR="10.0.0.7")
    assert r.status_code == 429 and r["Retry-After"]  # the token's own limit, any address
    assert client.get(CONTRACTS, **bearer(second)).status_code == 200  # its own allowance
    monkeypatch.setattr(per_token, "num_requests", 100)
    monkeypatch.setattr(per_ip, "num_requests", 1)
    assert client.get(CONTRACTS, **bearer(second), REMOTE_ADDR="10.0.0.8").status_code == 200
    r = client.get(CONTRACTS, **bearer(second), REMOTE_ADDR="10.0.0.8")
    assert r.status_code == 429  # the address's limit holds with a token too


# --- The organisation's pages ---------------------------------------------------------------

HOLBAEK_ADMIN = "admin.holbaek@portal.example"


def tokens_url(slug):
    return reverse("partnership:api_tokens", args=[slug])


def test_the_admin_creates_a_token_and_sees_it_once(demo):
    client = logged_in(HOLBAEK_ADMIN)
    r = client.post(tokens_url("holbaek"), {"name": "Fagsystem", "scopes": [ApiScope.CONTRACTS]})
    assert r.status_code == 200
    token = r.context["new_token"]
    assert token and token in r.content.decode()
    assert "vises kun denne ene gang" in r.content.decode()
    row = ApiToken.objects.get(organisation__slug="holbaek")
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    again = client.get(tokens_url("holbaek"))
    assert token not in again.content.decode()
    assert "Fagsystem" in again.content.decode()
    assert Client().get(CONTRACTS, **bearer(token)).status_code == 200


def test_a_token_without_scopes_is_refused_in_danish_and_keeps_the_name(demo):
    r = logged_in(HOLBAEK_ADMIN).post(tokens_url("holbaek"), {"name": "Fagsystem"})
    assert r.status_code == 200
    assert "Vælg mindst én adgang." in r.content.decode()
    assert 'value="Fagsystem"' in r.content.decode()
    assert not ApiToken.objects.filter(organisation__slug="holbaek").exists()


def test_revoking_asks_first_then_refuses_the_token(demo):
    row, token = new_token("holbaek")
    client = logged_in(HOLBAEK_ADMIN)
    url = reverse("partnership:api_token_revoke", args=["holbaek", row.pk])
    asked = client.post(url, {"ask_first": "1"})
    assert asked.status_code == 200
    assert "Tilbagekald API-nøglen" in asked.content.decode()
    row.refresh_from_db()
    assert row.revoked_at is None
    client.post(url, {"ask_first": "1", "confirmed": "1"})
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert Client().get(CONTRACTS, **bearer(token)).status_code == 401


@pytest.mark.parametrize(
    "email", ["sagsbehandler.slagelse@portal.example", "leverandoer.a@portal.example"]
)
def test_only_the_organisations_admin_and_the_secretariat_see_the_tokens(demo, email):
    row, _token = new_token("holbaek")
    assert logged_in(email).get(tokens_url("holbaek")).status_code == 403
    revoke = reverse("partnership:api_token_revoke", args=["holbaek", row.pk])
    assert logged_in(email).post(revoke).status_code == 403
    assert logged_in("sekretariat@portal.example").get(tokens_url("holbaek")).status_code == 200
    # Holbæk's admin may not revoke Slagelse's token through Holbæk's address.
    other, _t = new_token("slagelse")
    foreign = reverse("partnership:api_token_revoke", args=["holbaek", other.pk])
    assert logged_in(HOLBAEK_ADMIN).post(foreign).status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None
