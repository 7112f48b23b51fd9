"""The authorization matrix of the API (issue 16): every operation of the generated OpenAPI
schema × every kind of caller (no token, an unknown token, a revoked token, a token of
another organisation, a token without the scope the operation needs, the right token) ×
foreign objects (another organisation's contracts, meetings and closed agenda items never
appear; case references only with the scope 'sagsreferencer'; a draft offer nowhere).

An operation in the schema without an entry in OPERATIONS below fails the suite, as a URL
without an entry in tests/authz_matrix.py does: a new operation is declared public (open
data: anyone, no token) or a member operation (the scope it needs and how to read which
objects a response shows). Deny by default."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

from api import v1
from contracts import services as contract_services
from meetings import services as meeting_services
from offers.selectors import current_year
from partnership import services
from partnership.models import ApiScope, Organisation
from tests.factories import (
    CASEWORKER,
    CASEWORKER_NAESTVED,
    SECRETARIAT,
    demo_org,
    demo_user,
    make_contract,
    make_meeting,
    make_offer,
    pl_rates,
    publish,
)

# --- The callers ----------------------------------------------------------------------------

ANONYMOUS = "no token"
UNKNOWN = "an unknown token"
REVOKED = "Næstved's revoked token"
OTHER_ORGANISATION = "Slagelse's token (every scope)"
WITHOUT_SCOPE = "Næstved's token without the scope"
RIGHT = "Næstved's token with the scope"
CALLERS = [ANONYMOUS, UNKNOWN, REVOKED, OTHER_ORGANISATION, WITHOUT_SCOPE, RIGHT]


# --- The matrix -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Public:
    """Open data: every caller gets 200, with or without a token (a token changes nothing).
    `args` fills the path's parameters; `hidden(w, response)` names what must never be in
    it (a draft offer); `unpublished` the parameters of a draft, a 404 for every caller."""

    args: Callable[[Any], dict[str, Any]] = lambda w: {}
    hidden: Callable[[Any, Any], bool] | None = None
    unpublished: Callable[[Any], dict[str, Any]] | None = None


@dataclass(frozen=True)
class Member:
    """An organisation's own data, for its token with `scope` only: no token, an unknown or
    revoked one 401; a token of the organisation without the scope 403; the right token
    200, showing the organisation's own objects and none of another's (and a token of the
    other organisation shows the other's and none of Næstved's). `shows(w, response)` is the
    set of the world's object names a response shows. `reveals` maps a further scope to
    what only a token with it may see (`reveals[scope](w, response)` is True when shown)."""

    scope: str
    kind: str  # of the world's objects: "contract" or "meeting"
    shows: Callable[[Any, Any], set[str]]
    reveals: dict[str, Callable[[Any, Any], bool]] = field(default_factory=dict)
    args: Callable[[Any], dict[str, Any]] = lambda w: {}


def _ids(key: str) -> Callable[[Any, Any], set[str]]:
    def shows(w: Any, response: Any) -> set[str]:
        ids = {row["id"] for row in response.json()[key]}
        return {name for name, pk in w.ids.items() if pk in ids}

    return shows


def _meetings(w: Any, response: Any) -> set[str]:
    rows = response.json()["moeder"]
    ids = {m["id"] for m in rows}
    titles = {item["overskrift"] for m in rows for item in m["dagsorden"]}
    return {n for n, pk in w.ids.items() if pk in ids} | {
        n for n, title in w.titles.items() if title in titles
    }


def _calendar(w: Any, response: Any) -> set[str]:
    text = response.content.decode().replace("\r\n ", "")  # unfolded (RFC 5545 3.1)
    return {n for n, title in w.titles.items() if title in text} | {
        n for n, title in w.meeting_titles.items() if title in text
    }


def _case_reference(w: Any, response: Any) -> bool:
    return any(row["sagsreference"] for row in response.json()["kontrakter"])


OPERATIONS: dict[str, Public | Member] = {
    "GET /api/v1/offers": Public(hidden=lambda w, r: w.draft_offer.pk in _offer_ids(r)),
    "GET /api/v1/offers/{offer_id}": Public(
        args=lambda w: {"offer_id": w.offer.pk},
        unpublished=lambda w: {"offer_id": w.draft_offer.pk},
    ),
    "GET /api/v1/pl-rates": Public(),
    "GET /api/v1/tariff-development": Public(
        hidden=lambda w, r: w.draft_offer.name in r.content.decode()
    ),
    "GET /api/v1/contracts": Member(
        scope=ApiScope.CONTRACTS,
        kind="contract",
        shows=_ids("kontrakter"),
        reveals={ApiScope.CASE_REFERENCES: _case_reference},
    ),
    "GET /api/v1/meetings": Member(scope=ApiScope.MEETINGS, kind="meeting", shows=_meetings),
    "GET /api/v1/calendar": Member(scope=ApiScope.MEETINGS, kind="meeting", shows=_calendar),
}


def _offer_ids(response: Any) -> set[int]:
    return {o["id"] for o in response.json()["tilbud"]}


def schema_operations(schema: dict[str, Any]) -> list[str]:
    return [
        f"{method.upper()} {path}"
        for path, item in schema["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete", "head", "options")
    ]


def uncovered(operations: list[str], matrix: dict[str, Any] = OPERATIONS) -> list[str]:
    return [op for op in operations if op not in matrix]


SCHEMA = v1.api.get_openapi_schema()
SCHEMA_OPERATIONS = schema_operations(SCHEMA)


def test_every_operation_of_the_schema_has_an_entry():
    missing = uncovered(SCHEMA_OPERATIONS)
    assert not missing, (
        f"API operations without an entry in OPERATIONS ({__name__}): {missing}. Declare each "
        "Public (open data, anyone) or Member (the token's scope, and what it shows)."
    )
    stale = sorted(set(OPERATIONS) - set(SCHEMA_OPERATIONS))
    assert not stale, f"Entries for operations that are no longer in the schema: {stale}"


def test_the_coverage_guard_names_a_new_operation():
    schema = {
        **SCHEMA,
        "paths": {**SCHEMA["paths"], "/api/v1/ny": {"get": {}, "post": {}}},
    }
    assert uncovered(schema_operations(schema)) == ["GET /api/v1/ny", "POST /api/v1/ny"]


@pytest.mark.parametrize("operation", SCHEMA_OPERATIONS)
def test_the_schema_says_who_may_call_each_operation(operation):
    method, path = operation.split(" ", 1)
    declared = SCHEMA["paths"][path][method.lower()]
    entry = OPERATIONS[operation]
    assert {"304", "429"} <= set(declared["responses"]), operation  # ETag, rate limits
    if isinstance(entry, Public):
        assert "security" not in declared, f"{operation} is public in the matrix"
    else:
        assert declared.get("security"), f"{operation} needs a token: the schema must say so"
        assert {"401", "403"} <= set(declared["responses"]), operation


# --- The world ------------------------------------------------------------------------------


@pytest.fixture
def world(demo):
    """Næstved's objects and Slagelse's (the other organisation), and the callers' tokens."""
    w = SimpleNamespace(ids={}, titles={}, meeting_titles={})
    secretariat = demo_user(SECRETARIAT)
    year = current_year()
    pl_rates()
    w.offer = make_offer(name="Åbrinken")
    publish(w.offer, year - 1, "2300")
    publish(w.offer, year, "2400")
    w.draft_offer = make_offer(name="Kladden Ingen Må Se", status="draft")

    # Contracts: Næstved's, sent and a draft (with case references); Slagelse's, sent.
    naestved_sent = make_contract(offer=w.offer)
    contract_services.send_to_provider(contract=naestved_sent, by=demo_user(CASEWORKER_NAESTVED))
    naestved_draft = make_contract(offer=w.offer)
    slagelse_sent = make_contract(offer=w.offer, buyer_slug="slagelse", email=CASEWORKER)
    contract_services.send_to_provider(contract=slagelse_sent, by=demo_user(CASEWORKER))
    w.ids |= {
        "own contract": naestved_sent.pk,
        "own draft contract": naestved_draft.pk,
        "foreign contract": slagelse_sent.pk,
    }
    w.own = {"contract": {"own contract", "own draft contract"}}
    w.foreign = {"contract": {"foreign contract"}}

    # Meetings: one for Næstved only, one for Slagelse only, one for both with an item
    # closed to each.
    naestved, slagelse = demo_org("naestved"), demo_org("slagelse")

    def meeting(title: str, invited: list[Organisation], items=()):
        m = make_meeting(secretariat, title=title)
        for number, (item_title, closed_to) in enumerate(items, start=1):
            meeting_services.save_agenda_item(
                meeting=m,
                fields={
                    "number": str(number),
                    "kind": "orientering",
                    "title": item_title,
                    "description": "",
                    "presenters_text": "",
                    "duration_minutes": 10,
                },
                restricted_to=closed_to,
                by=secretariat,
            )
        meeting_services.invite(meeting=m, organisations=invited, people=[], by=secretariat)
        meeting_services.send_invitations(meeting=m, by=secretariat)
        return m

    own = meeting("Næstveds eget møde", [naestved], [("Velkomst", [])])
    foreign = meeting("Slagelses eget møde", [slagelse], [("Velkomst", [])])
    meeting(
        "Fælles møde",
        [naestved, slagelse],
        [
            ("Velkomst", []),
            ("Næstveds lukkede punkt", [naestved]),
            ("Slagelses lukkede punkt", [slagelse]),
        ],
    )
    w.ids |= {"own meeting": own.pk, "foreign meeting": foreign.pk}
    w.meeting_titles = {"own meeting": own.title, "foreign meeting": foreign.title}
    w.titles = {
        "own closed item": "Næstveds lukkede punkt",
        "foreign closed item": "Slagelses lukkede punkt",
    }
    w.own["meeting"] = {"own meeting", "own closed item"}
    w.foreign["meeting"] = {"foreign meeting", "foreign closed item"}

    def token(slug: str, scopes: list[str]) -> str:
        _row, secret = services.create_api_token(
            organisation=demo_org(slug), name="Fagsystem", scopes=scopes, by=secretariat
        )
        return secret

    def token_without(scope: str) -> str:
        """Næstved's token with every scope but `scope` and those that give it too (the
        service adds 'kontrakter' to 'sagsreferencer')."""

        def gives(other: str) -> bool:
            row, _secret = services.create_api_token(
                organisation=naestved, name="Prøve", scopes=[other], by=secretariat
            )
            return row.allows(scope)

        return token("naestved", [s for s in ApiScope.values if not gives(s)])

    every = list(ApiScope.values)
    w.token = token
    w.token_without = token_without
    revoked_row, w.revoked = services.create_api_token(
        organisation=naestved, name="Gammel", scopes=every, by=secretariat
    )
    services.revoke_api_token(api_token=revoked_row, by=secretariat)
    w.other = token("slagelse", every)
    return w


