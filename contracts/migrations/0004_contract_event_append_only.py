"""The database keeps the promise: the contract audit trail (ContractEvent) is append-only.
A trigger refuses UPDATE and DELETE of an event whatever path the change takes (portal,
admin, shell, raw SQL), and a contract with events cannot be deleted (PROTECT in Django; the
foreign key refuses it in SQL), so no history goes with a contract.

Only the table's owner could get past this (DISABLE TRIGGER, TRUNCATE): the portal connects
as an application role that owns nothing and has no TRUNCATE (partnership/db_roles.py).
Tests empty the tables with TRUNCATE as the owner, which row triggers do not see."""

import django.db.models.deletion
from django.db import migrations, models

PG_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION contracts_contractevent_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'Kontraktens historik kan ikke ændres eller slettes (hændelse %).', OLD.id
            USING ERRCODE = 'check_violation';
    END;
    $$ LANGUAGE plpgsql;
    """,
    "CREATE TRIGGER contracts_contractevent_append_only BEFORE UPDATE OR DELETE "
    "ON contracts_contractevent FOR EACH ROW EXECUTE FUNCTION contracts_contractevent_append_only();",
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS contracts_contractevent_append_only ON contracts_contractevent;",
    "DROP FUNCTION IF EXISTS contracts_contractevent_append_only();",
]


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0003_contract_list_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="contractevent",
            name="contract",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="events",
                to="contracts.contract",
            ),
        ),
        migrations.RunSQL(PG_FORWARD, PG_BACKWARD),
    ]
