"""Two database roles, so that the database keeps its promises even against the portal.

- The application role (`DATABASE_URL`): web and worker processes. SELECT, INSERT, UPDATE
  and DELETE on the tables, USAGE, SELECT and UPDATE on the sequences; it owns nothing, so
  it cannot ALTER a table or DISABLE its triggers, and it has no TRUNCATE and no CREATE.
- The owner role (`DATABASE_OWNER_URL`): owns the schema's tables, functions and triggers.
  Only `migrate`, `flush` and the test database's creation and destruction connect as it,
  through `as_owner()`; after `migrate` it grants the application role its rights again.

Without `DATABASE_OWNER_URL` everything connects with `DATABASE_URL` (one role, as before).
The roles themselves are created on the server by `deploy/db-roles.sh`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import NO_DB_ALIAS

# The aliases whose connections currently use the owner's credentials (this thread/context).
_owner_aliases: ContextVar[frozenset[str]] = ContextVar("portal_owner_aliases", default=frozenset())

TABLE_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"
SEQUENCE_PRIVILEGES = "USAGE, SELECT, UPDATE"


def owner_settings(using: str = DEFAULT_DB_ALIAS) -> dict | None:
    """The owner's USER, PASSWORD, HOST and PORT, or None in single-role mode."""
    return connections[using].settings_dict.get("OWNER") or None


def has_owner_role(using: str = DEFAULT_DB_ALIAS) -> bool:
    return owner_settings(using) is not None


def connects_as_owner(alias: str) -> bool:
    """Whether a new connection for this alias should log in as the owner. The connection
    Django opens to the `postgres` database to create or drop the test database follows
    the alias it was opened for."""
    active = _owner_aliases.get()
    return alias in active or (alias == NO_DB_ALIAS and bool(active))


@contextmanager
def as_owner(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Run the block with the alias's connection logged in as the owner role; afterwards the
    next query reconnects as the application role. Re-entrant; a no-op in single-role mode.
    Not inside a transaction: the connection is closed on the way in and out."""
    connection = connections[using]
    if not has_owner_role(using) or using in _owner_aliases.get():
        yield
        return
    if connection.in_atomic_block:
        raise RuntimeError("as_owner() cannot switch roles inside a transaction.")
    connection.close()
    token = _owner_aliases.set(_owner_aliases.get() | {using})
    try:
        yield
    finally:
        _owner_aliases.reset(token)
        connection.close()


def grant_application_role(using: str = DEFAULT_DB_ALIAS) -> None:
    """Give the application role exactly its rights on the current schema: the DML it
    needs on every table and sequence, now and for those the owner creates later, and
    nothing else (earlier grants such as TRUNCATE are taken back). Idempotent; run by
    `migrate` as the owner."""
    connection = connections[using]
    owner = owner_settings(using)
    app_role = connection.settings_dict["USER"]
    if owner is None or owner["USER"] == app_role:
        return
    app = connection.ops.quote_name(app_role)
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_schema(), pg_has_role(current_user, n.nspowner, 'USAGE')"
            " FROM pg_namespace n WHERE n.nspname = current_schema()"
        )
        schema_name, owns_schema = cursor.fetchone()
        schema = connection.ops.quote_name(schema_name)
        statements = [
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {app}",
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {app}",
            f"GRANT USAGE ON SCHEMA {schema} TO {app}",
            f"GRANT {TABLE_PRIVILEGES} ON ALL TABLES IN SCHEMA {schema} TO {app}",
            f"GRANT {SEQUENCE_PRIVILEGES} ON ALL SEQUENCES IN SCHEMA {schema} TO {app}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
            f"GRANT {TABLE_PRIVILEGES} ON TABLES TO {app}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
            f"GRANT {SEQUENCE_PRIVILEGES} ON SEQUENCES TO {app}",
        ]
        if owns_schema:
            # PostgreSQL before 15 lets everyone create tables in `public`.
            statements.append(f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC, {app}")
        for sql in statements:
            cursor.execute(sql)
