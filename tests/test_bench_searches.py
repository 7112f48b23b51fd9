"""bench/run_search.py's distinct searches (issue 17: measured with searches that never
repeat, the same ones on every run) and how it writes its part of bench/RESULTS.md."""

import runpy
from pathlib import Path

import pytest
from django.http import QueryDict

from offers.search.forms import SearchForm
from offers.selectors import current_year
from tests.factories import make_offer, publish

BENCH = runpy.run_path(str(Path(__file__).resolve().parent.parent / "bench" / "run_search.py"))
distinct_searches = BENCH["distinct_searches"]
search_key = BENCH["search_key"]
with_section = BENCH["_with_section"]
START, END = BENCH["SEARCH_START"], BENCH["SEARCH_END"]


@pytest.fixture
def offers(db):
    year = current_year()
    for i in range(8):
        offer = make_offer(
            municipality_slug=["slagelse", "holbaek"][i % 2],
            paragraphs=[["SEL § 108"], ["SEL § 107", "SEL § 85"]][i % 2],
            target_groups=[["autisme"], ["misbrug", "sindslidelse"]][i % 2],
            age_min=18 + i,
            age_max=40 + i,
        )
        publish(offer, year, 2000 + 100 * i)


def test_the_searches_differ_the_form_accepts_them_and_a_seed_repeats_them(offers):
    searches = distinct_searches(40, seed=17)

    assert len(searches) == 40
    assert len({search_key(QueryDict(q).lists()) for q in searches}) == 40
    for query in searches:
        assert SearchForm(QueryDict(query)).is_valid(), query
    assert distinct_searches(40, seed=17) == searches
    assert distinct_searches(40, seed=18) != searches


def test_a_search_the_bench_repeats_is_never_drawn(offers):
    searches = distinct_searches(40, seed=17)
    repeated = search_key(QueryDict(searches[0]).lists())

    again = distinct_searches(40, seed=17, exclude=(repeated,))

    assert searches[0] not in again
    assert again[:39] == searches[1:40]


def test_the_search_section_is_replaced_and_everything_else_kept():
    hand = "## Issue 12: before and after\n\nWritten by hand.\n"
    other = "<!-- gunicorn:start -->\nGunicorn\n<!-- gunicorn:end -->\n"
    legacy = "# Benchmark: offer search\n\nOld table\n\n" + other + "\n" + hand

    first = with_section(legacy, f"{START}\nNew table\n{END}")
    second = with_section(first, f"{START}\nNewer table\n{END}")

    assert first.startswith(f"{START}\nNew table\n{END}")
    assert "Old table" not in first
    assert second == first.replace("New table", "Newer table")
    assert first.endswith(other + "\n" + hand)
    assert with_section("", "S") == "S\n"
