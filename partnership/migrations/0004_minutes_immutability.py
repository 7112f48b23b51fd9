"""The database keeps the promise: approved minutes (a published version of a referat),
their items, actions and comments cannot be changed, whatever path the change takes
(portal, admin, raw SQL). A correction is a new version with a reason."""

from django.db import migrations

PG_MESSAGE = "Et godkendt referat kan ikke ændres (referat %). Offentliggør en rettelse som en ny version."

PG_FORWARD = [
    f"""
    CREATE OR REPLACE FUNCTION partnership_minutes_immutable() RETURNS trigger AS $$
    BEGIN
        IF OLD.status = 'approved' THEN
            RAISE EXCEPTION '{PG_MESSAGE}', OLD.id USING ERRCODE = 'check_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    "CREATE TRIGGER partnership_minutes_immutable BEFORE UPDATE OR DELETE ON partnership_minutes "
    "FOR EACH ROW EXECUTE FUNCTION partnership_minutes_immutable();",
    # Items of the minutes: refuse when the minutes they belong to (before or after the
    # change) are approved.
    f"""
    CREATE OR REPLACE FUNCTION partnership_minutesentry_immutable() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' AND EXISTS (
            SELECT 1 FROM partnership_minutes WHERE id = OLD.minutes_id AND status = 'approved'
        ) THEN
            RAISE EXCEPTION '{PG_MESSAGE}', OLD.minutes_id USING ERRCODE = 'check_violation';
        END IF;
        IF TG_OP <> 'DELETE' AND EXISTS (
            SELECT 1 FROM partnership_minutes WHERE id = NEW.minutes_id AND status = 'approved'
        ) THEN
            RAISE EXCEPTION '{PG_MESSAGE}', NEW.minutes_id USING ERRCODE = 'check_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    "CREATE TRIGGER partnership_minutesentry_immutable BEFORE INSERT OR UPDATE OR DELETE "
    "ON partnership_minutesentry FOR EACH ROW EXECUTE FUNCTION partnership_minutesentry_immutable();",
    # Actions and comments hang on an entry: the same rule through the entry.
    f"""
    CREATE OR REPLACE FUNCTION partnership_minutes_child_immutable() RETURNS trigger AS $$
    DECLARE approved_id bigint;
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            SELECT m.id INTO approved_id FROM partnership_minutes m
              JOIN partnership_minutesentry e ON e.minutes_id = m.id
             WHERE e.id = OLD.entry_id AND m.status = 'approved';
            IF approved_id IS NOT NULL THEN
                RAISE EXCEPTION '{PG_MESSAGE}', approved_id USING ERRCODE = 'check_violation';
            END IF;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            SELECT m.id INTO approved_id FROM partnership_minutes m
              JOIN partnership_minutesentry e ON e.minutes_id = m.id
             WHERE e.id = NEW.entry_id AND m.status = 'approved';
            IF approved_id IS NOT NULL THEN
                RAISE EXCEPTION '{PG_MESSAGE}', approved_id USING ERRCODE = 'check_violation';
            END IF;
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    "CREATE TRIGGER partnership_minutesaction_immutable BEFORE INSERT OR UPDATE OR DELETE "
    "ON partnership_minutesaction FOR EACH ROW EXECUTE FUNCTION partnership_minutes_child_immutable();",
    "CREATE TRIGGER partnership_minutescomment_immutable BEFORE INSERT OR UPDATE OR DELETE "
    "ON partnership_minutescomment FOR EACH ROW EXECUTE FUNCTION partnership_minutes_child_immutable();",
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS partnership_minutescomment_immutable ON partnership_minutescomment;",
    "DROP TRIGGER IF EXISTS partnership_minutesaction_immutable ON partnership_minutesaction;",
    "DROP FUNCTION IF EXISTS partnership_minutes_child_immutable();",
    "DROP TRIGGER IF EXISTS partnership_minutesentry_immutable ON partnership_minutesentry;",
    "DROP FUNCTION IF EXISTS partnership_minutesentry_immutable();",
    "DROP TRIGGER IF EXISTS partnership_minutes_immutable ON partnership_minutes;",
    "DROP FUNCTION IF EXISTS partnership_minutes_immutable();",
]

# SQLite (the `make run` development database) refuses changes but not deletes: Django
# empties SQLite tables between transactional tests with DELETE, which a delete trigger would
# stop. PostgreSQL, where the portal runs, empties them with TRUNCATE and refuses deletes too
# (the same reasoning as offers/migrations/0002_tariff_immutability_and_search_index.py).
SQLITE_MESSAGE = "Et godkendt referat kan ikke ændres. Offentliggør en rettelse som en ny version."
APPROVED_ENTRY = (
    "(SELECT m.status FROM partnership_minutes m JOIN partnership_minutesentry e "
    "ON e.minutes_id = m.id WHERE e.id = {ref}.entry_id) = 'approved'"
)
SQLITE_FORWARD = [
    f"""CREATE TRIGGER partnership_minutes_no_update BEFORE UPDATE ON partnership_minutes
        WHEN OLD.status = 'approved' BEGIN SELECT RAISE(ABORT, '{SQLITE_MESSAGE}'); END;""",
    f"""CREATE TRIGGER partnership_minutesentry_no_insert BEFORE INSERT ON partnership_minutesentry
        WHEN (SELECT status FROM partnership_minutes WHERE id = NEW.minutes_id) = 'approved'
        BEGIN SELECT RAISE(ABORT, '{SQLITE_MESSAGE}'); END;""",
    f"""CREATE TRIGGER partnership_minutesentry_no_update BEFORE UPDATE ON partnership_minutesentry
        WHEN (SELECT status FROM partnership_minutes WHERE id = OLD.minutes_id) = 'approved'
          OR (SELECT status FROM partnership_minutes WHERE id = NEW.minutes_id) = 'approved'
        BEGIN SELECT RAISE(ABORT, '{SQLITE_MESSAGE}'); END;""",
]
for table in ("partnership_minutesaction", "partnership_minutescomment"):
    SQLITE_FORWARD += [
        f"""CREATE TRIGGER {table}_no_insert BEFORE INSERT ON {table}
            WHEN {APPROVED_ENTRY.format(ref="NEW")}
            BEGIN SELECT RAISE(ABORT, '{SQLITE_MESSAGE}'); END;""",
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            WHEN {APPROVED_ENTRY.format(ref="OLD")} OR {APPROVED_ENTRY.format(ref="NEW")}
            BEGIN SELECT RAISE(ABORT, '{SQLITE_MESSAGE}'); END;""",
    ]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {name};"
    for name in [
        "partnership_minutes_no_update",
        "partnership_minutesentry_no_insert",
        "partnership_minutesentry_no_update",
        "partnership_minutesaction_no_insert",
        "partnership_minutesaction_no_update",
        "partnership_minutescomment_no_insert",
        "partnership_minutescomment_no_update",
    ]
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, None)

    return run


class Migration(migrations.Migration):
    dependencies = [("partnership", "0003_meetings")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
