"""The search's reads (*Find tilbud*): the search page's fixed number of queries, cached under
the data's generation, and every match for the open data. Which offers match, and in which
order, is offers.filters.OfferFilter's (the filters, Danish full text, the order). A list
issues a fixed number of queries whatever the number of rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar, cast

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connection
from django.db.models import F, OrderBy, QuerySet, Value
from django.db.models.sql.where import WhereNode
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from offers import pricing
from offers.filters import OfferFilter, text_query_sql
from offers.models import (
    LegalParagraph,
    Offer,
    SearchRow,
    SearchSynonym,
    TargetGroup,
)
from offers.permissions import (
    editable_provider_ids,
    is_member,
    is_secretariat,
    offers_visible_to,
    search_rows_visible_to,
)
from offers.selectors import current_year, with_current_tariff
from partnership import dashboard
from partnership.cache import content_digest, content_keyed
from partnership.links import url_with_id
from partnership.models import Organisation, OrganisationKind
from partnership.pagination import PAGE_PARAM, page_number

if TYPE_CHECKING:
    from partnership.permissions import AnyUser

    # Offers with what the search annotates, filters and orders on (the current tariff,
    # vacant, monthly_price, rank): which of them depends on the search.
    AnnotatedOffers: TypeAlias = QuerySet[Any]


@dataclass
class SearchParams:
    """A search's cleaned values (offers.search.forms.SearchForm's, or a caller's own) under
    Python names; values() gives them to offers.filters.OfferFilter under its filters' names,
    the search URL's."""

    q: str = ""
    paragraphs: list[LegalParagraph | int] | None = None
    target_groups: list[TargetGroup | int] | None = None
    municipality: Organisation | int | None = None
    ownership: str = ""
    age: int | None = None
    vacancies: bool = False
    provider: str = ""
    branch: Organisation | int | None = None
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    sort: str = "relevance"
    year: int | None = None

    @classmethod
    def from_cleaned(cls, d: dict[str, Any]) -> SearchParams:
        """From OfferFilter.cleaned_values() (none when the form has an error)."""
        return cls(
            q=d.get("q") or "",
            paragraphs=list(d.get("paragraf") or []),
            target_groups=list(d.get("maalgruppe") or []),
            municipality=d.get("kommune"),
            ownership=d.get("ejerform") or "",
            age=d.get("alder"),
            vacancies=bool(d.get("ledige")),
            provider=d.get("leverandoer") or "",
            branch=d.get("branche"),
            price_min=d.get("pris_min"),
            price_max=d.get("pris_max"),
            sort=d.get("sorter") or "relevance",
        )

    def values(self) -> dict[str, Any]:
        """The values by OfferFilter's names (the year is the FilterSet's own argument)."""
        return {
            "q": self.q,
            "paragraf": self.paragraphs or [],
            "maalgruppe": self.target_groups or [],
            "kommune": self.municipality,
            "ejerform": self.ownership,
            "alder": self.age,
            "ledige": self.vacancies,
            "leverandoer": self.provider,
            "branche": self.branch,
            "pris_min": self.price_min,
            "pris_max": self.price_max,
            "sorter": self.sort,
        }


def search_offers(user: AnyUser, params: SearchParams) -> AnnotatedOffers:
    """Every matching offer with its current tariff and vacancy annotated (for open data and
    anything else that reads them all). The search page uses search_page() instead."""
    year = params.year or current_year()
    # Annotated first: the price and vacancy filters and orders use these annotations.
    offers = with_current_tariff(offers_visible_to(user), year)
    qs = OfferFilter(queryset=offers, year=year).filter_cleaned(params.values())
    return qs.select_related(
        "provider", "municipality", "provider__branch_organisation"
    ).prefetch_related("paragraphs", "target_groups")


# --- The search page ---------------------------------------------------------------------
# A fixed number of queries whatever the number of offers or matches (bench/run_search,
# 10,000 offers): the data's generation, the reference data for the form, the count and the
# page's ids (one query, see SearchResults; it reads the narrow search rows alone,
# offers.models.SearchRow of migration 0013, with only the annotations the filters and the
# order need), and the details of the page's 20 offers
# (tariffs, vacancy, paragraphs and target groups) by id in one more. The same search again
# at the same generation reads the generation only: the reference data and the page come
# from the cache.
# How long an entry may stay unused in the cache: a new generation makes new keys, so this
# only bounds the memory that old ones hold.
CACHE_SECONDS = 15 * 60
_T = TypeVar("_T")


@dataclass(frozen=True)
class Generation:
    """The data's generation: `token` is drawn when the database is made, `n` changes in the
    transaction of every INSERT, UPDATE, DELETE or TRUNCATE of a table the search reads
    (offers, their links, tariffs and so current prices, vacancy reports, organisations,
    reference data; triggers of migration offers/0005) and is never used twice. A result
    cached under a generation is exactly what the search reads at that generation:
    the generation is read first, so data read after it is as new or newer, and a change
    committed since makes a new key."""

    token: str
    n: str

    def key(self, *parts: object) -> str:
        return ":".join(["offers-search", self.token, str(self.n), *map(str, parts)])


