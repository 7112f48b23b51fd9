"""Shared fixtures. Tests that need Redis or the browser carry a marker; they are skipped
where the service is missing, unless PORTAL_REQUIRE_SERVICES=1 (as in .ci/run), where a
missing service fails them instead. The database is always PostgreSQL (DATABASE_URL, or the
development database of config/devdb.py); the `postgres` marker only names the tests that
use what is PostgreSQL's own (triggers, full-text search, pg_dump, roles).

The suite runs on a clock of its own: today at 10:00 in Copenhagen, or the day named by
PORTAL_TEST_TODAY=YYYY-MM-DD, moving on from there (time-machine, started before the test
database is created and before tests are collected). Tests take their dates relative to it
(`today` fixture, timezone.localdate()); the processes they start share it (`child_env`)."""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.utils import timezone

REQUIRE_SERVICES = os.environ.get("PORTAL_REQUIRE_SERVICES") == "1"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

# --- The database's durability -------------------------------------------------------------
# Every connection the tests open, and those of the processes they start (libpq reads
# PGOPTIONS), commits without waiting for the WAL to reach the disk: a crash of the machine
# loses a test database, nothing else. The transactional tests commit at every request.
os.environ["PGOPTIONS"] = " ".join(
    filter(None, [os.environ.get("PGOPTIONS", ""), "-c synchronous_commit=off"])
)

# --- The clock ------------------------------------------------------------------------------

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def suite_today() -> dt.date:
    """The day the suite runs on: PORTAL_TEST_TODAY, else the real date in Copenhagen."""
    value = os.environ.get("PORTAL_TEST_TODAY", "").strip()
    if not value:
        return dt.datetime.now(COPENHAGEN).date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise pytest.UsageError(f"PORTAL_TEST_TODAY={value!r} is not a date (YYYY-MM-DD)") from None


# The clock starts as this file is loaded: pytest loads it before the other conftest files
# (which may read the date as they load) and before it creates the test database or
# collects a test. It travels to 10:00 on the test day; tick=True lets time move on from
# there, so timeouts, sessions, TOTP codes and rate limits behave as they would.
# time.monotonic() and time.perf_counter() are not faked (time-machine 3), so waiting loops
# measure real seconds, even in a test that stops the clock with travel(..., tick=False).
CLOCK_START = dt.datetime.combine(suite_today(), dt.time(10, 0), tzinfo=COPENHAGEN)
_clock = time_machine.travel(CLOCK_START, tick=True)
_clock.start()


def pytest_unconfigure(config: pytest.Config) -> None:
    _clock.stop()


def pytest_report_header(config: pytest.Config) -> str:
    source = "PORTAL_TEST_TODAY" if os.environ.get("PORTAL_TEST_TODAY") else "the real date"
    return f"clock: starts at {CLOCK_START.isoformat()} ({source}) and ticks"


@pytest.fixture
def today() -> dt.date:
    """Today on the test clock, in the portal's time zone."""
    return timezone.localdate()


DANISH_MONTHS = (
    "januar februar marts april maj juni juli august september oktober november december"
)


def danish_date(day: dt.date) -> str:
    """A date as pages and e-mails write it (24. november 2026), for tests whose dates are
    relative to the clock: written out here, not taken from the code under test."""
    return f"{day.day}. {DANISH_MONTHS.split()[day.month - 1]} {day.year}"


def child_env(*, drop: Iterable[str] = (), **overrides: object) -> dict[str, str]:
    """The environment for a process a test starts (Celery worker, gunicorn, one-off Python):
    this process's, less what only the test process needs, with `overrides`, and
    PORTAL_FAKE_NOW: the test clock's time and the real time now, from which
    config/settings.py sets the process's clock as it starts, so it shares the suite's clock
    (a gunicorn worker started later too)."""
    # Workers and web processes log in as the application role only: the owner's
    # credentials stay with the test process (partnership/db_roles.py).
    removed = {"DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_OWNER_URL", *drop}
    env = {k: v for k, v in os.environ.items() if k not in removed}
    env.update({k: str(v) for k, v in overrides.items()})
    real_now = time_machine.escape_hatch.datetime.datetime.now(dt.UTC)
    env["PORTAL_FAKE_NOW"] = f"{timezone.now().isoformat()}@{real_now.isoformat()}"
    return env


# --- Services -------------------------------------------------------------------------------


def _missing(reason: str):
    if REQUIRE_SERVICES:
        pytest.fail(f"Required service missing: {reason}", pytrace=False)
    pytest.skip(reason)


def _redis_available() -> str | None:
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("redis"):
        return "CELERY_BROKER_URL is not a Redis URL"
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:  # pragma: no cover - depends on the machine
        return f"Redis not reachable: {exc}"
    return None


