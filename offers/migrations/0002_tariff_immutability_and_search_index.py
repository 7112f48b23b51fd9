"""The database keeps the promise: a published tariff and its add-ons cannot be changed or
deleted, whatever path the change takes (portal, admin, raw SQL). Also the Danish full-text
document and its GIN index."""

from django.db import migrations

PG_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION offers_tariff_immutable() RETURNS trigger AS $$
    BEGIN
        IF OLD.status = 'published' THEN
            RAISE EXCEPTION 'En offentliggjort takst kan ikke ændres eller slettes (takst %). Opret en ny version.', OLD.id
                USING ERRCODE = 'check_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    "CREATE TRIGGER offers_tariff_immutable BEFORE UPDATE OR DELETE ON offers_tariff "
    "FOR EACH ROW EXECUTE FUNCTION offers_tariff_immutable();",
    """
    CREATE OR REPLACE FUNCTION offers_tariffaddon_immutable() RETURNS trigger AS $$
    DECLARE parent_status varchar;
    BEGIN
        SELECT status INTO parent_status FROM offers_tariff
         WHERE id = CASE WHEN TG_OP = 'INSERT' THEN NEW.tariff_id ELSE OLD.tariff_id END;
        IF parent_status = 'published' THEN
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
    "CREATE TRIGGER offers_tariffaddon_immutable BEFORE INSERT OR UPDATE OR DELETE ON offers_tariffaddon "
    "FOR EACH ROW EXECUTE FUNCTION offers_tariffaddon_immutable();",
    # The Danish full-text document as a stored generated column with a GIN index: ranking
    # reads the stored tsvector instead of parsing every match's text again
    # (bench/RESULTS.md: full-text p50 72 → 40 ms at 10,000 offers).
    "ALTER TABLE offers_offer ADD COLUMN search_document tsvector GENERATED ALWAYS AS ("
    "to_tsvector('danish', coalesce(name, '') || ' ' || coalesce(methods, '') || ' ' || coalesce(description, ''))"
    ") STORED;",
    "CREATE INDEX offers_offer_search_document ON offers_offer USING GIN (search_document);",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS offers_offer_search_document;",
    "ALTER TABLE offers_offer DROP COLUMN IF EXISTS search_document;",
    "DROP TRIGGER IF EXISTS offers_tariffaddon_immutable ON offers_tariffaddon;",
    "DROP FUNCTION IF EXISTS offers_tariffaddon_immutable();",
    "DROP TRIGGER IF EXISTS offers_tariff_immutable ON offers_tariff;",
    "DROP FUNCTION IF EXISTS offers_tariff_immutable();",
]


class Migration(migrations.Migration):
    dependencies = [("offers", "0001_initial")]

    operations = [
        migrations.RunSQL(PG_FORWARD, PG_BACKWARD),
    ]
