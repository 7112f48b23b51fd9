"""The search cards' details read by their keys: offers_card_details (migration 0017)
with the newest vacancy report from offers_currentvacancy (one row per offer, kept by the
triggers of migration 0005 in the order the function sorted the reports in: reported_on,
created_at, id) instead of sorting each offer's reports, and the provider's and the
municipality's names each read by its key (the function's plan joined them as a hash of every
organisation). 20 random offers of the bench data: 0.70 -> 0.55 ms p50 a call (round trip
included; the execution 0.6 -> 0.44 ms). tests/offers/test_search_queries.py holds what it
reads to offers.selectors.with_current_tariff().
"""

import importlib

from django.db import migrations

# Back: the function as migration 0017 made it.
BEFORE = importlib.import_module(
    "offers.migrations.0017_card_details_function"
).CARD_DETAILS_FUNCTION

CARD_DETAILS_FUNCTION = """
CREATE OR REPLACE FUNCTION offers_card_details(ids bigint[], y integer)
RETURNS TABLE (
    -- (id as the offers' column: the search's reasons join on d.id.)
    id bigint, card_name character varying, card_age_min smallint,
    card_age_max smallint, card_places integer, card_provider character varying,
    card_municipality character varying, card_price numeric, card_unit character varying,
    card_vat boolean, card_previous_price numeric, card_previous_unit character varying,
    card_vacant integer, card_vacancy_date date, card_pl_rate numeric,
    card_paragraph_ids bigint[], card_target_group_ids bigint[]
) LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY
    SELECT o.id, o.name, o.age_min, o.age_max, o.places,
           -- (The names by their keys: a join was planned as a hash of every organisation.)
           (SELECT p.name FROM partnership_organisation p WHERE p.id = o.provider_id),
           (SELECT m.name FROM partnership_organisation m WHERE m.id = o.municipality_id),
           cur.price, cur.unit, cur.vat_included, prev.price, prev.unit, v.vacant, v.reported_on,
           (SELECT r.rate FROM offers_regulationrate r WHERE r.year = y),
           ARRAY(SELECT l.legalparagraph_id FROM offers_offer_paragraphs l WHERE l.offer_id = o.id),
           ARRAY(SELECT g.targetgroup_id FROM offers_offer_target_groups g
                  WHERE g.offer_id = o.id)
      FROM offers_offer o
      -- This year's published tariff and last year's, each the newest version.
      LEFT JOIN LATERAL (SELECT t.price, t.unit, t.vat_included FROM offers_tariff t
                          WHERE t.offer_id = o.id AND t.year = y AND t.status = 'published'
                          ORDER BY t.version DESC LIMIT 1) cur ON true
      LEFT JOIN LATERAL (SELECT t.price, t.unit, t.vat_included FROM offers_tariff t
                          WHERE t.offer_id = o.id AND t.year = y - 1 AND t.status = 'published'
                          ORDER BY t.version DESC LIMIT 1) prev ON true
      -- The newest vacancy report, as the triggers of migration 0005 keep it.
      LEFT JOIN offers_currentvacancy v ON v.offer_id = o.id
     WHERE o.id = ANY(ids);
END;
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("offers", "0017_card_details_function")]

    operations = [migrations.RunSQL(CARD_DETAILS_FUNCTION, BEFORE)]
