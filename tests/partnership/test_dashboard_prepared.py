"""*Mit overblik*'s prepared queries (partnership.dashboard.prepared_rows, issue 17): a panel's
SQL is compiled once per process for each person and their memberships, and holds no data,
so the prepared rows are the ORM's for every demo person, and a change (a new contract, an
answer, a meeting that has ended, a new membership) shows on the very next request."""

from __future__ import annotations

import re

import pytest
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from contracts import panels as contract_panels
from meetings import panels as meeting_panels
from meetings import services as meeting_services
from partnership import dashboard
from partnership.demo import DEMO_USERS
from partnership.models import Membership, Role
from tests.factories import demo_org, demo_user, make_contract, make_offer
from tests.partnership.test_dashboard_queries import (
    CASEWORKER,
    _held,
    _invited_meeting,
    _minutes_for_comment,
)

PREPARED = [
    ("contracts_waiting", contract_panels._shown),
    ("meetings_upcoming", meeting_panels._my_upcoming),
    ("minutes_awaiting", meeting_panels._awaiting_me),
]


def _dashboard(client) -> str:
    response = client.get(reverse("partnership:dashboard"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(("key", "build"), PREPARED, ids=[key for key, _ in PREPARED])
def test_the_prepared_rows_are_the_orms_for_every_demo_person(
    demo, today, key, build, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    make_contract(
        offer=make_offer(name="Forberedt tilbud"), buyer_slug="slagelse", email=CASEWORKER
    )
    _invited_meeting(1, held=False, capture=capture)
    _minutes_for_comment(_invited_meeting(2, held=True, capture=capture), today, capture)
    now = timezone.now()
    for email, *_ in DEMO_USERS:
        user = demo_user(email)
        expected = list(build(user, now))
        fields = list(expected[0]) if expected else []
        for _round in range(2):  # compiled, then from the memo
            got = dashboard.prepared_rows(key, build, user, now)
            assert [{f: getattr(row, f) for f in fields} for row in got] == expected, email


def test_a_change_shows_on_the_next_request(
    demo, today, client, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    user = demo_user(CASEWORKER)
    client.force_login(user)
    meeting = _invited_meeting(1, held=False, capture=capture)
    page = _dashboard(client)
    assert "Overbliksmøde 1" in page and "Ny kontrakt i dag" not in page

    make_contract(
        offer=make_offer(name="Ny kontrakt i dag"), buyer_slug="slagelse", email=CASEWORKER
    )
    assert "Ny kontrakt i dag" in _dashboard(client)

    assert "Du deltager." not in _dashboard(client)
    meeting_services.answer(meeting=meeting, user=user, answer="attend")
    assert "Du deltager." in _dashboard(client)

    _held(meeting)  # ended: no longer ahead, by the moment of the request
    assert "Overbliksmøde 1" not in _dashboard(client)


def test_a_changed_membership_is_another_person(demo, client):
    """The Slagelse caseworker also works for Næstved, and drafts a contract there; when that
    membership ends, the draft leaves their panel at once (another person_key, so another
    compiled query)."""
    user = demo_user(CASEWORKER)
    naestved = Membership.objects.create(
        user=user, organisation=demo_org("naestved"), role=Role.CASEWORKER
    )
    make_contract(offer=make_offer(name="Næstveds kladde"), buyer_slug="naestved", email=CASEWORKER)
    client.force_login(user)
    before = dashboard.person_key(demo_user(CASEWORKER))
    assert "Næstveds kladde" in _dashboard(client)

    naestved.is_active = False
    naestved.save()
    assert "Næstveds kladde" not in _dashboard(client)
    assert dashboard.person_key(demo_user(CASEWORKER)) != before


def test_the_codes_constants_are_written_into_the_sql_and_the_data_stays_parameters():
    """inline_constants: a choice's member (a state, a role) is part of what the query is, so
    PostgreSQL plans with it (one generic plan for every run); anything else is data."""
    from contracts.models import ContractState
    from partnership.models import Role

    sql, params = dashboard.inline_constants(
        "SELECT 1 WHERE a = %s AND b IN (%s, %s) AND c LIKE 'x%%' AND d = %s AND e = %s",
        [ContractState.DRAFT, Role.CASEWORKER, 17, dashboard.NOW, "it's"],
    )
    assert sql == (
        "SELECT 1 WHERE a = 'draft' AND b IN ('caseworker', %s) AND c LIKE 'x%%' AND d = %s"
        " AND e = %s"
    )
    assert params == [17, dashboard.NOW, "it's"]


def test_every_sql_kept_by_compiled_is_made_by_compiled_sql():
    """A module that keeps SQL with partnership.dashboard.compiled() compiles its querysets
    with dashboard.compiled_sql() (the code's constants written in), never by hand."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    users = []
    for path in sorted(root.glob("[a-z]*/**/*.py")):
        if path.parts[len(root.parts)] in {"tests", "bench"} or ".venv" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = {
            getattr(node.func, "attr", getattr(node.func, "id", None))
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
        }
        if "compiled" not in calls:
            continue
        users.append(path.relative_to(root).as_posix())
        by_hand = [
            node.lineno
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr == "sql_with_params"
        ]
        if path.name == "dashboard.py":  # compiled_sql() itself
            by_hand = [n for n in by_hand if n != _line_of_compiled_sql(tree)]
        assert not by_hand, (path, by_hand)
    assert {
        "contracts/selectors.py",
        "meetings/permissions.py",
        "meetings/selectors.py",
        "offers/detail/selectors.py",
        "partnership/dashboard.py",
    } <= set(users), users


def _line_of_compiled_sql(tree) -> int:
    import ast

    function = next(
        n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "compiled_sql"
    )
    return next(
        n.lineno
        for n in ast.walk(function)
        if isinstance(n, ast.Attribute) and n.attr == "sql_with_params"
    )


class _Logged:
    """A cursor that notes when a statement is sent and when its rows are read."""

    def __init__(self, cursor, events):
        self.cursor, self.events = cursor, events

    def execute(self, sql, params=None):
        self.events.append("send")
        return self.cursor.execute(sql, params)

    def fetchall(self):
        self.events.append("read")
        return self.cursor.fetchall()

    def __getattr__(self, name):
        return getattr(self.cursor, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self.cursor.__exit__(*exc)


def test_the_lists_are_read_together_from_the_persons_second_visit(
    demo, client, monkeypatch, django_capture_on_commit_callbacks
):
    """From the person's second visit on, Mit overblik sends the reads of its lists to the
    database at once (partnership.dashboard.read_together), before it reads any of them; the
    page shows the same, and a change still shows at once."""
    user = demo_user(CASEWORKER)
    client.force_login(user)
    _invited_meeting(1, held=False, capture=django_capture_on_commit_callbacks)
    first = _dashboard(client)
    events: list[str] = []
    database = connections["default"]
    real = database.preparing_cursor
    monkeypatch.setattr(database, "preparing_cursor", lambda: _Logged(real(), events))
    second = _dashboard(client)
    sent = events.count("send")
    assert sent >= 6 and events == ["send"] * sent + ["read"] * sent, events

    def without_tokens(page: str) -> str:
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)

    assert without_tokens(second) == without_tokens(first)
    assert "Overbliksmøde 1" in second
    make_contract(
        offer=make_offer(name="Kontrakt sendt sammen"), buyer_slug="slagelse", email=CASEWORKER
    )
    assert "Kontrakt sendt sammen" in _dashboard(client)
