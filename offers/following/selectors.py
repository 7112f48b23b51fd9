"""The offers a person follows, with what the search shows of each: the year's current
tariff and monthly price, the change from last year, the latest vacancy (offers.selectors).
A fixed number of queries whatever the number of offers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.db.models import BooleanField, OuterRef, QuerySet, Subquery

from offers.models import Offer, OfferFollow
from offers.permissions import offers_visible_to
from offers.selectors import current_year, decorate, with_current_tariff

if TYPE_CHECKING:
    from offers.selectors import DecoratedOffer
    from partnership.permissions import AnyUser


def followed(user: AnyUser) -> QuerySet[Offer]:
    """The offers the person follows and may see (an offer withdrawn since is left out), by
    name: the plain rows, cheap to count (followed_offers annotates them)."""
    pk = user.pk
    if pk is None or not user.is_authenticated:
        return Offer.objects.none()
    follows = OfferFollow.objects.filter(user_id=pk)
    return offers_visible_to(user).filter(pk__in=follows.values("offer_id")).order_by("name", "pk")


def followed_offers(user: AnyUser) -> QuerySet[Any]:
    """The offers the person follows and may see (followed), by name, with the current
    tariff annotated and `notify_by_email`, the person's choice of an e-mail when a new
    tariff comes."""
    # (Without a pk, followed() is empty and the choice is never asked.)
    choice = OfferFollow.objects.filter(user_id=cast(int, user.pk), offer=OuterRef("pk"))
    qs = with_current_tariff(followed(user), current_year()).annotate(
        notify_by_email=Subquery(choice.values("notify_by_email")[:1], output_field=BooleanField())
    )
    return qs.select_related("provider").order_by("name", "pk")


def decorated(offers: QuerySet[Any] | list[Any]) -> list[DecoratedOffer]:
    """The change from last year and the PL flag on a page of followed offers (one query)."""
    return decorate(offers, current_year())
