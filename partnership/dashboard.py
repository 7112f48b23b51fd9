"""The panels of "Mit overblik": what each app shows a person there (the offers they follow,
their saved searches, ...).

Apps register their panels in AppConfig.ready(), as they do their sections
(partnership.navigation), so partnership imports none of them. A panel is a heading, a
template and a context function: `visible(user)` says who sees it (deny by default: a
panel without a permission function shows nobody), `context(user)` reads what it shows. The
dashboard includes each panel's template with that dict as `panel`, inside a section with
the heading (templates/partnership/dashboard.html). A context function issues a fixed
number of queries whatever the number of rows it lists (first_rows_prepared: a list's
first rows and how many there are, in one query).

A panel's query is built anew for each person and request, and the ORM's building and
compiling of it costs several times the running (issue 17). prepared_rows runs a query whose
SQL is compiled once per process for each person as the permission functions see them
(person_key: who, and their active memberships): the SQL holds no data, only what it was
built from, so every change of data shows at once; a change of memberships is another key.
compiled() is that memo for any SQL built for a person (the contract list's page and a
meeting's page use it too).
tests/partnership/test_dashboard_panels.py renders every registered panel for every role;
tests/partnership/test_dashboard_prepared.py holds the prepared form to the ORM's."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Choices, Count, QuerySet, Window
from django.db.models.sql import Query
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils import timezone

from . import ahead
from .models import Job, Notice
from .permissions import memberships_of

# A form in a panel posts BACK_PARAM=BACK_TO_DASHBOARD to come back to "Mit overblik" after
# the change (a fixed choice, never a URL: nothing to redirect elsewhere with).
BACK_PARAM, BACK_TO_DASHBOARD = "tilbage", "overblik"


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    template: str
    context: Callable[[Any], Mapping[str, Any]]
    visible: Callable[[Any], bool]
    order: int = 100


@dataclass(frozen=True)
class ShownPanel:
    """A panel as one person sees it: its heading, template and what it shows."""

    key: str
    title: str
    template: str
    context: Mapping[str, Any]


_panels: dict[str, Panel] = {}


def register(panel: Panel) -> None:
    _panels[panel.key] = panel


def registered() -> list[Panel]:
    return sorted(_panels.values(), key=lambda p: (p.order, p.key))


def panels_for(user: Any) -> list[ShownPanel]:
    """The panels this person may see, in order, each with what it shows them."""
    return [
        ShownPanel(key=p.key, title=str(p.title), template=p.template, context=p.context(user))
        for p in registered()
        if p.visible(user)
    ]


# Stands for the moment of the request in a prepared query (replaced by the real one on each
# run): a moment no row holds.
NOW = datetime(1, 1, 1, 0, 0, 0, 17, tzinfo=UTC)
_PREPARED_LIMIT = 4096
_prepared: dict[tuple[Any, ...], Any] = {}
T = TypeVar("T")


def person_key(user: Any) -> tuple[Any, ...]:
    """Everything the permission functions read of a person: who, and their active
    memberships (each organisation, its kind and the role)."""
    return (
        user.pk,
        tuple(
            sorted((m.organisation_id, m.organisation.kind, m.role) for m in memberships_of(user))
        ),
    )


def compiled(key: str, user: Any, compile_it: Callable[[], T]) -> T:
    """What compile_it() returns, kept once per process for each `key` and person
    (person_key): the SQL of a query built for the person, so it is compiled once. Whatever
    compile_it reads of the person must be in person_key; the data it reads must stay
    parameters (the SQL holds none, so a change of data shows at once)."""
    memo = (key, person_key(user))
    try:
        return _prepared[memo]
    except KeyError:
        pass
    if len(_prepared) >= _PREPARED_LIMIT:
        _prepared.clear()
    _prepared[memo] = entry = compile_it()
    return entry


def is_stand_in(param: Any, stand_in: Any) -> bool:
    """Whether a parameter of compiled SQL is this stand-in: a number as the backend passes
    it (int, or psycopg's Int2/Int4/Int8 of its column), else of the stand-in's own type (a
    moment, a Decimal, a text). Never a bool: True == 1."""
    if type(stand_in) is int:
        return isinstance(param, int) and not isinstance(param, bool) and param == stand_in
    return type(param) is type(stand_in) and param == stand_in


def bind(params: Iterable[Any], values: Mapping[Any, Any]) -> list[Any]:
    """The parameters of SQL kept by compiled() (or the search's, offers.search.selectors
    _compiled_matches) with each stand-in (NOW, a meeting's or an offer's id no row has, a
    search's values, ...) replaced by the value it stands for (is_stand_in()), a number in
    the type the backend gave the stand-in (Int4(17) where the ORM would pass Int4(17))."""
    bound = []
    for p in params:
        for stand_in, value in values.items():
            if is_stand_in(p, stand_in):
                p = type(p)(value) if type(stand_in) is int and type(p) is not int else value
                break
        bound.append(p)
    return bound


_PLACEHOLDER = re.compile(r"%%|%s")


def compiled_sql(queryset: QuerySet[Any]) -> tuple[str, list[Any]]:
    """The SQL and parameters of a queryset for compiled() to keep: its code's constants
    written in (inline_constants). Everything compiled() keeps is made here
    (tests/partnership/test_dashboard_prepared.py)."""
    return inline_constants(*queryset.query.sql_with_params())


def inline_constants(sql: str, params: Iterable[Any]) -> tuple[str, list[Any]]:
    """SQL kept by compiled() with the code's own constants written into it: the members of
    the models' choices (a contract's state, a role, a minutes' status), which say what the
    query is, never whose data it reads. PostgreSQL then knows them when it makes the
    statement's generic plan (a state's share of the rows), so it can keep one plan for all
    runs rather than plan each run anew. Every other value stays a parameter."""
    values = iter(params)
    kept: list[Any] = []

    def place(match: re.Match[str]) -> str:
        if match.group() == "%%":
            return "%%"
        value = next(values)
        if isinstance(value, Choices) and type(value.value) in (str, int):
            literal = value.value
            return (
                str(literal) if isinstance(literal, int) else "'" + literal.replace("'", "''") + "'"
            )
        kept.append(value)
        return "%s"

    return _PLACEHOLDER.sub(place, sql), kept


class _CompiledCursor:
    """compiled_cursor()'s cursor: the one of a read sent ahead with the same SQL and
    parameters (partnership.ahead.Prepared), if the running block sent it, else a preparing
    cursor that runs it now."""

    def __init__(self) -> None:
        self._cursor: Any = None

    def execute(self, sql: str, params: Any = None) -> Any:
        self._cursor = ahead.taken(sql, params)
        if self._cursor is None:
            self._cursor = connection.preparing_cursor()  # partnership/db_backend/base.py
            self._cursor.execute(sql, params)
        return self

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._cursor)

    def close(self) -> None:
        if self._cursor is not None:
            self._cursor.close()

    def __enter__(self) -> _CompiledCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def compiled_cursor() -> Any:
    """A cursor for running SQL that compiled() keeps: a Django cursor (its execute wrappers
    and query log, as connection.cursor()'s) that prepares its statements. The text of such SQL
    is the same on every run of a person's page, the data its parameters, so PostgreSQL
    plans it a few times and then runs its cached generic plan where that is as good: half
    of the database's time on these pages was planning (measured interleaved in one process
    on the bench data: Mit overblik 29.7 -> 28.5 ms, the meeting page 25.7 -> 24.0, the
    contract list 14.4 -> 13.4 ms p50). Every other query stays as Django's backend runs it
    (client-side binding, nothing prepared); no pooler loses the prepared statements
    (docker-compose.yml connects to PostgreSQL itself). A read sent ahead with the same SQL
    and parameters (partnership.ahead.Prepared) is read from the one sent."""
    return _CompiledCursor()


def prepared_rows(
    key: str,
    build: Callable[[Any, datetime], QuerySet[Any]],
    user: Any,
    now: datetime | None = None,
) -> list[Any]:
    """The rows of `build(user, now)`, read as model objects: a query of one table, or a
    values() query of the model's fields and named annotations (the primary key among
    them; values() names its columns, so no two are alike). Its SQL is compiled
    once per process for each `key` and person (person_key), the moment of the request a
    parameter; build must read nothing of the person but what person_key holds."""

    def compile_it() -> tuple[Any, str, tuple[Any, ...]] | None:
        queryset = build(user, NOW)
        try:
            sql, params = compiled_sql(queryset)
        except EmptyResultSet:  # a person who sees none (QuerySet.none())
            return None
        return (queryset.model, sql, tuple(params))

    entry = compiled(key, user, compile_it)
    if entry is None:
        return []
    model, sql, params = entry
    together = _together.get()
    if together is not None:
        # (The moment of reads made together is the block's: the request's.)
        now = together.now if now is not None else None
        together.asked.append((key, now is not None))
    with compiled_cursor() as cursor:  # (the read sent ahead, if it was: read_together)
        cursor.execute(sql, _at(params, now))
        rows = cursor.fetchall()  # (first: in pipeline mode the columns come with the rows)
        columns = tuple(c.name for c in cursor.description or ())
    return _instances(model, columns, rows) if rows else []


def _at(params: tuple[Any, ...], now: datetime | None) -> tuple[Any, ...]:
    """Prepared SQL's parameters with the moment (NOW) put in, if given."""
    return params if now is None else tuple(now if p == NOW else p for p in params)


