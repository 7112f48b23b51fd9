"""Reads of saved searches: a person's own (nobody sees another's), and the searches a new
offer matches (for the notices of offers.savedsearches.alerts)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from offers.models import Offer, OfferStatus, SavedSearch
from offers.search.selectors import SearchReference, search_offers, search_reference
from partnership.models import User

from .searches import Criterion, describe, search_filter, search_params

if TYPE_CHECKING:
    from partnership.permissions import AnyUser


def saved_searches_of(user: AnyUser) -> QuerySet[SavedSearch]:
    """The person's own saved searches, by name: the only ones anyone is shown."""
    pk = user.pk
    if pk is None or not user.is_authenticated:
        return SavedSearch.objects.none()
    return SavedSearch.objects.filter(user_id=pk).order_by("name", "pk")


@dataclass(frozen=True)
class SavedSearchItem:
    """A saved search as its list shows it: what it asks for in words, and whether it can
    still be run as it was saved."""

    search: SavedSearch
    criteria: list[Criterion]
    valid: bool


def saved_search_items(
    user: AnyUser, *, limit: int | None = None, reference: SearchReference | None = None
) -> list[SavedSearchItem]:
    """The person's saved searches (the first `limit`), each put in words. Two queries: the
    searches and the search's reference data (or none when the caller passes it)."""
    qs = saved_searches_of(user)
    return described(list(qs[:limit] if limit is not None else qs), reference=reference)


def described(
    searches: list[SavedSearch], *, reference: SearchReference | None = None
) -> list[SavedSearchItem]:
    """These saved searches, each put in words: one query for the search's reference data
    (none when there are no searches, or when the caller passes it)."""
    if not searches:
        return []
    reference = reference if reference is not None else search_reference()
    items = []
    for search in searches:
        form = search_filter(search.query, reference).form
        items.append(SavedSearchItem(search=search, criteria=describe(form), valid=form.is_valid()))
    return items


def searches_matching(offer: Offer) -> Iterator[SavedSearch]:
    """The saved searches that asked to be told of new offers and that this offer matches,
    each as its owner sees the search: the offer must be one they may see, found by the
    search's own filters (offers.search.selectors.search_offers). A search with an error
    matches nothing. A query per search (and the owner's roles once per owner)."""
    if offer.status != OfferStatus.PUBLISHED:
        return
    reference = search_reference()
    owners: dict[int, User] = {}
    searches = SavedSearch.objects.filter(notify_by_email=True, user__is_active=True)
    for search in searches.select_related("user").order_by("user_id", "pk"):
        # One user object per owner: their roles are read once (partnership.permissions).
        owner = owners.setdefault(search.user_id, search.user)
        params = search_params(search.query, reference)
        if params is None:
            continue
        if search_offers(owner, params).filter(pk=offer.pk).exists():
            search.user = owner
            yield search
