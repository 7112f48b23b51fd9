"""Two things the offer search reads instead of working them out on every request:

- offers_currentprice: each offer's latest published main tariff per year as a monthly price,
  written by triggers on offers_tariff when a tariff is published (inserted as published or
  changed to published) in the same transaction, whatever the path; filled here from the
  tariffs published so far.
- offers_currentvacancy: each offer's latest vacancy report, written by triggers on
  offers_vacancyreport on every insert, change or deletion of a report; filled here.
- offers_searchgeneration: rows whose numbers change (in the writing transaction) on every
  INSERT, UPDATE, DELETE or TRUNCATE of a table the search reads, so the search can cache its
  results under them (offers.selectors.search_generation). The numbers come from a sequence,
  so a number is never used again, not even after a rollback; `token` is drawn when the
  database is made, so two databases (or a database made again) never share cache keys.
  The table has 16 rows, so a writer changes one no other writer holds; it is not a Django
  model: a test flush leaves it.
"""

import django.db.models.deletion
from django.db import migrations, models

MONTHLY = "ROUND(CASE WHEN t.unit = 'day' THEN t.price * 365 / 12 ELSE t.price END, 6)"

# What the search reads: offers and their links, tariffs (offers_currentprice follows them),
# vacancy reports, organisations (providers, municipalities, branches) and reference data.
SEARCHED_TABLES = [
    "offers_offer",
    "offers_offer_paragraphs",
    "offers_offer_target_groups",
    "offers_tariff",
    "offers_vacancyreport",
    "offers_legalparagraph",
    "offers_targetgroup",
    "offers_regulationrate",
    "partnership_organisation",
]

VACANCY_COLUMNS = "offer_id, report_id, vacant, reported_on, created_at"
VACANCY_VALUES = "v.offer_id, v.id, v.vacant, v.reported_on, v.created_at"
# As offers.selectors._latest_vacancy().
VACANCY_ORDER = "v.reported_on DESC, v.created_at DESC, v.id DESC"

PG_SHARDS = 16

