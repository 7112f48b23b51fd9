"""`manage.py seed_demo`: the demo data and logins, made or brought back (partnership/demo.py
and each app's demo.py through demo_seeded). Safe to run again; a run that finds the demo
in place changes and hashes nothing.

`--migrate` applies the migrations first, in the same process: `make run` starts Django
once for both instead of twice (each start is about a second of imports), and when every
migration is applied it does not run `migrate` at all (which would still compare the models
with the migrations and write the content types and permissions again)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from partnership import demo
from partnership.models import Organisation
from partnership.signals import demo_seeded


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

    def handle(self, *args, migrate: bool, **options):
        if migrate and unapplied_migrations():
            call_command("migrate", interactive=False, verbosity=options["verbosity"])
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


def unapplied_migrations() -> bool:
    """Whether the database lacks a migration the code has (as `migrate` would plan it)."""
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))
