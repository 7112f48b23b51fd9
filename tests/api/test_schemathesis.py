"""`schemathesis run` over the API's generated schema finds no failure (issue 16): the real
command line, as a newcomer would run it, against the live portal with a small world in
every list (offers, tariff versions, contracts, a meeting) and a token of Næstved's with
every scope. Every operation, every check schemathesis has but one (below): no server error,
each status code, content type and header declared, each body valid against its schema, auth
required where the schema says so, invalid input refused; a bounded number of examples per
operation, derandomized: the same requests on every run."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api import auth, problems, v1
from contracts import services as contract_services
from offers.models import AnswerKind, DeclarationAnswer, DeclarationQuestion, VacancyReport
from offers.selectors import current_year
from partnership import services
from partnership.models import ApiScope, ApiToken
from tests.factories import (
    CASEWORKER_NAESTVED,
    demo_org,
    demo_user,
    make_contract,
    make_offer,
    pl_rates,
    publish,
)
from tests.meetings.conftest import setup  # noqa: F401

SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))
# Examples per operation and phase: enough to reach every parameter's edges, few enough that
# the run takes well under a minute on a 2-core machine.
MAX_EXAMPLES = 30


@pytest.fixture
def world(live_server, setup):  # noqa: F811 - the meeting of tests/meetings/conftest.py
    """A small world with something in every list: published offers with tariff versions,
    add-ons, a declaration and vacancies, a draft offer, the PL rates; a contract of Næstved's
    sent to the provider and a draft; the meeting Næstved is invited to, with a closed item.
    And a token of Næstved's that may read everything (contracts, case references, meetings).
    """
    year = current_year()
    pl_rates()
    offer = make_offer(name="Åbrinken", places=12)
    VacancyReport.objects.create(offer=offer, vacant=2, reported_on=timezone.localdate())
    DeclarationAnswer.objects.create(
        offer=offer,
        question=DeclarationQuestion.objects.get(key="transport"),
        answer=AnswerKind.INCLUDED,
    )
    publish(offer, year - 1, "2000", addons=[("Ledsagelse", "350.00", "hour")])
    publish(offer, year, "2450", addons=[("Kørsel", None, "individual")])
    publish(offer, year, "2500", version=2, reason="Regnefejl i belægningen")
    publish(make_offer(name="Egehuset", paragraphs=["SEL § 85"]), year, "61000", unit="month")
    make_offer(name="Uden takst")
    make_offer(name="Kladde", status="draft")
    sent = make_contract(offer=offer)
    contract_services.send_to_provider(contract=sent, by=demo_user(CASEWORKER_NAESTVED))
    make_contract(offer=offer)
    _row, token = services.create_api_token(
        organisation=demo_org("naestved"),
        name="Schemathesis",
        scopes=list(ApiScope.values),
        by=demo_user("sekretariat@portal.example"),
    )
    return token


@pytest.fixture
def no_rate_limits(monkeypatch):
    """The limits are tested on their own (tests/api/); here every request reaches the
    operation, so that no example is spent on a 429."""
    for throttle in (v1.THROTTLE, *auth.TOKEN_THROTTLES):
        monkeypatch.setattr(throttle, "num_requests", 1_000_000)


def schemathesis(
    live_server, token: str, cwd: Path, *extra: str, max_examples: int = MAX_EXAMPLES
) -> subprocess.CompletedProcess:
    """The command line run against the live server; its output is kept in the test's
    folder (schemathesis.log, with its warnings) as well as shown by a failing assertion."""
    run = subprocess.run(
        [
            SCHEMATHESIS,
            "run",
            f"{live_server.url}{reverse('api:openapi-json')}",
            "--url",
            live_server.url,
            "--checks",
            "all",
            # Except "every request the schema allows is accepted": the schema cannot list the
            # values the database holds (paragraf, maalgruppe, kommune, branche) nor what an
            # opaque cursor from `next` is; an unknown one is a 400 on purpose.
            "--exclude-checks",
            "positive_data_acceptance",
            # The phases against the schema; not `stateful`, which chains operations by links
            # (this API only reads: nothing a request makes for the next), some 40 s more.
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            str(max_examples),
            "--generation-deterministic",
            "--workers",
            "1",
            "--request-timeout",
            "20",
            "--header",
            f"Authorization: Bearer {token}",
            "--no-color",
            *extra,
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    (cwd / "schemathesis.log").write_text(run.stdout + run.stderr)
    return run


def test_schemathesis_finds_no_failure(live_server, world, no_rate_limits, tmp_path):
    client = Client()
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {world}"}
    # The member operations have rows to show (an empty list would prove little).
    assert client.get(reverse("api:contract_list"), **bearer).json()["kontrakter"]
    assert client.get(reverse("api:meeting_list"), **bearer).json()["moeder"]
    started = time.monotonic()
    run = schemathesis(live_server, world, tmp_path)
    seconds = time.monotonic() - started
    output = run.stdout + run.stderr
    assert run.returncode == 0, f"schemathesis failed ({seconds:.0f} s):\n{output}"
    # Every operation of the schema was tested, none skipped.
    schema = client.get(reverse("api:openapi-json")).json()
    operations = sum(len(item) for item in schema["paths"].values())
    assert f"{operations} selected" in output, output


def _problem_without_title(request):
    return HttpResponse(
        json.dumps({"status": 404}), status=404, content_type=problems.PROBLEM_CONTENT_TYPE
    )


def _any_token(self, request, token):
    return ApiToken.objects.first()


@pytest.mark.parametrize(
    ("target", "broken", "path", "found"),
    [
        # A 404 whose body is not the declared problem details.
        (problems, ("not_found", _problem_without_title), "/api/v1/offers/{offer_id}", "ST108"),
        # A member operation that lets anyone in, whatever the token.
        (auth.OrganisationToken, ("authenticate", _any_token), "/api/v1/contracts", "ST401"),
    ],
    ids=["response-not-as-declared", "auth-ignored"],
)
def test_schemathesis_fails_on_a_broken_api(
    live_server, world, no_rate_limits, tmp_path, monkeypatch, target, broken, path, found
):
    """The run above would catch a defect: the same command, on one operation broken in the
    live server (which runs in this process), exits non-zero and names the failure."""
    monkeypatch.setattr(target, *broken)
    run = schemathesis(live_server, world, tmp_path, "--include-path", path, max_examples=5)
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    assert found in output, output
