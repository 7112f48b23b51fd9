"""The panels of "Mit overblik": what each app shows a person there (the offers they follow,
their saved searches, ...).

Apps register their panels in AppConfig.ready(), as they do their sections
(partnership.navigation), so partnership imports none of them. A panel is a heading, a
template and a context function: `visible(user)` says who sees it (deny by default: a
panel without a permission function shows nobody), `context(user)` reads what it shows. The
dashboard includes each panel's template with that dict as `panel`, inside a section with
the heading (templates/partnership/dashboard.html). A context function issues a fixed
number of queries whatever the number of rows it lists (first_rows: a list's first rows
and how many there are, in one query).
tests/partnership/test_dashboard_panels.py renders every registered panel for every role."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet, Window
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect

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


def first_rows(queryset: QuerySet[Any], size: int) -> tuple[list[Any], int]:
    """A panel's list: its first `size` rows and how many rows there are in all, in one
    query whatever the number (the count is a window over the whole list, on every row)."""
    rows = list(queryset.annotate(_panel_total=Window(Count("pk")))[:size])
    return rows, (rows[0]._panel_total if rows else 0)


def back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    """After a change posted from a panel: back to "Mit overblik", else to `fallback` (a URL
    name or path)."""
    if request.POST.get(BACK_PARAM) == BACK_TO_DASHBOARD:
        return redirect("partnership:dashboard")
    return redirect(fallback)
