"""Which published offers match is offers.filters.OfferFilter's, the offer list's one
FilterSet: the search page, its open data, the takstoversigt and input from a URL (an API) find
the same offers for the same filters, old takstoversigt jobs still rerun (and an unknown value
in one is refused, never widened to every offer), and no other module filters the offer list
on its own."""

import copy
import importlib
import inspect
import json
import pkgutil
import types
from urllib.parse import urlencode

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import QueryDict
from django.test import Client
from django.urls import reverse

from offers.filters import OfferFilter
from offers.models import LegalParagraph, VacancyReport
from offers.permissions import offers_visible_to
from offers.reports.filters import OverviewFilters, UnknownFilter
from offers.reports.overview import render_tariff_overview, tariff_overview
from offers.search.forms import SearchFilter, SearchForm
from offers.selectors import current_year
from partnership.models import Organisation, OrganisationKind, OwnershipForm
from partnership.validators import refuse_cpr
from tests.factories import CASEWORKER, days_ago, demo_user, make_offer, pl_rates, publish

YEAR = current_year()

pytestmark = pytest.mark.postgres


@pytest.fixture
def world(as_caseworker):
    """Three published offers (and a draft), each with this year's tariff:

    - Alfa: § 107, sindslidelse; Bostedet Egelund (private, LOS) in Slagelse; 18-30 years;
      2.000 kr. a day (60.833,33 a month); 2 vacant places.
    - Beta: § 108, autisme; Fonden Solsikken (foundation, Selveje Danmark) in Næstved;
      25-65 years; 90.000 kr. a month; none vacant.
    - Gamma: § 107 and § 108, both target groups; Bostedet Egelund in Næstved; 40-80 years;
      1.850,50 kr. a day (56.286,04 a month); no vacancy report."""
    pl_rates(**{f"y{YEAR - 1}": "2.6", f"y{YEAR}": "2.4"})
    alfa = make_offer(
        name="Alfa",
        paragraphs=["SEL § 107"],
        target_groups=["sindslidelse"],
        age_min=18,
        age_max=30,
        description="Støtte i eget hjem",
        methods="Samtaler",
    )
    beta = make_offer(
        name="Beta",
        paragraphs=["SEL § 108"],
        target_groups=["autisme"],
        provider_slug="fonden-solsikken",
        municipality_slug="naestved",
        age_min=25,
        age_max=65,
        description="Autisme og ro",
    )
    gamma = make_offer(
        name="Gamma",
        paragraphs=["SEL § 107", "SEL § 108"],
        target_groups=["autisme", "sindslidelse"],
        municipality_slug="naestved",
        age_min=40,
        age_max=80,
        description="Autisme og struktur",
    )
    draft = make_offer(
        name="Kladde", paragraphs=["SEL § 107", "SEL § 108"], status="draft", age_min=0
    )
    publish(alfa, YEAR, "2000")
    publish(beta, YEAR, "90000", unit="month")
    publish(gamma, YEAR, "1850.50")
    publish(draft, YEAR, "1000")
    VacancyReport.objects.create(offer=alfa, vacant=2, reported_on=days_ago(5))
    VacancyReport.objects.create(offer=beta, vacant=0, reported_on=days_ago(5))
    return as_caseworker


# (the search URL's parameters, the takstoversigt's Job.params or None, the offers found)
FILTERS = [
    ({}, {}, {"Alfa", "Beta", "Gamma"}),
    ({"paragraf": "§ 107"}, {"paragraphs": ["SEL § 107"]}, {"Alfa", "Gamma"}),
    (
        {"paragraf": ["§ 107", "§ 108"]},
        {"paragraphs": ["SEL § 107", "SEL § 108"]},
        {"Alfa", "Beta", "Gamma"},
    ),
    ({"maalgruppe": "autisme"}, {"target_groups": ["autisme"]}, {"Beta", "Gamma"}),
    ({"kommune": "naestved"}, {"municipality": "naestved"}, {"Beta", "Gamma"}),
    ({"ejerform": OwnershipForm.FOUNDATION}, {"ownership": OwnershipForm.FOUNDATION}, {"Beta"}),
    ({"leverandoer": "bostedet-egelund"}, {"provider": "bostedet-egelund"}, {"Alfa", "Gamma"}),
    ({"branche": "selveje-danmark"}, {"branch": "selveje-danmark"}, {"Beta"}),
    (
        {"branche": "los", "kommune": "naestved", "paragraf": "§ 108"},
        {"branch": "los", "municipality": "naestved", "paragraphs": ["SEL § 108"]},
        {"Gamma"},
    ),
    ({"leverandoer": "solsikken"}, None, {"Beta"}),  # a part of the name
    ({"leverandoer": "12354991"}, None, {"Beta"}),  # the CVR number
    ({"alder": "28"}, None, {"Alfa", "Beta"}),
    ({"ledige": "on"}, None, {"Alfa"}),
    ({"pris_min": "60.000,00"}, None, {"Alfa", "Beta"}),
    ({"pris_max": "60000"}, None, {"Gamma"}),
    ({"q": "autisme"}, None, {"Beta", "Gamma"}),
    ({"q": "autisme", "kommune": "naestved", "pris_max": "60000"}, None, {"Gamma"}),
]