def bearer(token: str | None) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}


def token_of(w: Any, caller: str, entry: Public | Member) -> str | None:
    if caller in (WITHOUT_SCOPE, RIGHT) and isinstance(entry, Public):
        return w.token("naestved", list(ApiScope.values))
    if caller == WITHOUT_SCOPE:
        return w.token_without(entry.scope)
    if caller == RIGHT:
        return w.token("naestved", [entry.scope])
    return {ANONYMOUS: None, UNKNOWN: "ikke-en-rigtig-noegle", REVOKED: w.revoked}.get(
        caller, w.other
    )


def expected_status(caller: str, entry: Public | Member) -> int:
    if isinstance(entry, Public):
        return 200
    return {
        ANONYMOUS: 401,
        UNKNOWN: 401,
        REVOKED: 401,
        OTHER_ORGANISATION: 200,
        WITHOUT_SCOPE: 403,
        RIGHT: 200,
    }[caller]


def check_caller(w: Any, operation: str, caller: str) -> list[str]:
    """What is wrong with the operation's answer to the caller (nothing: [])."""
    entry = OPERATIONS[operation]
    _method, template = operation.split(" ", 1)
    headers = bearer(token_of(w, caller, entry))
    client = Client()
    where = f"{operation} as {caller}"
    path = template.format(**entry.args(w))
    response = client.get(path, **headers)
    problems: list[str] = []
    expected = expected_status(caller, entry)
    if response.status_code != expected:
        return [
            f"{where}: expected {expected}, got {response.status_code}: {response.content[:300]!r}"
        ]
    if expected != 200:
        if response["Content-Type"] != "application/problem+json":
            problems.append(f"{where}: the refusal is not problem+json")
        return problems
    if isinstance(entry, Public):
        if entry.hidden and entry.hidden(w, response):
            problems.append(f"{where}: shows the draft offer")
        if entry.unpublished:
            r = client.get(template.format(**entry.unpublished(w)), **headers)
            if r.status_code != 404:
                problems.append(f"{where}: a draft offer gives {r.status_code}, not 404")
        return problems
    shown = entry.shows(w, response)
    own, foreign = w.own[entry.kind], w.foreign[entry.kind]
    mine, theirs = (own, foreign) if caller == RIGHT else (foreign, own)
    if not mine <= shown:
        problems.append(f"{where}: does not show its own {sorted(mine - shown)}")
    if shown & theirs:
        problems.append(f"{where}: shows another organisation's {sorted(shown & theirs)}")
    if caller == RIGHT:
        for scope, revealed in entry.reveals.items():
            if revealed(w, response):
                problems.append(f"{where}: shows what only the scope '{scope}' may see")
            wider = client.get(path, **bearer(w.token("naestved", [entry.scope, scope])))
            if not revealed(w, wider):
                problems.append(f"{where}: the scope '{scope}' does not show what it should")
    return problems


@pytest.mark.parametrize("operation", SCHEMA_OPERATIONS)
def test_every_caller_of_every_operation(world, operation):
    if operation not in OPERATIONS:
        pytest.fail(f"{operation} has no entry in OPERATIONS")
    problems = [p for caller in CALLERS for p in check_caller(world, operation, caller)]
    assert not problems, "\n".join(problems)