def search_generation() -> Generation | None:
    """One cheap query over the generation's rows (16, so that writers need not wait for each
    other): any of them changed is a new generation. None (nothing cached) if the rows are
    missing. Prepared (its text never changes): planning it was half of it, 0.16 of 0.25
    ms on the bench."""
    with dashboard.compiled_cursor() as cursor:
        cursor.execute(GENERATION_SQL)
        row = cursor.fetchone()
    return Generation(str(row[0]), str(row[1])) if row and row[0] else None


# With the database's oid and the server's start: a copy restored from a backup (same
# token, and numbers that go on from the backup's) never meets the cache entries of the
# database it was copied from.
GENERATION_SQL = (
    "SELECT MIN(token) || '.' || (SELECT oid FROM pg_database WHERE datname = current_database())"
    " || '.' || extract(epoch FROM pg_postmaster_start_time()),"
    " md5(string_agg(n::text, '.' ORDER BY id)) FROM offers_searchgeneration"
)


def visibility_class(user: AnyUser) -> str:
    """Which offers offers_visible_to(user) lets through, as a word: everyone who sees the
    same offers shares cached results."""
    if not is_member(user):
        return "none"
    if is_secretariat(user):
        return "all"
    own = sorted(editable_provider_ids(user))
    return "published+" + ",".join(map(str, own)) if own else "published"


def page_key(
    generation: Generation, user: AnyUser, year: int, asked: list[tuple[str, list[str]]]
) -> str:
    """The key a search's page of results is kept under (SearchResults adds the window): the
    data's generation, the viewer's visibility class, the year and the query as asked (the
    URL's parameters and their values as given, `asked`, in any order of the parameters; the
    page's number aside, as the window says it). Everything the results are read from: the
    cleaned values follow from the query and the reference data of the generation. Made
    without the form, so a page whose body the cache has builds none."""
    query = sorted((name, values) for name, values in asked if name != PAGE_PARAM)
    return generation.key("page", visibility_class(user), year, content_digest(query))


def window_key(cache_key: str, number: object) -> str:
    """The key of page `number`'s results of the search kept under `cache_key`."""
    return f"{cache_key}:{(page_number(number) - 1) * PAGE_SIZE}"


@dataclass(frozen=True)
class Choice:
    """A row of reference data as the search uses it: `key` is the value in the URL."""

    pk: int
    key: str
    label: str
    active: bool = True


@dataclass(eq=False)
class SearchReference:
    """The paragraphs, target groups, municipalities and branch organisations, in their
    usual order (inactive paragraphs and target groups too: an offer may still have one).
    Equal only to itself, and hashed so: what is made from it once (the search form's
    choices, offers/search/forms.py) is kept under it."""

    paragraphs: list[Choice]
    target_groups: list[Choice]
    municipalities: list[Choice]
    branches: list[Choice]


_REFERENCE_KINDS = {
    "paragraph": "paragraphs",
    "target_group": "target_groups",
    OrganisationKind.MUNICIPALITY.value: "municipalities",
    OrganisationKind.BRANCH.value: "branches",
}


def search_reference(generation: Generation | None = None) -> SearchReference:
    """Every choice of the search form, read in one query, or from the cache under the data's
    generation (search_generation()): a change under Referencedata makes a new generation,
    so it shows at once."""
    if generation is None:
        return _read_reference()
    return generation_cached(generation.key("reference"), _read_reference)


def generation_cached(key: str, compute: Callable[[], _T]) -> _T:
    """The value under `key` (a Generation.key()): from the cache of values under keys that
    change with them (partnership.cache.content_keyed(): this process's copy first, so that
    a search neither fetches nor unpickles the reference data and the options' pieces each
    time, 0.6 ms of a search page), else compute()d and kept there. The value is shared by
    the requests of the process: it must not be changed."""
    found = content_keyed().get(key)
    if found is None:
        found = compute()
        content_keyed().set(key, found, CACHE_SECONDS)
    return cast("_T", found)


def _read_reference() -> SearchReference:

    def rows(
        qs: QuerySet[Any],
        kind: str | Value,
        key: str,
        label: str,
        active: str | Value,
        order: str | Value,
    ) -> QuerySet[Any, tuple[Any, ...]]:
        return qs.order_by().values_list(kind, "pk", key, label, active, order)

    paragraphs = rows(
        LegalParagraph.objects.all(), Value("paragraph"), "short", "code", "is_active", "order"
    )
    target_groups = rows(
        TargetGroup.objects.all(), Value("target_group"), "slug", "name", "is_active", "order"
    )
    organisations = rows(
        Organisation.objects.filter(
            kind__in=[OrganisationKind.MUNICIPALITY, OrganisationKind.BRANCH]
        ),
        "kind",
        "slug",
        "name",
        Value(True),
        Value(0),
    )
    # The models' own orderings: paragraphs by (order, code), target groups by (order, name),
    # organisations by name; one ORDER BY over the union (columns named by the first part).
    union = paragraphs.union(target_groups, organisations, all=True).order_by(
        "value1", "order", "code"
    )
    found: dict[str, list[Choice]] = {name: [] for name in _REFERENCE_KINDS.values()}
    for kind, pk, key, label, active, _order in union:
        found[_REFERENCE_KINDS[kind]].append(Choice(pk, key, label, active))
    return SearchReference(**found)


