"""The Server-Timing header bench/run reads: present with the request's query count only when
SERVER_TIMING=1 puts config.server_timing.ServerTimingMiddleware in MIDDLEWARE."""

import re
import runpy
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

MIDDLEWARE = "config.server_timing.ServerTimingMiddleware"
SETTINGS = Path(__file__).resolve().parent.parent / "config" / "settings.py"
HEADER = re.compile(r'^app;dur=(\d+\.\d+), db;dur=(\d+\.\d+);desc="(\d+) queries"$')


@pytest.fixture
def timing_on(settings):
    settings.MIDDLEWARE = [MIDDLEWARE, *settings.MIDDLEWARE]


@pytest.fixture
def member_client(client):
    client.force_login(MembershipFactory().user)
    return client


def _header(response) -> tuple[float, float, int]:
    found = HEADER.match(response.headers["Server-Timing"])
    assert found, response.headers["Server-Timing"]
    return float(found.group(1)), float(found.group(2)), int(found.group(3))


def test_the_header_counts_every_query_of_the_request(timing_on, member_client):
    with CaptureQueriesContext(connection) as ctx:
        response = member_client.get("/overblik/")
    assert response.status_code == 200
    app_ms, db_ms, queries = _header(response)
    assert queries == len(ctx.captured_queries)
    assert queries >= 3  # the session, the user and the memberships at least
    assert 0 < db_ms <= app_ms


def test_the_count_is_per_request(timing_on, member_client):
    """Two requests for the same page report the same count: it does not add up."""
    member_client.get("/overblik/")
    first = _header(member_client.get("/overblik/"))[2]
    second = _header(member_client.get("/overblik/"))[2]
    assert first == second


def test_a_request_without_queries_reports_none(timing_on, client):
    response = client.get("/static/does-not-exist.css")
    assert _header(response)[2] == 0


def test_no_header_when_not_enabled(member_client, settings):
    assert MIDDLEWARE not in settings.MIDDLEWARE
    response = member_client.get("/overblik/")
    assert response.status_code == 200
    assert "Server-Timing" not in response.headers


@pytest.mark.parametrize(
    ("value", "enabled"), [("1", True), ("0", False), (None, False)], ids=["1", "0", "unset"]
)
def test_settings_add_the_middleware_only_when_asked(monkeypatch, value, enabled):
    if value is None:
        monkeypatch.delenv("SERVER_TIMING", raising=False)
    else:
        monkeypatch.setenv("SERVER_TIMING", value)
    middleware = runpy.run_path(str(SETTINGS))["MIDDLEWARE"]
    assert (MIDDLEWARE in middleware) is enabled
    if enabled:
        assert middleware[0] == MIDDLEWARE  # first, so the whole chain is timed
