"""The search page reads a fixed number of queries whatever the number of offers, and what
it shows is what the offers hold: the page's details read what the shared selectors read,
and the cards' numbers are written as everywhere else in the portal (partnership.formats)."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from offers.models import LegalParagraph, RegulationRate, TargetGroup, VacancyReport
from offers.search import options as search_options
from offers.search import selectors
from offers.selectors import current_year, with_current_tariff
from partnership.ahead import sent_ahead
from partnership.models import Organisation
from tests.factories import CASEWORKER, days_ago, demo_user, make_offer, pl_rates, publish

YEAR = current_year()


pytestmark = pytest.mark.postgres


@pytest.fixture
def caseworker(as_caseworker):
    pl_rates(**{f"y{YEAR - 1}": "2.6", f"y{YEAR}": "2.4"})
    return as_caseworker


def _offers(n, start=0):
    """Offers across two providers and two municipalities, with this year's and last year's
    tariffs (some per day, some per month, some corrected), vacancy reports and a second
    paragraph and target group on some."""
    extra_paragraph = LegalParagraph.objects.get(code="SEL § 107")
    extra_group = TargetGroup.objects.get(slug="adhd")
    for i in range(start, start + n):
        offer = make_offer(
            name=f"Mange {i:03d}",
            provider_slug=("bostedet-egelund", "fonden-solsikken")[i % 2],
            municipality_slug=("slagelse", "naestved")[i % 3 == 0],
            description="Autisme, low arousal og struktur.",
            age_min=18,
            age_max=40 + i % 30,
        )
        unit = ("day", "month")[i % 4 == 0]
        price = 2000 + i if unit == "day" else 60000 + 100 * i
        publish(offer, YEAR - 1, price - 50, unit=unit)
        publish(offer, YEAR, price, unit=unit)
        if i % 5 == 0:
            publish(offer, YEAR, price + 10, unit=unit, version=2, reason="Rettelse")
        VacancyReport.objects.create(offer=offer, vacant=i % 3, reported_on=days_ago(60))
        if i % 2:
            offer.paragraphs.add(extra_paragraph)
            offer.target_groups.add(extra_group)


def _searches():
    egelund = Organisation.objects.select_related("branch_organisation").get(
        slug="bostedet-egelund"
    )
    branch = egelund.branch_organisation.slug if egelund.branch_organisation else ""
    return [
        {},
        {"side": "2"},
        {"paragraf": "§ 108", "maalgruppe": "autisme", "ledige": "on"},
        {
            "kommune": "slagelse",
            "ejerform": egelund.ownership_form,
            "pris_min": "50000",
            "pris_max": "110000",
        },
        {"alder": "25", "branche": branch, "sorter": "price"},
        {"q": "autisme low arousal"},
        {"sorter": "vacancies", "side": "2"},
    ]


def _queries(client, params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("offers:search"), params)
    assert response.status_code == 200
    shown = len(response.context["page"].object_list)
    return len(ctx), shown


def test_the_search_page_reads_as_many_queries_for_few_offers_as_for_many(caseworker):
    _offers(25)
    few = {}
    for params in _searches():
        count, shown = _queries(caseworker, params)
        assert shown, params  # something on the page (an empty page reads less)
        few[str(params)] = count
    _offers(120, start=25)
    for params in _searches():
        count, shown = _queries(caseworker, params)
        assert shown, params
        assert count == few[str(params)], params
    # The session, the user and the memberships, then the reference data, the page's ids
    # (with or without its own count) and the page's details: nothing per offer.
    assert max(few.values()) <= 11


def test_the_cards_read_what_the_offers_hold(caseworker):
    _offers(30)
    bare = make_offer(name="Uden takst og ledighed")
    bare.paragraphs.clear()
    bare.target_groups.clear()
    old = make_offer(name="Med flere indberetninger")
    VacancyReport.objects.create(offer=old, vacant=4, reported_on=days_ago(150))
    VacancyReport.objects.create(offer=old, vacant=1, reported_on=days_ago(60))
    ids = list(selectors.Offer.objects.values_list("pk", flat=True))
    rows = {row["pk"]: row for row in selectors.card_details(ids, YEAR)}
    rate = RegulationRate.objects.get(year=YEAR).rate
    annotated = with_current_tariff(
        selectors.Offer.objects.select_related("provider", "municipality"), YEAR
    )
    for o in annotated:
        row = rows[o.pk]
        assert (row["name"], row["provider__name"], row["municipality__name"]) == (
            o.name,
            o.provider.name,
            o.municipality.name,
        )
        assert (row["age_min"], row["age_max"], row["places"]) == (o.age_min, o.age_max, o.places)
        assert (row["tariff_price"], row["tariff_unit"], row["tariff_vat"]) == (
            o.tariff_price,
            o.tariff_unit,
            o.tariff_vat,
        )
        assert (row["previous_price"], row["previous_unit"]) == (o.previous_price, o.previous_unit)
        assert (row["vacant"], row["vacancy_date"]) == (o.vacant, o.vacancy_date)
        assert row["pl_rate"] == rate
        assert sorted(row["paragraph_ids"]) == sorted(o.paragraphs.values_list("pk", flat=True))
        assert sorted(row["target_group_ids"]) == sorted(
            o.target_groups.values_list("pk", flat=True)
        )
    assert len(rows) == len(ids)
    by_name = {row["name"]: row for row in rows.values()}
    assert by_name["Med flere indberetninger"]["vacant"] == 1
    assert by_name["Uden takst og ledighed"]["tariff_price"] is None
    assert by_name["Uden takst og ledighed"]["paragraph_ids"] == []
    corrected = by_name["Mange 005"]  # version 2 of this year's tariff
    assert corrected["tariff_price"] == Decimal(2000 + 5 + 10)


def test_cards_show_prices_as_the_rest_of_the_portal(caseworker):
    offer = make_offer(name="Prisbo")
    publish(offer, YEAR - 1, "2400")
    publish(offer, YEAR, "2500.50")
    page = caseworker.get(reverse("offers:search")).content.decode()
    assert "2.500,50 kr. pr. døgn" in page
    assert "76.057 kr." in page  # 2.500,50 × 365 / 12 = 76.056,88
    assert "+4,2 %" in page and "Over PL" in page


def test_the_filters_follow_the_reference_data_at_once(caseworker):
    page = caseworker.get(reverse("offers:search")).content.decode()
    assert 'value="adhd"' in page and ">LOS – Landsorganisationen for sociale tilbud<" in page
    TargetGroup.objects.filter(slug="adhd").update(is_active=False)
    LegalParagraph.objects.create(code="SEL § 999", short="§ 999", title="Ny paragraf")
    Organisation.objects.filter(slug="los").update(name="LOS (nyt navn)")
    page = caseworker.get(reverse("offers:search")).content.decode()
    assert 'value="adhd"' not in page
    assert 'value="§ 999"' in page and ">SEL § 999</label>" in page
    assert ">LOS (nyt navn)</option>" in page
    # An inactive target group is not a filter any more (as before: not a valid choice).
    response = caseworker.get(reverse("offers:search"), {"maalgruppe": "adhd"})
    assert "maalgruppe" in response.context["form"].errors


# --- The cache (results and reference data under the data's generation) -------------------


def _page(client, params=None):
    response = client.get(reverse("offers:search"), params or {})
    assert response.status_code == 200
    return response.content.decode()


def test_a_search_read_again_comes_from_the_cache_in_as_many_queries_for_few_offers_as_many(
    caseworker,
):
    def sql(params):
        with CaptureQueriesContext(connection) as ctx:
            response = caseworker.get(reverse("offers:search"), params)
        assert len(response.context["page"].object_list), params
        return [q["sql"] for q in ctx.captured_queries]

    _offers(25)
    cold, warm = {}, {}
    for params in _searches():
        cold[str(params)] = len(sql(params))
        again = sql(params)
        # Only the generation is read: no reference data, count, ids or details.
        assert [q for q in again if "offers_" in q] == [selectors.GENERATION_SQL], params
        warm[str(params)] = len(again)
    assert len(set(warm.values())) == 1 and max(warm.values()) < min(cold.values())
    _offers(120, start=25)
    for params in _searches():
        assert len(sql(params)) == cold[str(params)], params
        assert len(sql(params)) == warm[str(params)], params


def test_what_changes_shows_at_once_though_the_search_is_cached(caseworker):
    """Every kind of data a card or the count shows, changed after the page was cached (and
    read from the cache once, to be sure it is), shows on the next request."""
    _offers(3)
    with CaptureQueriesContext(connection) as cold:
        _page(caseworker)
    with CaptureQueriesContext(connection) as warm:
        first = _page(caseworker)
    assert len(warm) < len(cold) and "Mange 001" in first and "3 tilbud fundet" in first

    def shows(text, params=None):
        _page(caseworker, params)  # cache the page as it is now ...
        return text in _page(caseworker, params)  # ... and read it from the cache

    selectors.Offer.objects.filter(name="Mange 001").update(name="Omdøbt 001")
    assert shows("Omdøbt 001") and not shows("Mange 001")
    offer = selectors.Offer.objects.get(name="Omdøbt 001")
    VacancyReport.objects.create(offer=offer, vacant=7, reported_on=days_ago(5))
    assert shows("7 af 10")
    publish(offer, YEAR, "2345.67", version=3, reason="Rettelse")
    assert shows("2.345,67 kr. pr. døgn")
    Organisation.objects.filter(slug="fonden-solsikken").update(name="Solsikken (nyt navn)")
    assert shows("Solsikken (nyt navn) ·")
    TargetGroup.objects.filter(slug="autisme").update(name="Autismespektret")
    assert shows('<span class="tag">Autismespektret</span>')
    RegulationRate.objects.filter(year=YEAR).update(rate=Decimal("50"))
    assert not shows("Over PL")
    paragraph = LegalParagraph.objects.get(code="SEL § 107")
    by_paragraph = {"paragraf": paragraph.short}
    assert shows("1 tilbud fundet", by_paragraph)  # Omdøbt 001 only
    selectors.Offer.objects.filter(pk=offer.pk).update(status="withdrawn")
    assert shows("2 tilbud fundet") and not shows("Omdøbt 001")
    assert shows("0 tilbud fundet", by_paragraph)
    offer_0 = selectors.Offer.objects.get(name="Mange 000")
    offer_0.paragraphs.add(paragraph)
    assert shows("1 tilbud fundet", by_paragraph)
    offer_0.target_groups.clear()
    assert shows("1 tilbud fundet", {"maalgruppe": "autisme"})  # Mange 002


def test_cached_results_are_only_shared_by_people_who_see_the_same_offers(client, demo):
    """The search lists published offers only, for everyone; the cache key holds what
    offers_visible_to() lets each person see all the same, so a search that ever lists more
    for some cannot hand it to others."""
    pl_rates(**{f"y{YEAR - 1}": "2.6", f"y{YEAR}": "2.4"})
    make_offer(name="Offentliggjort tilbud")
    make_offer(name="Egelunds kladde", status="draft")
    make_offer(name="Solsikkens kladde", status="draft", provider_slug="fonden-solsikken")
    people = {
        "leverandoer.a@portal.example": "published+{}",  # Egelund's editor
        "sagsbehandler.slagelse@portal.example": "published",
        "leverandoer.b@portal.example": "published+{}",
        "sekretariat@portal.example": "all",
        "sagsbehandler.naestved@portal.example": "published",
    }
    for email, visibility in people.items():
        user = demo_user(email)
        own = sorted(selectors.editable_provider_ids(user))
        assert selectors.visibility_class(user) == visibility.format(",".join(map(str, own)))
        client.force_login(user)
        for _ in range(2):  # the second from the cache
            page = _page(client)
            assert "Offentliggjort tilbud" in page and "kladde" not in page, email
    editors = [selectors.visibility_class(demo_user(e)) for e in people if "leverandoer" in e]
    assert len(set(editors)) == 2


@pytest.mark.django_db
def test_every_parameter_of_the_query_is_part_of_the_results_key():
    """The results are kept under the query as asked (selectors.page_key()): every field of
    the search form changes the key, so no two searches share results; so do the year, the
    generation and who sees which offers. The order of the parameters does not, nor the
    page's number (the window is added to the key: selectors.window_key())."""
    from django.contrib.auth import get_user_model

    from offers.search.forms import SearchForm

    users = get_user_model().objects
    user = demo_user(CASEWORKER)
    secretariat = users.get(email="sekretariat@portal.example")
    generation = selectors.search_generation()
    other = selectors.Generation(generation.token, generation.n + "x")

    def key(asked, year=YEAR, who=user, at=generation):
        return selectors.page_key(at, who, year, asked)

    base = [("q", ["autisme"]), ("alder", ["25"])]
    keys = {key(base)}
    for name in SearchForm.base_fields:
        keys.add(key([*base, (name, ["1"])]))
    keys |= {key(base, year=YEAR + 1), key(base, who=secretariat), key(base, at=other)}
    assert len(keys) == 1 + len(SearchForm.base_fields) + 3
    # The values of one parameter in their order (a single value is the last one given).
    assert key([("alder", ["25", "30"])]) != key([("alder", ["30", "25"])])
    assert key(list(reversed(base))) == key(base)
    assert key([*base, ("side", ["2"])]) == key(base)
    assert selectors.window_key(key(base), 2) != selectors.window_key(key(base), 1)