@dataclass
class OfferResult:
    """One offer on the search page, with what its card shows."""

    pk: int
    name: str
    url: str
    provider_name: str
    municipality_name: str
    paragraphs: list[str]
    target_groups: list[str]
    age_min: int
    age_max: int
    places: int
    tariff_price: Decimal | None
    tariff_unit: str | None
    tariff_vat: bool | None
    monthly_price: Decimal | None
    comparable_price: Decimal | None
    change_percent: Decimal | None
    pl_flag: bool
    vacant: int | None
    vacancy_date: object | None
    # Where a text search found it ("navn", "metoder", "§ 108", "synonym for 'lav arousal'"):
    # match_reasons(), read with the page.
    found_in: list[str] = field(default_factory=list)


PAGE_SIZE = 20


def _sort_columns(order: list[str | OrderBy]) -> tuple[list[str], str]:
    """The columns SearchResults._read_window() reads of each match (the id first, then
    each field of the order once) and its ORDER BY over them (c0, c1, ... of the CTE m), in
    the order's directions and NULLS placement: offers.filters.ordering()'s fields ("name",
    "-rank") and F() expressions (F("vacant").desc(nulls_last=True))."""
    columns, sort = ["pk"], []
    for item in order:
        if isinstance(item, str):
            descending, name, nulls = item.startswith("-"), item.lstrip("-"), ""
        else:
            if not isinstance(item.expression, F):
                raise TypeError(f"The search orders by fields, not {item.expression!r}.")
            descending, name = item.descending, item.expression.name
            nulls = " NULLS LAST" if item.nulls_last else " NULLS FIRST" if item.nulls_first else ""
        if name not in columns:
            columns.append(name)
        sort.append(f"m.c{columns.index(name)}{' DESC' if descending else ''}{nulls}")
    return columns, ", ".join(sort)


def _matches_sql(
    matching: AnnotatedOffers, order: list[str | OrderBy]
) -> tuple[str, list[Any], list[str], str]:
    """The SQL of the matches as SearchResults._read_window() reads them (the id and each
    column of the order: _sort_columns()), its parameters, the columns and the ORDER BY."""
    columns_of, sort = _sort_columns(order)
    sql, params = matching.order_by().values_list(*columns_of).query.sql_with_params()
    return sql, list(params), columns_of, sort


# --- The matches' SQL compiled once per part ---------------------------------------------
# Building the filters' queryset and compiling it was 1.3 ms of a new search (a fifth of its
# SQL's time), and 2-6 ms in the slowest twentieth of the bench's new searches, where the
# process had not seen their mix of filters. The SQL is the same for every search but for
# which filters it uses (and how many paragraphs and target groups, the order, the year and
# who sees what): their values are parameters, and each filter adds its own conditions to
# the WHERE, in the order OfferFilter.filter_cleaned() applies them. So each part is
# compiled once per process, by the ORM, with a stand-in for each value (a value no search
# has): the SELECT of each order (with the text's rank when there is text), the conditions
# every search has (published, who sees what), and the conditions of each filter (by how
# many ids it has); a search joins its parts as the ORM's WHERE does, and each search's
# values are put in the stand-ins' places (partnership.dashboard.bind, as for the SQL
# compiled per person). Kept per visibility class rather than per person: everyone who sees
# the same offers runs the same SQL. tests/offers/test_search_compiled.py holds the SQL and
# parameters to the ORM's for every filter, alone and together, every order and three roles.
_SI = -987_650_000  # The stand-ins' base: ids and ages no row has.
_SI_AGE = 32_123  # An age no one has, in the columns' range (Django refuses others).
_SI_TEXT = "\x00{}\x00"  # A text no one can type (NUL is refused by the form).
# The filters _stand_ins() handles: each with a stand-in, a part without values (ledige),
# the order (sorter), or compiled as it is (leverandoer, see search_page()).
_STOOD_IN = {
    "paragraf",
    "maalgruppe",
    "kommune",
    "branche",
    "alder",
    "pris_min",
    "pris_max",
    "ejerform",
    "q",
    "ledige",
    "sorter",
    "leverandoer",
}
# The provider's ownership, name and branch make one condition (offers.filters
# provider_filter(), applied by filter_cleaned() with the last of them).
_PROVIDER_FILTERS = ("ejerform", "leverandoer", "branche")