PG_FORWARD = [
    f"""
    CREATE OR REPLACE FUNCTION offers_currentprice_refresh() RETURNS trigger AS $$
    BEGIN
        INSERT INTO offers_currentprice (offer_id, year, tariff_id, version, monthly_price)
        SELECT t.offer_id, t.year, t.id, t.version, {MONTHLY}
          FROM offers_tariff t
         WHERE t.offer_id = NEW.offer_id AND t.year = NEW.year AND t.status = 'published'
         ORDER BY t.version DESC LIMIT 1
        ON CONFLICT (offer_id, year) DO UPDATE
           SET tariff_id = EXCLUDED.tariff_id, version = EXCLUDED.version,
               monthly_price = EXCLUDED.monthly_price
         WHERE offers_currentprice.version < EXCLUDED.version;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql;
    """,
    "CREATE TRIGGER offers_currentprice_refresh AFTER INSERT OR UPDATE OF status ON offers_tariff "
    "FOR EACH ROW WHEN (NEW.status = 'published') EXECUTE FUNCTION offers_currentprice_refresh();",
    f"""
    INSERT INTO offers_currentprice (offer_id, year, tariff_id, version, monthly_price)
    SELECT DISTINCT ON (t.offer_id, t.year) t.offer_id, t.year, t.id, t.version, {MONTHLY}
      FROM offers_tariff t WHERE t.status = 'published'
     ORDER BY t.offer_id, t.year, t.version DESC;
    """,
    "ANALYZE offers_currentprice;",  # statistics for the planner from the first search on
    f"""
    CREATE OR REPLACE FUNCTION offers_currentvacancy_recompute(for_offer bigint) RETURNS void AS $$
    BEGIN
        DELETE FROM offers_currentvacancy WHERE offer_id = for_offer;
        INSERT INTO offers_currentvacancy ({VACANCY_COLUMNS})
        SELECT {VACANCY_VALUES} FROM offers_vacancyreport v WHERE v.offer_id = for_offer
         ORDER BY {VACANCY_ORDER} LIMIT 1
        ON CONFLICT (offer_id) DO UPDATE
           SET report_id = EXCLUDED.report_id, vacant = EXCLUDED.vacant,
               reported_on = EXCLUDED.reported_on, created_at = EXCLUDED.created_at;
    END;
    $$ LANGUAGE plpgsql;
    """,
    f"""
    CREATE OR REPLACE FUNCTION offers_currentvacancy_refresh() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            -- The new report, if it is newer than the current one (also when another
            -- transaction reported for the offer at the same time).
            INSERT INTO offers_currentvacancy ({VACANCY_COLUMNS})
            VALUES (NEW.offer_id, NEW.id, NEW.vacant, NEW.reported_on, NEW.created_at)
            ON CONFLICT (offer_id) DO UPDATE
               SET report_id = EXCLUDED.report_id, vacant = EXCLUDED.vacant,
                   reported_on = EXCLUDED.reported_on, created_at = EXCLUDED.created_at
             WHERE (EXCLUDED.reported_on, EXCLUDED.created_at, EXCLUDED.report_id)
                 > (offers_currentvacancy.reported_on, offers_currentvacancy.created_at,
                    offers_currentvacancy.report_id);
            RETURN NULL;
        END IF;
        PERFORM offers_currentvacancy_recompute(OLD.offer_id);
        IF TG_OP = 'UPDATE' AND NEW.offer_id <> OLD.offer_id THEN
            PERFORM offers_currentvacancy_recompute(NEW.offer_id);
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql;
    """,
    "CREATE TRIGGER offers_currentvacancy_refresh AFTER INSERT OR UPDATE OR DELETE"
    " ON offers_vacancyreport FOR EACH ROW EXECUTE FUNCTION offers_currentvacancy_refresh();",
    f"""
    INSERT INTO offers_currentvacancy ({VACANCY_COLUMNS})
    SELECT DISTINCT ON (v.offer_id) {VACANCY_VALUES} FROM offers_vacancyreport v
     ORDER BY v.offer_id, {VACANCY_ORDER};
    """,
    "ANALYZE offers_currentvacancy;",
    "CREATE SEQUENCE offers_searchgeneration_seq;",
    f"CREATE TABLE offers_searchgeneration (id smallint PRIMARY KEY"
    f" CHECK (id BETWEEN 1 AND {PG_SHARDS}), token text NOT NULL, n bigint NOT NULL);",
    "INSERT INTO offers_searchgeneration SELECT shard, token, nextval('offers_searchgeneration_seq')"
    f" FROM generate_series(1, {PG_SHARDS}) shard,"
    " (SELECT md5(random()::text || clock_timestamp()::text) AS token) t;",
    # A writing transaction takes a row no other transaction holds (SKIP LOCKED) and keeps
    # it to its end: writers do not wait for each other's commits, nor deadlock over the
    # generation, unless more than PG_SHARDS of them write at once.
    f"""
    CREATE OR REPLACE FUNCTION offers_searchgeneration_bump() RETURNS trigger AS $$
    DECLARE
        shard int := nullif(current_setting('offers.search_generation_shard', true), '')::int;
    BEGIN
        IF shard IS NULL THEN
            SELECT id INTO shard FROM offers_searchgeneration
             ORDER BY random() LIMIT 1 FOR UPDATE SKIP LOCKED;
            IF shard IS NULL THEN
                shard := 1 + floor(random() * {PG_SHARDS})::int;
            END IF;
            PERFORM set_config('offers.search_generation_shard', shard::text, true);
        END IF;
        UPDATE offers_searchgeneration SET n = nextval('offers_searchgeneration_seq')
         WHERE id = shard;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql;
    """,
    *[
        f"CREATE TRIGGER offers_searchgeneration_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
        f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION offers_searchgeneration_bump();"
        for table in SEARCHED_TABLES
    ],
]
PG_BACKWARD = [
    *[f"DROP TRIGGER IF EXISTS offers_searchgeneration_bump ON {t};" for t in SEARCHED_TABLES],
    "DROP FUNCTION IF EXISTS offers_searchgeneration_bump();",
    "DROP TABLE IF EXISTS offers_searchgeneration;",
    "DROP SEQUENCE IF EXISTS offers_searchgeneration_seq;",
    "DROP TRIGGER IF EXISTS offers_currentvacancy_refresh ON offers_vacancyreport;",
    "DROP FUNCTION IF EXISTS offers_currentvacancy_refresh();",
    "DROP FUNCTION IF EXISTS offers_currentvacancy_recompute(bigint);",
    "DROP TRIGGER IF EXISTS offers_currentprice_refresh ON offers_tariff;",
    "DROP FUNCTION IF EXISTS offers_currentprice_refresh();",
]


class Migration(migrations.Migration):
    dependencies = [
        ("offers", "0004_report_library"),
    ]

    operations = [
        migrations.CreateModel(
            name="CurrentPrice",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("year", models.PositiveIntegerField()),
                ("version", models.PositiveIntegerField()),
                ("monthly_price", models.DecimalField(decimal_places=6, max_digits=18)),
                (
                    "offer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="current_prices",
                        to="offers.offer",
                    ),
                ),
                (
                    "tariff",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="offers.tariff",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["year", "monthly_price"], name="currentprice_year_price")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("offer", "year"), name="currentprice_one_per_year"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="CurrentVacancy",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("report_id", models.BigIntegerField()),
                ("vacant", models.PositiveIntegerField()),
                ("reported_on", models.DateField()),
                ("created_at", models.DateTimeField()),
                (
                    "offer",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="current_vacancy",
                        to="offers.offer",
                    ),
                ),
            ],
        ),
        migrations.RunSQL(PG_FORWARD, PG_BACKWARD),
    ]
