"""The production configuration, served for real: gunicorn with DEBUG off, a secret key,
HTTPS redirect, secure cookies and HSTS behind a TLS proxy, as docker-compose.yml runs it.
The headers are read off real HTTP responses, not off the test client."""

import http.client

import pytest
from django.test import Client
from django.urls import reverse

from partnership.models import Job, JobStatus
from tests.factories import demo_user
from tests.partnership.test_faults import start_web, stop_web

PRODUCTION_KEY = "production-like-secret-key-for-the-header-test-0123456789abcdef"


@pytest.fixture
def production_server(db, settings, tmp_path):
    # The same key here and in gunicorn, so a session made by this process logs in there.
    settings.SECRET_KEY = PRODUCTION_KEY
    proc, base = start_web(
        settings,
        str(tmp_path / "gunicorn.log"),
        SECRET_KEY=PRODUCTION_KEY,
        ALLOWED_HOSTS="portal.example",
        SECURE_SSL_REDIRECT="1",
        SECURE_COOKIES="1",
        SECURE_HSTS_SECONDS="31536000",
        BEHIND_TLS_PROXY="1",
    )
    port = int(base.rsplit(":", 1)[1])

    def get(path, https=True, host="portal.example", session=None):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Host": host}
        if https:
            headers["X-Forwarded-Proto"] = "https"
        if session:
            headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={session}"
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.body = response.read()
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


def _session_of(email: str) -> str:
    client = Client()
    client.force_login(demo_user(email))
    return client.cookies["sessionid"].value


def _assert_isolated(response) -> None:
    """The browser features the portal never uses are off, and other sites can neither
    embed its responses nor keep a handle on its windows."""
    policy = response.getheader("Permissions-Policy") or ""
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "display-capture"):
        assert f"{feature}=()" in policy, feature
    assert response.getheader("Cross-Origin-Resource-Policy") == "same-origin"
    assert response.getheader("Cross-Origin-Opener-Policy") == "same-origin"


@pytest.mark.postgres
def test_anonymous_public_pages_carry_the_permissions_and_cross_origin_policies(
    production_server,
):
    for path in ("/tilgaengelighed/", "/konto/login/"):
        response = production_server(path)
        assert response.status == 200, path
        _assert_isolated(response)
    # Nothing private on it, so the public statement may be cached.
    public = production_server("/tilgaengelighed/")
    assert "no-store" not in (public.getheader("Cache-Control") or "")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_what_a_logged_in_person_sees_or_downloads_is_never_stored(demo, production_server):
    """Pages and private downloads (here the member list PDF a worker rendered, the route
    every job PDF and the contract PDF go through) carry no-store; static files keep
    being cached even for a logged-in person."""
    secretariat = Client()
    secretariat.force_login(demo_user("sekretariat@portal.example"))
    secretariat.post(reverse("partnership:member_list_order"))
    job = Job.objects.latest("pk")
    assert job.status == JobStatus.DONE, job.error
    session = secretariat.cookies["sessionid"].value

    page = production_server(reverse("partnership:dashboard"), session=session)
    assert page.status == 200 and b"Logget ind som" in page.body
    download = production_server(
        reverse("partnership:job_download", args=[job.pk]), session=session
    )
    assert download.status == 200 and download.body.startswith(b"%PDF")
    for response in (page, download):
        assert "no-store" in response.getheader("Cache-Control")
        _assert_isolated(response)

    caseworker = _session_of("sagsbehandler.slagelse@portal.example")
    search = production_server(reverse("offers:search"), session=caseworker)
    assert search.status == 200 and "no-store" in search.getheader("Cache-Control")

    static = production_server("/static/portal/portal.css", session=session)
    assert static.status == 200
    assert "no-store" not in (static.getheader("Cache-Control") or "")
    assert "max-age" in static.getheader("Cache-Control")
    _assert_isolated(static)