def _part_of(name: str) -> str:
    return "provider" if name in _PROVIDER_FILTERS else name


# The WHERE's parts in the order filter_cleaned() applies them: its filters' order.
_PART_ORDER = tuple(dict.fromkeys(_part_of(n) for n in OfferFilter.base_filters if n != "sorter"))
# SQL and parameters of a condition of the WHERE.
_Part: TypeAlias = tuple[str, list[Any]]
_compiled_parts: dict[tuple[Any, ...], Any] = {}
_COMPILED_LIMIT = 1024


def forget_compiled_searches() -> None:
    """Drop the parts compiled in this process (the tests start each without, so that a
    test that watches the filters being applied sees them applied)."""
    _compiled_parts.clear()


def _stand_ins(
    params: SearchParams,
) -> tuple[list[tuple[str, dict[str, Any]]], list[tuple[Any, Any]]]:
    """The search's parts of the WHERE in their order, each with its filters' values as
    stand-ins ([("alder", {"alder": 32123}), ("provider", {"ejerform": ..., "branche":
    ...}), ...]), and [(stand-in, value)]."""
    values = params.values()
    # A new filter must be given a stand-in (or be a part of its own) here: else its value
    # would be compiled into SQL kept for other values.
    assert set(values) == _STOOD_IN, sorted(set(values) ^ _STOOD_IN)
    parts: dict[str, dict[str, Any]] = {}
    pairs: list[tuple[Any, Any]] = []

    def stand(name: str, stand_in: Any, value: Any) -> None:
        parts.setdefault(_part_of(name), {})[name] = stand_in
        pairs.append((stand_in, value))

    def pk(v: Any) -> Any:
        return getattr(v, "pk", v)

    for i, name in enumerate(("paragraf", "maalgruppe")):
        chosen = [pk(v) for v in values[name] or []]
        if chosen:
            # (Each id is a parameter of its own: ARRAY[%s, ...] of the array's type.)
            stand_ins = [_SI - 1000 * i - n for n in range(len(chosen))]
            parts[name] = {name: stand_ins}
            pairs.extend(zip(stand_ins, chosen, strict=True))
    for i, name in enumerate(("kommune", "branche")):
        if values[name] not in (None, ""):
            stand(name, _SI - 10_000 - i, pk(values[name]))
    if values["alder"] is not None:
        stand("alder", _SI_AGE, values["alder"])
    for i, name in enumerate(("pris_min", "pris_max")):
        if values[name] is not None:
            stand(name, Decimal(_SI - 20_000 - i).scaleb(-2), values[name])
    if values["ejerform"] not in (None, ""):
        stand("ejerform", _SI_TEXT.format("ejerform"), values["ejerform"])
    if (values["q"] or "").strip():  # (the filter strips it, and a blank one filters nothing)
        stand("q", _SI_TEXT.format("q"), values["q"].strip())
    if values["ledige"]:
        parts["ledige"] = {"ledige": True}
    return [(name, parts[name]) for name in _PART_ORDER if name in parts], pairs


def _compiled(key: tuple[Any, ...], compile_: Callable[[], Any]) -> Any:
    """The part under `key`, compiled once per process (None: it cannot be kept)."""
    if key not in _compiled_parts:
        if len(_compiled_parts) >= _COMPILED_LIMIT:
            _compiled_parts.clear()
        try:
            _compiled_parts[key] = compile_()
        except (EmptyResultSet, FullResultSet):  # (compiled as it is, and so answered)
            _compiled_parts[key] = None
    return _compiled_parts[key]


def _where_parts(matching: AnnotatedOffers) -> list[_Part]:
    """Each condition of the queryset's WHERE, compiled as the ORM compiles it there."""
    compiler = matching.query.get_compiler(connection=connection)
    return [
        (sql, list(params))
        for sql, params in (compiler.compile(child) for child in matching.query.where.children)
    ]


def _head(
    built: tuple[AnnotatedOffers, list[str | OrderBy]],
) -> tuple[str, list[Any], list[str], str]:
    """_matches_sql() without its WHERE: the SELECT of the order's columns FROM the rows."""
    matching, order = built
    columns_of, sort = _sort_columns(order)
    query = matching.order_by().values_list(*columns_of).query
    query.where = WhereNode()
    sql, params = query.sql_with_params()
    return sql, list(params), columns_of, sort


