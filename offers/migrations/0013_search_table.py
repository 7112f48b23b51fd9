"""The search's narrow table, offers_searchrow (offers.models.SearchRow; issue 17, item 1).

A new search read every match from the wide offers table (name, description, methods, the
document) to count and order it, and its links and current price through one probe each.
Here one narrow row per offer holds what the search counts, filters and orders on: status,
name, provider, municipality, ages, the latest vacancy report's count, the comparable price
of every year with a published tariff (jsonb, keyed by the year as text), the paragraph and
target-group ids as arrays (GIN) and the document (GIN).

The row is written by triggers only, in the transaction of the change, whatever the path
(services, import, demo data, admin, raw SQL): offers_searchrow_refresh(offer_ids) writes
the rows of these offers again from their sources (and removes the row of an offer that is
gone), and a trigger on every source calls it (SOURCES; the same chain as the current price:
publishing a tariff writes offers_currentprice by migration 0005's trigger, whose change
writes the row here). A paragraph or target group renamed rewrites the offers' documents
(migration 0010), which is an UPDATE of the offers, so the rows follow too. Filled here for
the offers there are.

TRUNCATE of a source is not followed (a test database's flush empties this table with the
rest).
"""

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

REFRESH_FUNCTION = """
CREATE OR REPLACE FUNCTION offers_searchrow_refresh(offer_ids bigint[]) RETURNS void AS $$
    DELETE FROM offers_searchrow r WHERE r.offer_id = ANY(offer_ids)
       AND NOT EXISTS (SELECT 1 FROM offers_offer o WHERE o.id = r.offer_id);
    INSERT INTO offers_searchrow
           (offer_id, status, name, provider_id, municipality_id, age_min, age_max, vacant,
            comparable_prices, paragraph_ids, target_group_ids, search_document)
    SELECT o.id, o.status, o.name, o.provider_id, o.municipality_id, o.age_min, o.age_max,
           (SELECT v.vacant FROM offers_currentvacancy v WHERE v.offer_id = o.id),
           COALESCE((SELECT jsonb_object_agg(c.year::text, c.comparable_price)
                       FROM offers_currentprice c WHERE c.offer_id = o.id), '{}'::jsonb),
           ARRAY(SELECT l.legalparagraph_id FROM offers_offer_paragraphs l
                  WHERE l.offer_id = o.id ORDER BY 1),
           ARRAY(SELECT l.targetgroup_id FROM offers_offer_target_groups l
                  WHERE l.offer_id = o.id ORDER BY 1),
           o.search_document
      FROM offers_offer o WHERE o.id = ANY(offer_ids)
    ON CONFLICT (offer_id) DO UPDATE
       SET status = EXCLUDED.status, name = EXCLUDED.name,
           provider_id = EXCLUDED.provider_id, municipality_id = EXCLUDED.municipality_id,
           age_min = EXCLUDED.age_min, age_max = EXCLUDED.age_max, vacant = EXCLUDED.vacant,
           comparable_prices = EXCLUDED.comparable_prices,
           paragraph_ids = EXCLUDED.paragraph_ids, target_group_ids = EXCLUDED.target_group_ids,
           search_document = EXCLUDED.search_document;
$$ LANGUAGE sql;
"""


# Every row-level change of a source: the rows of the offers it was and is about.
def _change_function(table: str, column: str) -> str:
    return f"""
    CREATE OR REPLACE FUNCTION {_function_name(table)}() RETURNS trigger AS $$
    BEGIN
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            PERFORM offers_searchrow_refresh(ARRAY[NEW.{column}]);
        END IF;
        IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.{column} <> NEW.{column}) THEN
            PERFORM offers_searchrow_refresh(ARRAY[OLD.{column}]);
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql;
    """


# The columns of the offer the row copies: an UPDATE that changes none of them (updated_at
# alone, say) leaves the row as it is.
OFFER_COLUMNS = [
    "status",
    "name",
    "provider_id",
    "municipality_id",
    "age_min",
    "age_max",
    "search_document",
]

