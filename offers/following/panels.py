"""*Tilbud jeg følger* on "Mit overblik" (partnership.dashboard; registered in
offers/apps.py): the first followed offers with their current tariff and vacancy."""

from __future__ import annotations

from typing import Any

from offers.selectors import current_year

from .selectors import decorated, followed_offers

PANEL_SIZE = 5


def context(user: Any) -> dict[str, Any]:
    """Four queries whatever the number of followed offers (the offers, their count when
    there are more than the panel shows, the PL rate; the person's roles are read once per
    request)."""
    offers = followed_offers(user)
    shown = decorated(offers[:PANEL_SIZE])
    total = offers.count() if len(shown) == PANEL_SIZE else len(shown)
    return {"offers": shown, "total": total, "year": current_year()}