def _compiled_matches(
    key: tuple[Any, ...],
    parts: list[tuple[str, dict[str, Any]]],
    sort: str,
    pairs: list[tuple[Any, Any]],
    build: Callable[[dict[str, Any]], tuple[AnnotatedOffers, list[str | OrderBy]]],
) -> tuple[str, list[Any], list[str], str] | None:
    """_matches_sql() of the search whose parts (_stand_ins()) have these stand-ins, joined
    from the parts compiled under `key` (who sees what, the year); None when a part cannot
    be kept (a stand-in that does not come out as a parameter of its own: the search is
    then compiled as it is, each time)."""
    text = dict(parts).get("q", {})
    head = _compiled(
        ("head", *key, sort, bool(text)), lambda: _head(build({**text, "sorter": sort}))
    )
    base = _compiled(("base", *key), lambda: _where_parts(build({})[0]))
    if head is None or base is None or "\x00" in head[0]:  # (a text stand-in written in)
        return None
    where = list(base)
    for name, standing in parts:

        def compile_part(standing: dict[str, Any] = standing) -> list[_Part] | None:
            own = _where_parts(build(standing)[0])[len(base) :]
            stand_ins = [s for v in standing.values() for s in (v if isinstance(v, list) else [v])]
            found = [
                any(dashboard.is_stand_in(p, s) for _sql, ps in own for p in ps)
                for s in stand_ins
                if s is not True
            ]
            return own if own and all(found) else None

        shape = tuple((f, len(v) if isinstance(v, list) else True) for f, v in standing.items())
        part = _compiled(("part", *key, name, shape), compile_part)
        if part is None:
            return None
        where.extend(part)
    sql, params, columns, order_by = head
    conditions = " AND ".join(s for s, _p in where)
    # (As the ORM's WhereNode: in parentheses when there are several.)
    sql += " WHERE " + (f"({conditions})" if len(where) > 1 else conditions)
    params = [*params, *(p for _s, ps in where for p in ps)]
    return sql, dashboard.bind(params, dict(pairs)), columns, order_by


class SearchResults:
    """The search page's results as a sequence for paginate() (count() and a slice).

    The page the request asks for is read whole at the first count(): the number of matches,
    the page's ids and their details, in a fixed number of queries whatever the number of
    matches (none included): the window's ids, the number of matches and the details of
    the ids (tariffs, vacancy, paragraphs and target groups) in one statement
    (_read_window()); only a page past the end reads its ids again.

    With a cache key (search_page() with a page_key()) the three come from the cache when
    the same search at the same generation was read before: no query at all."""

    def __init__(
        self,
        query: Callable[[], tuple[AnnotatedOffers, list[str | OrderBy]]],
        year: int,
        reference: SearchReference,
        number: object,
        *,
        cache_key: str | None = None,
        q: str = "",
        matches: Callable[[], tuple[str, list[Any], list[str], str]] | None = None,
    ) -> None:
        # query() builds (matching, order) when a read needs them: building
        # the queryset is most of the work a page read from the cache would do otherwise.
        self._query, self._year, self._reference = query, year, reference
        # The matches' SQL, its parameters, the columns read and the ORDER BY over them
        # (_compiled_matches()), or None: compiled from query() here.
        self._matches = matches
        self._q = q.strip()
        # The page paginate() will most likely settle on (past the end: the last page, read
        # again by __getitem__).
        self._window = (page_number(number) - 1) * PAGE_SIZE
        self._cache_key = window_key(cache_key, number) if cache_key else None
        self._loaded: tuple[int, list[int], list[OfferResult]] | None = None
        # The window's statement sent ahead by send(), read by the first count().
        self._sent: Any = None

    @cached_property
    def _built(self) -> tuple[AnnotatedOffers, list[str | OrderBy]]:
        return self._query()

    def _page_ids(self, start: int, stop: int) -> list[Any]:
        matching, order = self._built
        return list(matching.order_by(*order).values_list("pk", flat=True)[start:stop])

    def _window_statement(self, start: int, stop: int) -> tuple[str, list[Any]]:
        """_read_window()'s statement and its parameters."""
        # The matches read once (the CTE m: their ids and the columns of the order), then
        # counted and the window sorted from them (a top-N sort). Measured over 300 distinct
        # searches on the bench data, the statement's p50/p95: 3.5/7.0 ms, against 4.3/7.8
        # with the window read by the order's index and a count of its own (which walked the
        # name index through thousands of rows when the filters' offers were few and late in
        # the alphabet: 3.2 against 0.6 ms for a paragraph and a target group), and 5.9/11.4
        # with one window query numbering every match (COUNT(*) OVER () and ROW_NUMBER()).
        matches_sql, matches_params, columns_of, sort = (
            self._matches() if self._matches else _matches_sql(*self._built)
        )
        names = ", ".join(f"c{i}" for i in range(len(columns_of)))
        ctes = [
            f"m({names}) AS MATERIALIZED ({matches_sql})",
            f"page AS MATERIALIZED (SELECT ARRAY(SELECT m.c0 FROM m ORDER BY {sort}"
            f" LIMIT {int(stop - start)} OFFSET {int(start)}) AS ids,"
            " (SELECT count(*) FROM m) AS total)",
        ]
        params = list(matches_params)
        details_sql, details_params = _card_details_sql("page.ids", self._year)
        columns, joins = "page.total, page.ids, d.*", f"LEFT JOIN LATERAL ({details_sql}) d ON true"
        if self._q:
            ctes.append(_REASONS_WORDS_SQL)
            params.append(self._q)
            columns += ", r.*"
            joins += f" LEFT JOIN LATERAL ({_reasons_sql('= d.id')}) r ON true"
        return f"WITH {', '.join(ctes)} SELECT {columns} FROM page {joins}", params + details_params

    def _read_window(
        self, start: int, stop: int
    ) -> tuple[int, list[int], list[Any], dict[int, list[str]] | None]:
        """The number of matches, the window's ids, their card_details() and, for a text
        search, their match_reasons(), in one statement: the ids and the count of the narrow
        rows, then the cards' details and the reasons of those ids (each a statement less
        than reading them after the ids, which a busy database answers late). The statement
        sent ahead (send()) is read here; else it is sent now."""
        cursor, self._sent = self._sent, None
        if cursor is None:
            cursor = connection.cursor()
            cursor.execute(*self._window_statement(start, stop))
        with cursor:
            rows = cursor.fetchall()
        total, ids = rows[0][0], rows[0][1] or []
        n = len(_DETAIL_FIELDS)
        details = [dict(zip(_DETAIL_FIELDS, row[2 : 2 + n], strict=True)) for row in rows if row[2]]
        reasons = None
        if self._q:
            found = [row[2 + n :] for row in rows if row[2 + n] is not None]
            reasons = _reasons(found, self._reference)
        return total, ids, details, reasons

    def send(self) -> None:
        """Send the window's statement now, unless the cache has the page: the database
        works on it while the page is drawn up to its results (in psycopg's pipeline
        mode, partnership.ahead.sent_ahead()), and the first count() reads it."""
        if self._loaded is None and self._cache_key:
            self._loaded = content_keyed().get(self._cache_key)
        if self._loaded is None and self._sent is None:
            cursor = connection.cursor()
            cursor.execute(*self._window_statement(self._window, self._window + PAGE_SIZE))
            self._sent = cursor

    def _load(self) -> tuple[int, list[int], list[OfferResult]]:
        """(number of matches, the window's ids, their results), from the cache or read. The
        results are made with the reference data of the same generation."""
        if self._loaded is None and self._cache_key:
            self._loaded = content_keyed().get(self._cache_key)
        if self._loaded is None:
            start, stop = self._window, self._window + PAGE_SIZE
            total, ids, details, reasons = self._read_window(start, stop)
            self._loaded = (total, ids, self._results(ids, details, reasons))
            if self._cache_key:
                content_keyed().set(self._cache_key, self._loaded, CACHE_SECONDS)
        return self._loaded

    def count(self) -> int:
        return self._load()[0]

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[OfferResult]:
        _total, _ids, results = self._load()
        if window.start == self._window:
            return results[: window.stop - window.start]
        # paginate() settled on another page (past the end: the last one).
        wanted = self._page_ids(window.start, window.stop)
        return self._results(wanted, card_details(wanted, self._year))

    def _results(
        self,
        ids: list[int],
        rows: list[dict[str, Any]],
        reasons: dict[int, list[str]] | None = None,
    ) -> list[OfferResult]:
        """The results of these ids from their card_details() rows; for a text search with
        their match_reasons() (read here unless given)."""
        results = offer_results(ids, rows, self._reference)
        if self._q and results:
            if reasons is None:
                reasons = match_reasons([r.pk for r in results], self._q, self._reference)
            for result in results:
                result.found_in = reasons.get(result.pk, [])
        return results