def _search_page(client, params):
    response = client.get(reverse("offers:search"), params)
    assert response.status_code == 200 and not response.context["form"].errors, params
    return [card.name for card in response.context["page"].object_list]


def _open_data(client, params):
    response = client.get(reverse("offers:open_data", args=["json"]), params)
    return [row["navn"] for row in json.loads(b"".join(response.streaming_content))["tilbud"]]


def _url_input(params):
    """Input from a URL, as an API would take it: the FilterSet validated by its form."""
    data = QueryDict(urlencode(params, doseq=True))
    filterset = SearchFilter(data, queryset=offers_visible_to(demo_user(CASEWORKER)))
    assert filterset.is_valid(), filterset.errors
    return [o.name for o in filterset.qs]


def _api(params):
    """The open-data API (api/v1.py), anonymous: every page."""
    response = Client().get(reverse("api:offer_list"), {**params, "limit": 200})
    assert response.status_code == 200, response.content
    return [o["navn"] for o in response.json()["tilbud"]]


def _takstoversigt(job_params):
    overview = tariff_overview(YEAR, OverviewFilters.from_params(job_params))
    return [row.name for row in overview.rows]


@pytest.mark.parametrize(
    "params, job_params, found", FILTERS, ids=[urlencode(f[0], doseq=True) for f in FILTERS]
)
def test_each_filter_finds_the_same_offers_everywhere(world, params, job_params, found):
    assert set(_search_page(world, params)) == found
    assert set(_open_data(world, params)) == found
    assert set(_url_input(params)) == found
    assert set(_api(params)) == found
    if job_params is not None:
        assert set(_takstoversigt(job_params)) == found


@pytest.mark.parametrize("sort", ["relevance", "price", "price_desc", "name", "vacancies"])
def test_each_order_is_the_same_everywhere(world, sort):
    params = {"sorter": sort, "q": "autisme"} if sort == "relevance" else {"sorter": sort}
    page = _search_page(world, params)
    assert page == _open_data(world, params) == _url_input(params)
    if sort == "price":
        assert page == ["Gamma", "Alfa", "Beta"]


def test_a_search_with_an_error_filters_nothing_and_says_so(world):
    response = world.get(reverse("offers:search"), {"alder": "x", "kommune": "naestved"})
    assert "alder" in response.context["form"].errors
    assert {c.name for c in response.context["page"].object_list} == {"Alfa", "Beta", "Gamma"}
    assert SearchFilter(QueryDict("alder=x&kommune=naestved")).cleaned_values() == {}


# --- The takstoversigt's stored filters ------------------------------------------------------


def test_an_old_job_reruns_with_the_params_it_was_stored_with(world):
    params = {
        "year": YEAR,
        "paragraphs": ["SEL § 108"],
        "target_groups": ["autisme"],
        "municipality": "naestved",
        "ownership": OwnershipForm.PRIVATE,
        "provider": "bostedet-egelund",
        "branch": "los",
        "format": "xlsx",
    }
    job = types.SimpleNamespace(params=params)  # what the job kind reads of a Job
    name, content = render_tariff_overview(job, lambda done, total: None)
    assert name == f"takstoversigt-{YEAR}.xlsx" and content
    assert _takstoversigt(params) == ["Gamma"]


def test_a_stored_paragraph_retired_since_still_filters(world):
    LegalParagraph.objects.filter(code="SEL § 107").update(is_active=False)
    assert set(_takstoversigt({"paragraphs": ["SEL § 107"]})) == {"Alfa", "Gamma"}


def test_the_stored_provider_is_that_provider_exactly(world):
    """The order form settles on one provider and keeps its slug: a provider whose name
    contains it is not in the report, as it is in a search for the text."""
    Organisation.objects.create(
        kind=OrganisationKind.PROVIDER,
        name="Bostedet-Egelund Syd",
        slug="egelund-syd",
        cvr="12399006",
        ownership_form=OwnershipForm.PRIVATE,
    )
    syd = make_offer(name="Syd", provider_slug="egelund-syd")
    publish(syd, YEAR, "2000")
    assert "Syd" in _search_page(world, {"leverandoer": "bostedet-egelund"})
    assert set(_takstoversigt({"provider": "bostedet-egelund"})) == {"Alfa", "Gamma"}