def pytest_runtest_setup(item):
    if item.get_closest_marker("redis"):
        problem = _redis_available()
        if problem:
            _missing(problem)
    if item.get_closest_marker("browser"):
        if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
            _missing(f"needs Chromium at {CHROMIUM} (apt-get install chromium)")


# --- Tests that stop a server others use -----------------------------------------------------
# `make test` runs the suite in two processes (pytest-xdist), and other runs may share the
# machine's PostgreSQL. A test marked `alone` (it restarts that server) runs while no other
# test does: it takes a lock exclusively, every other test holds it shared while it runs.
# The gate keeps tests from slipping in while it waits. Locks are files under the temporary
# folder, so they hold across processes and runs on this machine.
_ALONE_GATE = os.path.join(tempfile.gettempdir(), "portal-tests-alone-gate.lock")
_ALONE_ROOM = os.path.join(tempfile.gettempdir(), "portal-tests-alone-room.lock")


@pytest.fixture(autouse=True)
def _alone_or_together(request):
    from django.db import connections

    with open(_ALONE_GATE, "a") as gate, open(_ALONE_ROOM, "a") as room:
        if request.node.get_closest_marker("alone"):
            fcntl.flock(gate, fcntl.LOCK_EX)
            fcntl.flock(room, fcntl.LOCK_EX)
            fcntl.flock(gate, fcntl.LOCK_UN)
        else:
            fcntl.flock(gate, fcntl.LOCK_SH)
            fcntl.flock(room, fcntl.LOCK_SH)
            fcntl.flock(gate, fcntl.LOCK_UN)
            # A connection that a restart by an `alone` test cut off is opened again.
            for conn in connections.all(initialized_only=True):
                if conn.connection is not None and not conn.in_atomic_block:
                    if not conn.is_usable():
                        conn.close()
        try:
            yield
        finally:
            fcntl.flock(room, fcntl.LOCK_UN)


# --- The test database ----------------------------------------------------------------------

_test_database_lock = None  # held open for the whole run


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> None:
    """A test database of this run's own: test_<name>, or test_<name>_2, _3, ... while
    other runs on this machine hold those (two `make test` at once on the development
    database would otherwise drop each other's). A lock file per name, held until this
    process ends, says which are taken."""
    global _test_database_lock
    db = django_settings.DATABASES["default"]
    base = db.get("TEST", {}).get("NAME") or f"test_{db['NAME']}"
    server = hashlib.sha256(f"{db.get('HOST')}:{db.get('PORT')}:{base}".encode()).hexdigest()
    for slot in range(1, 100):
        path = os.path.join(tempfile.gettempdir(), f"portal-testdb-{server[:16]}-{slot}.lock")
        handle = open(path, "a")  # noqa: SIM115 - held until the run ends
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        _test_database_lock = handle
        db.setdefault("TEST", {})["NAME"] = base if slot == 1 else f"{base}_{slot}"
        return
    raise RuntimeError(f"99 test runs hold {base}_*")


@pytest.fixture(autouse=True)
def _media_and_cache(settings, tmp_path):
    """Every test writes files to its own folder and starts with an empty cache (so rate
    limits and used TOTP codes do not leak between tests)."""
    from django.core.cache import cache

    from offers.search.selectors import forget_compiled_searches
    from partnership.cache import forget_process_copies

    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    forget_process_copies()
    forget_compiled_searches()
    yield
    cache.clear()
    forget_process_copies()
    forget_compiled_searches()


# The data migrations that write reference data, in migration order: a database emptied by
# a transactional test gets it again from them (their `forward`), as `migrate` wrote it.
REFERENCE_DATA_MIGRATIONS = (
    "offers.migrations.0003_reference_data",
    "offers.migrations.0010_search_synonyms",
    "offers.migrations.0012_declaration_versions",
    # 0009, not 0002: the templates' triggers (0009) refuse 0002's inserts into a
    # published template; 0009 builds a missing one as a draft, then publishes it.
    "contracts.migrations.0009_template_versions",
    "quality.migrations.0002_frameworks",
)


