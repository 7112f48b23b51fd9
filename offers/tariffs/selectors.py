"""Reads for the secretariat's tariff watch (*Takster over PL*)."""

from __future__ import annotations

from offers.models import Offer
from offers.selectors import decorate, with_current_tariff


def tariffs_above_pl(year: int) -> list[Offer]:
    qs = with_current_tariff(Offer.objects.filter(status="published"), year).select_related(
        "provider"
    )
    rows = [
        o
        for o in decorate(qs.filter(tariff_id__isnull=False, previous_price__isnull=False), year)
        if o.pl_flag
    ]
    return sorted(rows, key=lambda o: o.change_percent, reverse=True)
