"""Shared fixtures. Tests that need PostgreSQL, Redis or the browser carry a marker; they are
skipped where the service is missing, unless PORTAL_REQUIRE_SERVICES=1 (as in .ci/run), where
a missing service fails them instead."""

from __future__ import annotations

import os
import shutil

import pytest

REQUIRE_SERVICES = os.environ.get("PORTAL_REQUIRE_SERVICES") == "1"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


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
    from django.db import connection

    if item.get_closest_marker("postgres") or item.get_closest_marker("redis"):
        if connection.vendor != "postgresql":
            _missing("needs PostgreSQL: set DATABASE_URL=postgres://...")
    if item.get_closest_marker("redis"):
        problem = _redis_available()
        if problem:
            _missing(problem)
    if item.get_closest_marker("browser"):
        if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
            _missing(f"needs Chromium at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture(autouse=True)
def _media_and_cache(settings, tmp_path):
    """Every test writes files to its own folder and starts with an empty cache (so rate
    limits and used TOTP codes do not leak between tests)."""
    from django.core.cache import cache

    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def demo(db):
    """The partnership's demo organisations and logins."""
    from importlib import import_module

    from django.apps import apps

    from partnership import demo as demo_module

    # Transactional tests (live server, worker) flush the database, and with it the rows
    # the data migration wrote: put the reference data back (idempotent).
    for data_migration in (
        "offers.migrations.0003_reference_data",
        "contracts.migrations.0002_standard_templates",
    ):
        import_module(data_migration).forward(apps, None)
    demo_module.seed()
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
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": os.environ["CELERY_BROKER_URL"],
        "CELERY_QUEUE": queue,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "SECRET_KEY": "test-worker-only",
        "DEBUG": "0",
        "CONN_MAX_AGE": "0",
        **{k: str(v) for k, v in extra_env.items()},
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
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
