"""Approved minutes (with their snapshot, items, actions and comments) can be changed in one
way only: the secretariat's redaction of a CPR number (partnership_redaction_permits, 0006).
Anything else is refused as before (0004), raw SQL included."""

from django.db import migrations

MESSAGE = (
    "Et godkendt referat kan ikke ændres (referat %). "
    "Offentliggør en rettelse som en ny version."
)
# An update that a redaction recorded in this transaction covers goes through (the redaction
# check compares every changed column, so a moved row is never covered).
PERMITTED = """
            IF TG_OP = 'UPDATE'
               AND partnership_redaction_permits(TG_TABLE_NAME, to_jsonb(OLD), to_jsonb(NEW)) THEN
                RETURN NEW;
            END IF;"""


def _functions(permitted: str) -> list[str]:
    return [
        f"""
        CREATE OR REPLACE FUNCTION partnership_minutes_immutable() RETURNS trigger AS $$
        BEGIN
{permitted}
            IF OLD.status = 'approved' THEN
                RAISE EXCEPTION '{MESSAGE}', OLD.id USING ERRCODE = 'check_violation';
            END IF;
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
        END;
        $$ LANGUAGE plpgsql;
        """,
        f"""
        CREATE OR REPLACE FUNCTION partnership_minutesentry_immutable() RETURNS trigger AS $$
        BEGIN
{permitted}
            IF TG_OP <> 'INSERT' AND EXISTS (
                SELECT 1 FROM partnership_minutes WHERE id = OLD.minutes_id AND status = 'approved'
            ) THEN
                RAISE EXCEPTION '{MESSAGE}', OLD.minutes_id USING ERRCODE = 'check_violation';
            END IF;
            IF TG_OP <> 'DELETE' AND EXISTS (
                SELECT 1 FROM partnership_minutes WHERE id = NEW.minutes_id AND status = 'approved'
            ) THEN
                RAISE EXCEPTION '{MESSAGE}', NEW.minutes_id USING ERRCODE = 'check_violation';
            END IF;
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
        END;
        $$ LANGUAGE plpgsql;
        """,
        f"""
        CREATE OR REPLACE FUNCTION partnership_minutes_child_immutable() RETURNS trigger AS $$
        DECLARE approved_id bigint;
        BEGIN
{permitted}
            IF TG_OP <> 'INSERT' THEN
                SELECT m.id INTO approved_id FROM partnership_minutes m
                  JOIN partnership_minutesentry e ON e.minutes_id = m.id
                 WHERE e.id = OLD.entry_id AND m.status = 'approved';
                IF approved_id IS NOT NULL THEN
                    RAISE EXCEPTION '{MESSAGE}', approved_id USING ERRCODE = 'check_violation';
                END IF;
            END IF;
            IF TG_OP <> 'DELETE' THEN
                SELECT m.id INTO approved_id FROM partnership_minutes m
                  JOIN partnership_minutesentry e ON e.minutes_id = m.id
                 WHERE e.id = NEW.entry_id AND m.status = 'approved';
                IF approved_id IS NOT NULL THEN
                    RAISE EXCEPTION '{MESSAGE}', approved_id USING ERRCODE = 'check_violation';
                END IF;
            END IF;
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
        END;
        $$ LANGUAGE plpgsql;
        """,
    ]


class Migration(migrations.Migration):
    dependencies = [("partnership", "0006_cpr_guard_and_redaction")]

    operations = [
        migrations.RunSQL(_functions(PERMITTED), _functions("")),
    ]
