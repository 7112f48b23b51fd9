"""*Gemte søgninger* on "Mit overblik" (partnership.dashboard; registered in offers/apps.py):
the first saved searches, each in words, linked to the search."""

from __future__ import annotations

from typing import Any

from .selectors import saved_search_items, saved_searches_of

PANEL_SIZE = 5


def context(user: Any) -> dict[str, Any]:
    """At most three queries whatever the number of searches (the searches, their count
    when there are more than the panel shows, the search's reference data)."""
    items = saved_search_items(user, limit=PANEL_SIZE)
    total = saved_searches_of(user).count() if len(items) == PANEL_SIZE else len(items)
    return {"items": items, "total": total}
