"""The database keeps its promises against the portal itself: web and worker processes
connect as an application role that may read and write rows and nothing else, so the
attacks below, tried through the portal's own connection, fail. The tables belong to an
owner role that only migrations (and the test database's setup) use.

These tests need two roles (DATABASE_OWNER_URL set, as .ci/run and the development database
of config/devdb.py do): with one role they are skipped locally and fail in CI
(PORTAL_REQUIRE_SERVICES=1), since a single superuser role is exactly the finding they guard
against."""

from pathlib import Path

import psycopg
import pytest
import yaml
from django.apps import apps
from django.db import DatabaseError, connection, transaction

from contracts import services as contract_services
from meetings.models import Minutes
from offers.models import Tariff
from offers.selectors import current_year
from partnership import db_roles
from tests.conftest import _missing
from tests.factories import demo_user, make_contract, make_offer, publish

ROOT = Path(__file__).resolve().parents[2]
INSUFFICIENT_PRIVILEGE = "42501"  # "permission denied", "must be owner of"
CHECK_VIOLATION = "23514"  # the append-only trigger


@pytest.fixture
def app_role(db) -> str:
    """The role the portal's connection logs in as (the application role)."""
    if not db_roles.has_owner_role():
        _missing(
            "needs two database roles: set DATABASE_OWNER_URL to the owner and DATABASE_URL "
            "to the application role (deploy/db-roles.sh)"
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (role,) = cursor.fetchone()
    assert role == connection.settings_dict["USER"] != db_roles.owner_settings()["USER"]
    return role


@pytest.fixture
def world(demo, app_role):
    offer = make_offer(name="Botilbud Egeskoven")
    tariff = publish(offer, current_year(), "2500")
    contract = make_contract(offer)
    contract_services.comment(
        contract=contract,
        text="Aftalt på mødet.",
        by=demo_user("sagsbehandler.naestved@portal.example"),
    )
    return {"tariff": tariff, "contract": contract}


def _attack(sql: str, params=None) -> str:
    """Run one statement as the portal; returns the SQLSTATE it was refused with."""
    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    cause = refused.value.__cause__
    assert isinstance(cause, psycopg.Error), refused.value
    return cause.sqlstate


@pytest.mark.postgres
def test_the_portal_cannot_disable_the_published_tariff_trigger(world):
    tariff = world["tariff"]
    assert _attack("ALTER TABLE offers_tariff DISABLE TRIGGER ALL") == INSUFFICIENT_PRIVILEGE
    assert _attack("DROP TRIGGER offers_tariff_immutable ON offers_tariff") == (
        INSUFFICIENT_PRIVILEGE
    )
    # Nor skip triggers for the session, the superuser's way round them.
    assert _attack("SET session_replication_role = replica") == INSUFFICIENT_PRIVILEGE
    # So the published tariff still cannot change.
    assert (
        _attack("UPDATE offers_tariff SET price = 1 WHERE id = %s", [tariff.pk]) == CHECK_VIOLATION
    )
    tariff.refresh_from_db()
    assert tariff.status == "published" and tariff.price == 2500


@pytest.mark.postgres
def test_the_portal_cannot_truncate_published_tariffs_or_approved_minutes(world):
    assert _attack("TRUNCATE offers_tariff CASCADE") == INSUFFICIENT_PRIVILEGE
    assert _attack("TRUNCATE partnership_minutes") == INSUFFICIENT_PRIVILEGE
    assert _attack("TRUNCATE partnership_minutes CASCADE") == INSUFFICIENT_PRIVILEGE
    assert Tariff.objects.filter(pk=world["tariff"].pk, status="published").exists()
    assert Minutes._meta.db_table == "partnership_minutes"


@pytest.mark.postgres
def test_the_portal_cannot_rewrite_or_remove_the_contract_history(world):
    contract = world["contract"]
    events = list(contract.events.order_by("pk").values_list("pk", "kind", "message"))
    assert len(events) >= 2
    update = "UPDATE contracts_contractevent SET message = 'omskrevet' WHERE contract_id = %s"
    assert _attack(update, [contract.pk]) == CHECK_VIOLATION
    delete = "DELETE FROM contracts_contractevent WHERE contract_id = %s"
    assert _attack(delete, [contract.pk]) == CHECK_VIOLATION
    assert _attack("ALTER TABLE contracts_contractevent DISABLE TRIGGER ALL") == (
        INSUFFICIENT_PRIVILEGE
    )
    assert _attack("TRUNCATE contracts_contractevent") == INSUFFICIENT_PRIVILEGE
    assert list(contract.events.order_by("pk").values_list("pk", "kind", "message")) == events


@pytest.mark.postgres
def test_the_portal_cannot_create_tables_or_functions(app_role):
    assert _attack("CREATE TABLE public.portal_scratch (id int)") == INSUFFICIENT_PRIVILEGE
    assert _attack("CREATE TABLE portal_scratch (id int)") == INSUFFICIENT_PRIVILEGE
    replace = (
        "CREATE OR REPLACE FUNCTION offers_tariff_immutable() RETURNS trigger "
        "AS $$ BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql"
    )
    assert _attack(replace) == INSUFFICIENT_PRIVILEGE


@pytest.mark.postgres
def test_the_portal_role_is_neither_superuser_nor_owner_of_anything(app_role):
    owner = db_roles.owner_settings()["USER"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls,"
            " pg_has_role(current_user, %s, 'MEMBER')"
            " FROM pg_roles WHERE rolname = current_user",
            [owner],
        )
        assert cursor.fetchone() == (False, False, False, False, False, False)
        cursor.execute(
            "SELECT 'database' FROM pg_database"
            " WHERE datname = current_database() AND pg_has_role(datdba, 'USAGE')"
            " UNION ALL SELECT 'schema ' || nspname FROM pg_namespace"
            " WHERE pg_has_role(nspowner, 'USAGE') AND nspname !~ '^pg_temp|^pg_toast_temp'"
            " UNION ALL SELECT 'relation ' || relname FROM pg_class"
            " WHERE pg_has_role(relowner, 'USAGE')"
            " UNION ALL SELECT 'function ' || proname FROM pg_proc"
            " WHERE pg_has_role(proowner, 'USAGE')"
        )
        assert cursor.fetchall() == []
        cursor.execute("SELECT has_schema_privilege('public', 'CREATE')")
        assert cursor.fetchone() == (False,)


@pytest.mark.postgres
def test_every_table_allows_the_portal_rows_and_nothing_more(app_role):
    """Every model's table (and every sequence): read and write rows, no TRUNCATE,
    REFERENCES or TRIGGER. A new model's table is covered by the same grant."""
    tables = {m._meta.db_table for m in apps.get_models(include_auto_created=True)}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname,"
            " has_table_privilege(c.oid, 'SELECT')"
            " AND has_table_privilege(c.oid, 'INSERT')"
            " AND has_table_privilege(c.oid, 'UPDATE')"
            " AND has_table_privilege(c.oid, 'DELETE'),"
            " has_table_privilege(c.oid, 'TRUNCATE')"
            " OR has_table_privilege(c.oid, 'REFERENCES')"
            " OR has_table_privilege(c.oid, 'TRIGGER')"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm')"
        )
        rights = {name: (dml, more) for name, dml, more in cursor.fetchall()}
        cursor.execute(
            "SELECT c.relname, has_sequence_privilege(c.oid, 'USAGE')"
            " AND has_sequence_privilege(c.oid, 'SELECT')"
            " AND has_sequence_privilege(c.oid, 'UPDATE')"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND c.relkind = 'S'"
        )
        sequences = dict(cursor.fetchall())
    assert tables <= set(rights), tables - set(rights)
    assert {name for name, (dml, _) in rights.items() if not dml} == set()
    assert {name for name, (_, more) in rights.items() if more} == set()
    assert sequences and all(sequences.values()), sequences


def test_docker_compose_gives_the_owner_only_to_migrate():
    """web, worker and beat log in as the application role; only the one-shot migrate
    service knows the owner's password; the postgres service creates both roles."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert "partnerskab_app:" in env["DATABASE_URL"], name
        assert "DATABASE_OWNER_URL" not in env, name
    migrate = services["migrate"]["environment"]
    assert "partnerskab_owner:" in migrate["DATABASE_OWNER_URL"]
    assert "partnerskab_app:" in migrate["DATABASE_URL"]
    assert any("db-roles.sh" in volume for volume in services["postgres"]["volumes"])