@dataclass
class _Together:
    now: datetime
    asked: list[tuple[str, bool]] = field(default_factory=list)


_together: ContextVar[_Together | None] = ContextVar("reads_together", default=None)
# What prepared_rows() read for a page and person the last time, in order: (key, with now).
_asked_before: dict[tuple[Any, ...], list[tuple[str, bool]]] = {}


@contextmanager
def read_together(page: str, user: Any) -> Iterator[datetime]:
    """While the block runs, the prepared reads (prepared_rows) that the page made for this
    person the last time are sent to the database at once, before the page asks for them
    (psycopg's pipeline mode, as partnership.ahead), and each is read where the page asks
    for it: the database answers them one after the other without waiting for Python to
    ask (Mit overblik: its lists' seven reads, a round trip each). A read the page asks for
    anew is made then, and sent with the others next time; one sent that the page no longer
    asks for is read and dropped at the end. Every read of the block has the block's moment,
    which it yields (the request's: a panel's own timezone.now() would be microseconds
    later). The reads are partnership.ahead's Prepared: compiled_cursor() takes each."""
    memo = (page, person_key(user))
    together = _Together(timezone.now())
    reads = []
    for key, with_now in _asked_before.get(memo, []):
        entry = _prepared.get((key, memo[1]))
        if entry is not None:
            _model, sql, params = entry
            reads.append(ahead.Prepared(sql, _at(params, together.now if with_now else None)))
    token = _together.set(together)
    try:
        with ahead.sent_ahead(*reads):
            yield together.now
    finally:
        _together.reset(token)
    if len(_asked_before) >= _PREPARED_LIMIT:
        _asked_before.clear()
    _asked_before[memo] = together.asked


