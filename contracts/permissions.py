"""Who may see and change contracts. A municipality sees its own contracts, a provider the
contracts it is party to. The secretariat sees aggregates only, never case references."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from partnership.models import Role
from partnership.permissions import AnyUser, is_secretariat, organisations_where

from .models import Contract, ContractState

BUYER_ROLES = (Role.CASEWORKER, Role.PROCUREMENT, Role.ORG_ADMIN)


def buyer_org_ids(user: AnyUser) -> set[int]:
    return {o.pk for o in organisations_where(user, *BUYER_ROLES) if o.is_public_buyer}


def provider_org_ids(user: AnyUser) -> set[int]:
    return {o.pk for o in organisations_where(user, Role.PROVIDER_EDITOR)}


def can_use_contracts(user: AnyUser) -> bool:
    return bool(buyer_org_ids(user) or provider_org_ids(user))


def can_create_contract(user: AnyUser) -> bool:
    return bool(buyer_org_ids(user))


def can_see_measures(user: AnyUser) -> bool:
    return is_secretariat(user)


def contracts_visible_to(user: AnyUser) -> QuerySet[Contract]:
    buyers, providers = buyer_org_ids(user), provider_org_ids(user)
    if not (buyers or providers):
        return Contract.objects.none()
    return Contract.objects.filter(Q(buyer_id__in=buyers) | Q(provider_id__in=providers))


def side_of(user: AnyUser, contract: Contract) -> str | None:
    if contract.buyer_id in buyer_org_ids(user):
        return "buyer"
    if contract.provider_id in provider_org_ids(user):
        return "provider"
    return None


EDITABLE_STATES = (ContractState.DRAFT, ContractState.SENT, ContractState.NEGOTIATION)


def can_edit_terms(user: AnyUser, contract: Contract) -> bool:
    """The buyer sets the terms while the contract is a draft or being negotiated."""
    return side_of(user, contract) == "buyer" and contract.state in EDITABLE_STATES


def can_change_clauses(user: AnyUser, contract: Contract) -> bool:
    """Both sides may propose clause changes in negotiation; the buyer also in a draft."""
    side = side_of(user, contract)
    if contract.state == ContractState.DRAFT:
        return side == "buyer"
    return side is not None and contract.state in (ContractState.SENT, ContractState.NEGOTIATION)
