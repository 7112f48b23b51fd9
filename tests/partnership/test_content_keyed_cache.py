"""The cache of values under keys that change with them (partnership.cache.ContentKeyedCache,
CACHES "template_fragments"): each process keeps what it read or wrote in front of the shared
cache. That is only right for values whose key is a digest of what they show, so every
`{% cache %}` of the templates is listed here with where its key is made, and a new one fails
until it is added (and its key checked to be such a digest)."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.cache import caches
from django.test import override_settings
from django.utils import timezone

from offers.search import views
from partnership import cache as cache_module
from partnership.cache import (
    ContentKeyedCache,
    content_digest,
    content_keyed,
    drawn_once,
    forget_process_copies,
)

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
CACHE_TAG = re.compile(r"{%\s*cache\s+(\S+)\s+(\S+)((?:\s+[^%\s]+)*)\s*%}")

# Each fragment cached in a template, and where the key it varies on is made: a digest of
# everything the fragment shows (or of the data's version it is drawn from).
FRAGMENTS = {
    "meetings_upcoming": "meetings.views._meeting_table_key (the rows' values)",
    "meetings_past": "meetings.views._meeting_table_key (the rows' values)",
    "meetings_organisations": "meetings.selectors.meeting_facts organisations_digest",
    "meetings_invitations": "meetings.views._list_key (the invitations shown)",
    "meetings_agenda": "meetings.views._agenda_key (the rows and the follow-up's key)",
    "meetings_participants": "meetings.views._list_key (the participants shown)",
    "meetings_open_actions": "meetings.views._list_key (actions.open_actions_fingerprint)",
    "contracts_list_rows": "contracts.views.contract_list rows_key (the rows and states)",
    "contracts_list_filter": "contracts.views._filter_key (the form and the providers)",
    "contracts_list_select": "contracts.forms.ListSelect widget key (every option)",
    "offer_facts": "offers.detail.selectors._content_key (the offer's page data)",
    "offer_tariffs": "offers.detail.selectors._content_key (the offer's page data)",
    "offers_search_body": "offers.search.views._body_key (generation, visibility, query, ...)",
}


# Each piece of markup drawn once per content in Python (partnership.cache.drawn_once), by
# the file that draws it, and where the key it is kept under is made: a digest of
# everything it shows.
DRAWN = {
    "offers/search/views.py": [
        "_field_key (what the field is drawn from: the query's values, errors, options)",
        "_card_key (every field of the result, the year, whether it is compared)",
    ],
}
PROJECT = TEMPLATES.parent


def test_every_piece_drawn_once_is_listed_with_the_digest_it_is_keyed_by():
    found: dict[str, int] = {}
    for path in sorted(PROJECT.rglob("*.py")):
        relative = path.relative_to(PROJECT).as_posix()
        if relative.split("/")[0] in {".venv", "node_modules", "tests"}:
            continue
        calls = path.read_text(encoding="utf-8").count("drawn_once(")
        if calls and relative != "partnership/cache.py":
            found[relative] = calls
    assert found, "no drawn_once() found: the pattern no longer reads the code"
    assert found == {path: len(keys) for path, keys in DRAWN.items()}, (
        "Markup drawn once per content is kept in every process under its key: key it by a "
        "digest of what it shows (partnership.cache.content_digest) and list it in DRAWN."
    )


def _cached_fragments() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        for match in CACHE_TAG.finditer(path.read_text(encoding="utf-8")):
            _timeout, name, vary = match.groups()
            found.setdefault(name, []).extend(vary.split())
    return found


def test_every_cached_fragment_is_listed_with_the_digest_it_is_keyed_by():
    found = _cached_fragments()
    assert found, "no {% cache %} found: the pattern no longer reads the templates"
    assert sorted(found) == sorted(FRAGMENTS), (
        "A {% cache %} fragment is kept in every process under its key "
        "(partnership.cache.ContentKeyedCache): key it by a digest of what it shows and list "
        "it in FRAGMENTS."
    )
    for name, vary in found.items():
        assert vary, f"{name} is cached under a fixed key: it would never change"


def test_the_fragment_cache_is_the_content_keyed_one():
    assert isinstance(caches["template_fragments"], ContentKeyedCache)
    assert content_keyed() is caches["template_fragments"]


class _Counting:
    """Counts the shared cache's reads."""

    def __init__(self, monkeypatch):
        self.gets = 0
        shared = caches["default"]
        original = shared.get

        def get(*args, **kwargs):
            self.gets += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(shared, "get", get)