# Every table a column of the row comes from, with its column naming the offer.
SOURCES = {
    "offers_offer": "id",
    "offers_offer_paragraphs": "offer_id",
    "offers_offer_target_groups": "offer_id",
    "offers_currentprice": "offer_id",
    "offers_currentvacancy": "offer_id",
}


def _function_name(table: str) -> str:
    return f"offers_searchrow_from_{table.removeprefix('offers_')}"


def _triggers(table: str, column: str) -> list[str]:
    function = _function_name(table)
    if table != "offers_offer":
        return [
            _change_function(table, column),
            f"CREATE TRIGGER offers_searchrow_refresh AFTER INSERT OR UPDATE OR DELETE ON {table}"
            f" FOR EACH ROW EXECUTE FUNCTION {function}();",
        ]
    old = ", ".join(f"OLD.{c}" for c in OFFER_COLUMNS)
    new = ", ".join(f"NEW.{c}" for c in OFFER_COLUMNS)
    return [
        _change_function(table, column),
        f"CREATE TRIGGER offers_searchrow_refresh AFTER INSERT OR DELETE ON {table}"
        f" FOR EACH ROW EXECUTE FUNCTION {function}();",
        f"CREATE TRIGGER offers_searchrow_refresh_update AFTER UPDATE ON {table}"
        f" FOR EACH ROW WHEN (({old}) IS DISTINCT FROM ({new})) EXECUTE FUNCTION {function}();",
    ]


FORWARD = [
    REFRESH_FUNCTION,
    *[sql for table, column in SOURCES.items() for sql in _triggers(table, column)],
    # The offers there are, then statistics for the planner from the first search on.
    "SELECT offers_searchrow_refresh(ARRAY(SELECT id FROM offers_offer));",
    "ANALYZE offers_searchrow;",
]

BACKWARD = [
    *[
        f"DROP TRIGGER IF EXISTS {name} ON {table};"
        for table in SOURCES
        for name in ("offers_searchrow_refresh", "offers_searchrow_refresh_update")
    ],
    *[f"DROP FUNCTION IF EXISTS {_function_name(table)}();" for table in SOURCES],
    "DROP FUNCTION IF EXISTS offers_searchrow_refresh(bigint[]);",
]


class Migration(migrations.Migration):
    dependencies = [("offers", "0012_declaration_versions")]

    operations = [
        migrations.CreateModel(
            name="SearchRow",
            fields=[
                (
                    "offer",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_row",
                        serialize=False,
                        to="offers.offer",
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("draft", "Kladde"),
                            ("published", "Offentliggjort"),
                            ("withdrawn", "Trukket tilbage"),
                        ],
                        max_length=20,
                    ),
                ),
                ("name", models.CharField(max_length=200)),
                ("age_min", models.PositiveSmallIntegerField()),
                ("age_max", models.PositiveSmallIntegerField()),
                ("vacant", models.PositiveIntegerField(null=True)),
                ("comparable_prices", models.JSONField(default=dict)),
                (
                    "paragraph_ids",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.BigIntegerField(), default=list, size=None
                    ),
                ),
                (
                    "target_group_ids",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.BigIntegerField(), default=list, size=None
                    ),
                ),
                ("search_document", django.contrib.postgres.search.SearchVectorField(null=True)),
                (
                    "municipality",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="partnership.organisation",
                    ),
                ),
                (
                    "provider",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="partnership.organisation",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["status", "name", "offer"], name="searchrow_status_name"),
                    models.Index(fields=["provider"], name="searchrow_provider"),
                    django.contrib.postgres.indexes.GinIndex(
                        fields=["paragraph_ids"], name="searchrow_paragraphs"
                    ),
                    django.contrib.postgres.indexes.GinIndex(
                        fields=["target_group_ids"], name="searchrow_target_groups"
                    ),
                    django.contrib.postgres.indexes.GinIndex(
                        fields=["search_document"], name="searchrow_document"
                    ),
                ],
            },
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
