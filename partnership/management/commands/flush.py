"""`flush` as the owner role: it empties the tables with TRUNCATE, which the application
role may not do. Transactional tests call it between tests. See partnership/db_roles.py."""

from django.core.management.commands import flush

from partnership import db_roles


class Command(flush.Command):
    def handle(self, **options):
        with db_roles.as_owner(options["database"]):
            super().handle(**options)
