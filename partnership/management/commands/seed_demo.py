"""`manage.py seed_demo`: the demo data and logins, made or brought back (partnership/demo.py
and each app's demo.py through demo_seeded). Safe to run again; a run that finds the demo
in place changes and hashes nothing.

`--migrate` applies the migrations first, in the same process: `make run` starts Django
once for both instead of twice (each start is about a second of imports), and when every
migration is applied it does not run `migrate` at all (which would still compare the models
with the migrations and write the content types and permissions again).

`make run` runs it beside the web server, and in the same process the daily tasks after it
(`--then-run-daily`): one start of Django for the three. The server loads the project
meanwhile and waits for the demo before it serves (`--ready-file`, `wait_until_seeded`,
called by manage.py), so a first start, which migrates, serves no page before the tables are
there, and a warm start does not wait for a second start of Django."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from partnership import demo
from partnership.models import Organisation
from partnership.signals import demo_seeded

READY, FAILED = "klar", "fejl"  # what --ready-file is given when the demo is seeded, or not


class Command(BaseCommand):
    help = "Opretter (eller opdaterer) partnerskabets demodata og demologins. Kan køres igen."
    # The system checks would add a second to every `make run`, and runserver runs them
    # right after it anyway.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--migrate",
            action="store_true",
            help="Kør migrate (uden spørgsmål) først, i samme proces (make run).",
        )
        parser.add_argument(
            "--ready-file",
            type=Path,
            help=f"Skriv '{READY}' (eller '{FAILED}') i denne fil, når demodata er på plads "
            "(make run: webserveren venter på det).",
        )
        parser.add_argument(
            "--then-run-daily",
            type=float,
            metavar="MINUTES",
            help="Kør derefter de daglige opgaver hvert MINUTES minut i samme proces, til den "
            "stoppes eller processen, der startede den, er væk (make run; manage.py run_daily).",
        )

    def handle(self, *args, migrate: bool, ready_file, then_run_daily, **options):
        try:
            self.seed(migrate=migrate, verbosity=options["verbosity"])
        except BaseException:
            if ready_file:
                ready_file.write_text(FAILED)
            raise
        if ready_file:
            ready_file.write_text(READY)
        if then_run_daily is not None:
            call_command("run_daily", every=then_run_daily, stop_with_parent=True)

    def seed(self, *, migrate: bool, verbosity: int) -> None:
        if migrate and unapplied_migrations():
            call_command("migrate", interactive=False, verbosity=verbosity)
        users = demo.seed()
        demo_seeded.send(
            sender=self.__class__, organisations={o.slug: o for o in Organisation.objects.all()}
        )
        self.stdout.write(self.style.SUCCESS("Demodata er på plads."))
        self.stdout.write(f"Alle demologins har adgangskoden: {demo.DEMO_PASSWORD}")
        for email, secret in users:
            line = f"  {email}"
            if secret:
                line += f"  (TOTP-nøgle: {secret}; koder: python manage.py demo_totp)"
            self.stdout.write(line)
        self.stdout.flush()


def unapplied_migrations() -> bool:
    """Whether the database lacks a migration the code has (as `migrate` would plan it)."""
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def wait_until_seeded(seeding: str) -> bool:
    """Wait for `seed_demo --ready-file` run beside this process. `seeding` is
    "<its pid>:<the file>" (PORTAL_SEEDING, set by `make run`). Whether the demo is seeded;
    False when the command failed or stopped before it was."""
    pid, _, path = seeding.partition(":")
    ready = Path(path)
    while True:
        running = _running(int(pid))  # before the file: a file read after its end is final
        state = ready.read_text().strip() if ready.exists() else ""
        if state == READY:
            return True
        if state == FAILED or not running:
            sys.stderr.write("seed_demo fejlede (se ovenfor): webserveren starter ikke.\n")
            return False
        time.sleep(0.05)


def _running(pid: int) -> bool:
    """Whether the process runs (a zombie, exited but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True
