"""The search page reads a fixed number of queries whatever the number of offers, and what
it shows is what the offers hold: the page's details read what the shared selectors read,
and the cards' numbers are written as everywhere else in the portal (partnership.formats)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from offers.models import LegalParagraph, RegulationRate, TargetGroup, VacancyReport
from offers.search import selectors
from offers.selectors import current_year, with_current_tariff
from partnership.models import Organisation
from tests.factories import days_ago, demo_user, make_offer, pl_rates, publish

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
    selectors.RegulationRate.objects.filter(year=YEAR).update(rate=Decimal("50"))
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


def test_every_search_parameter_is_part_of_the_cache_key():
    """A new field of SearchParams that the key did not hold would share results between
    different searches: the key's normalisation counts the fields."""
    base = selectors.SearchParams()
    keys = {selectors._params_key(base, YEAR)}
    variants = {
        "q": "autisme",
        "paragraphs": [1],
        "target_groups": [1],
        "municipality": 1,
        "ownership": "privat",
        "age": 25,
        "vacancies": True,
        "provider": "egelund",
        "branch": 1,
        "price_min": Decimal("1"),
        "price_max": Decimal("1"),
        "sort": "price",
    }
    assert set(variants) | {"year"} == set(selectors.SearchParams.__dataclass_fields__)
    for name, value in variants.items():
        keys.add(selectors._params_key(selectors.SearchParams(**{name: value}), YEAR))
    keys.add(selectors._params_key(base, YEAR + 1))
    assert len(keys) == len(variants) + 2
    # The same search in another spelling of the URL is the same key.
    assert selectors._params_key(
        selectors.SearchParams(paragraphs=[2, 1], q=" a ", price_min=Decimal("60000.00")), YEAR
    ) == selectors._params_key(
        selectors.SearchParams(paragraphs=[1, 2], q="a", price_min=Decimal("60000")), YEAR
    )


def test_the_cached_form_is_the_one_for_the_query(caseworker):
    for _ in range(2):  # drawn, then from the cache
        assert 'value="autisme"' in _page(caseworker, {"q": "autisme"})
        assert 'value="botilbud"' in _page(caseworker, {"q": "botilbud", "side": "2"})
        errors = _page(caseworker, {"alder": "x"})
        assert "form-error-message" in errors and "form-error-message" not in _page(caseworker)
    # The form is drawn once per query, the other times it comes from the cache.
    drawn = []
    from offers.search.forms import SearchForm

    original = SearchForm.filter_fields
    SearchForm.filter_fields = lambda self: drawn.append(1) or original(self)
    try:
        _page(caseworker, {"q": "ny søgning"})
        _page(caseworker, {"q": "ny søgning"})
        _page(caseworker, {"q": "ny søgning", "side": "2"})  # another page, the same form
    finally:
        SearchForm.filter_fields = original
    assert drawn == [1]
