"""The production configuration, served for real: gunicorn with DEBUG off, a secret key,
HTTPS redirect, secure cookies and HSTS behind a TLS proxy, as docker-compose.yml runs it.
The headers are read off real HTTP responses, not off the test client."""

import http.client

import pytest

from tests.partnership.test_faults import start_web, stop_web


@pytest.fixture
def production_server(db, settings, tmp_path):
    proc, base = start_web(
        settings,
        str(tmp_path / "gunicorn.log"),
        SECRET_KEY="production-like-secret-key-for-the-header-test-0123456789abcdef",
        ALLOWED_HOSTS="portal.example",
        SECURE_SSL_REDIRECT="1",
        SECURE_COOKIES="1",
        SECURE_HSTS_SECONDS="31536000",
        BEHIND_TLS_PROXY="1",
    )
    port = int(base.rsplit(":", 1)[1])

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

    try:
        yield get
    finally:
        stop_web(proc)


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