@pytest.mark.parametrize(
    "job_params, message",
    [
        ({"paragraphs": ["SEL § 999"]}, "Ukendt lovgrundlag: SEL § 999"),
        ({"target_groups": ["findes-ikke"]}, "Ukendt målgruppe: findes-ikke"),
        ({"municipality": "atlantis"}, "Ukendt kommune: atlantis"),
        ({"ownership": "kooperativ"}, "Ukendt ejerform: kooperativ"),
        ({"provider": "findes-ikke"}, "Ukendt leverandør: findes-ikke"),
        ({"branch": "ukendt"}, "Ukendt brancheorganisation: ukendt"),
        ({"municipality": "los"}, "Ukendt kommune: los"),  # an organisation, not a municipality
    ],
)
def test_an_unknown_stored_value_is_refused_not_widened(world, job_params, message):
    with pytest.raises(UnknownFilter, match=message):
        _takstoversigt(job_params)


# --- One home ----------------------------------------------------------------------------------


def test_the_form_has_a_field_for_each_filter():
    assert set(SearchForm.base_fields) == set(OfferFilter.base_filters)


@pytest.mark.parametrize("filterset", [OfferFilter, SearchFilter])
def test_each_filterset_has_filters_of_its_own_bound_to_it(filterset):
    """The filters are copied shallowly for each FilterSet (offers.filters._FilterCopies):
    each FilterSet's are its own objects, each with its own `method` dispatcher that calls
    that FilterSet's method, never another's or the class's."""
    first, second = filterset(), filterset()
    assert set(first.filters) == set(second.filters) == set(filterset.base_filters)
    for name in filterset.base_filters:
        mine, theirs = first.filters[name], second.filters[name]
        assert mine is not theirs and mine is not filterset.base_filters[name]
        assert mine.parent is first and theirs.parent is second
        assert mine.filter is not theirs.filter and mine.filter.f is mine
        assert mine.filter.method.__self__ is first  # the bound method of this FilterSet
    # State a FilterSet keeps while it filters (the provider's conditions) stays its own.
    first.filter_cleaned({"ejerform": OwnershipForm.PRIVATE})
    assert not second._providers


QUERIES = [
    "kommune=slagelse&alder=25&paragraf=%C2%A7+108",
    "kommune=ingen&alder=-1&pris_min=9&pris_max=1",
    "q=autisme&maalgruppe=autisme&maalgruppe=ukendt&ledige=on&sorter=price",
    "",
]


@pytest.mark.django_db
def test_search_forms_share_their_fields_and_keep_their_own_input(demo):
    """The search forms made with the same reference data share its fields (made once,
    offers.search.forms._fields_for) rather than each deep-copying them; each form's data,
    values and errors stay its own, and each validates and draws as a form with fields of
    its own (Django's copies) does, with the portal's input rules on them."""
    from offers.search.selectors import search_reference

    reference = search_reference()
    forms = [SearchForm(QueryDict(q), reference=reference) for q in QUERIES]
    for name in SearchForm.base_fields:
        assert len({id(f.fields[name]) for f in forms}) == 1  # shared
        assert forms[0].fields[name] is not SearchForm.base_fields[name]
    for query, form in zip(QUERIES, forms, strict=True):
        own = SearchForm(QueryDict(query), reference=reference)
        own.fields = copy.deepcopy(dict(own.fields))  # fields of its own, as Django makes them
        assert form.is_valid() == own.is_valid()
        assert form.errors == own.errors and form.cleaned_data == own.cleaned_data
        assert form.filter_fields() == own.filter_fields()
    assert forms[0].is_valid() and not forms[1].is_valid()
    assert forms[1].errors and not forms[0].errors and not forms[3].errors
    assert refuse_cpr in forms[0].fields["q"].validators
    # New reference data (a new generation): fields of their own, with its choices.
    Organisation.objects.create(
        name="Nykøbing Kommune", slug="nykoebing", kind=OrganisationKind.MUNICIPALITY
    )
    newer = SearchForm(QueryDict("kommune=nykoebing"), reference=search_reference())
    assert newer.is_valid() and newer.fields["kommune"] is not forms[0].fields["kommune"]
    assert not SearchForm(QueryDict("kommune=nykoebing"), reference=reference).is_valid()


