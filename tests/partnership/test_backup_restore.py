"""Backup and restore as the README describes it: `pg_dump -Fc` of the live database,
`pg_restore` into an empty one, and the portal serves the same offers from the copy. The
database's own promises (the trigger that keeps published tariffs unchanged) come along."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from config import devdb
from offers.models import Offer, Tariff
from offers.selectors import current_year
from partnership import db_roles
from tests.conftest import child_env
from tests.factories import make_offer, pl_rates, publish
from tests.partnership.test_faults import database_url

ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh process against DATABASE_URL: what a caseworker sees of every offer.
SNAPSHOT = r"""
import json, re
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
from offers.models import Offer
from partnership.models import User

client = Client()
client.force_login(User.objects.get(email="sagsbehandler.slagelse@portal.example"))
search = client.get("/tilbud/").content.decode()
found = re.search(r'class="result-count"[^>]*>\s*([0-9.]+) ', search).group(1)
pages = {}
for offer in Offer.objects.order_by("pk"):
    response = client.get(f"/tilbud/{offer.pk}/")
    html = response.content.decode()
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    pages[offer.pk] = [
        response.status_code,
        h1.group(1).strip() if h1 else None,
        re.findall(r"\d[\d.]*(?:,\d+)? kr", html),
    ]
print(json.dumps({"found": found, "pages": pages}))
"""


def _url(dbname: str, *, owner: bool = False) -> str:
    """The test database's server, with another database name, as the application role
    (what the portal uses) or the owner role (what backups and restores use)."""
    return database_url(settings, owner=owner).rsplit("/", 1)[0] + "/" + dbname


def _client_tool(name: str) -> str:
    """pg_dump or pg_restore of the server's major version, or the nearest newer one: the
    system's (Debian: postgresql-client) or the development database's wheel's
    (config/devdb.py). pg_dump refuses a server newer than itself, and a newer pg_restore
    writes settings an older server does not know."""
    candidates = [shutil.which(name)]
    try:
        candidates.append(str(devdb.bin_dir() / name))
    except devdb.DevDatabaseError:
        pass
    server = connection.pg_version // 10000
    versions = {}
    for path in filter(None, candidates):
        out = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
        found = re.search(r"\) (\d+)", out)
        if found and int(found.group(1)) >= server:
            versions[int(found.group(1))] = path
    assert versions, f"{name} {server} or newer is needed (Debian: postgresql-client)"
    return versions[min(versions)]


def _snapshot(dbname: str) -> dict:
    env = child_env(
        drop=("CELERY_BROKER_URL",),
        DEBUG="1",
        DATABASE_URL=_url(dbname),
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    out = subprocess.run(
        [sys.executable, "-c", SNAPSHOT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_pg_dump_and_pg_restore_into_an_empty_database_serve_the_same_offers(demo, tmp_path):
    pg_dump, pg_restore = _client_tool("pg_dump"), _client_tool("pg_restore")
    pl_rates(**{f"y{current_year() - 1}": "2.6", f"y{current_year()}": "2.4"})
    for i in range(6):
        offer = make_offer(name=f"Botilbud Kildebakken {i}")
        publish(offer, current_year() - 1, 41000 + 250 * i)
        publish(offer, current_year(), 42000 + 250 * i, addons=[("Ekstra støtte", 465, "hour")])
    assert Tariff.objects.filter(status="published").count() == 12
    source = connection.settings_dict["NAME"]
    target = f"{source}_restore"
    dump = tmp_path / "portal.dump"
    # pg_dump and pg_restore as the owner role, as the README says; the portal (the
    # snapshots) as the application role, whose rights come along in the dump.
    owner = urlsplit(_url(source, owner=True))
    conn_args = ["-h", owner.hostname, "-p", str(owner.port), "-U", owner.username]
    pg_env = {**os.environ, "PGPASSWORD": owner.password or ""}

    subprocess.run(
        [pg_dump, *conn_args, "-Fc", "--no-owner", "-f", str(dump), source],
        check=True,
        env=pg_env,
    )
    with psycopg.connect(_url("postgres", owner=True), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{target}"')
        admin.execute(f'CREATE DATABASE "{target}"')
    try:
        subprocess.run(
            [pg_restore, *conn_args, "--no-owner", "--exit-on-error", "-d", target, str(dump)],
            check=True,
            env=pg_env,
        )
        before, after = _snapshot(source), _snapshot(target)
        assert len(before["pages"]) == Offer.objects.count() > 0
        assert all(page[0] == 200 and page[1] for page in before["pages"].values())
        assert any(page[2] for page in before["pages"].values()), "no prices on the offer pages"
        assert after == before

        # The restored copy keeps the database's promise: a published tariff cannot change.
        published = Tariff.objects.filter(status="published").values_list("pk", flat=True)[0]
        with psycopg.connect(_url(target), autocommit=True) as copy:
            with pytest.raises(psycopg.Error):
                copy.execute(
                    "UPDATE offers_tariff SET price = price + 1 WHERE id = %s",
                    [published],
                )
            if db_roles.has_owner_role():
                # ...and the portal's role may still not empty a table.
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    copy.execute("TRUNCATE offers_tariff CASCADE")
    finally:
        with psycopg.connect(_url("postgres", owner=True), autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND usename = current_user",
                [target],
            )
            admin.execute(f'DROP DATABASE IF EXISTS "{target}"')
