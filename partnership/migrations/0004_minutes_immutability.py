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


class Migration(migrations.Migration):
    dependencies = [("partnership", "0003_meetings")]

    operations = [
        migrations.RunSQL(PG_FORWARD, PG_BACKWARD),
    ]
