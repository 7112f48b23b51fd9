"""Django's PostgreSQL backend with the owner's credentials while `as_owner()` is active
(see partnership/db_roles.py). Without an owner role it is Django's backend unchanged."""

from __future__ import annotations

from typing import Any

import psycopg
from django.db.backends.postgresql import base, creation, operations
from psycopg.pq import Format

from partnership import db_roles

# A threshold no query reaches: psycopg prepares only on request (preparing_cursor()), its
# automatic preparing stays off for every other query, as Django's backend leaves it.
_PREPARE_ON_REQUEST_ONLY = 1_000_000_000


class _PreparingCursor(psycopg.Cursor):  # type: ignore[type-arg]
    """A cursor that binds its parameters on the server and prepares each statement (psycopg
    keeps the last prepared_max of them per connection)."""

    def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None, **kw: Any):
        return super().execute(query, params, prepare=True, **kw)


class DatabaseCreation(creation.DatabaseCreation):
    """The test database is created, migrated and dropped by the owner role; the tests
    then run as the application role."""

    def create_test_db(self, *args: Any, **kwargs: Any) -> str:
        with db_roles.as_owner(self.connection.alias):
            return super().create_test_db(*args, **kwargs)

    def destroy_test_db(self, *args: Any, **kwargs: Any) -> None:
        with db_roles.as_owner(self.connection.alias):
            super().destroy_test_db(*args, **kwargs)


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor: Any, sql: str, params: Any) -> str | None:
        """The query with its parameters, as the query log shows every other query: psycopg
        keeps no text of a prepared one (written here as Django writes the queries of a
        connection that binds on the server)."""
        if isinstance(cursor, _PreparingCursor):
            try:
                return str(self.compose_sql(sql, params))
            except psycopg.errors.DataError:
                return None
        found: str | None = super().last_executed_query(cursor, sql, params)
        return found


class DatabaseWrapper(base.DatabaseWrapper):
    creation_class = DatabaseCreation
    ops_class = DatabaseOperations

    def preparing_cursor(self) -> Any:
        """connection.cursor() (the health check, the execute wrappers, the query log, the
        time zone), over a cursor that prepares its statements: for SQL whose text repeats
        with other parameters (partnership/dashboard.py compiled_cursor())."""
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            raw = self.connection
            if raw.prepare_threshold is None:
                raw.prepare_threshold = _PREPARE_ON_REQUEST_ONLY
            cursor = _PreparingCursor(raw)
            # (As Django's create_cursor(): the cursor's time zone if the connection's differs.)
            tzloader = raw.adapters.get_loader(base.TIMESTAMPTZ_OID, Format.TEXT)
            if self.timezone != tzloader.timezone:
                base.register_tzloader(self.timezone, cursor)
            return self._prepare_cursor(cursor)

    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        owner = self.settings_dict.get("OWNER")
        if owner and db_roles.connects_as_owner(self.alias):
            params["user"] = owner["USER"]
            params.pop("password", None)
            for key in ("PASSWORD", "HOST", "PORT"):
                if owner.get(key):
                    params[key.lower()] = owner[key]
        return params