def test_the_cached_form_is_the_one_for_the_query(caseworker):
    for _ in range(2):  # drawn, then from the cache
        assert 'value="autisme"' in _page(caseworker, {"q": "autisme"})
        assert 'value="botilbud"' in _page(caseworker, {"q": "botilbud", "side": "2"})
        errors = _page(caseworker, {"alder": "x"})
        assert "form-error-message" in errors and "form-error-message" not in _page(caseworker)


def _options(html, name):
    """The options of a field as (value, checked), in the page's order."""
    found = re.findall(
        rf'<input type="checkbox" name="{name}" value="([^"]*)"[^>]*?( checked)?>', html
    ) or re.findall(r'<option value="([^"]*)"( selected)?>', _select(html, name))
    return [(value, bool(mark)) for value, mark in found]


def _select(html, name):
    start = html.index(f'<select name="{name}"')
    return html[start : html.index("</select>", start)]


def test_the_options_are_drawn_once_per_generation_and_checked_per_query(caseworker, monkeypatch):
    """Every new query shows the options its query checks, though they are drawn once per
    data generation (offers/search/options.py), and as the template draws them uncached."""
    drawn = []
    original = search_options._pieces
    monkeypatch.setattr(
        search_options, "_pieces", lambda fields: drawn.append(1) or original(fields)
    )
    queries = [
        {"paragraf": ["§ 108", "§ 107"], "kommune": "slagelse"},
        {"maalgruppe": "adhd", "ejerform": "privat", "sorter": "price"},
        {"q": "ny søgning", "kommune": "naestved", "side": "2"},
        {},
    ]
    pages = [_page(caseworker, query) for query in queries]
    assert drawn == [1]
    for html, query in zip(pages, queries, strict=True):
        checked = {v for v, on in _options(html, "paragraf") if on}
        assert checked == set(query.get("paragraf", [])), query
        assert {v for v, on in _options(html, "maalgruppe") if on} == (
            {query["maalgruppe"]} if "maalgruppe" in query else set()
        )
        selected = [v for v, on in _options(html, "kommune") if on]
        assert selected == [query.get("kommune", "")], query
        assert [v for v, on in _options(html, "sorter") if on] == (
            [query["sorter"]] if "sorter" in query else []
        )
        assert [v for v, on in _options(html, "ejerform") if on] == [query.get("ejerform", "")]
    # Drawn by the template's own loop (no generation: nothing cached), the same markup.
    monkeypatch.setattr(selectors, "search_generation", lambda: None)
    for html, query in zip(pages, queries, strict=True):
        uncached = _page(caseworker, query)
        for name in ("paragraf", "maalgruppe", "kommune", "ejerform", "branche", "sorter"):
            assert _options(uncached, name) == _options(html, name), (name, query)
        start, end = '<form method="get"', "</form>"
        assert (
            html[html.index(start) :].split(end)[0]
            == uncached[uncached.index(start) :].split(end)[0]
        )
    # A field with an error has its options drawn by the loop, marked invalid.
    assert 'aria-invalid="true"' not in pages[0]
    assert 'aria-invalid="true"' in _page(caseworker, {"paragraf": "§ 999"})


