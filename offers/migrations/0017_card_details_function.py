"""The search cards' details as a database function, planned once per connection.

A new search reads its page's ids, the number of matches and the cards' details in one
statement (offers.search.selectors.SearchResults._window_statement), and the page waits for
it. Planning the details, a join and six subqueries for each offer shown, was most of
planning that statement: 0.73 ms p50 over 100 of the bench's distinct searches, against
0.18 ms with the details in this PL/pgSQL function, whose plan PostgreSQL keeps for the
connection (the statement's wall time 0.5-0.7 ms less). offers.search.selectors
card_details() reads it too; tests/offers/test_search_queries.py holds what it reads to
offers.selectors.with_current_tariff().
"""

from django.db import migrations

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
    SELECT o.id, o.name, o.age_min, o.age_max, o.places, p.name, m.name,
           cur.price, cur.unit, cur.vat_included, prev.price, prev.unit, v.vacant, v.reported_on,
           (SELECT r.rate FROM offers_regulationrate r WHERE r.year = y),
           ARRAY(SELECT l.legalparagraph_id FROM offers_offer_paragraphs l WHERE l.offer_id = o.id),
           ARRAY(SELECT g.targetgroup_id FROM offers_offer_target_groups g
                  WHERE g.offer_id = o.id)
      FROM offers_offer o
      JOIN partnership_organisation p ON p.id = o.provider_id
      JOIN partnership_organisation m ON m.id = o.municipality_id
      -- This year's published tariff and last year's, each the newest version.
      LEFT JOIN LATERAL (SELECT t.price, t.unit, t.vat_included FROM offers_tariff t
                          WHERE t.offer_id = o.id AND t.year = y AND t.status = 'published'
                          ORDER BY t.version DESC LIMIT 1) cur ON true
      LEFT JOIN LATERAL (SELECT t.price, t.unit, t.vat_included FROM offers_tariff t
                          WHERE t.offer_id = o.id AND t.year = y - 1 AND t.status = 'published'
                          ORDER BY t.version DESC LIMIT 1) prev ON true
      -- The newest vacancy report.
      LEFT JOIN LATERAL (SELECT v.vacant, v.reported_on FROM offers_vacancyreport v
                          WHERE v.offer_id = o.id
                          ORDER BY v.reported_on DESC, v.created_at DESC, v.id DESC
                          LIMIT 1) v ON true
     WHERE o.id = ANY(ids);
END;
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("offers", "0016_search_table_compact_again")]

    operations = [
        migrations.RunSQL(
            CARD_DETAILS_FUNCTION,
            "DROP FUNCTION IF EXISTS offers_card_details(bigint[], integer);",
        ),
    ]