def offer_results(
    ids: list[int], rows: list[dict[str, Any]], reference: SearchReference
) -> list[OfferResult]:
    """The results (what the cards show) of these ids, in their order, from their
    card_details() rows, with the names of their paragraphs and target groups from the
    reference data."""
    by_pk = {r["pk"]: r for r in rows}  # (an offer deleted since its id was read: gone)
    rows = [by_pk[pk] for pk in ids if pk in by_pk]
    ref = reference
    paragraph_order = {c.pk: i for i, c in enumerate(ref.paragraphs)}
    paragraph_short = {c.pk: c.key for c in ref.paragraphs}
    group_order = {c.pk: i for i, c in enumerate(ref.target_groups)}
    group_name = {c.pk: c.label for c in ref.target_groups}
    return [
        _offer_result(
            r,
            # (A paragraph or target group made since the reference data was read, in
            # the moment between the two: left out rather than an error.)
            paragraphs=[
                paragraph_short[p]
                for p in sorted(
                    (p for p in r["paragraph_ids"] if p in paragraph_order),
                    key=paragraph_order.__getitem__,
                )
            ],
            target_groups=[
                group_name[g]
                for g in sorted(
                    (g for g in r["target_group_ids"] if g in group_order),
                    key=group_order.__getitem__,
                )
            ],
        )
        for r in rows
    ]


# published_results() reads this many offers' details at a time.
CHUNK = 500


