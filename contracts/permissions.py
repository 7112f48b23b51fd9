"""Who may see and change contracts. A municipality sees its own contracts, a provider the
contracts it is party to once the municipality has sent them (a draft is the municipality's
own: the provider neither sees it nor acts on it). The secretariat sees aggregates only,
never case references.

The rule that decides whether a person sees a contract at all lives twice, side by side
here, in the two forms the code needs: `side_of` for one contract (the services, the PDF
job, the notifications) and `contracts_visible_to` for a queryset (the list, the detail
and every action view through it). tests/contracts/test_private_until_sent.py holds them
equal for every state and every demo person.

The people on a contract, for each side (who hears of the other side's moves and whose
"Kontrakter der venter på dig" lists it): the side's contact person on the contract, and
everyone on that side who has acted on it (sent, commented, proposed a change, accepted);
a side without a contact person (a provider may have none): all its people who may work
on contracts (a municipality's caseworkers, purchasers and admins; a provider's editors).
`people_on` gives them for one contract, `contracts_on_desk_of` the contracts of one
person; the same test holds the two equal."""

from __future__ import annotations

from typing import cast

from django.db.models import Exists, OuterRef, Q, QuerySet

from partnership.models import Membership, Organisation, Role, User
from partnership.permissions import AnyUser, is_secretariat, organisations_where

from .models import Contract, ContractEvent, ContractState, EventKind

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


# A contract in these states has never been sent: the buyer's alone.
UNSENT_STATES = (ContractState.DRAFT,)

SIDES = ("buyer", "provider")


def is_sent(contract: Contract) -> bool:
    """Whether the buyer has sent the contract to the provider (from then on the provider
    sees it)."""
    return contract.state not in UNSENT_STATES


def _sent() -> Q:
    return ~Q(state__in=UNSENT_STATES)


def contracts_visible_to(user: AnyUser) -> QuerySet[Contract]:
    """The contracts the person may see: the buyer's all, the provider's once sent."""
    buyers, providers = buyer_org_ids(user), provider_org_ids(user)
    if not (buyers or providers):
        return Contract.objects.none()
    return Contract.objects.filter(
        Q(buyer_id__in=buyers) | (Q(provider_id__in=providers) & _sent())
    )


def contracts_of_organisation(organisation: Organisation) -> QuerySet[Contract]:
    """The contracts an organisation's people may see as a party (the API's organisation
    tokens): as contracts_visible_to, the buyer's all, the provider's once sent."""
    buyer = Q(buyer=organisation) if organisation.is_public_buyer else Q(pk__in=[])
    return Contract.objects.filter(buyer | (Q(provider=organisation) & _sent()))


def side_of(user: AnyUser, contract: Contract) -> str | None:
    """ "buyer" or "provider" if the person may see the contract, as that party; else None
    (a provider's people on a contract not yet sent get None)."""
    if contract.buyer_id in buyer_org_ids(user):
        return "buyer"
    if contract.provider_id in provider_org_ids(user) and is_sent(contract):
        return "provider"
    return None


def can_see_contract(user: AnyUser, contract: Contract) -> bool:
    return side_of(user, contract) is not None


def other_side(side: str) -> str:
    return "provider" if side == "buyer" else "buyer"


def _side_memberships(contract: Contract, side: str) -> QuerySet[Membership]:
    members: QuerySet[Membership] = Membership.objects.active()
    if side == "buyer":
        return members.filter(organisation_id=contract.buyer_id, role__in=BUYER_ROLES)
    return members.filter(organisation_id=contract.provider_id, role=Role.PROVIDER_EDITOR)


def people_on(contract: Contract, side: str) -> list[User]:
    """The people on the contract for the side (see the module's notes), each once, only
    those who may see it as that side (none on the provider's side of a draft)."""
    if side == "provider" and not is_sent(contract):
        return []
    members = _side_memberships(contract, side)
    contact_id = contract.buyer_contact_id if side == "buyer" else contract.provider_contact_id
    if contact_id is not None:
        acted = ContractEvent.objects.filter(contract=contract, by__isnull=False).values("by")
        members = members.filter(Q(user_id=contact_id) | Q(user_id__in=acted))
    ids = set(members.values_list("user_id", flat=True))
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("name", "pk"))


def contracts_on_desk_of(user: AnyUser) -> QuerySet[Contract]:
    """The contracts the person is on (people_on), whichever side."""
    buyers, providers = buyer_org_ids(user), provider_org_ids(user)
    if not (buyers or providers):
        return Contract.objects.none()
    acted = Exists(ContractEvent.objects.filter(contract=OuterRef("pk"), by=cast(User, user)))
    on_buyer = Q(buyer_id__in=buyers) & (
        Q(buyer_contact__isnull=True) | Q(buyer_contact=user) | acted
    )
    on_provider = (
        Q(provider_id__in=providers)
        & _sent()
        & (Q(provider_contact__isnull=True) | Q(provider_contact=user) | acted)
    )
    return Contract.objects.filter(on_buyer | on_provider)


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


def events_visible_to(side: str | None, events: list[ContractEvent]) -> list[ContractEvent]:
    """The events of a contract (in order) the side sees: a comment written while the
    contract was a draft is the municipality's own note, never shown to the provider."""
    if side == "buyer":
        return events
    if side is None:
        return []
    shown, sent = [], False
    for event in events:
        after = event.after if isinstance(event.after, dict) else {}
        if event.kind == EventKind.STATE and after.get("state") not in UNSENT_STATES:
            sent = True
        if sent or event.kind != EventKind.COMMENT:
            shown.append(event)
    return shown
