"""PostgreSQL restarted under running web processes: during the outage they answer with an
error page (500, or 503 from /healthz) instead of hanging, and afterwards they serve again
without being restarted, also a process whose persistent connection died in the restart
(CONN_HEALTH_CHECKS). This stops and starts the real server: other test runs on it are cut
off for a few seconds, so it is one test, kept short."""

from __future__ import annotations

import json
import os
import subprocess
import time

import pytest
from django.db import connection, connections
from django.urls import reverse

from tests.factories import demo_user, make_offer
from tests.partnership.test_faults import Browser, start_web, stop_web, web_worker_pid

pytestmark = [pytest.mark.postgres, pytest.mark.alone]


def _cluster(action: str) -> None:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", "-m", "fast", version, "main", action],
        check=True,
        capture_output=True,
        timeout=120,
    )


def _wait_until_postgres_accepts(settings) -> None:
    db = settings.DATABASES["default"]
    command = [
        "pg_isready",
        "-q",
        "-h",
        db.get("HOST") or "127.0.0.1",
        "-p",
        str(db.get("PORT") or 5432),
    ]
    deadline = time.monotonic() + 120
    while subprocess.run(command).returncode != 0:
        assert time.monotonic() < deadline, "PostgreSQL did not come back"
        time.sleep(0.2)


def _other_backends_on_the_test_database() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_web_processes_survive_a_postgres_restart_without_being_restarted(
    demo, settings, client, tmp_path
):
    offer = make_offer(name="Botilbud Genstart")
    client.force_login(demo_user("sagsbehandler.slagelse@portal.example"))
    session = client.cookies["sessionid"].value
    logs = os.path.dirname(str(settings.MEDIA_ROOT))
    # Web processes with persistent connections: "quiet" gets no request while the database
    # is away, so its connection is still the dead one when the database is back; "busy" is
    # asked during the outage. "control" is quiet too, but runs without CONN_HEALTH_CHECKS:
    # it shows that the connections really went stale and what the health checks are for.
    control_settings = tmp_path / "settings_without_health_checks.py"
    control_settings.write_text(
        "from config.settings import *  # noqa: F403\n"
        'DATABASES["default"]["CONN_HEALTH_CHECKS"] = False  # noqa: F405\n'
    )
    without_checks = {
        "PYTHONPATH": f"{tmp_path}:{settings.BASE_DIR}",
        "DJANGO_SETTINGS_MODULE": "settings_without_health_checks",
    }
    dashboard = reverse("partnership:dashboard")
    processes, urls = {}, {}
    try:
        for name, env in (("quiet", {}), ("busy", {}), ("control", without_checks)):
            log = os.path.join(logs, f"{name}.log")
            processes[name], urls[name] = start_web(settings, log, CONN_MAX_AGE=600, **env)
        browsers = {name: Browser(url) for name, url in urls.items()}
        balancers = {name: Browser(url) for name, url in urls.items()}
        for browser in browsers.values():
            browser.set_cookie("sessionid", session)
            status, page = browser.get(dashboard)
            assert status == 200 and "Logget ind som" in page
            assert browser.get(offer.get_absolute_url())[0] == 200
            assert browser.get("/healthz")[0] == 200
        workers = {name: web_worker_pid(p) for name, p in processes.items()}
        # The processes hold their connections open across requests.
        assert _other_backends_on_the_test_database() >= 3

        began = time.monotonic()
        _cluster("stop")
        try:
            during = {}
            for what, path in (
                ("dashboard", dashboard),
                ("offer", offer.get_absolute_url()),
                ("healthz", "/healthz"),
            ):
                # A load balancer sends no session cookie.
                asked = time.monotonic()
                browser = balancers["busy"] if what == "healthz" else browsers["busy"]
                during[what] = browser.get(path)
                took = time.monotonic() - asked
                print(f"during the outage {what}: {during[what][0]} in {took:.3f} s")
        finally:
            _cluster("start")
            _wait_until_postgres_accepts(settings)
            print(f"PostgreSQL away for {time.monotonic() - began:.1f} s")

        for what in ("dashboard", "offer"):
            status, page = during[what]
            assert status == 500, (what, status)
            assert "Der opstod en fejl" in page
            assert "OperationalError" not in page and "psycopg" not in page
        status, page = during["healthz"]
        assert status == 503 and json.loads(page)["database"] == "fejl"

        # Without health checks the dead connection fails the first request (then it is
        # closed, and the next request connects afresh).
        assert browsers["control"].get(dashboard)[0] == 500
        assert browsers["control"].get(dashboard)[0] == 200

        # With them, the very first request after the restart is served, by the same
        # processes.
        for name in ("quiet", "busy"):
            status, page = browsers[name].get(dashboard)
            assert status == 200 and "Logget ind som" in page, (name, status)
            assert browsers[name].get(offer.get_absolute_url())[0] == 200
            status, page = balancers[name].get("/healthz")
            assert status == 200 and json.loads(page)["database"] == "ok"
        assert {name: web_worker_pid(p) for name, p in processes.items()} == workers
        assert all(p.poll() is None for p in processes.values())
    finally:
        for proc in processes.values():
            stop_web(proc)
        _wait_until_postgres_accepts(settings)
        # This process's own connection died in the restart too.
        connections.close_all()
    assert demo_user("sagsbehandler.slagelse@portal.example").is_active