def test_a_value_is_read_from_the_shared_cache_once_then_from_the_process(monkeypatch):
    counting = _Counting(monkeypatch)
    caches["default"].set("fragment:a", "<p>a</p>")  # written by another process
    fragments = content_keyed()
    assert fragments.get("fragment:a") == "<p>a</p>"
    assert fragments.get("fragment:a") == "<p>a</p>"
    assert counting.gets == 1
    fragments.set("fragment:b", "<p>b</p>")
    assert fragments.get("fragment:b") == "<p>b</p>"
    assert counting.gets == 1
    # Written through: another process finds it in the shared cache.
    assert caches["default"].get("fragment:b") == "<p>b</p>"
    assert fragments.get("fragment:missing", "none") == "none"
    assert counting.gets == 3  # (the line before this one's read, and the missing value's)


def test_clearing_forgets_the_process_copies_too():
    fragments = content_keyed()
    fragments.set("fragment:a", "<p>a</p>")
    fragments.clear()
    assert fragments.get("fragment:a") is None
    fragments.set("fragment:a", "<p>a</p>")
    forget_process_copies()
    caches["default"].delete("fragment:a")
    assert fragments.get("fragment:a") is None


@override_settings(
    CACHES={
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "template_fragments": {
            "BACKEND": "partnership.cache.ContentKeyedCache",
            "OPTIONS": {"SHARED": "default", "MAX_SIZE": 25},
        },
    }
)
def test_the_process_keeps_at_most_max_size_characters_the_least_recently_read_going_first():
    fragments = content_keyed()
    fragments.set("a", "x" * 10)
    fragments.set("b", "y" * 10)
    assert fragments.get("a") == "x" * 10  # a is now the most recently read
    fragments.set("c", "z" * 10)
    assert set(cache_module._process_copies) == {":1:a", ":1:c"}
    assert cache_module._process_size[0] == 20
    # b is still in the shared cache.
    assert fragments.get("b") == "y" * 10


@pytest.mark.django_db
def test_a_page_fragment_read_again_costs_no_round_trip_to_the_shared_cache(client, monkeypatch):
    """The meeting list's tables ({% cache %}): the second request reads them from the
    process, a process without its copies from the shared cache."""
    from tests.factories import SECRETARIAT, demo_user, make_meeting

    secretariat = demo_user(SECRETARIAT)
    make_meeting(secretariat)
    client.force_login(secretariat)
    assert client.get("/moeder/").status_code == 200
    counting = _Counting(monkeypatch)
    assert client.get("/moeder/").status_code == 200
    from_process = counting.gets
    forget_process_copies()
    assert client.get("/moeder/").status_code == 200
    # (The other reads of the default cache, the session's or a rate limit's, are the same.)
    assert counting.gets - from_process == from_process + 2


