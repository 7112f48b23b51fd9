"""The search's SQL joined from parts compiled once each (offers.search.selectors
_compiled_matches: the SELECT of each order, the conditions every search has, each filter's):
for every filter, alone and together, every order and everyone who sees a different set of
offers, the SQL and parameters a search runs are exactly those the ORM compiles for it, also
when its parts were compiled before for other values and other searches. And a search still
answers with what it matches."""

import itertools
from decimal import Decimal

import pytest

from offers.models import LegalParagraph, TargetGroup
from offers.search import selectors
from offers.search.forms import SORT_CHOICES
from offers.selectors import current_year
from partnership.models import Organisation, OrganisationKind, OwnershipForm
from tests.factories import CASEWORKER, PROVIDER, SECRETARIAT, demo_user, make_offer

pytestmark = pytest.mark.postgres


def _two_values_of_each():
    """Two different values for each filter, as the form gives them (pks, Decimals, text)."""
    paragraphs = list(LegalParagraph.objects.order_by("pk").values_list("pk", flat=True))
    groups = list(TargetGroup.objects.order_by("pk").values_list("pk", flat=True))
    municipalities = list(
        Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    branches = list(
        Organisation.objects.filter(kind=OrganisationKind.BRANCH)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    ownership = [value for value, _label in OwnershipForm.choices]
    return {
        "paragraphs": ([paragraphs[0]], [paragraphs[1]]),
        "paragraphs2": (paragraphs[:2], paragraphs[2:4]),
        "target_groups": ([groups[0]], [groups[1]]),
        "target_groups3": (groups[:3], groups[3:6]),
        "municipality": (municipalities[0], municipalities[1]),
        "ownership": (ownership[0], ownership[1]),
        "age": (25, 67),
        "vacancies": (True, True),
        "branch": (branches[0], branches[-1]),
        "price_min": (Decimal("10000"), Decimal("60000.5")),
        "price_max": (Decimal("110000"), Decimal("99999.99")),
        "q": ("autisme", "low arousal"),
    }


FILTERS = [
    "paragraphs",
    "paragraphs2",
    "target_groups",
    "target_groups3",
    "municipality",
    "ownership",
    "age",
    "vacancies",
    "branch",
    "price_min",
    "price_max",
    "q",
]
ALL_BUT_TEXT = tuple(name for name in FILTERS if name not in ("paragraphs", "target_groups", "q"))
# Each filter alone, a few together, and all of them (with and without text).
COMBINATIONS = [
    (),
    *[(name,) for name in FILTERS],
    ("paragraphs", "target_groups", "vacancies"),
    ("municipality", "ownership", "price_min", "price_max"),
    ("age", "branch"),
    ("q", "paragraphs2", "age", "price_max"),
    ALL_BUT_TEXT,
    (*ALL_BUT_TEXT, "q"),
]


def _params(combination, values, which, sort):
    fields = {}
    for name in combination:
        field = name.rstrip("23")
        fields[field] = values[name][which]
    return selectors.SearchParams(sort=sort, **fields)


def _compiled_and_orm(user, params):
    reference = selectors.search_reference()
    results = selectors.search_page(user, params, reference)
    compiled = results._matches()
    orm = selectors._matches_sql(*results._built)
    return compiled, orm


@pytest.mark.django_db
@pytest.mark.parametrize("email", [CASEWORKER, PROVIDER, SECRETARIAT])
def test_every_kind_of_search_runs_the_sql_and_parameters_the_orm_compiles(email):
    user = demo_user(email)
    values = _two_values_of_each()
    sorts = [value for value, _label in SORT_CHOICES]
    checked = 0
    for combination, sort in itertools.product(COMBINATIONS, sorts):
        for which in (0, 1):  # the second is read from the kind compiled for the first
            params = _params(combination, values, which, sort)
            compiled, orm = _compiled_and_orm(user, params)
            assert compiled[0] == orm[0], (combination, sort, which)
            assert compiled[1] == orm[1], (combination, sort, which)
            assert [type(p) for p in compiled[1]] == [type(p) for p in orm[1]]
            assert compiled[2:] == orm[2:]
            checked += 1
    assert checked == len(COMBINATIONS) * len(sorts) * 2
    # Every part was compiled once, with its stand-ins (none fell back to the ORM): the
    # SELECT of each order with and without text, the conditions every search has, and
    # each filter's (the provider's ownership and branch one condition).
    parts = selectors._compiled_parts
    assert all(entry is not None for entry in parts.values())
    assert sorted({key[0] for key in parts}) == ["base", "head", "part"]
    assert len([key for key in parts if key[0] == "head"]) == len(sorts) * 2
    assert {key[3] for key in parts if key[0] == "part"} == {
        "paragraf",
        "maalgruppe",
        "kommune",
        "provider",
        "alder",
        "ledige",
        "pris_min",
        "pris_max",
        "q",
    }


@pytest.mark.django_db
def test_a_provider_name_is_compiled_as_it_is_each_time():
    """The provider's name is matched with LIKE, its value made into a pattern: that search
    is compiled by the ORM every time (the same SQL as the ORM's, and nothing kept)."""
    user = demo_user(CASEWORKER)
    compiled, orm = _compiled_and_orm(user, selectors.SearchParams(provider="Egelund", age=30))
    assert compiled == orm
    assert not selectors._compiled_parts


@pytest.mark.django_db
def test_two_searches_of_one_kind_find_each_its_own_offers():
    """The second search of a kind runs the first's SQL with its own values: it finds its own
    offers, not the first's."""
    user = demo_user(CASEWORKER)
    make_offer(name="Ungehuset", age_min=14, age_max=17)
    make_offer(name="Seniorhuset", age_min=60, age_max=90)
    reference = selectors.search_reference()
    for age, expected in ((15, "Ungehuset"), (70, "Seniorhuset")):
        params = selectors.SearchParams(age=age, year=current_year())
        page = selectors.search_page(user, params, reference)
        names = [result.name for result in page[0:20]] if page.count() else []
        assert expected in names
        assert ({"Ungehuset", "Seniorhuset"} - {expected}).isdisjoint(names)
        if age == 15:
            compiled = set(selectors._compiled_parts)
    # The second compiled nothing: the SELECT, the conditions every search has and the age's.
    assert set(selectors._compiled_parts) == compiled
    assert sorted(key[0] for key in compiled) == ["base", "head", "part"]


@pytest.mark.django_db
def test_a_new_mix_of_filters_compiles_nothing_when_its_parts_were_compiled():
    """A mix of filters the process has not seen before is joined from the parts it has:
    nothing is compiled for it, and it runs what the ORM compiles for it."""
    user = demo_user(CASEWORKER)
    values = _two_values_of_each()
    for combination in (("age",), ("municipality",), ("q", "price_max")):
        _compiled_and_orm(user, _params(combination, values, 0, "price"))
    seen = set(selectors._compiled_parts)
    mixed = _params(("age", "municipality", "price_max", "q"), values, 1, "price")
    compiled, orm = _compiled_and_orm(user, mixed)
    assert compiled == orm
    assert set(selectors._compiled_parts) == seen
