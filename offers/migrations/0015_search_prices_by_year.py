"""The search row's prices by year as an array subscripted by the year (issue 17: new searches).

offers_searchrow kept the comparable price of every year with a published tariff as jsonb
keyed by the year as text (migration 0013). A search with a price filter or ordered by price
reads the search year's price of every row it considers, and taking it out of the jsonb (the
key looked up, the number written as text and read back) was two thirds of such a search's
statement: on the bench data a price range over the 9,423 published rows took 15-21 ms, of
which 5 ms is reading the rows and 10-15 ms the jsonb.

Here the row holds prices_by_year, a numeric array whose subscripts are the years
('[2022:2026]={...}'): prices_by_year[2026] is the year's price, NULL for a year without a
published tariff (outside the bounds, or a gap). The same price range takes 8-9 ms. The
array is written by offers_searchrow_refresh() (migration 0013's function, written again
here with the array in place of the jsonb: ARRAY_FUNCTION), so by the same triggers from the same sources.
"""

import importlib

import django.contrib.postgres.fields
from django.db import migrations, models

# The comparable prices of offer o, one element per year from its first to its last year
# with a current price, each at its year's subscript (NULL for a year in between without).
PRICES_BY_YEAR = """COALESCE((SELECT ('[' || b.lo || ':' || b.hi || ']='
                             || (SELECT array_agg(c.comparable_price ORDER BY y.y)
                                   FROM generate_series(b.lo, b.hi) AS y(y)
                                   LEFT JOIN offers_currentprice c
                                          ON c.offer_id = o.id AND c.year = y.y)::text
                            )::numeric(14, 2)[]
                       FROM (SELECT min(c.year) AS lo, max(c.year) AS hi
                               FROM offers_currentprice c WHERE c.offer_id = o.id) b
                      WHERE b.lo IS NOT NULL), '{}')"""

# Migration 0013's function, as it was written there: the jsonb of the prices replaced by
# the array (and its column's name), so that the two differ in that alone.
_SEARCH_TABLE = importlib.import_module("offers.migrations.0013_search_table")
PRICES_AS_JSON = """COALESCE((SELECT jsonb_object_agg(c.year::text, c.comparable_price)
                       FROM offers_currentprice c WHERE c.offer_id = o.id), '{}'::jsonb)"""
JSONB_FUNCTION = _SEARCH_TABLE.REFRESH_FUNCTION
assert PRICES_AS_JSON in JSONB_FUNCTION and JSONB_FUNCTION.count("comparable_prices") == 3
ARRAY_FUNCTION = JSONB_FUNCTION.replace(PRICES_AS_JSON, PRICES_BY_YEAR).replace(
    "comparable_prices", "prices_by_year"
)


REFRESH_ALL = "SELECT offers_searchrow_refresh(ARRAY(SELECT id FROM offers_offer));"


class Migration(migrations.Migration):
    dependencies = [("offers", "0014_search_table_compact")]

    operations = [
        # (Backwards, last: with the jsonb back and the array gone, the function writing the
        # jsonb, and every row.)
        migrations.RunSQL(
            migrations.RunSQL.noop,
            [JSONB_FUNCTION, REFRESH_ALL],
        ),
        migrations.AddField(
            model_name="searchrow",
            name="prices_by_year",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.DecimalField(decimal_places=2, max_digits=14),
                default=list,
                size=None,
            ),
        ),
        migrations.RemoveField(model_name="searchrow", name="comparable_prices"),
        # The function writing the array, and every row: after the jsonb's column is gone
        # (its NOT NULL would refuse the rows the function writes without it).
        migrations.RunSQL(
            [ARRAY_FUNCTION, REFRESH_ALL],
            migrations.RunSQL.noop,
        ),
    ]
