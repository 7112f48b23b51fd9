"""Who may see and change offers and tariffs."""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from partnership.models import Organisation, Role
from partnership.permissions import AnyUser, is_member, is_secretariat, organisations_where

from .models import Offer, OfferStatus, SearchRow

__all__ = ["is_member", "is_secretariat"]

_M = TypeVar("_M", Offer, SearchRow)


def editable_provider_ids(user: AnyUser) -> set[int]:
    return {o.pk for o in organisations_where(user, Role.PROVIDER_EDITOR)}


def is_provider_editor(user: AnyUser) -> bool:
    return bool(editable_provider_ids(user))


def can_search_offers(user: AnyUser) -> bool:
    return is_member(user)


def offers_visible_to(user: AnyUser) -> QuerySet[Offer]:
    """Published offers for every member; drafts and withdrawn offers only for the
    provider's own editors and the secretariat."""
    return _visible(Offer.objects.all(), user)


def search_rows_visible_to(user: AnyUser) -> QuerySet[SearchRow]:
    """The search rows (offers.models.SearchRow) of the offers offers_visible_to(user) lets
    through: the row has the offer's status and provider."""
    return _visible(SearchRow.objects.all(), user)


def _visible(qs: QuerySet[_M], user: AnyUser) -> QuerySet[_M]:
    if not is_member(user):
        return qs.none()
    if is_secretariat(user):
        return qs
    own = editable_provider_ids(user)
    return qs.filter(Q(status=OfferStatus.PUBLISHED) | Q(provider_id__in=own))


def can_edit_offer(user: AnyUser, offer: Offer) -> bool:
    return offer.provider_id in editable_provider_ids(user)


def editable_offer(user: AnyUser, pk: int) -> Offer:
    """The offer, for its provider's own editors (the offer and tariff pages they edit it on):
    404 if there is no such offer, 403 for anyone else."""
    offer = get_object_or_404(Offer.objects.select_related("provider"), pk=pk)
    if not can_edit_offer(user, offer):
        raise PermissionDenied(_("Kun leverandørens egne redaktører kan ændre tilbuddet."))
    return offer


def can_create_offer_for(user: AnyUser, provider: Organisation) -> bool:
    return provider.pk in editable_provider_ids(user)


def can_manage_reference_data(user: AnyUser) -> bool:
    return is_secretariat(user)
