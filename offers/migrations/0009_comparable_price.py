"""One comparable price: the monthly price excluding VAT (offers.pricing.comparable_price).

The search sorted and filtered on the monthly price as stated, which mixes tariffs that
include VAT with tariffs that do not (issue 13, finding 2). Here the rule becomes the
database function offers_comparable_price(price, unit, vat_included), its twin in SQL;
offers_currentprice gets a column comparable_price that the trigger of migrations
0005/0007 now fills too (in the transaction that publishes, whatever the path), filled here
for the tariffs published so far (BACKFILL, which tests/offers/test_current_price.py
replays), with an index for the search's sort and price filter.

tests/offers/test_pricing.py holds the function to the same numbers as Python on every price
from 0,01 to 300,00 kr. with and without VAT (the half-øre ties among them) and on large ones.
"""

from django.db import migrations, models

COMPARABLE_PRICE_FUNCTION = """
CREATE OR REPLACE FUNCTION offers_comparable_price(price numeric, unit text, vat_included boolean)
RETURNS numeric LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ROUND(
        price * (CASE WHEN unit = 'day' THEN 365 ELSE 1 END)
              * (CASE WHEN vat_included THEN 4 ELSE 1 END)
        / ((CASE WHEN unit = 'day' THEN 12 ELSE 1 END)
           * (CASE WHEN vat_included THEN 5 ELSE 1 END)),
        2)
$$;
"""

# The trigger function of migration 0007, writing the comparable price too.
REFRESH_FUNCTION = """
CREATE OR REPLACE FUNCTION offers_currentprice_refresh() RETURNS trigger AS $$
BEGIN
    INSERT INTO offers_currentprice
           (offer_id, year, tariff_id, version, monthly_price, comparable_price)
    SELECT t.offer_id, t.year, t.id, t.version, offers_monthly_price(t.price, t.unit),
           offers_comparable_price(t.price, t.unit, t.vat_included)
      FROM offers_tariff t
     WHERE t.offer_id = NEW.offer_id AND t.year = NEW.year AND t.status = 'published'
     ORDER BY t.version DESC LIMIT 1
    ON CONFLICT (offer_id, year) DO UPDATE
       SET tariff_id = EXCLUDED.tariff_id, version = EXCLUDED.version,
           monthly_price = EXCLUDED.monthly_price,
           comparable_price = EXCLUDED.comparable_price
     WHERE offers_currentprice.version < EXCLUDED.version;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

# Migration 0007's, for going back.
REFRESH_FUNCTION_0007 = """
CREATE OR REPLACE FUNCTION offers_currentprice_refresh() RETURNS trigger AS $$
BEGIN
    INSERT INTO offers_currentprice (offer_id, year, tariff_id, version, monthly_price)
    SELECT t.offer_id, t.year, t.id, t.version, offers_monthly_price(t.price, t.unit)
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
"""

# Every (offer, year)'s latest published version with both prices: fills the new column of
# the rows there are (and any row missing), as the trigger would have written them.
BACKFILL = """
INSERT INTO offers_currentprice
       (offer_id, year, tariff_id, version, monthly_price, comparable_price)
SELECT DISTINCT ON (t.offer_id, t.year) t.offer_id, t.year, t.id, t.version,
       offers_monthly_price(t.price, t.unit),
       offers_comparable_price(t.price, t.unit, t.vat_included)
  FROM offers_tariff t WHERE t.status = 'published'
 ORDER BY t.offer_id, t.year, t.version DESC
ON CONFLICT (offer_id, year) DO UPDATE
   SET tariff_id = EXCLUDED.tariff_id, version = EXCLUDED.version,
       monthly_price = EXCLUDED.monthly_price, comparable_price = EXCLUDED.comparable_price;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("offers", "0008_tariff_rules_messages"),
    ]

    operations = [
        migrations.RunSQL(
            COMPARABLE_PRICE_FUNCTION,
            "DROP FUNCTION offers_comparable_price(numeric, text, boolean);",
        ),
        # Nullable while it is filled, then required.
        migrations.AddField(
            model_name="currentprice",
            name="comparable_price",
            field=models.DecimalField(decimal_places=2, max_digits=14, null=True),
        ),
        migrations.RunSQL([BACKFILL, REFRESH_FUNCTION], REFRESH_FUNCTION_0007),
        migrations.AlterField(
            model_name="currentprice",
            name="comparable_price",
            field=models.DecimalField(decimal_places=2, max_digits=14),
        ),
        migrations.AddIndex(
            model_name="currentprice",
            index=models.Index(
                fields=["year", "comparable_price"], name="currentprice_year_comparable"
            ),
        ),
    ]
