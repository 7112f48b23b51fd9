"""Search as caseworkers type (issue 13, finding 4).

- Case and accents: `offers_search_fold(text)` lower-cases and folds accents itself
  (lower() and a fixed table), so `åbrinken`, `ÅBRINKEN` and `Åbrinken` are the same word
  whatever the server's locale: with LC_CTYPE C (a development database) PostgreSQL's own
  lower-casing leaves Æ, Ø and Å as they are, and `åbrinken` found nothing. Æ, Ø and Å are
  letters of their own, not accented letters (`abrinken` does not find Åbrinken); é, è, á,
  ü ... lose their accents (`ide` finds `idé`), and the Swedish/German ä and ö are æ and ø.
  The document and the query both go through it (`offers_search_vector`; the query in
  offers.filters.text_query_sql()), with the 'danish' configuration (Danish stemming).
- What an offer is found by: the stored document `offers_offer.search_document` (a GIN
  index) is no longer a generated column of the offer's own text but kept by triggers, so it
  holds the offer's paragraphs (code, short name and name: "SEL § 108", "§ 108",
  "Længerevarende botilbud", the kind of offer the paragraph is) and target groups too,
  weighted name A, paragraphs and target groups B, methods C, description D. It is written
  when an offer's name, methods or description change, when a paragraph or target group is
  added to or taken from an offer, and when a paragraph's or target group's name changes
  (for every offer that has it), in the same transaction, whatever the path.
- Synonyms: the secretariat keeps offers.SearchSynonym (Referencedata → Synonymer); a list
  is words and expressions that mean the same. `offers_search_expand(tsquery)` rewrites a
  query: where it holds one of a list's terms, the term becomes "the term, or any of the
  others as a phrase" (ts_rewrite, in two steps through placeholders, so a rewritten part is
  never rewritten again), and it tells which lists and typed terms it used (for the
  result's "Fundet i"). Changes to the synonyms make a new search generation (the search's
  cache keys), as the tables of migration 0005 do.
"""

from django.db import migrations, models

import partnership.fields

# Case and accent folding: lower() for what the server's locale lowers, then this table for
# the Latin letters whatever the locale (with LC_CTYPE C lower() leaves them all).
FOLD = {
    "Æ": "æ",
    "Ø": "ø",
    "Å": "å",
    "Ä": "æ",
    "ä": "æ",
    "Ö": "ø",
    "ö": "ø",
    **dict.fromkeys("ÉÈÊËéèêë", "e"),
    **dict.fromkeys("ÁÀÂÃáàâã", "a"),
    **dict.fromkeys("ÍÌÎÏíìîï", "i"),
    **dict.fromkeys("ÓÒÔÕóòôõ", "o"),
    **dict.fromkeys("ÚÙÛÜúùûü", "u"),
    **dict.fromkeys("ÝŸýÿ", "y"),
    **dict.fromkeys("Ññ", "n"),
    **dict.fromkeys("Çç", "c"),
}
FOLD_FROM = "".join(FOLD)
FOLD_TO = "".join(FOLD.values())

FOLD_FUNCTION = f"""
CREATE OR REPLACE FUNCTION offers_search_fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT translate(lower(coalesce(value, '')), '{FOLD_FROM}', '{FOLD_TO}')
$$;
"""

VECTOR_FUNCTION = """
CREATE OR REPLACE FUNCTION offers_search_vector(value text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_tsvector('danish'::regconfig, offers_search_fold(value))
$$;
"""

# A paragraph as the search reads it: "SEL § 108 § 108 Længerevarende botilbud".
PARAGRAPH_TEXT_FUNCTION = """
CREATE OR REPLACE FUNCTION offers_search_paragraph_text(code text, short text, title text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT concat_ws(' ', code, short, title)
$$;
"""

