"""The authorization matrix (issue 7): every URL pattern the resolver knows is requested by
every role, with objects of the role's own organisation and of a foreign one, and must give
exactly the outcome tests/authz_matrix.py states. Deny by default: a 200 where the matrix
says deny fails, a 500 anywhere fails, and a URL without a matrix entry fails the suite."""

from __future__ import annotations

from http.cookies import SimpleCookie

import pytest
from django.db import transaction
from django.test import Client
from django.urls import path, reverse

from tests import authz_matrix as m

PATTERNS = m.collect_patterns()
MATRIX_PATTERNS = [p for p in PATTERNS if p.key in m.MATRIX]
RULE_PATTERNS = [p for p in PATTERNS if p.key not in m.MATRIX and m.rule_for(p.key)]
ROLE_NAMES = list(m.ROLES)

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def media_root(tmp_path_factory):
    return str(tmp_path_factory.mktemp("matrix-media"))


@pytest.fixture(autouse=True)
def _media_and_cache(settings, media_root):
    """Overrides the conftest fixture: the files of the module's world stay in one folder."""
    from django.core.cache import cache

    settings.MEDIA_ROOT = media_root
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, media_root):
    """The demo data and the matrix objects, built once for the module inside a transaction
    that is rolled back at the end (each test runs in a savepoint inside it)."""
    from django.conf import settings
    from django.test import override_settings

    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media_root):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            world = m.build_world()
            # Log every role in once; each test reuses the session (its changes roll back).
            world.session = {}
            client = Client()
            # An operator: a superuser with no role in the partnership, the only kind of
            # account that is staff (no portal role is, issue 11). Used by the admin rule.
            from partnership.models import User

            world.operator = User.objects.create_superuser("drift@matrix.example", "drift-2026!")
            for role, user in [*world.user.items(), ("operator", world.operator)]:
                client.cookies = SimpleCookie()
                client.force_login(user)
                world.session[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
            yield world
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


LOGIN_PATHS = (reverse("account_login"), reverse("admin:login"))
MFA_PATH = reverse("mfa_activate_totp")


def classify(response) -> str:
    """The outcome class of a response (see tests/authz_matrix.py)."""
    code = response.status_code
    if 200 <= code < 300:
        return m.OK
    if code in (301, 302, 303, 307, 308):
        location = response["Location"].split("?")[0]
        if location.startswith(LOGIN_PATHS):
            return m.LOGIN
        if location == MFA_PATH:
            return m.MFA
        return m.REDIRECT
    if code in (403, 404, 410):
        return m.DENY
    if code == 400:
        return m.REFUSED
    if code == 405:
        return m.METHOD
    if code == 401:
        return m.TOKEN
    return f"HTTP {code}"


def matches(expected: str, actual: str) -> bool:
    if expected == m.OK:
        return actual in (m.OK, m.REDIRECT)
    return expected == actual


@pytest.fixture(scope="module")
def client():
    """One test client for the module: building a client's middleware (WhiteNoise indexes
    every static file) is by far the slowest part of a request, so it is done once."""
    # Host as a browser sends it (python3-saml, federated login, reads it).
    return Client(HTTP_HOST="localhost")


def log_in_as(client, world, role: str) -> Client:
    from django.conf import settings

    client.cookies = SimpleCookie()
    if role in world.session:  # everyone but the anonymous person
        client.cookies[settings.SESSION_COOKIE_NAME] = world.session[role]
    return client


def describe(response) -> str:
    where = f" → {response['Location']}" if response.has_header("Location") else ""
    return f"HTTP {response.status_code}{where}"


def run_check(world, client, key: str, role: str, check: m.Check) -> str | None:
    """Request the URL as the role; a message if the outcome is not the expected one."""
    expected = check.roles[role]
    if check.skip_allowed and expected in (m.OK, m.REDIRECT):
        return None
    query = check.query(world) if callable(check.query) else check.query
    url = reverse(key, kwargs=check.kwargs(world)) + query
    before = check.state(world) if check.state else None
    data = check.data(world) if check.data else {}
    where = f"{check.method.upper()} {url} ({check.target or key}) as {role}"
    try:
        with transaction.atomic():
            response = getattr(client, check.method)(url, data)
    except Exception as exc:  # the test client re-raises what a view raised: a 500
        return f"{where}: SERVER ERROR {type(exc).__name__}: {exc}"
    if response.streaming:  # read it to the end: the client then closes the file
        response.getvalue()
    actual = classify(response)
    if actual.startswith("HTTP 5"):
        return f"{where}: SERVER ERROR {describe(response)}"
    if not matches(expected, actual):
        if actual == m.OK and response.status_code == 200:
            return (
                f"{where}: ACCESS HOLE? got 200 where the matrix says {expected!r}. "
                "Deny by default: fix the view, or change the matrix if this role may see it."
            )
        return f"{where}: expected {expected!r}, got {actual!r} ({describe(response)})"
    if check.state and expected != m.OK:  # refused (also a refusal by redirect)
        after = check.state(world)
        if after != before:
            return f"{where}: refused, but the database changed: {before!r} → {after!r}"
    return None


# --- Every pattern is in the matrix -----------------------------------------------------


def test_every_url_pattern_has_a_matrix_entry_or_rule():
    missing = m.uncovered(PATTERNS)
    assert not missing, m.coverage_message(missing)
    stale = m.unknown_entries(PATTERNS)
    assert not stale, f"Matrix entries for URL patterns that no longer exist: {stale}"


def test_the_coverage_guard_names_a_new_url_without_an_entry():
    """Adding a URL without a matrix entry fails the suite: the check above, run against the
    portal's URLs plus a named, an unnamed and a namespaced view nobody has classified."""
    from django.http import HttpResponse
    from django.urls import URLResolver, include
    from django.urls.resolvers import RegexPattern

    from config import urls as portal_urls

    def view(request):  # pragma: no cover - never requested
        return HttpResponse("hemmeligt")

    class FakeURLConf:
        urlpatterns = [
            *portal_urls.urlpatterns,
            path("ny-side/", view, name="ny_side"),
            path("uden-navn/<int:pk>/", view),
            path("nyt-modul/", include(([path("liste/", view, name="liste")], "nytmodul"))),
        ]

    resolver = URLResolver(RegexPattern(r"^/"), FakeURLConf)
    patterns = m.collect_patterns(resolver)
    missing = m.uncovered(patterns)
    assert missing == ["ny_side", "uden-navn/<int:pk>/", "nytmodul:liste"]
    message = m.coverage_message(missing)
    assert "ny_side" in message and "nytmodul:liste" in message and "MATRIX" in message
    # The real URLs are all there, so only the new ones are reported.
    assert {p.key for p in PATTERNS} <= {p.key for p in patterns}
    # A matrix entry or a rule covers a new pattern.
    patched = {**m.MATRIX, "ny_side": m.Entry(), "uden-navn/<int:pk>/": m.Entry()}
    assert m.uncovered(patterns, patched) == ["nytmodul:liste"]


def test_every_role_and_rule_is_exercised():
    """The matrix states an outcome for every role in every check (no silent gaps), and
    its MFA expectations rest on the paths RequireMFAMiddleware lets through."""
    from partnership.middleware import RequireMFAMiddleware

    assert RequireMFAMiddleware.allowed_prefixes == m.MFA_FREE_PREFIXES
    for key, entry in m.MATRIX.items():
        assert entry.checks, f"{key}: an entry without checks tests nothing"
        for check in entry.checks:
            assert set(check.roles) == set(m.ROLES), (key, check.target)
            assert set(check.roles.values()) <= m.OUTCOMES, (key, check.target)


def test_the_runner_reports_a_hole_a_500_and_a_refused_change(world, db, client):
    """The checks can fail: a page that is open where the matrix says deny, a server error,
    and a refused POST that changed the database are each reported."""
    from unittest import mock

    from partnership.models import Organisation

    dashboard = m.get(m.only(), target="the dashboard, wrongly marked as closed")
    log_in_as(client, world, "caseworker")
    problem = run_check(world, client, "partnership:dashboard", "caseworker", dashboard)
    assert problem and "ACCESS HOLE?" in problem and "as caseworker" in problem

    with mock.patch("partnership.views.render", side_effect=RuntimeError("boom")):
        problem = run_check(world, client, "partnership:dashboard", "caseworker", dashboard)
    assert problem and "SERVER ERROR RuntimeError: boom" in problem

    log_in_as(client, world, "anonymous")
    counter = iter(range(100))
    changed = m.get(m.only(), state=lambda w: next(counter), target="a changing snapshot")
    problem = run_check(world, client, "partnership:dashboard", "anonymous", changed)
    assert problem and "the database changed" in problem
    assert Organisation.objects.filter(slug="slagelse").exists()


# --- The matrix ---------------------------------------------------------------------------


@pytest.mark.parametrize("key", [p.key for p in MATRIX_PATTERNS])
def test_matrix(world, db, client, key):
    """Every role, every check of the pattern's entry; each role in a savepoint of its own
    (what an allowed POST changes is rolled back before the next role)."""
    problems = []
    for role in ROLE_NAMES:
        with transaction.atomic():
            log_in_as(client, world, role)
            for check in m.MATRIX[key].checks:
                problem = run_check(world, client, key, role, check)
                if problem:
                    problems.append(problem)
            transaction.set_rollback(True)
    assert not problems, f"{len(problems)} problem(s) with {key}:\n" + "\n".join(problems)


# --- The rule for Django's admin ---------------------------------------------------------

NOT_STAFF = {m.LOGIN, m.DENY}  # sent to the admin login (or refused): never a page
# Admin URLs whose plain GET is no page even for staff.
ADMIN_SPECIAL = {
    "admin:logout": {m.METHOD},  # logging out takes a POST
    "admin:autocomplete": {m.DENY},  # needs the app, model and field to search
    "admin:admin/(?P<url>.*)$": {m.DENY},  # the catch-all: an unknown admin page is a 404
    # The first tariff is published: nobody may delete it, not even in the admin.
    "admin:offers_tariff_delete": {m.DENY},
    # Invitations are sent and cancelled in the portal, under its rule for who gives which
    # role (partnership.permissions.can_grant_role): read-only in the admin (issue 11).
    "admin:partnership_invitation_add": {m.DENY},
    "admin:partnership_invitation_delete": {m.DENY},
}


def admin_url(world, pattern: m.Pattern) -> str:
    """A URL for an admin pattern, with the pk of a real object where it takes one."""
    import re

    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    if pattern.key == "admin:app_list":
        return reverse("admin:app_list", kwargs={"app_label": "partnership"})
    if pattern.key == "admin:view_on_site":
        ct = ContentType.objects.get_for_model(world.org["slagelse"])
        return reverse("admin:view_on_site", args=[ct.pk, world.org["slagelse"].pk])
    if pattern.key == "admin:admin/(?P<url>.*)$":
        return "/admin/findes-ikke/"
    route = pattern.route
    if "<" in route:
        _admin, app_label, model_name, *_rest = route.split("/")
        model = apps.get_model(app_label, model_name)
        obj = model._default_manager.order_by("pk").first()
        route = re.sub(r"<[^>]+>", str(obj.pk if obj else 0), route)
    return "/" + route


@pytest.mark.parametrize("key", [p.key for p in RULE_PATTERNS])
def test_admin_rule(world, db, client, key):
    """Every admin URL: anonymous people and every member, the secretariat included, are
    sent to the admin login (a POST to a delete page changes nothing); an operator (a
    superuser with no portal role) gets it."""
    from django.apps import apps

    pattern = next(p for p in RULE_PATTERNS if p.key == key)
    assert m.rule_for(key).prefix == "admin:"
    url = admin_url(world, pattern)
    deletes = key.endswith("_delete")
    model = None
    if deletes:
        _admin, app_label, model_name, *_rest = pattern.route.split("/")
        model = apps.get_model(app_label, model_name)
    problems = []
    for role in [*ROLE_NAMES, "operator"]:
        if key == "admin:logout" and role not in ("operator", "mfa_pending"):
            allowed = {m.REDIRECT}  # a GET only sends everyone to the admin's front page
        elif role == "anonymous":
            allowed = {m.LOGIN}
        elif role == "mfa_pending":
            allowed = {m.MFA}
        elif role == "operator":
            allowed = ADMIN_SPECIAL.get(key, {m.OK, m.REDIRECT})
        else:
            allowed = NOT_STAFF
        with transaction.atomic():
            log_in_as(client, world, role)
            methods = ["get", "post"] if deletes and role != "operator" else ["get"]
            for method in methods:
                before = model._default_manager.count() if model else None
                try:
                    with transaction.atomic():
                        response = getattr(client, method)(url, {"post": "yes"})
                except Exception as exc:
                    problems.append(f"{method.upper()} {url} as {role}: SERVER ERROR {exc!r}")
                    continue
                if response.streaming:
                    response.getvalue()
                actual = classify(response)
                if actual not in allowed:
                    hole = " ACCESS HOLE?" if actual == m.OK and role != "operator" else ""
                    problems.append(
                        f"{method.upper()} {url} as {role}:{hole} expected one of "
                        f"{sorted(allowed)}, got {actual!r} ({describe(response)})"
                    )
                if model and method == "post" and model._default_manager.count() != before:
                    problems.append(f"POST {url} as {role}: refused, but a row was deleted")
            transaction.set_rollback(True)
    assert not problems, f"{len(problems)} problem(s) with {key}:\n" + "\n".join(problems)


def test_admin_keeps_private_jobs_from_staff(world, db, client):
    """A contract PDF job is only for the person who ordered it (partnership.permissions.
    can_view_job): the admin must not hand staff, not even a superuser, its file (a signed
    S3 link) either."""
    log_in_as(client, world, "operator")
    change = client.get(reverse("admin:partnership_job_change", args=[world.job_private.pk]))
    assert change.status_code != 200, "the admin shows staff a private job"
    listing = client.get(reverse("admin:partnership_job_changelist")).content.decode()
    assert reverse("admin:partnership_job_change", args=[world.job_private.pk]) not in listing
    # A job the secretariat may see is still there.
    assert reverse("admin:partnership_job_change", args=[world.job.pk]) in listing
    ok = client.get(reverse("admin:partnership_job_change", args=[world.job.pk]))
    assert ok.status_code == 200
