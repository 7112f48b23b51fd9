"""`manage.py seed_demo` can run again (`make run` runs it at every start): a second run
finds the demo as the first left it and hashes no password, and every demo login still
logs in with the demo password, also after someone changed one. `make run` runs it beside
the web server, which waits for its ready file before it serves."""

from __future__ import annotations

import subprocess
import sys
import threading
from io import StringIO
from unittest import mock

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.core.management import call_command

from partnership import demo
from partnership.management.commands.seed_demo import (
    FAILED,
    READY,
    unapplied_migrations,
    wait_until_seeded,
)
from partnership.models import User

EMAILS = [row[0] for row in demo.DEMO_USERS]


class QuickPBKDF2(PBKDF2PasswordHasher):
    """The production hasher with few iterations, so the test stays quick."""

    iterations = 1000


def _seed_counting_hashes(command: bool = False) -> int:
    with mock.patch.object(demo, "make_password", wraps=make_password) as hashing:
        if command:
            call_command("seed_demo", stdout=StringIO())
        else:
            demo.seed()
    return hashing.call_count


def _hashes() -> dict[str, str]:
    return dict(User.objects.filter(email__in=EMAILS).values_list("email", "password"))


def _everyone_logs_in() -> None:
    for email in EMAILS:
        assert authenticate(email=email, password=demo.DEMO_PASSWORD) is not None, email


@pytest.fixture
def production_hasher(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.QuickPBKDF2"]
    return settings


def test_a_second_run_hashes_no_password(demo, production_hasher):
    assert _seed_counting_hashes() == 1  # the session's seed used the tests' MD5 hasher
    first = _hashes()
    assert len(first) == len(EMAILS) and len(set(first.values())) == 1
    assert _seed_counting_hashes() == 0
    assert _hashes() == first
    _everyone_logs_in()


def test_the_command_run_twice_is_idempotent_and_hashes_nothing_the_second_time(demo):
    _seed_counting_hashes(command=True)
    users, hashes = User.objects.count(), _hashes()
    assert _seed_counting_hashes(command=True) == 0
    assert User.objects.count() == users and _hashes() == hashes
    _everyone_logs_in()


def test_a_changed_demo_password_is_the_demo_password_again(demo):
    demo.seed()
    user = User.objects.get(email=EMAILS[2])
    user.set_password("Et-andet-kodeord-2026!")
    user.is_staff = True
    user.save()
    assert _seed_counting_hashes() == 1
    user.refresh_from_db()
    assert not user.is_staff
    _everyone_logs_in()
    assert len(set(_hashes().values())) == 1


def test_a_login_made_again_gets_the_demo_password(demo):
    demo.seed()
    User.objects.filter(email=EMAILS[-1]).delete()
    demo.seed()
    _everyone_logs_in()


@pytest.mark.parametrize("pending", [False, True])
def test_migrate_first_runs_migrate_only_when_a_migration_is_unapplied(demo, pending):
    command = "partnership.management.commands.seed_demo"
    with (
        mock.patch(f"{command}.unapplied_migrations", return_value=pending),
        mock.patch(f"{command}.call_command") as migrate,
    ):
        call_command("seed_demo", "--migrate", stdout=StringIO())
    assert migrate.called is pending
    _everyone_logs_in()


def test_the_test_database_has_every_migration(db):
    assert not unapplied_migrations()


def test_the_ready_file_says_when_the_demo_is_in_place(demo, tmp_path):
    ready = tmp_path / "ready"
    ready.touch()  # as mktemp leaves it in `make run`
    call_command("seed_demo", "--ready-file", str(ready), stdout=StringIO())
    assert ready.read_text() == READY
    with mock.patch.object(demo, "seed", side_effect=RuntimeError("broken")):
        with pytest.raises(RuntimeError):
            call_command("seed_demo", "--ready-file", str(ready), stdout=StringIO())
    assert ready.read_text() == FAILED


def test_the_server_waits_for_the_seeding_and_not_for_a_failed_or_stopped_one(tmp_path):
    seeding = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        ready = tmp_path / "ready"
        ready.touch()
        spec = f"{seeding.pid}:{ready}"
        threading.Timer(0.3, ready.write_text, [READY]).start()
        assert wait_until_seeded(spec)  # after 0.3 s
        ready.write_text(FAILED)
        assert not wait_until_seeded(spec)
        ready.write_text("")
        seeding.kill()  # not reaped: a zombie has stopped too
        assert not wait_until_seeded(spec)
    finally:
        seeding.kill()
        seeding.wait()
