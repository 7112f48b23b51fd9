"""*Gemte søgninger* on "Mit overblik" (partnership.dashboard; registered in offers/apps.py):
the first saved searches, each in words, linked to the search."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from offers.models import SavedSearch
from partnership.dashboard import first_rows_prepared

from .selectors import described, saved_searches_of

PANEL_SIZE = 5


def _searches(user: Any, now: Any) -> QuerySet[SavedSearch]:
    return saved_searches_of(user)


def context(user: Any) -> dict[str, Any]:
    """At most two queries whatever the number of searches (the first searches with their
    count, its SQL compiled once per person by partnership.dashboard.prepared_rows, and the
    search's reference data when there are any)."""
    searches, total = first_rows_prepared("saved_searches", _searches, user, PANEL_SIZE)
    return {"items": described(searches), "total": total}