def test_many_values_are_read_from_the_process_then_in_one_read_of_the_shared_cache(monkeypatch):
    shared = caches["default"]
    shared.set("fragment:c", "<p>c</p>")  # written by another process
    fragments = content_keyed()
    fragments.set("fragment:a", "<p>a</p>")
    reads = []
    original = shared.get_many

    def get_many(keys, *args, **kwargs):
        reads.append(list(keys))
        return original(keys, *args, **kwargs)

    monkeypatch.setattr(shared, "get_many", get_many)
    keys = ["fragment:a", "fragment:b", "fragment:c"]
    assert fragments.get_many(keys) == {"fragment:a": "<p>a</p>", "fragment:c": "<p>c</p>"}
    assert reads == [["fragment:b", "fragment:c"]]
    assert fragments.get_many(["fragment:a", "fragment:c"]) == {
        "fragment:a": "<p>a</p>",
        "fragment:c": "<p>c</p>",
    }
    assert len(reads) == 1  # both kept in the process now
    fragments.set_many({"fragment:b": "<p>b</p>"})
    assert shared.get("fragment:b") == "<p>b</p>"  # written through
    assert fragments.get_many(keys) == {k: f"<p>{k[-1]}</p>" for k in keys}
    assert len(reads) == 1


def test_drawn_once_draws_only_what_the_process_has_not(monkeypatch):
    """drawn_once() keeps what it draws in the process: the shared cache is neither read
    nor written for it (another process draws it again)."""
    shared = caches["default"]
    calls = []
    for name in ("get", "get_many", "set", "set_many"):
        monkeypatch.setattr(shared, name, lambda *a, _n=name, **k: calls.append(_n))
    drawn = []

    def draw(item):
        drawn.append(item)
        return f"<li>{item}</li>"

    def key(item):
        return "item:" + content_digest(item)

    assert drawn_once(["a", "b"], key, draw) == ["<li>a</li>", "<li>b</li>"]
    assert drawn_once(["b", "c", "a"], key, draw) == ["<li>b</li>", "<li>c</li>", "<li>a</li>"]
    assert drawn == ["a", "b", "c"]
    assert drawn_once([], key, draw) == []
    forget_process_copies()  # another process
    assert drawn_once(["a"], key, draw) == ["<li>a</li>"]
    assert drawn == ["a", "b", "c", "a"] and calls == []
    # Lazy translations are keyed by what they say, not by the object.
    from django.utils.translation import gettext_lazy, override

    with override("da"):
        assert content_digest(gettext_lazy("Søg")) == content_digest("Søg")


def test_a_digest_refuses_values_that_do_not_say_what_they_hold():
    """An object whose repr() is its address, or a model instance (its name only): two
    different values could share a key."""
    from partnership.models import Organisation

    with pytest.raises(TypeError):
        content_digest({"row": object()})
    with pytest.raises(TypeError):
        content_digest([Organisation(name="Slagelse Kommune")])
    assert content_digest({"a": [1, "b"]}) == content_digest({"a": (1, "b")})
    # A dataclass by its fields, lazy translations in them by what they say.
    from dataclasses import dataclass

    from django.utils.translation import gettext_lazy, override

    @dataclass
    class Row:
        label: object

    with override("da"):
        assert content_digest(Row(gettext_lazy("Søg"))) == content_digest(Row("Søg"))
        assert content_digest(Row("a")) != content_digest(Row("b"))
    assert content_digest({"a": 1}) != content_digest({"a": 2})
    # Plain values (passed through as they are) and the others in one list alike.
    with override("da"):
        assert content_digest(["x", gettext_lazy("Søg")]) == content_digest(["x", "Søg"])
    with pytest.raises(TypeError):
        content_digest([1, "a", object()])
    today = timezone.localdate()
    assert content_digest([Decimal("1.50"), today]) != content_digest([Decimal("1.5"), today])