def published_results(year: int, reference: SearchReference) -> Iterator[list[OfferResult]]:
    """The results of every published offer (the offers everyone who searches may find),
    CHUNK at a time in the order of their ids: what their cards show, read with
    card_details() as the search reads a page's."""
    ids = list(
        OfferFilter.published(SearchRow.objects.all()).order_by("pk").values_list("pk", flat=True)
    )
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        yield offer_results(chunk, card_details(chunk, year), reference)


def match_reasons(ids: list[int], q: str, reference: SearchReference) -> dict[int, list[str]]:
    """Why each of these offers matched the text `q`, in one query: the parts of the
    offer holding a word of the query or of a synonym it was widened by (name, methods,
    description, each paragraph, each target group; case, accents and stemming as the
    search's, offers.filters.text_query_sql()), and the synonyms that found the offer where
    the typed term alone would not have ("synonym for 'lav arousal'"). The name, methods and
    description are read from the stored document by their weights (A, C and D, migration
    0010's offers_offer_document), not parsed again: parsing 20 descriptions was most of a
    new text search's SQL (38 ms p50 of the page's ~60 on the bench data, loaded machine)."""
    sql = f"WITH {_REASONS_WORDS_SQL} {_reasons_sql('= ANY(%s)')}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [q, list(ids)])
        return _reasons(cursor.fetchall(), reference)


_REASONS_TABLES = {
    "offer": Offer._meta.db_table,
    "paragraph": LegalParagraph._meta.db_table,
    "group": TargetGroup._meta.db_table,
    "synonym": SearchSynonym._meta.db_table,
    "paragraphs": Offer.paragraphs.through._meta.db_table,
    "groups": Offer.target_groups.through._meta.db_table,
}
# match_reasons()' CTE `x` (its one parameter: the text): the query's words, the paragraphs
# and target groups holding one and each synonym's other terms, worked out once (a
# materialised CTE): per offer and link they were parsed again for every offer, most of the
# statement's time (17-21 ms of ~20 for 20 offers on the bench data, against 1-2 ms now).
_REASONS_WORDS_SQL = (
    "x AS MATERIALIZED (SELECT w.words, w.synonym_ids, w.terms,"
    " ARRAY(SELECT p.id FROM {paragraph} p WHERE offers_search_vector("
    "offers_search_paragraph_text(p.code, p.short, p.title)) @@ w.words) AS paragraph_ids,"
    " ARRAY(SELECT g.id FROM {group} g WHERE offers_search_vector(g.name) @@ w.words)"
    " AS group_ids,"
    " ARRAY(SELECT u.term FROM unnest(w.synonym_ids, w.terms) WITH ORDINALITY AS u(id, term, n)"
    " JOIN {synonym} s ON s.id = u.id ORDER BY u.n) AS synonym_terms,"
    " ARRAY(SELECT offers_search_others(s.terms, u.term)"
    " FROM unnest(w.synonym_ids, w.terms) WITH ORDINALITY AS u(id, term, n)"
    " JOIN {synonym} s ON s.id = u.id ORDER BY u.n) AS synonym_others"
    " FROM (SELECT offers_search_any_word(e.expanded) AS words, e.synonym_ids, e.terms"
    " FROM {expand} e) w)"
).format(**_REASONS_TABLES, expand=text_query_sql("%s"))
# The number of columns _reasons_sql() selects.
_REASONS_COLUMNS = 7


def _reasons_sql(offer: str) -> str:
    """match_reasons()' SELECT, with `x` (_REASONS_WORDS_SQL), of the offers whose id is
    `offer` (the end of a condition on o.id: "= ANY(%s)", or a column of a lateral join)."""
    return (
        "SELECT o.id, ts_filter(o.search_document, '{{a}}') @@ x.words,"
        " ts_filter(o.search_document, '{{c}}') @@ x.words,"
        " ts_filter(o.search_document, '{{d}}') @@ x.words,"
        " ARRAY(SELECT l.legalparagraph_id FROM {paragraphs} l"
        " WHERE l.offer_id = o.id AND l.legalparagraph_id = ANY(x.paragraph_ids)),"
        " ARRAY(SELECT l.targetgroup_id FROM {groups} l"
        " WHERE l.offer_id = o.id AND l.targetgroup_id = ANY(x.group_ids)),"
        " ARRAY(SELECT DISTINCT u.term FROM unnest(x.synonym_terms, x.synonym_others)"
        " AS u(term, others) WHERE o.search_document @@ u.others ORDER BY u.term)"
        " FROM {offer} o, x"
    ).format(**_REASONS_TABLES) + f" WHERE o.id {offer}"


def _reasons(rows: list[Any], reference: SearchReference) -> dict[int, list[str]]:
    """match_reasons()' answer from its rows (_reasons_sql()'s columns)."""
    paragraphs = [(c.pk, c.key) for c in reference.paragraphs]
    groups = [(c.pk, c.label) for c in reference.target_groups]
    own = [_("navn"), _("metoder"), _("beskrivelse")]
    found: dict[int, list[str]] = {}
    for pk, *hits, paragraph_ids, group_ids, synonyms in rows:
        found[pk] = [
            *(label for label, hit in zip(own, hits, strict=True) if hit),
            *(short for p, short in paragraphs if p in paragraph_ids),
            *(_("målgruppen %(name)s") % {"name": name} for g, name in groups if g in group_ids),
            *(_("synonym for '%(term)s'") % {"term": term} for term in synonyms),
        ]
    return found


