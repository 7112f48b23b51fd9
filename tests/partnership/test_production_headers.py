"""The production configuration, served for real: gunicorn with DEBUG off, a secret key,
HTTPS redirect, secure cookies and HSTS behind a TLS proxy, as docker-compose.yml runs it.
The headers are read off real HTTP responses, not off the test client."""

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def production_server(db):
    s = connection.settings_dict
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "CELERY_BROKER_URL", "CACHE_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:"
        f"{s['PORT'] or 5432}/{s['NAME']}",
        SECRET_KEY="production-like-secret-key-for-the-header-test-0123456789abcdef",
        ALLOWED_HOSTS="portal.example",
        SECURE_SSL_REDIRECT="1",
        SECURE_COOKIES="1",
        SECURE_HSTS_SECONDS="31536000",
        BEHIND_TLS_PROXY="1",
        # No collectstatic here: the plain storage instead of the manifest.
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
        WHITENOISE_USE_FINDERS="1",
    )
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(150):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(proc.stderr.read().decode()[-3000:])
                time.sleep(0.2)

        def get(path, https=True, host="portal.example"):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            headers = {"Host": host}
            if https:
                headers["X-Forwarded-Proto"] = "https"
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            conn.close()
            return response

        yield get
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.postgres
def test_production_responses_carry_the_security_headers(production_server):
    response = production_server("/konto/login/")
    assert response.status == 200
    csp = response.getheader("Content-Security-Policy")
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert (
        response.getheader("Strict-Transport-Security")
        == "max-age=31536000; includeSubDomains; preload"
    )
    assert response.getheader("Referrer-Policy") == "same-origin"
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert response.getheader("X-Frame-Options") == "DENY"
    cookies = response.headers.get_all("Set-Cookie") or []
    assert cookies and all("Secure" in c and "HttpOnly" in c for c in cookies if "session" in c)
    assert all("Secure" in c for c in cookies)


@pytest.mark.postgres
def test_plain_http_is_redirected_to_https_and_unknown_hosts_are_refused(production_server):
    response = production_server("/konto/login/", https=False)
    assert response.status == 301
    assert response.getheader("Location") == "https://portal.example/konto/login/"
    # A 404 in production is the portal's Danish page, with the same headers.
    missing = production_server("/findes-ikke/")
    assert missing.status == 404
    assert missing.getheader("Strict-Transport-Security")
    assert "unsafe-inline" not in missing.getheader("Content-Security-Policy")
    assert production_server("/konto/login/", host="evil.example").status == 400