def test_a_requests_writes_reach_the_shared_cache_after_its_response(monkeypatch):
    """While a request is served, what it writes is kept in the process at once and written
    to the shared cache in one go when the response has been sent (request_finished); a
    value deleted in between is not written. Outside a request it is written at once. (The
    signals' receivers, called here as the request's signals call them: the next test goes
    through a whole request.)"""
    shared = caches["default"]
    fragments = content_keyed()
    writes = []
    original = shared.set_many

    def set_many(data, *args, **kwargs):
        writes.append(sorted(data))
        return original(data, *args, **kwargs)

    monkeypatch.setattr(shared, "set_many", set_many)
    cache_module.start_deferring()  # request_started
    try:
        fragments.set("fragment:a", "<p>a</p>", 900)
        fragments.set_many({"fragment:b": "<p>b</p>", "fragment:c": "<p>c</p>"}, 900)
        fragments.set("fragment:d", "<p>d</p>", 60)
        fragments.set("fragment:gone", "<p>gone</p>", 900)
        fragments.delete("fragment:gone")
        assert fragments.get("fragment:b") == "<p>b</p>"  # the process has it
        assert shared.get("fragment:a") is None  # the shared cache not yet
        assert writes == []
    finally:
        cache_module.write_deferred()  # request_finished
    # One write per timeout, after the response.
    assert writes == [["fragment:a", "fragment:b", "fragment:c"], ["fragment:d"]]
    assert shared.get("fragment:c") == "<p>c</p>"
    assert shared.get("fragment:gone") is None
    fragments.set("fragment:e", "<p>e</p>")  # outside a request: at once
    assert shared.get("fragment:e") == "<p>e</p>"


@pytest.mark.django_db
def test_a_search_pages_pieces_are_written_after_its_response_and_found_by_others(
    client, monkeypatch
):
    """Through the whole request cycle: a new search's body and results are written to the
    shared cache by the request's end (request_finished), in one write, and another process
    (the shared cache alone) finds them: the same search again draws nothing."""
    import inspect

    from tests.factories import CASEWORKER, demo_user, make_offer

    make_offer(name="Egebo")
    client.force_login(demo_user(CASEWORKER))
    shared = caches["default"]
    writes = []
    for name in ("set", "set_many"):
        original = getattr(shared, name)

        def record(data, *args, _original=original, **kwargs):
            keys = [data] if isinstance(data, str) else list(data)
            if any("offers-search" in key or "template.cache" in key for key in keys):
                at_end = any(f.function == "write_deferred" for f in inspect.stack())
                writes.append((keys, at_end))
            return _original(data, *args, **kwargs)

        monkeypatch.setattr(shared, name, record)
    assert "Egebo" in client.get("/tilbud/?q=Egebo").content.decode()
    # All after the response: one write of the two, the body and the results (a locmem
    # set_many sets each in turn); the cards and fields are kept in the process only.
    assert writes and all(at_end for _keys, at_end in writes), writes
    written = writes[0][0]
    assert len(written) == len(writes) - 1
    assert any("offers_search_body" in k for k in written) and any(":page:" in k for k in written)
    assert not any("offers-search-card" in k or "offers-search-field" in k for k in written)
    forget_process_copies()
    drawn = []
    monkeypatch.setattr("offers.search.views._drawn_cards", lambda *a: drawn.append(a) or [])
    assert "Egebo" in client.get("/tilbud/?q=Egebo").content.decode()
    assert drawn == []


def test_a_key_the_shared_cache_lacked_is_not_read_again_in_the_request(monkeypatch):
    """In a request, a key read from the shared cache and not found is not read there again
    (the search page looks its body up before its {% cache %} does), until it is written;
    the next request reads it again."""
    shared = caches["default"]
    fragments = content_keyed()
    reads = []
    original = shared.get
    monkeypatch.setattr(
        shared, "get", lambda key, *a, **k: reads.append(key) or original(key, *a, **k)
    )
    cache_module.start_deferring()  # request_started
    try:
        assert fragments.get("fragment:x") is None
        assert fragments.get("fragment:x") is None
        assert reads == ["fragment:x"]
        fragments.set("fragment:x", "<p>x</p>")
        assert fragments.get("fragment:x") == "<p>x</p>"
    finally:
        cache_module.write_deferred()  # request_finished
    cache_module.start_deferring()
    try:
        assert fragments.get("fragment:y") is None
    finally:
        cache_module.write_deferred()
    assert reads == ["fragment:x", "fragment:y"]


