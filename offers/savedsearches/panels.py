"""*Gemte søgninger* on "Mit overblik" (partnership.dashboard; registered in offers/apps.py):
the first saved searches, each in words, linked to the search."""

from __future__ import annotations

from typing import Any

from partnership.dashboard import first_rows

from .selectors import described, saved_searches_of

PANEL_SIZE = 5


def context(user: Any) -> dict[str, Any]:
    """At most two queries whatever the number of searches (the first searches with their
    count, and the search's reference data when there are any)."""
    searches, total = first_rows(saved_searches_of(user), PANEL_SIZE)
    return {"items": described(searches), "total": total}
