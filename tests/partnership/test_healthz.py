"""/healthz tells a load balancer whether this web process can serve: the database and the
broker, each "ok" or "fejl", 503 only when the database fails, and an answer also when a
server hangs instead of refusing."""

from __future__ import annotations

import os
import socket
import threading

import pytest
from django.db import connections

CLOSED_PORT = 6390  # nothing listens here on the test machines


@pytest.fixture
def silent_server():
    """A port that accepts connections and then never says a word: a hung server."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    yield sock.getsockname()[1]
    sock.close()


def _get_healthz(client):
    """GET /healthz in a thread, so a health check that hangs fails the test instead of
    hanging it."""
    result = {}
    thread = threading.Thread(target=lambda: result.update(r=client.get("/healthz")))
    thread.start()
    thread.join(30)
    assert not thread.is_alive(), "/healthz did not answer"
    return result["r"]


@pytest.mark.redis
def test_all_well_is_200_with_both_ok_without_login(client, db, settings):
    settings.CELERY_BROKER_URL = os.environ["CELERY_BROKER_URL"]
    response = _get_healthz(client)
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert "sessionid" not in response.cookies


def test_broker_refusing_is_200_degraded(client, db, settings):
    """Pages are still served without the broker, so the process stays in the pool."""
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{CLOSED_PORT}/5"
    response = _get_healthz(client)
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "fejl"}


def test_broker_hanging_is_200_degraded(client, db, settings, silent_server):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{silent_server}/5"
    response = _get_healthz(client)
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "fejl"}


def test_no_broker_configured_says_so(client, db, settings):
    settings.CELERY_BROKER_URL = ""
    assert _get_healthz(client).json() == {"database": "ok", "broker": "ikke i brug"}


@pytest.mark.postgres
def test_database_refusing_is_503_and_says_no_more_than_fejl(client, db, settings, monkeypatch):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{CLOSED_PORT}/5"
    # The test's own connection is open and stays so; new connections go nowhere.
    monkeypatch.setitem(connections.settings["default"], "PORT", str(CLOSED_PORT))
    response = _get_healthz(client)
    assert response.status_code == 503
    assert response.json() == {"database": "fejl", "broker": "fejl"}
    assert b"refused" not in response.content.lower()


@pytest.mark.postgres
def test_database_hanging_is_503(client, db, settings, monkeypatch, silent_server):
    settings.CELERY_BROKER_URL = ""
    monkeypatch.setitem(connections.settings["default"], "PORT", str(silent_server))
    response = _get_healthz(client)
    assert response.status_code == 503
    assert response.json() == {"database": "fejl", "broker": "ikke i brug"}


def test_a_load_balancer_may_probe_over_plain_http(client, db, settings):
    """With SECURE_SSL_REDIRECT every page moves to https, but not the health check."""
    settings.SECURE_SSL_REDIRECT = True
    settings.CELERY_BROKER_URL = ""
    assert client.get("/").status_code == 301
    response = _get_healthz(client)
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