def test_keys_read_ahead_are_answered_in_the_request_without_another_read(monkeypatch):
    """read_ahead() reads the keys a request will ask for in one read of the shared cache:
    what it finds is kept in the process, what it does not is not read there again in the
    request, by get() or get_many() (until it is written)."""
    shared = caches["default"]
    shared.set("fragment:found", "<p>found</p>")  # written by another process
    fragments = content_keyed()
    reads = _record_reads(shared, monkeypatch)
    cache_module.start_deferring()  # request_started
    try:
        cache_module.read_ahead(["fragment:found", "fragment:lacking", "fragment:found"])
        assert reads == [("get_many", ["fragment:found", "fragment:lacking"])]
        assert fragments.get("fragment:found") == "<p>found</p>"
        assert fragments.get("fragment:lacking") is None
        assert fragments.get_many(["fragment:found", "fragment:lacking"]) == {
            "fragment:found": "<p>found</p>"
        }
        assert len(reads) == 1
        # A key get_many() found missing is not read again either.
        assert fragments.get_many(["fragment:other"]) == {}
        assert fragments.get("fragment:other") is None
        assert reads[1:] == [("get_many", ["fragment:other"])]
        fragments.set("fragment:lacking", "<p>now</p>")
        assert fragments.get_many(["fragment:lacking"]) == {"fragment:lacking": "<p>now</p>"}
        assert len(reads) == 2
    finally:
        cache_module.write_deferred()  # request_finished
    cache_module.start_deferring()  # the next request reads it again
    try:
        assert fragments.get("fragment:other") is None
    finally:
        cache_module.write_deferred()
    assert reads[2:] == [("get", "fragment:other")]


@pytest.mark.django_db
def test_a_new_search_reads_the_shared_cache_once(client, monkeypatch):
    """A new search asks the shared cache (Redis) once: for its body and its results in one
    read (read ahead, before the statement is sent, without the form). Its cards and fields
    are kept in the process (drawn_once()), not asked for. The same search again: not at all
    (the process keeps the body)."""
    from tests.factories import CASEWORKER, demo_user, make_offer

    make_offer(name="Egebo")
    client.force_login(demo_user(CASEWORKER))
    shared = caches["default"]
    recorded = _record_reads(shared, monkeypatch)
    reads = []

    def searched():  # the search's reads (not the session's or the rate limits')
        def keys_of(keys):
            return [keys] if isinstance(keys, str) else keys

        reads[:] = [
            keys_of(keys)
            for _name, keys in recorded
            if any("offers-search" in k or "template.cache" in k for k in keys_of(keys))
        ]
        return reads

    forget_process_copies()
    # A process that has served a search before (the reference data and the options'
    # pieces of the generation are kept in it).
    assert "Egebo" in client.get("/tilbud/").content.decode()
    recorded.clear()
    built = []
    original = views.SearchFilter
    monkeypatch.setattr(views, "SearchFilter", lambda *a, **k: built.append(1) or original(*a, **k))
    assert "Egebo" in client.get("/tilbud/?q=Egebo").content.decode()
    assert len(searched()) == 1, reads
    assert len(reads[0]) == 2 and built == [1], reads
    assert any("offers_search_body" in k for k in reads[0]) and any(":page:" in k for k in reads[0])
    recorded.clear()
    built.clear()
    assert "Egebo" in client.get("/tilbud/?q=Egebo").content.decode()
    assert searched() == [] and built == []  # the body, kept in the process: not even the form


def _record_reads(shared, monkeypatch) -> list:
    """The reads of the shared cache, as (method, keys): a get_many() once, though a cache
    without one of its own (locmem) reads each key with get()."""
    reads, inside = [], []
    for name in ("get", "get_many"):
        original = getattr(shared, name)

        def record(keys, *a, _name=name, _original=original, **k):
            if not inside:
                reads.append((_name, keys if isinstance(keys, str) else sorted(keys)))
            inside.append(_name)
            try:
                return _original(keys, *a, **k)
            finally:
                inside.pop()

        monkeypatch.setattr(shared, name, record)
    return reads