def test_one_compare_form_for_the_page(caseworker):
    _offers(25)
    html = _page(caseworker)
    elsewhere = _page(caseworker, {"q": "intet finder dette"})
    # (The form stands outside the page's cached body, with or without results.)
    assert html.count('name="csrfmiddlewaretoken"') == elsewhere.count('name="csrfmiddlewaretoken"')
    assert html.count('id="compare-add"') == elsewhere.count('id="compare-add"') == 1
    assert html.count('form="compare-add"') == 20
    response = caseworker.post(
        reverse("offers:compare_add"),
        {
            "offer": re.search(r'form="compare-add" name="offer" value="(\d+)"', html)[1],
            "next": reverse("offers:search"),
        },
    )
    assert response.status_code == 302 and len(caseworker.session["compare_offers"]) == 1


def test_where_an_offer_was_found_reads_the_document_as_parsing_the_text_would(caseworker):
    """match_reasons() reads the name, methods and description from the stored document by
    their weights: the same as parsing each again (bench data: 10,000 offers × 9 searches,
    no difference)."""
    _offers(12)
    sql = (
        "WITH q AS (SELECT offers_search_any_word((offers_search_expand(websearch_to_tsquery("
        "'danish', offers_search_fold(w)))).expanded) AS words FROM unnest(%s::text[]) w)"
        " SELECT count(*), count(*) FILTER (WHERE"
        " (offers_search_vector(o.name) @@ q.words)"
        " IS DISTINCT FROM (ts_filter(o.search_document, '{a}') @@ q.words)"
        " OR (offers_search_vector(o.methods) @@ q.words)"
        " IS DISTINCT FROM (ts_filter(o.search_document, '{c}') @@ q.words)"
        " OR (offers_search_vector(o.description) @@ q.words)"
        " IS DISTINCT FROM (ts_filter(o.search_document, '{d}') @@ q.words))"
        " FROM offers_offer o, q"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [["autisme", "low arousal struktur", "mange", "Mange 003", "lav"]])
        compared, differ = cursor.fetchone()
    assert compared >= 60 and differ == 0


