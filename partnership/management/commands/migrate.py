"""`migrate` as the owner role, then the application role's rights granted again (Django's
migrate otherwise unchanged). See partnership/db_roles.py."""

from django.core.management.commands import migrate

from partnership import db_roles


class Command(migrate.Command):
    def handle(self, *args, **options):
        with db_roles.as_owner(options["database"]):
            super().handle(*args, **options)
            db_roles.grant_application_role(options["database"])