def test_a_filterset_without_a_form_for_its_filters_refuses_input():
    """OfferFilter's own form would be django-filter's, made of fields that validate
    nothing: input from a URL goes through SearchFilter."""
    with pytest.raises(ImproperlyConfigured):
        OfferFilter(QueryDict("kommune=1")).qs  # noqa: B018


# Every module that uses the FilterSet, and how each is reached. A new caller must be added
# here (and is then run through the filter, above or in its own tests).
CALLERS = {
    "offers.search.forms": "SearchFilter, the FilterSet validated by SearchForm",
    "offers.search.views": "the search page and open data",
    "offers.search.selectors": "search_page() and search_offers()",
    "offers.reports.overview": "the takstoversigt",
    "offers.savedsearches.searches": "a saved search's query string, read as the search page reads its URL",
    "api.selectors": "the open-data API's list of offers (ordered by id for its cursor)",
    "offers.search.opendata": "the open-data downloads and the API's list (one reader for both)",
}

# What only a filter of the offer list does: the lookups and SQL of offers/filters.py.
FILTER_MARKS = (
    "paragraph_ids__overlap",
    "target_group_ids__overlap",
    "legalparagraph__in",
    "targetgroup__in",
    "paragraphs__in",
    "target_groups__in",
    "paragraphs__code__in",
    "paragraphs__short__in",
    "target_groups__slug__in",
    "monthly_price__gte",
    "monthly_price__lte",
    "vacant__gt",
    "websearch_to_tsquery",
)


def _project_modules():
    for package_name in ("partnership", "offers", "contracts", "meetings", "quality", "api"):
        package = importlib.import_module(package_name)
        yield package
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}."):
            if ".migrations" not in info.name:
                yield importlib.import_module(info.name)


def _constants(code: types.CodeType):
    """Every string constant of the code and the code nested in it (keyword argument names
    and SQL included)."""
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _constants(const)
        elif isinstance(const, str):
            yield const
        elif isinstance(const, tuple):
            yield from (c for c in const if isinstance(c, str))


def _module_constants(module):
    for obj in vars(module).values():
        if inspect.isfunction(obj) and obj.__module__ == module.__name__:
            yield from _constants(obj.__code__)
        elif inspect.isclass(obj) and obj.__module__ == module.__name__:
            for member in vars(obj).values():
                func = getattr(member, "fget", member)
                if inspect.isfunction(func):
                    yield from _constants(func.__code__)


def test_only_offers_filters_filters_the_offer_list():
    """A module that filtered offers by paragraph, target group, price, vacancy or full text
    on its own would hold the lookups: only offers/filters.py does."""
    found = {
        module.__name__: sorted(
            {m for c in _module_constants(module) for m in FILTER_MARKS if m in c}
        )
        for module in _project_modules()
    }
    elsewhere = {name: marks for name, marks in found.items() if marks}
    home = elsewhere.pop("offers.filters")
    assert not elsewhere
    # (and the marks are found where they are)
    assert {
        "paragraph_ids__overlap",
        "target_group_ids__overlap",
        "vacant__gt",
        "websearch_to_tsquery",
    } <= set(home)


def test_the_callers_are_listed_and_each_goes_through_the_filterset(world, monkeypatch):
    users = {
        module.__name__
        for module in _project_modules()
        if module.__name__ != "offers.filters"
        and any(
            inspect.isclass(obj) and issubclass(obj, OfferFilter) for obj in vars(module).values()
        )
    }
    assert users == set(CALLERS)

    calls = []
    original = OfferFilter.filter_cleaned

    def recording(self, values, queryset=None):
        caller = inspect.stack()[1]
        calls.append(caller.frame.f_globals["__name__"] + "." + caller.function)
        return original(self, values, queryset)

    monkeypatch.setattr(OfferFilter, "filter_cleaned", recording)
    _search_page(world, {"kommune": "naestved"})
    _open_data(world, {"kommune": "naestved"})
    _url_input({"kommune": "naestved"})
    _takstoversigt({"municipality": "naestved"})
    _api({"kommune": "naestved"})
    assert calls == [
        # search_page(): its parts each compiled once (the SELECT, the conditions every
        # search has, the municipality's)
        *["offers.search.selectors.build"] * 3,
        "offers.search.opendata._matching",  # open data: matching_ids()
        "offers.filters.filter_queryset",  # SearchFilter(...).qs
        "offers.reports.overview.tariff_overview",
        "offers.search.opendata._matching",  # the API: api.selectors.offer_page(), id_page()
    ]