# Per model and columns of a prepared query: which columns are the model's fields (their
# names and positions) and which are annotations. The rows are read as Model.raw() reads them
# (the fields' converters applied, the annotations as they come), without raw()'s
# working out of the columns on every run (0.1-0.2 ms of each panel's query).
_shapes: dict[tuple[Any, tuple[str, ...]], tuple[list[Any], list[str], list[int], list[Any]]] = {}


def _instances(model: Any, columns: tuple[str, ...], rows: list[Any]) -> list[Any]:
    shape = _shapes.get((model, columns))
    if shape is None:
        by_column = {f.column: f for f in model._meta.concrete_fields}
        fields = [by_column.get(c) for c in columns]
        # Model.from_db() takes the values in the order of the model's fields.
        loaded = [f for f in model._meta.concrete_fields if f.column in columns]
        shape = (
            fields,
            [f.attname for f in loaded],
            [columns.index(f.column) for f in loaded],
            [(c, i) for i, (c, f) in enumerate(zip(columns, fields, strict=True)) if f is None],
        )
        _shapes[(model, columns)] = shape
    fields, names, positions, annotations = shape
    compiler = connection.ops.compiler("SQLCompiler")(Query(model), connection, connection.alias)
    converters = compiler.get_converters(
        [f.get_col(f.model._meta.db_table) if f is not None else None for f in fields]
    )
    if converters:
        rows = list(compiler.apply_converters(rows, converters))
    instances = []
    for values in rows:
        instance = model.from_db(connection.alias, names, [values[i] for i in positions])
        for column, i in annotations:
            setattr(instance, column, values[i])
        instances.append(instance)
    return instances


def first_rows_prepared(
    key: str,
    build: Callable[[Any, datetime], QuerySet[Any]],
    user: Any,
    size: int,
    now: datetime | None = None,
) -> tuple[list[Any], int]:
    """A panel's list: its first `size` rows and how many rows there are in all, in one
    prepared query (prepared_rows) whatever the number (the count is a window over the
    whole list, on every row)."""

    def counted(person: Any, moment: datetime) -> QuerySet[Any]:
        return build(person, moment).annotate(_panel_total=Window(Count("pk")))[:size]

    rows = prepared_rows(f"{key}:{size}", counted, user, now)
    return rows, (rows[0]._panel_total if rows else 0)


def _jobs(user: Any, now: datetime) -> QuerySet[Job]:
    return Job.objects.filter(ordered_by=user)[:5]


def _unread(user: Any, now: datetime) -> QuerySet[Notice]:
    return Notice.objects.filter(user=user, read_at__isnull=True)[:10]


def recent_jobs(user: Any) -> list[Job]:
    """The person's five newest jobs (Mit overblik's own list; prepared_rows)."""
    return prepared_rows("dashboard:jobs", _jobs, user)


def unread_notices(user: Any) -> list[Notice]:
    """The person's ten newest unread notices (Mit overblik's own list; prepared_rows)."""
    return prepared_rows("dashboard:notices", _unread, user)


def back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    """After a change posted from a panel: back to "Mit overblik", else to `fallback` (a URL
    name or path)."""
    if request.POST.get(BACK_PARAM) == BACK_TO_DASHBOARD:
        return redirect("partnership:dashboard")
    return redirect(fallback)
