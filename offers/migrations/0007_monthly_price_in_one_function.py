"""The monthly price in one database function, the same number as Python's.

offers.pricing.monthly_price() is the rule: a per-døgn price × 365 / 12, rounded half up to
øre (a monthly price as it is). Until now the search's table offers_currentprice kept the
price × 365 / 12 to 6 decimals while every page showed it rounded to øre, so a price filter
from the shown price (76.056,88 kr.) missed the offer whose exact monthly price is
76.056,875. Here the rule becomes the function offers_monthly_price(price, unit), which the
trigger of migration 0005 now calls and the ORM calls through offers.pricing.MonthlyPrice;
the stored prices are computed again and the column holds kr. and øre.

The SQL below is this migration's, as history is: tests/offers/test_pricing.py holds the
function to the same numbers as offers.pricing.monthly_price() on a set of prices (ties at
half an øre among them), so a change of the rule in Python fails there until a new
migration changes the function too.
"""

from django.db import migrations, models

MONTHLY_PRICE_FUNCTION = """
CREATE OR REPLACE FUNCTION offers_monthly_price(price numeric, unit text) RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ROUND(CASE WHEN unit = 'day' THEN price * 365 / 12 ELSE price END, 2)
$$;
"""


def _refresh_function(monthly: str) -> str:
    """The trigger function of migration 0005 with the monthly price written as `monthly`."""
    return f"""
    CREATE OR REPLACE FUNCTION offers_currentprice_refresh() RETURNS trigger AS $$
    BEGIN
        INSERT INTO offers_currentprice (offer_id, year, tariff_id, version, monthly_price)
        SELECT t.offer_id, t.year, t.id, t.version, {monthly}
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


def _recompute(monthly: str) -> str:
    return (
        f"UPDATE offers_currentprice c SET monthly_price = {monthly}"
        " FROM offers_tariff t WHERE t.id = c.tariff_id;"
    )


MONTHLY = "offers_monthly_price(t.price, t.unit)"
# Migration 0005's expression, for going back.
MONTHLY_0005 = "ROUND(CASE WHEN t.unit = 'day' THEN t.price * 365 / 12 ELSE t.price END, 6)"


class Migration(migrations.Migration):
    dependencies = [
        ("offers", "0006_cpr_guard_and_redaction"),
    ]

    operations = [
        migrations.RunSQL(
            [MONTHLY_PRICE_FUNCTION, _refresh_function(MONTHLY)],
            # (Backwards last: the column has its 6 decimals again.)
            [
                _refresh_function(MONTHLY_0005),
                _recompute(MONTHLY_0005),
                "DROP FUNCTION offers_monthly_price(numeric, text);",
            ],
        ),
        migrations.AlterField(
            model_name="currentprice",
            name="monthly_price",
            field=models.DecimalField(decimal_places=2, max_digits=14),
        ),
        migrations.RunSQL(_recompute(MONTHLY), migrations.RunSQL.noop),
    ]