DOCUMENT_FUNCTION = """
CREATE OR REPLACE FUNCTION offers_offer_document(
    offer bigint, name text, methods text, description text
) RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT setweight(offers_search_vector(name), 'A')
        || setweight(offers_search_vector(concat_ws(' ',
               (SELECT string_agg(offers_search_paragraph_text(p.code, p.short, p.title), ' '
                                  ORDER BY p.id)
                  FROM offers_offer_paragraphs l
                  JOIN offers_legalparagraph p ON p.id = l.legalparagraph_id
                 WHERE l.offer_id = offer),
               (SELECT string_agg(g.name, ' ' ORDER BY g.id)
                  FROM offers_offer_target_groups l
                  JOIN offers_targetgroup g ON g.id = l.targetgroup_id
                 WHERE l.offer_id = offer))), 'B')
        || setweight(offers_search_vector(methods), 'C')
        || setweight(offers_search_vector(description), 'D')
$$;
"""

TRIGGERS = [
    """
    CREATE OR REPLACE FUNCTION offers_offer_document_own() RETURNS trigger AS $$
    BEGIN
        NEW.search_document := offers_offer_document(NEW.id, NEW.name, NEW.methods, NEW.description);
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    "CREATE TRIGGER offers_offer_document_own BEFORE INSERT OR UPDATE OF name, methods, description"
    " ON offers_offer FOR EACH ROW EXECUTE FUNCTION offers_offer_document_own();",
    """
    CREATE OR REPLACE FUNCTION offers_offer_document_refresh(offer_ids bigint[]) RETURNS void AS $$
        UPDATE offers_offer o
           SET search_document = offers_offer_document(o.id, o.name, o.methods, o.description)
         WHERE o.id = ANY(offer_ids);
    $$ LANGUAGE sql;
    """,
    # A paragraph or target group added to or taken from an offer.
    """
    CREATE OR REPLACE FUNCTION offers_offer_document_link() RETURNS trigger AS $$
    BEGIN
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            PERFORM offers_offer_document_refresh(ARRAY[NEW.offer_id]);
        END IF;
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            PERFORM offers_offer_document_refresh(ARRAY[OLD.offer_id]);
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql;
    """,
    "CREATE TRIGGER offers_offer_document_link AFTER INSERT OR UPDATE OR DELETE"
    " ON offers_offer_paragraphs FOR EACH ROW EXECUTE FUNCTION offers_offer_document_link();",
    "CREATE TRIGGER offers_offer_document_link AFTER INSERT OR UPDATE OR DELETE"
    " ON offers_offer_target_groups FOR EACH ROW EXECUTE FUNCTION offers_offer_document_link();",
    # A paragraph or target group renamed: every offer that has it.
    """
    CREATE OR REPLACE FUNCTION offers_offer_document_paragraph() RETURNS trigger AS $$
    BEGIN
        PERFORM offers_offer_document_refresh(ARRAY(
            SELECT l.offer_id FROM offers_offer_paragraphs l WHERE l.legalparagraph_id = NEW.id));
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql;
    """,
    "CREATE TRIGGER offers_offer_document_paragraph AFTER UPDATE OF code, short, title"
    " ON offers_legalparagraph FOR EACH ROW"
    " WHEN ((OLD.code, OLD.short, OLD.title) IS DISTINCT FROM (NEW.code, NEW.short, NEW.title))"
    " EXECUTE FUNCTION offers_offer_document_paragraph();",
    """
    CREATE OR REPLACE FUNCTION offers_offer_document_target_group() RETURNS trigger AS $$
    BEGIN
        PERFORM offers_offer_document_refresh(ARRAY(
            SELECT l.offer_id FROM offers_offer_target_groups l WHERE l.targetgroup_id = NEW.id));
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql;
    """,
    "CREATE TRIGGER offers_offer_document_target_group AFTER UPDATE OF name"
    " ON offers_targetgroup FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)"
    " EXECUTE FUNCTION offers_offer_document_target_group();",
]

SYNONYM_FUNCTIONS = [
    "CREATE AGGREGATE offers_search_any(tsquery) (SFUNC = tsquery_or, STYPE = tsquery);",
    # The terms of a list ("lav arousal, low arousal"), trimmed, without empty ones.
    """
    CREATE OR REPLACE FUNCTION offers_search_terms(terms text) RETURNS SETOF text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT t FROM (
            SELECT regexp_replace(btrim(part), '\\s+', ' ', 'g') AS t
              FROM regexp_split_to_table(terms, ',') AS part
        ) parts WHERE t <> ''
    $$;
    """,
    # The list's other terms than the one typed, each as a phrase: any of them (NULL if none).
    """
    CREATE OR REPLACE FUNCTION offers_search_others(terms text, typed text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT offers_search_any(q) FROM (
            SELECT phraseto_tsquery('danish'::regconfig, offers_search_fold(t)) AS q
              FROM offers_search_terms(terms) AS t
             WHERE offers_search_fold(t) <> offers_search_fold(typed)
        ) others WHERE numnode(q) > 0
    $$;
    """,
    # Every word of the query that is not negated, any of them: "where was it found".
    """
    CREATE OR REPLACE FUNCTION offers_search_any_word(query tsquery) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE WHEN tree = 'T' OR tree = '' THEN NULL
                    ELSE regexp_replace(tree, ' (&|<->|<[0-9]+>) ', ' | ', 'g')::tsquery END
          FROM (SELECT querytree(query) AS tree) q
    $$;
    """,
    """
    CREATE OR REPLACE FUNCTION offers_search_expand(
        query tsquery, OUT expanded tsquery, OUT synonym_ids bigint[], OUT terms text[]
    ) LANGUAGE plpgsql STABLE AS $$
    DECLARE
        rule record;
        n int := 0;
        placeholder tsquery;
        rewritten tsquery;
        placeholders tsquery[] := '{}';
        substitutes tsquery[] := '{}';
    BEGIN
        expanded := query;
        synonym_ids := '{}';
        terms := '{}';
        IF query IS NULL OR numnode(query) = 0 THEN
            RETURN;
        END IF;
        -- Each term of each list in use, as words (what websearch_to_tsquery makes of
        -- lav arousal) and as a phrase (of the quoted "lav arousal"); the longest first.
        FOR rule IN
            SELECT s.id, s.terms AS list, t.term, f.target
              FROM offers_searchsynonym s
             CROSS JOIN LATERAL offers_search_terms(s.terms) AS t(term)
             CROSS JOIN LATERAL (VALUES
                 (plainto_tsquery('danish'::regconfig, offers_search_fold(t.term))),
                 (phraseto_tsquery('danish'::regconfig, offers_search_fold(t.term)))
             ) AS f(target)
             WHERE s.is_active AND numnode(f.target) > 0
             ORDER BY numnode(f.target) DESC, s.id, t.term
        LOOP
            n := n + 1;
            placeholder := ('''~synonym' || n || '''')::tsquery;
            rewritten := ts_rewrite(expanded, rule.target, placeholder);
            IF rewritten @> placeholder THEN
                expanded := rewritten;
                placeholders := placeholders || placeholder;
                substitutes := substitutes || CASE
                    WHEN offers_search_others(rule.list, rule.term) IS NULL THEN rule.target
                    ELSE rule.target || offers_search_others(rule.list, rule.term) END;
                synonym_ids := synonym_ids || rule.id;
                terms := terms || rule.term;
            END IF;
        END LOOP;
        FOR i IN 1 .. coalesce(array_length(placeholders, 1), 0) LOOP
            expanded := ts_rewrite(expanded, placeholders[i], substitutes[i]);
        END LOOP;
    END;
    $$;
    """,
    # The search's cached results change with the synonyms (migration 0005).
    "CREATE TRIGGER offers_searchgeneration_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
    " ON offers_searchsynonym FOR EACH STATEMENT EXECUTE FUNCTION offers_searchgeneration_bump();",
]

PG_FORWARD = [
    FOLD_FUNCTION,
    VECTOR_FUNCTION,
    PARAGRAPH_TEXT_FUNCTION,
    DOCUMENT_FUNCTION,
    # The generated column of migration 0002 becomes a column the triggers write.
    "ALTER TABLE offers_offer ALTER COLUMN search_document DROP EXPRESSION;",
    *TRIGGERS,
    "UPDATE offers_offer o"
    " SET search_document = offers_offer_document(o.id, o.name, o.methods, o.description);",
    "ALTER TABLE offers_offer ALTER COLUMN search_document SET NOT NULL;",
    *SYNONYM_FUNCTIONS,
]

PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS offers_searchgeneration_bump ON offers_searchsynonym;",
    "DROP FUNCTION IF EXISTS offers_search_expand(tsquery);",
    "DROP FUNCTION IF EXISTS offers_search_any_word(tsquery);",
    "DROP FUNCTION IF EXISTS offers_search_others(text, text);",
    "DROP FUNCTION IF EXISTS offers_search_terms(text);",
    "DROP AGGREGATE IF EXISTS offers_search_any(tsquery);",
    "DROP TRIGGER IF EXISTS offers_offer_document_target_group ON offers_targetgroup;",
    "DROP FUNCTION IF EXISTS offers_offer_document_target_group();",
    "DROP TRIGGER IF EXISTS offers_offer_document_paragraph ON offers_legalparagraph;",
    "DROP FUNCTION IF EXISTS offers_offer_document_paragraph();",
    "DROP TRIGGER IF EXISTS offers_offer_document_link ON offers_offer_target_groups;",
    "DROP TRIGGER IF EXISTS offers_offer_document_link ON offers_offer_paragraphs;",
    "DROP FUNCTION IF EXISTS offers_offer_document_link();",
    "DROP FUNCTION IF EXISTS offers_offer_document_refresh(bigint[]);",
    "DROP TRIGGER IF EXISTS offers_offer_document_own ON offers_offer;",
    "DROP FUNCTION IF EXISTS offers_offer_document_own();",
    # Back to the generated column of migration 0002.
    "DROP INDEX IF EXISTS offers_offer_search_document;",
    "ALTER TABLE offers_offer DROP COLUMN IF EXISTS search_document;",
    "ALTER TABLE offers_offer ADD COLUMN search_document tsvector GENERATED ALWAYS AS ("
    "to_tsvector('danish', coalesce(name, '') || ' ' || coalesce(methods, '') || ' ' ||"
    " coalesce(description, ''))) STORED;",
    "CREATE INDEX offers_offer_search_document ON offers_offer USING GIN (search_document);",
    "DROP FUNCTION IF EXISTS offers_offer_document(bigint, text, text, text);",
    "DROP FUNCTION IF EXISTS offers_search_paragraph_text(text, text, text);",
    "DROP FUNCTION IF EXISTS offers_search_vector(text);",
    "DROP FUNCTION IF EXISTS offers_search_fold(text);",
]

# The lists every installation starts with; the secretariat keeps them under Referencedata.
SYNONYMS = [
    ("lav arousal, low arousal", "Pædagogisk tilgang: lav arousal er den danske betegnelse."),
    ("ASF, autisme, autismespektrumforstyrrelse", "ASF: autismespektrumforstyrrelse."),
    ("MI, motiverende samtale, motivational interviewing", ""),
    ("misbrug, rusmiddelproblemer, rusmidler", "Lov om social service taler nu om rusmidler."),
    ("erhvervet hjerneskade, hjerneskade, ABI", "ABI: acquired brain injury."),
]


def forward(apps, schema_editor):
    """The starting lists (idempotent: a list is known by its terms)."""
    SearchSynonym = apps.get_model("offers", "SearchSynonym")
    for terms, note in SYNONYMS:
        SearchSynonym.objects.get_or_create(terms=terms, defaults={"note": note})


class Migration(migrations.Migration):
    dependencies = [
        ("offers", "0009_comparable_price"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchSynonym",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "terms",
                    partnership.fields.CharField(
                        help_text=(
                            "Ord og udtryk, der betyder det samme, adskilt af komma, "
                            "fx 'lav arousal, low arousal'."
                        ),
                        max_length=500,
                        unique=True,
                        verbose_name="ord og udtryk",
                    ),
                ),
                (
                    "note",
                    partnership.fields.CharField(blank=True, max_length=250, verbose_name="note"),
                ),
                ("is_active", models.BooleanField(default=True, verbose_name="i brug")),
            ],
            options={
                "verbose_name": "synonym",
                "verbose_name_plural": "synonymer",
                "ordering": ["terms"],
            },
        ),
        migrations.RunSQL(PG_FORWARD, PG_BACKWARD),
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