def test_every_order_pages_as_the_filters_order_the_offers(caseworker):
    """The page's ids are sorted from the matches read once (SearchResults._read_window()),
    by columns written out from offers.filters.ordering(): for every sort choice and page,
    the ids and the count are the ORM's own order_by() of the same filters, NULLs (offers
    without a tariff or a vacancy report) and equal names included."""
    from django.http import QueryDict

    from offers.filters import OfferFilter
    from offers.search.forms import SORT_CHOICES, SearchFilter

    _offers(45)
    for i in range(3):  # no tariff, no vacancy report, one name twice
        make_offer(name="Mange 007" if i == 0 else f"Uden takst {i}", description="Autisme")
    user = demo_user("sagsbehandler.slagelse@portal.example")
    reference = selectors.search_reference()
    for sort, _label in SORT_CHOICES:
        for query in (f"sorter={sort}", f"sorter={sort}&q=autisme", f"sorter={sort}&alder=30"):
            filterset = SearchFilter(QueryDict(query), reference=reference)
            params = selectors.SearchParams.from_cleaned(filterset.cleaned_values())
            expected_qs = OfferFilter(year=YEAR).filter_cleaned(
                params.values(),
                OfferFilter.published(selectors.search_rows_visible_to(user)),
            )
            expected = list(expected_qs.values_list("pk", flat=True))
            assert len(expected) > 20, query
            for number in (1, 2, 3):
                results = selectors.search_page(user, params, reference, number)
                window = slice((number - 1) * 20, number * 20)
                assert results.count() == len(expected), query
                assert [r.pk for r in results[window]] == expected[window], (query, number)


