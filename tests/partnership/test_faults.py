"""Failing parts: a worker killed in the middle of a render, a broker that cannot be
reached, a cache whose Redis is down; and every PDF the portal makes is PDF/UA.

Also the helpers that run the portal as a real web process (gunicorn) against the test
database, used here and in test_fault_postgres.py."""

import http.cookiejar
import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.urls import reverse
from pypdf import PdfReader

from offers.selectors import current_year
from partnership import jobs
from partnership.models import Job, JobStatus
from tests.conftest import child_env, start_worker, stop_worker, wait_for_job
from tests.factories import demo_user, make_offer, pl_rates, publish
from tests.pdfs import pdf_text

DEAD_REDIS = "redis://127.0.0.1:6390/5"  # nothing listens on 6390: Redis is down


def _many_offers(n: int) -> None:
    pl_rates(**{f"y{current_year() - 1}": "2.6", f"y{current_year()}": "2.4"})
    for i in range(n):
        offer = make_offer(name=f"Botilbud {i:03d}")
        publish(offer, current_year() - 1, 2000 + i)
        publish(offer, current_year(), 2050 + i, addons=[("Ekstra støtte", 465, "hour")])


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_job_survives_a_killed_worker_and_completes_once(demo, settings, worker_queue):
    """The worker is killed (SIGKILL) while it renders. The task was not acknowledged, so the
    broker hands it to the next worker, which finishes it; one job, one result file."""
    _many_offers(120)
    log = os.path.join(os.path.dirname(str(settings.MEDIA_ROOT)), "worker.log")
    first = start_worker(
        settings, worker_queue, log, CELERY_VISIBILITY_TIMEOUT=3, CELERY_UNACKED_RESTORE_INTERVAL=1
    )
    try:
        job = jobs.order_job(
            kind="takstoversigt",
            title="Takstoversigt",
            by=demo_user("sekretariat@portal.example"),
            params={
                "year": current_year(),
                "paragraphs": [],
                "target_groups": [],
                "municipality": "",
                "ownership": "",
                "provider": "",
                "branch": "",
                "format": "pdf",
            },
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.status == JobStatus.RUNNING and job.progress_done > 0:
                break
            time.sleep(0.05)
        assert job.status == JobStatus.RUNNING, f"never saw the render running: {job.status}"
    finally:
        stop_worker(first, kill=True)
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and not job.result_file  # died mid-render

    second = start_worker(
        settings, worker_queue, log, CELERY_VISIBILITY_TIMEOUT=3, CELERY_UNACKED_RESTORE_INTERVAL=1
    )
    try:
        wait_for_job(job, timeout=120)
    finally:
        stop_worker(second)
    assert job.status == JobStatus.DONE, job.error
    assert job.attempts == 2
    assert Job.objects.count() == 1
    files = os.listdir(os.path.join(str(settings.MEDIA_ROOT), "jobs", str(job.pk)))
    assert files == [os.path.basename(job.result_file.name)]
    text = pdf_text(job.result_file.path)
    assert "Botilbud 000" in text and "Botilbud 119" in text


@pytest.fixture
def unreachable_broker(monkeypatch):
    """Every send goes over a real connection to a broker address where nothing listens:
    it fails as it does when Redis is down."""
    from config.celery import app
    from partnership.jobs import run_job

    original = run_job.apply_async

    def send_to_dead_broker(*args, **kwargs):
        with app.connection_for_write("redis://127.0.0.1:9/0", connect_timeout=1) as conn:
            return original(*args, connection=conn, **kwargs)

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    monkeypatch.setattr(run_job, "apply_async", send_to_dead_broker)
    try:
        yield
    finally:
        app.conf.task_always_eager = eager


def test_with_the_broker_down_ordering_says_so_creates_nothing_and_pages_work(
    client, demo, unreachable_broker
):
    _many_offers(2)
    from offers.models import Offer

    client.force_login(demo_user("sekretariat@portal.example"))
    response = client.post(reverse("partnership:member_list_order"), follow=True)
    assert "Baggrundskøen kan ikke nås" in response.content.decode()
    assert not Job.objects.exists()
    client.force_login(demo_user("sagsbehandler.slagelse@portal.example"))
    assert client.get(reverse("offers:search")).status_code == 200
    assert client.get(Offer.objects.first().get_absolute_url()).status_code == 200
    assert client.get(reverse("partnership:dashboard")).status_code == 200


def _assert_pdf_ua(data: bytes, what: str) -> None:
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert root.get("/Lang") == "da", what
    assert "/StructTreeRoot" in root, what
    assert root["/MarkInfo"]["/Marked"], what
    assert b"pdfuaid:part" in root["/Metadata"].get_object().get_data(), what
    assert reader.metadata.title, what


def test_every_pdf_the_portal_makes_is_pdf_ua_in_danish(demo):
    """Renders one document of every registered job kind and checks each."""
    from contracts.models import Contract
    from meetings.models import Minutes, MinutesStatus
    from quality.models import Framework
    from tests.factories import make_contract, make_dialogue

    _many_offers(3)
    secretariat = demo_user("sekretariat@portal.example")
    contract = make_contract()
    from meetings import demo as meetings_demo
    from partnership.models import Organisation

    meetings_demo.seed({o.slug: o for o in Organisation.objects.all()})
    # The demo's approved minutes (meetings.demo), and the agenda of their meeting.
    minutes = Minutes.objects.filter(status=MinutesStatus.APPROVED).earliest("approved_at")
    meeting = minutes.meeting
    dialogue = make_dialogue(Framework.objects.get(key="kvalitetsmodel"), make_offer())
    year = current_year()
    params = {
        "member_list": ({}, secretariat),
        "contract_pdf": (
            {"contract_id": Contract.objects.get(pk=contract.pk).pk},
            demo_user("sagsbehandler.naestved@portal.example"),
        ),
        "takstoversigt": (
            {
                "year": year,
                "paragraphs": [],
                "target_groups": [],
                "municipality": "",
                "ownership": "",
                "provider": "",
                "branch": "",
                "format": "pdf",
            },
            secretariat,
        ),
        "takstudvikling": (
            {"from_year": year - 1, "to_year": year, "paragraphs": [], "format": "pdf"},
            secretariat,
        ),
        "meeting_agenda": ({"meeting_id": meeting.pk}, secretariat),
        "meeting_minutes": ({"minutes_id": minutes.pk}, secretariat),
        "quality_dialogue": ({"dialogue_id": dialogue.pk}, secretariat),
    }
    # Job kinds whose result is not a PDF, and what it is.
    not_pdf = {
        "tariff_import": "writes the file's tariffs; its receipt is a CSV",
        # The agenda (PDF/UA) with the bilag appended as uploaded: not PDF/UA as a whole
        # (meetings/pack.py); tests/meetings/test_cancel_and_pack.py checks what it has.
        "meeting_pack": "a PDF, not PDF/UA: agenda and bilag merged",
    }
    assert set(params) | set(not_pdf) == set(jobs._kinds), "a new job kind needs a line here"
    for kind, (p, by) in params.items():
        job = jobs.order_job(kind=kind, title=kind, params=p, by=by)
        job.refresh_from_db()
        assert job.status == JobStatus.DONE, (kind, job.error)
        with job.result_file.open("rb") as f:
            _assert_pdf_ua(f.read(), kind)


# --- A real web process ------------------------------------------------------------------


def database_url(settings, *, owner: bool = False) -> str:
    """The test database as the application role (what web and worker processes use), or
    with owner=True as the owner role (pg_dump, creating databases); the same role when
    there is only one."""
    db = settings.DATABASES["default"]
    login = {**db, **{k: v for k, v in (db.get("OWNER") or {}).items() if v}} if owner else db
    return "postgres://{user}{password}@{host}:{port}/{name}".format(
        user=login.get("USER") or "postgres",
        password=(":" + login["PASSWORD"]) if login.get("PASSWORD") else "",
        host=login.get("HOST") or "127.0.0.1",
        port=login.get("PORT") or 5432,
        name=db["NAME"],
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_web(
    settings, log_path: str, *, production_config: bool = False, **extra_env
) -> tuple[subprocess.Popen, str]:
    """The portal under gunicorn (one sync worker) against the test database, configured as
    in production: DEBUG off, jobs sent to the broker rather than run in-process, the
    session cookie signed with this test process's key; with production_config, gunicorn's
    own settings too (config/gunicorn.py: the master loads the portal and prepares it
    before the worker starts). Returns (process, base URL) once it answers."""
    port = _free_port()
    env = child_env(
        drop=() if "CACHE_URL" in extra_env else ("CACHE_URL",),
        **{
            "DATABASE_URL": database_url(settings),
            "SECRET_KEY": settings.SECRET_KEY,
            "DEBUG": "0",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
            "WHITENOISE_USE_FINDERS": "1",
            "ALLOWED_HOSTS": "127.0.0.1",
            **extra_env,
        },
    )
    log = open(log_path, "a")  # noqa: SIM115 - handed to the process
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            *(["--config=config/gunicorn.py"] if production_config else []),
            "config.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            "--workers=1",
            "--timeout=60",
            "--graceful-timeout=5",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=str(settings.BASE_DIR),
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.3)
    assert proc.poll() is None, f"gunicorn did not start:\n{open(log_path).read()}"
    return proc, base


def stop_web(proc: subprocess.Popen) -> None:
    stop_worker(proc)


def web_worker_pid(proc: subprocess.Popen) -> int:
    """The PID of gunicorn's one worker (the process that answers)."""
    with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as f:
        (pid,) = f.read().split()
    return int(pid)


class Browser:
    """Just enough of a browser: cookies, the CSRF token, redirects followed, and every
    answer (error pages too) returned as (status, text). A request that gets no answer
    within `timeout` seconds fails the test: the portal must not hang."""

    def __init__(self, base: str, timeout: float = 30):
        self.base = base
        self.timeout = timeout
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def set_cookie(self, name: str, value: str) -> None:
        host = urllib.parse.urlsplit(self.base).hostname
        self.jar.set_cookie(
            http.cookiejar.Cookie(
                0, name, value, None, False, host, False, False, "/", True, False, None,
                False, None, None, {},
            )
        )  # fmt: skip

    def cookie(self, name: str) -> str:
        return next(c.value for c in self.jar if c.name == name)

    def get(self, path: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, data: dict) -> tuple[int, str]:
        data = {"csrfmiddlewaretoken": self.cookie("csrftoken"), **data}
        body = urllib.parse.urlencode(data, doseq=True).encode()
        return self._open(urllib.request.Request(self.base + path, data=body))

    def _open(self, request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


# --- Redis down ------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_with_redis_down_a_real_web_process_logs_in_serves_pages_and_refuses_jobs(demo, settings):
    """Broker and cache both point at a Redis that is down (as when the one Redis server
    is), in a real web process configured from the environment like production: logging in
    works, the main pages are served, ordering a report says in Danish that the queue
    cannot be reached and leaves nothing, and /healthz keeps the process in the pool."""
    from offers.models import Offer

    _many_offers(2)
    offer = Offer.objects.first()
    # The web process hashes as in production (the tests use a fast hasher it does not know).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    user = demo_user("sagsbehandler.slagelse@portal.example")
    user.set_password("partnerskab-demo")
    user.save()
    log_path = os.path.join(os.path.dirname(str(settings.MEDIA_ROOT)), "web.log")
    proc, base = start_web(settings, log_path, CELERY_BROKER_URL=DEAD_REDIS, CACHE_URL=DEAD_REDIS)
    try:
        browser = Browser(base)
        assert browser.get(reverse("account_login"))[0] == 200
        status, page = browser.post(
            reverse("account_login"),
            {"login": "sagsbehandler.slagelse@portal.example", "password": "partnerskab-demo"},
        )
        assert status == 200 and "Logget ind som" in page, page[:2000]
        for path in (
            reverse("partnership:dashboard"),
            reverse("offers:search"),
            reverse("offers:search") + "?q=Botilbud",
            offer.get_absolute_url(),
        ):
            status, page = browser.get(path)
            assert status == 200, (path, status)
        assert "Botilbud 00" in page

        assert browser.get(reverse("offers:tariff_overview_order"))[0] == 200
        status, page = browser.post(
            reverse("offers:tariff_overview_order"),
            {"aar": current_year(), "format": "pdf"},
        )
        assert status == 200
        assert "Baggrundskøen kan ikke nås" in page

        status, page = browser.get("/healthz")
        assert (status, json.loads(page)) == (200, {"database": "ok", "broker": "fejl"})
    finally:
        stop_web(proc)
    assert not Job.objects.exists()
    log = open(log_path).read()
    # The cache really was Redis, and the failures were caught, not shown as 500s.
    assert "Redis cache unreachable" in log
    assert "Internal Server Error" not in log


def _redis_cache(settings, location: str) -> None:
    settings.CACHES = {
        "default": {"BACKEND": "partnership.cache.TolerantRedisCache", "LOCATION": location}
    }


def test_with_the_cache_redis_down_login_and_pages_work(client, demo, settings):
    _redis_cache(settings, DEAD_REDIS)
    response = client.post(
        reverse("account_login"),
        {"login": "sagsbehandler.slagelse@portal.example", "password": "partnerskab-demo"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("partnership:dashboard")
    assert client.get(reverse("partnership:dashboard")).status_code == 200
    assert client.get(reverse("offers:search")).status_code == 200


def test_with_the_cache_redis_down_failed_logins_are_still_limited(client, demo, settings):
    """While Redis is down the process's own memory counts the attempts: after five wrong
    passwords for one e-mail address even the right one is refused for a while."""
    _redis_cache(settings, DEAD_REDIS)
    email = "sagsbehandler.slagelse@portal.example"
    for _ in range(5):
        response = client.post(reverse("account_login"), {"login": email, "password": "forkert"})
        assert response.status_code == 200
    response = client.post(
        reverse("account_login"), {"login": email, "password": "partnerskab-demo"}
    )
    assert response.status_code != 302
    assert client.get(reverse("partnership:dashboard")).status_code == 302  # to the login


@pytest.mark.redis
def test_the_cache_is_shared_in_redis_while_redis_is_up(client, demo, settings):
    """The same backend with Redis up keeps the entries in Redis, where every web process
    sees them."""
    import redis

    # A Redis database of its own: the cache is cleared (FLUSHDB) when the test ends, and
    # the broker's database holds the queues of the workers other tests run meanwhile.
    location = urllib.parse.urlsplit(os.environ["CELERY_BROKER_URL"])._replace(path="/15").geturl()
    _redis_cache(settings, location)
    from django.core.cache import cache

    cache.set("faults-shared", "ja", 60)
    raw = redis.Redis.from_url(location)
    assert raw.exists(cache.make_key("faults-shared"))
    response = client.post(
        reverse("account_login"),
        {"login": "sagsbehandler.slagelse@portal.example", "password": "forkert"},
    )
    assert response.status_code == 200
    assert any(b"login_failed" in key for key in raw.keys("*")), "no rate-limit entry in Redis"
