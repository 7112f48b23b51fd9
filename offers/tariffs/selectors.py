"""Reads for the tariff pages: the offer's latest published tariff, and the secretariat's
tariff watch (*Takster over PL*)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, cast

from offers.models import Offer, Tariff, TariffStatus
from offers.selectors import decorate, with_current_tariff

if TYPE_CHECKING:
    from offers.selectors import DecoratedOffer


def latest_published_tariff(offer: Offer) -> Tariff | None:
    """The offer's newest published tariff (the latest year, its latest version): a new
    tariff proposes its add-ons."""
    return (
        Tariff.objects.filter(offer=offer, status=TariffStatus.PUBLISHED)
        .order_by("-year", "-version")
        .first()
    )


def tariffs_above_pl(year: int) -> list[DecoratedOffer]:
    qs = with_current_tariff(Offer.objects.filter(status="published"), year).select_related(
        "provider"
    )
    # django-stubs types the lookup `previous_price__isnull` on the annotation as the
    # annotation's own type (Decimal | None) instead of bool.
    has_both = qs.filter(tariff_id__isnull=False, previous_price__isnull=False)  # type: ignore[misc]
    rows = [o for o in decorate(has_both, year) if o.pl_flag]
    # A flagged offer has a change (pricing.above_pl).
    return sorted(rows, key=lambda o: cast(Decimal, o.change_percent), reverse=True)
