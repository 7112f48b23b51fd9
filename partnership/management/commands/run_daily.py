"""`manage.py run_daily`: the development setup's scheduler. Runs every task of the beat
schedule (CELERY_BEAT_SCHEDULE in config/settings.py: contracts activated and ended,
reminders, scheduled reports, overdue quality actions) in this process at once, and again
every --every minutes, until stopped. `make run` starts it in the background next to the
web server and stops it with the server (and --stop-with-parent ends it when the shell
that started it is gone).

Each of those tasks is safe to run again (a reminder is sent once, a contract activated
once), so running them more often than daily only shortens the wait. Where Celery beat
runs (`make beat`, production), do not run this as well: beat is the scheduler there."""

from __future__ import annotations

import os
import time

from celery import current_app
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone


def daily_tasks() -> list[tuple[str, object, tuple, dict]]:
    """(entry name, task, args, kwargs) for each entry of the beat schedule, in its order."""
    current_app.loader.import_default_modules()
    return [
        (
            name,
            current_app.tasks[entry["task"]],
            tuple(entry.get("args", ())),
            dict(entry.get("kwargs", {})),
        )
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
    ]


class Command(BaseCommand):
    help = (
        "Kører de daglige opgaver (beat-skemaet) nu og derefter hvert --every minut, til den "
        "stoppes. Til udviklingsopsætningen (make run); i drift kører Celery beat dem."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=float,
            default=float(os.environ.get("DAILY_EVERY_MINUTES", 10)),
            help="Minutter mellem hver kørsel (standard 10, eller DAILY_EVERY_MINUTES).",
        )
        parser.add_argument("--once", action="store_true", help="Kør opgaverne én gang.")
        parser.add_argument(
            "--stop-with-parent",
            action="store_true",
            help="Stop, når processen, der startede kommandoen, er væk (make run).",
        )

    def handle(self, *args, every: float, once: bool, stop_with_parent: bool, **options):
        tasks = daily_tasks()
        parent = os.getppid()
        while True:
            self.run_all(tasks)
            if once:
                return
            wake = time.monotonic() + max(every, 0.05) * 60
            while time.monotonic() < wake:
                if stop_with_parent and os.getppid() != parent:
                    return
                time.sleep(min(1.0, max(wake - time.monotonic(), 0)))

    def run_all(self, tasks) -> None:
        close_old_connections()
        stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
        for name, task, args, kwargs in tasks:
            started = time.monotonic()
            result = task.apply(args=args, kwargs=kwargs)
            took = time.monotonic() - started
            if result.successful():
                self.stdout.write(f"[{stamp}] {name}: {result.result} ({took:.1f} s)")
            else:
                self.stderr.write(f"[{stamp}] {name} fejlede: {result.result!r}")
        self.stdout.flush()
        close_old_connections()
