"""*Kontrakter der venter på dig* on "Mit overblik" (partnership.dashboard; registered in
contracts/apps.py): the contracts the person is on (contracts.permissions
contracts_on_desk_of) where it is their side's move:

- the buyer's draft, to send;
- the other side has accepted: to accept (sign) too;
- the other side made the last move (sent it, commented, proposed a change) and this side
  has not accepted: to answer or accept.

One query whatever the number of contracts (the first rows and their count,
partnership.dashboard.first_rows_prepared: its SQL compiled once per person)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from offers.models import Offer
from partnership.dashboard import first_rows_prepared
from partnership.models import Membership, Organisation
from partnership.permissions import AnyUser

from . import permissions
from .models import Contract, ContractEvent, ContractState, EventKind

PANEL_SIZE = 5
OPEN_STATES = (ContractState.SENT, ContractState.NEGOTIATION)
# What a row shows (WaitingRow, _why): the rest of the contract and its parties is not read.
SHOWN = ("id", "state", "buyer_id", "provider_id", "buyer_signed_at", "provider_signed_at")


def _name(model: Any, column: str) -> Subquery:
    return Subquery(model.objects.filter(pk=OuterRef(column)).values("name")[:1])


# The names as subqueries rather than joins: read for the rows shown only, after the sort,
# and less for the planner (0.9 against 1.4 ms for Slagelse's caseworker on the bench).
SHOWN_NAMES = {
    "offer_name": _name(Offer, "offer_id"),
    "buyer_name": _name(Organisation, "buyer_id"),
    "provider_name": _name(Organisation, "provider_id"),
}


def waiting_on(user: AnyUser) -> QuerySet[Contract]:
    """The contracts where it is the person's side's move, the longest waiting first."""
    buyers, providers = permissions.buyer_org_ids(user), permissions.provider_org_ids(user)
    last = ContractEvent.objects.filter(contract=OuterRef("pk"), by__isnull=False).order_by(
        "-at", "-pk"
    )
    qs = (
        permissions.contracts_on_desk_of(user)
        .filter(state__in=(ContractState.DRAFT, *OPEN_STATES))
        # Only last_kind is drawn (_why): the rest are aliases, in the WHERE and ORDER BY but
        # not selected (less SQL to build and send).
        .alias(
            last_by=Subquery(last.values("by")[:1]),
            last_at=Subquery(last.values("at")[:1]),
        )
        .annotate(last_kind=Subquery(last.values("kind")[:1]))
        .alias(
            last_by_buyer=Exists(
                Membership.objects.active().filter(
                    user_id=OuterRef("last_by"),
                    organisation_id=OuterRef("buyer_id"),
                    role__in=permissions.BUYER_ROLES,
                )
            )
        )
    )
    negotiating = Q(state__in=OPEN_STATES)
    buyer_turn = Q(buyer_id__in=buyers) & (
        Q(state=ContractState.DRAFT)
        | (
            negotiating
            & Q(buyer_signed_at__isnull=True)
            & (Q(provider_signed_at__isnull=False) | Q(last_by_buyer=False))
        )
    )
    provider_turn = (
        Q(provider_id__in=providers)
        & negotiating
        & Q(provider_signed_at__isnull=True)
        & (Q(buyer_signed_at__isnull=False) | Q(last_by_buyer=True))
    )
    return (
        qs.filter(buyer_turn | provider_turn)
        .select_related("offer", "buyer", "provider")
        .order_by("last_at", "pk")
    )


@dataclass(frozen=True)
class WaitingRow:
    url: str
    offer: str
    other: str
    state: str
    why: str


def _why(contract: Any, side: str) -> str:
    other = contract.provider_name if side == "buyer" else contract.buyer_name
    other_accepted = contract.provider_signed_at if side == "buyer" else contract.buyer_signed_at
    if contract.state == ContractState.DRAFT:
        return _("Kladde: send den til leverandøren, når den er klar.")
    if other_accepted:
        return _("%(other)s har accepteret. Nu mangler jeres accept.") % {"other": other}
    if contract.last_kind == EventKind.COMMENT:
        return _("Ny kommentar fra %(other)s: svar, eller accepter kontrakten.") % {"other": other}
    if contract.last_kind in (EventKind.CLAUSE, EventKind.FIELDS):
        return _("Ændringsforslag fra %(other)s: se det, og accepter eller kommentér.") % {
            "other": other
        }
    return _("Sendt til jer af %(other)s: læs den, og accepter eller kommentér.") % {"other": other}


def _shown(user: AnyUser, now: Any) -> QuerySet[Contract]:
    return waiting_on(user).values(*SHOWN, "last_kind", **SHOWN_NAMES)


def context(user: Any) -> dict[str, Any]:
    shown, total = first_rows_prepared("contracts_waiting", _shown, user, PANEL_SIZE)
    buyers = permissions.buyer_org_ids(user)
    rows = []
    for c in shown:
        side = "buyer" if c.buyer_id in buyers else "provider"
        rows.append(
            WaitingRow(
                url=c.get_absolute_url(),
                offer=c.offer_name,
                other=c.provider_name if side == "buyer" else c.buyer_name,
                state=c.state_label,
                why=_why(c, side),
            )
        )
    return {"rows": rows, "total": total}
