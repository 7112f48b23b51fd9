"""*Tilbud jeg følger* on "Mit overblik" (partnership.dashboard; registered in
offers/apps.py): the first followed offers with their current tariff and vacancy."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from offers.models import Offer
from offers.selectors import current_year
from partnership.dashboard import first_rows_prepared

from .selectors import decorated, followed, followed_offers

PANEL_SIZE = 5


def _first(user: Any, now: Any) -> QuerySet[Offer]:
    return followed(user).only("pk")


def context(user: Any) -> dict[str, Any]:
    """Three queries whatever the number of followed offers, one when there are none: which
    offers the panel shows and how many there are (its SQL compiled once per person,
    partnership.dashboard.prepared_rows), then those offers with their tariffs,
    and the PL rate (the person's roles are read once per request)."""
    first, total = first_rows_prepared("offers_followed", _first, user, PANEL_SIZE)
    shown = decorated(followed_offers(user).filter(pk__in=[o.pk for o in first])) if first else []
    return {"offers": shown, "total": total, "year": current_year()}