def test_a_new_search_sends_its_statement_before_the_page_is_drawn(caseworker, monkeypatch):
    """A search whose body is not cached sends its window's statement before the template
    draws anything (the database works on it meanwhile, in psycopg's pipeline mode), reads
    it where the page shows the count, and leaves the connection out of pipeline mode; a
    body from the cache sends nothing."""
    from psycopg import pq

    from offers.search import views
    from tests.ahead import sends_and_renders

    _offers(3)
    events = sends_and_renders(monkeypatch, selectors.SearchResults)
    response = caseworker.get(reverse("offers:search"), {"alder": "25"})
    assert "3 tilbud fundet" in response.content.decode()
    assert events[:2] == ["send", "render"]
    assert connection.connection.pgconn.pipeline_status == pq.PipelineStatus.OFF
    events.clear()
    assert (
        "3 tilbud fundet"
        in caseworker.get(reverse("offers:search"), {"alder": "25"}).content.decode()
    )
    assert "send" not in events
    # The body's {% cache %} is the one the view looks up.
    source = (Path(__file__).resolve().parents[2] / "templates/offers/search.html").read_text()
    assert f"{{% cache 900 {views.BODY_FRAGMENT} body_key %}}" in source


def test_a_query_made_while_the_statement_is_out_is_answered_in_order(caseworker):
    """Between the statement sent ahead and its reading, another query (anything the page
    might read) is answered, and then the results, each its own."""
    _offers(4)
    user = demo_user(CASEWORKER)
    params = selectors.SearchParams(age=25)
    results = selectors.search_page(user, params, selectors.search_reference())
    with sent_ahead(results):
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s::int + 1", [41])
            assert cursor.fetchone() == (42,)
        assert results.count() == 4
        assert [r.name for r in results[0:20]] == [f"Mange {i:03d}" for i in range(4)]
