"""The suite's clock: today on the test clock is the real date or PORTAL_TEST_TODAY, time
moves on from 10:00, and the processes tests start (workers, gunicorn) share the clock."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

from django.utils import timezone

from tests.conftest import COPENHAGEN, child_env, suite_today

ROOT = Path(__file__).resolve().parents[1]


def test_today_is_the_day_the_suite_runs_on(today):
    assert today == suite_today() == dt.date.today()
    now = timezone.localtime()
    assert now.date() == today
    assert now >= dt.datetime.combine(today, dt.time(10, 0), tzinfo=COPENHAGEN)


def test_time_moves_on_from_there():
    before = timezone.now()
    time.sleep(0.05)
    assert timezone.now() - before >= dt.timedelta(seconds=0.05)


def test_a_process_started_by_a_test_runs_on_the_same_clock(today):
    code = (
        "import django; django.setup();"
        "from django.utils import timezone; print(timezone.now().isoformat())"
    )
    before = timezone.now()
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=child_env(DJANGO_SETTINGS_MODULE="config.settings", DEBUG="1"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    child_now = dt.datetime.fromisoformat(result.stdout.strip().splitlines()[-1])
    assert before <= child_now <= timezone.now()
    assert timezone.localtime(child_now).date() == today
