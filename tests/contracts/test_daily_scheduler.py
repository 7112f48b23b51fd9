"""Issue 14, finding 7: `make run` runs the daily tasks without a hand. After `make run`
the demo's follow-up within 14 days has its reminder within a minute, and stopping the
server (Ctrl-C) stops the scheduler too. The processes run on the suite's clock
(child_env) against the test database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings as django_settings

from contracts.models import Contract, Reminder, ReminderKind
from partnership.management.commands.run_daily import daily_tasks
from tests.conftest import child_env, seed_demo

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    db = django_settings.DATABASES["default"]
    return "postgres://{user}{password}@{host}:{port}/{name}".format(
        user=db.get("USER") or "postgres",
        password=(":" + db["PASSWORD"]) if db.get("PASSWORD") else "",
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
        name=db["NAME"],
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_run_daily_runs_every_task_of_the_beat_schedule():
    names = [name for name, *_ in daily_tasks()]
    assert names == list(django_settings.CELERY_BEAT_SCHEDULE)
    assert {"contracts-activate", "contracts-end", "contracts-reminders"} <= set(names)


def test_make_run_makes_the_demo_follow_up_reminder_within_a_minute(
    transactional_db, tmp_path, today
):
    # The reference data the migrations wrote (an earlier transactional test may have
    # emptied the test database): `make run` migrates, which does not write it again.
    seed_demo()
    port = free_port()
    log_path = tmp_path / "make-run.log"
    env = child_env(
        DATABASE_URL=database_url(),
        HOST="127.0.0.1",
        PORT=str(port),
        CONN_MAX_AGE="0",
        PYTHONUNBUFFERED="1",
    )
    env.pop("CELERY_BROKER_URL", None)
    with open(log_path, "w") as log:
        # `-o install`: the virtualenv is there; make does not install it again.
        proc = subprocess.Popen(
            ["make", "-o", "install", "run", f"PY={sys.executable}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        seeded = None
        deadline = time.monotonic() + 240
        while seeded is None and time.monotonic() < deadline and proc.poll() is None:
            if "Demodata er på plads." in log_path.read_text():
                seeded = time.monotonic()
            time.sleep(0.2)
        assert seeded is not None, log_path.read_text()[-5000:]
        # The demo's first contract (Slagelse) has its follow-up within 14 days.
        first = Contract.objects.get(case_reference=f"SLA-{today.year}-1000")
        reminder = None
        while time.monotonic() - seeded < 60 and proc.poll() is None:
            reminder = Reminder.objects.filter(contract=first, kind=ReminderKind.FOLLOWUP).first()
            if reminder is not None:
                break
            time.sleep(0.5)
        took = time.monotonic() - seeded
        assert reminder is not None, log_path.read_text()[-5000:]
        print(f"the follow-up reminder existed {took:.1f} s after the demo was seeded")
    finally:
        if group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C in the terminal
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    # The server and the scheduler stopped with it.
    deadline = time.monotonic() + 15
    while group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    alive = group_alive(proc.pid)
    if alive:
        os.killpg(proc.pid, signal.SIGKILL)
    assert not alive, log_path.read_text()[-3000:]


def test_run_daily_once_runs_the_tasks_and_exits(transactional_db):
    result = subprocess.run(
        [sys.executable, "manage.py", "run_daily", "--once"],
        cwd=ROOT,
        env=child_env(DATABASE_URL=database_url(), DEBUG="1", CONN_MAX_AGE="0"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "contracts-reminders: 0" in result.stdout