def seed_demo() -> None:
    """The reference data the data migrations write, and the demo's organisations and
    logins (idempotent)."""
    from importlib import import_module

    from django.apps import apps

    from partnership import demo as demo_module

    for data_migration in REFERENCE_DATA_MIGRATIONS:
        import_module(data_migration).forward(apps, None)
    demo_module.seed()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with the demo seeded once for the session (some 870 queries, about
    half a second): each test runs in a transaction rolled back at its end, so it finds the
    demo as seeded. pytest-django runs the transactional tests (live server, worker) after
    the others; each empties the database when it ends, and `demo` seeds it again."""
    with django_db_blocker.unblock():
        seed_demo()


@pytest.fixture(autouse=True)
def _demo_in_every_database_test(request):
    """A test in a rolled-back transaction finds the demo, even where a transactional test
    emptied its database before it (pytest-xdist's worksteal may hand a process an earlier
    test after it has run a later, transactional one). One query when the demo is there."""
    marker = request.node.get_closest_marker("django_db")
    names = request.fixturenames
    if marker is None and "db" not in names:
        return
    if "transactional_db" in names or "live_server" in names:
        return
    if marker is not None and (marker.kwargs.get("transaction") or marker.args[:1] == (True,)):
        return
    request.getfixturevalue("demo")


@pytest.fixture
def demo(db):
    """The partnership's demo organisations and logins: seeded for the session, or again
    after a transactional test emptied the database (its demo logins are gone then)."""
    from partnership import demo as demo_module
    from partnership.models import User

    if not User.objects.filter(email=demo_module.DEMO_USERS[0][0]).exists():
        seed_demo()
    return demo_module


@pytest.fixture
def mailoutbox_links(mailoutbox):
    import re

    def links():
        return [m for mail in mailoutbox for m in re.findall(r"https?://\S+", mail.body)]

    return links


def start_worker(settings, queue: str, log_path: str, **extra_env):
    """Start a real Celery worker process (in its own process group) on a queue of its own,
    against Redis and the test database. Returns the Popen once the worker is ready."""
    import subprocess
    import sys
    import time

    db = settings.DATABASES["default"]
    database_url = "postgres://{user}{password}@{host}:{port}/{name}".format(
        user=db.get("USER") or "postgres",
        password=(":" + db["PASSWORD"]) if db.get("PASSWORD") else "",
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
        name=db["NAME"],
    )
    env = child_env(
        **{
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": os.environ["CELERY_BROKER_URL"],
            "CELERY_QUEUE": queue,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "SECRET_KEY": "test-worker-only",
            "DEBUG": "0",
            "CONN_MAX_AGE": "0",
            **extra_env,
        }
    )
    log = open(log_path, "a")  # noqa: SIM115 - handed to the process
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queue,
            "--concurrency=1",
            "--loglevel=info",
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=str(settings.BASE_DIR),
        start_new_session=True,
    )
    before = open(log_path).read().count("ready.")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if open(log_path).read().count("ready.") > before or proc.poll() is not None:
            break
        time.sleep(0.3)
    assert proc.poll() is None, f"worker did not start:\n{open(log_path).read()}"
    return proc


def stop_worker(proc, *, kill: bool = False) -> None:
    import signal
    import subprocess

    try:
        os.killpg(proc.pid, signal.SIGKILL if kill else signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@pytest.fixture
def worker_queue(settings, transactional_db):
    """The Celery app in this process sends to a fresh queue on the real broker."""
    import uuid

    from config.celery import app

    queue = f"test-{uuid.uuid4().hex[:10]}"
    os.makedirs(settings.MEDIA_ROOT, exist_ok=True)
    previous = (app.conf.task_always_eager, app.conf.task_default_queue, app.conf.broker_url)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    app.conf.broker_url = os.environ["CELERY_BROKER_URL"]
    yield queue
    app.conf.task_always_eager, app.conf.task_default_queue, app.conf.broker_url = previous


@pytest.fixture
def celery_worker_process(settings, worker_queue):
    """A real Celery worker process against Redis and the test database, on a queue of its
    own so that nothing left in Redis by earlier runs reaches it."""
    log_path = os.path.join(os.path.dirname(str(settings.MEDIA_ROOT)), "worker.log")
    proc = start_worker(settings, worker_queue, log_path)
    try:
        yield proc
    finally:
        stop_worker(proc)


def wait_for_job(job, timeout: float = 90.0):
    """Poll the database until the job is done or failed."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job.pk} still {job.status} after {timeout} s")


@pytest.fixture
def world(demo, monkeypatch):
    """The demo organisations and logins, and the objects every form is posted against,
    made on first use (tests/fuzz/world.py). Ordering a job creates it but renders nothing
    here (the fuzz and the CPR tests are about the forms, not the PDFs)."""
    from partnership import jobs
    from tests.fuzz.world import World

    monkeypatch.setattr(jobs, "_enqueue", lambda job: None)
    return World()


# --- Logged-in clients ----------------------------------------------------------------------
# A client per role, each of its own (a test may take two), logged in as the demo's person in
# that role (tests/factories.py names them; `logged_in(email)` there makes one for anyone).


@pytest.fixture
def as_caseworker(demo):
    """Slagelse's caseworker: a municipality's client."""
    from tests.factories import CASEWORKER, logged_in

    return logged_in(CASEWORKER)


@pytest.fixture
def as_provider(demo):
    """Bostedet Egelund's editor: a provider's client."""
    from tests.factories import PROVIDER, logged_in

    return logged_in(PROVIDER)


@pytest.fixture
def as_secretariat(demo):
    """The partnership's secretariat."""
    from tests.factories import SECRETARIAT, logged_in

    return logged_in(SECRETARIAT)
