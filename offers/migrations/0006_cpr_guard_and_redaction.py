"""Offer and tariff texts refuse CPR numbers (partnership.fields; state only), and a
published tariff or its add-ons can be changed in one way only: the secretariat's redaction
of a CPR number (partnership_redaction_permits, partnership 0006). Anything else is refused
as before, raw SQL included."""

from django.db import migrations

PG_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION offers_tariff_immutable() RETURNS trigger AS $$
    BEGIN
        IF OLD.status = 'published' THEN
            IF TG_OP = 'UPDATE'
               AND partnership_redaction_permits(TG_TABLE_NAME, to_jsonb(OLD), to_jsonb(NEW)) THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'En offentliggjort takst kan ikke ændres eller slettes (takst %). Opret en ny version.', OLD.id
                USING ERRCODE = 'check_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE OR REPLACE FUNCTION offers_tariffaddon_immutable() RETURNS trigger AS $$
    DECLARE parent_status varchar;
    BEGIN
        SELECT status INTO parent_status FROM offers_tariff
         WHERE id = CASE WHEN TG_OP = 'INSERT' THEN NEW.tariff_id ELSE OLD.tariff_id END;
        IF parent_status = 'published' THEN
            IF TG_OP = 'UPDATE'
               AND partnership_redaction_permits(TG_TABLE_NAME, to_jsonb(OLD), to_jsonb(NEW)) THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'Tillægsydelser på en offentliggjort takst kan ikke ændres.'
                USING ERRCODE = 'check_violation';
        END IF;
        IF TG_OP = 'UPDATE' AND NEW.tariff_id <> OLD.tariff_id THEN
            SELECT status INTO parent_status FROM offers_tariff WHERE id = NEW.tariff_id;
            IF parent_status = 'published' THEN
                RAISE EXCEPTION 'Tillægsydelser på en offentliggjort takst kan ikke ændres.'
                    USING ERRCODE = 'check_violation';
            END IF;
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
]
# Back to the functions of 0002 (without the redaction).
PG_BACKWARD = [
    sql.replace(
        """            IF TG_OP = 'UPDATE'
               AND partnership_redaction_permits(TG_TABLE_NAME, to_jsonb(OLD), to_jsonb(NEW)) THEN
                RETURN NEW;
            END IF;
""",
        "",
    )
    for sql in PG_FORWARD
]


class Migration(migrations.Migration):

    dependencies = [
        ('offers', '0005_current_price_and_search_generation'),
        ('partnership', '0006_cpr_guard_and_redaction'),
    ]

    operations = [
        migrations.RunSQL(PG_FORWARD, PG_BACKWARD),
    ]