_DETAIL_FIELDS = [
    "pk",
    "name",
    "age_min",
    "age_max",
    "places",
    "provider__name",
    "municipality__name",
    "tariff_price",
    "tariff_unit",
    "tariff_vat",
    "previous_price",
    "previous_unit",
    "vacant",
    "vacancy_date",
    "pl_rate",
    "paragraph_ids",
    "target_group_ids",
]


def card_details(ids: list[int], year: int) -> list[dict[str, Any]]:
    """What the cards show of these offers: what offers.selectors.with_current_tariff() and
    the offers' links read (tests/offers/test_search_queries.py holds it to them), in one
    statement, the database function offers_card_details (migrations 0017 and 0018, planned
    once per connection). The search page reads them with its ids
    (SearchResults._window_statement)."""
    sql, params = _card_details_sql("%s", year)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, list(ids)])
        return [dict(zip(_DETAIL_FIELDS, row, strict=True)) for row in cursor.fetchall()]


def _card_details_sql(ids: str, year: int) -> tuple[str, list[Any]]:
    """card_details()' statement for the offers whose ids the SQL expression `ids` (an
    array; its own parameters, if any, follow the ones returned) gives: the function's
    columns in the order of _DETAIL_FIELDS. (Its details written out in the statement were
    most of planning a new search's statement, on every search: 0.73 against 0.18 ms.)"""
    return f"SELECT * FROM offers_card_details(({ids})::bigint[], {int(year)})", []


def _offer_result(
    r: dict[str, Any], *, paragraphs: list[str], target_groups: list[str]
) -> OfferResult:
    price, unit = r["tariff_price"], r["tariff_unit"]
    change = pricing.change_percent(price, unit, r["previous_price"], r["previous_unit"])
    rate = r["pl_rate"]
    return OfferResult(
        pk=r["pk"],
        name=r["name"],
        url=url_with_id("offers:offer_detail", r["pk"]),
        provider_name=r["provider__name"],
        municipality_name=r["municipality__name"],
        paragraphs=paragraphs,
        target_groups=target_groups,
        age_min=r["age_min"],
        age_max=r["age_max"],
        places=r["places"],
        # The numbers of offers.pricing, as decorate() (SQL's for sorting are the same).
        tariff_price=Decimal(price).quantize(Decimal("0.01")) if price is not None else None,
        tariff_unit=unit,
        tariff_vat=r["tariff_vat"],
        monthly_price=pricing.monthly_price(price, unit) if price is not None else None,
        comparable_price=(
            pricing.comparable_price(price, unit, r["tariff_vat"]) if price is not None else None
        ),
        change_percent=change,
        pl_flag=pricing.above_pl(change, rate),
        vacant=r["vacant"],
        vacancy_date=r["vacancy_date"],
    )


def search_page(
    user: AnyUser,
    params: SearchParams,
    reference: SearchReference,
    number: object = None,
    cache_key: str | None = None,
    filterset: OfferFilter | None = None,
) -> SearchResults:
    """The search for the page: for paginate(..., PAGE_SIZE, number). With a `cache_key`
    (page_key(), under the data's generation read before anything else the page shows) the
    page's results are kept in the cache under it.
    `filterset`: the OfferFilter that validated the parameters, applied again rather than
    built a second time (if it is of the same year)."""
    year = params.year or current_year()

    def build(values: dict[str, Any]) -> tuple[AnnotatedOffers, list[str | OrderBy]]:
        # The narrow search rows alone (offers.models.SearchRow), with only the annotations
        # the filters and the order need (OfferFilter adds them): the rest is read for the
        # page's ids.
        offer_filter = filterset
        if offer_filter is None or offer_filter.year != year:
            offer_filter = OfferFilter(year=year)
        ordered = offer_filter.filter_cleaned(
            values, OfferFilter.published(search_rows_visible_to(user))
        )
        order = cast("list[str | OrderBy]", list(ordered.query.order_by))
        return ordered.order_by(), order

    def query() -> tuple[AnnotatedOffers, list[str | OrderBy]]:
        return build(params.values())

    def matches() -> tuple[str, list[Any], list[str], str]:
        provider = params.provider
        if not (isinstance(provider, str) and provider.strip()):  # (matched with LIKE: as it is)
            parts, pairs = _stand_ins(params)
            key = (visibility_class(user), year)
            compiled = _compiled_matches(key, parts, params.sort or "relevance", pairs, build)
            if compiled is not None:
                return compiled
        return _matches_sql(*query())

    return SearchResults(
        query, year, reference, number, cache_key=cache_key, q=params.q, matches=matches
    )
