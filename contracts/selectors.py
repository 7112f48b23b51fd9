"""Reads on contracts: the scoped lists and the partnership's deviation measure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from partnership.models import Organisation

from .models import Contract, ContractClause, ContractState
from .permissions import contracts_visible_to

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from partnership.permissions import AnyUser

# Contracts that "run": agreed by both sides, whether running now or ended since.
AGREED_STATES = (
    ContractState.SIGNED,
    ContractState.ACTIVE,
    ContractState.RENEGOTIATION,
    ContractState.TERMINATED,
)


class DeviationCount(TypedDict):
    """What with_deviation_count() annotates on a contract."""

    deviations: int


if TYPE_CHECKING:
    CountedContract: TypeAlias = WithAnnotations[Contract, DeviationCount]


def _deviating_clauses() -> QuerySet[ContractClause]:
    return ContractClause.objects.filter(contract=OuterRef("pk")).exclude(text=F("standard_text"))


def with_deviation_count(qs: QuerySet[Contract]) -> QuerySet[CountedContract]:
    count = _deviating_clauses().values("contract").annotate(c=Count("pk")).values("c")
    return qs.annotate(deviations=Coalesce(Subquery(count, output_field=IntegerField()), Value(0)))


@dataclass
class ContractFilter:
    state: str = ""
    provider: Organisation | None = None
    offer_q: str = ""
    deviations: str = ""  # "", "with", "without"


# The columns the contract list shows (and sorts by): a page of 25 wide rows with three
# joined tables cost more to build than to fetch.
LIST_FIELDS = (
    "buyer__name",
    "provider__name",
    "offer__name",
    "amendment_of",
    "case_reference",
    "start_date",
    "end_date",
    "state",
    "created_at",
)


def contract_list(user: AnyUser, f: ContractFilter) -> QuerySet[CountedContract]:
    """The person's contracts, newest first, with their number of deviations; only the
    columns the list shows (LIST_FIELDS)."""
    qs = with_deviation_count(contracts_visible_to(user))
    if f.state:
        qs = qs.filter(state=f.state)
    if f.provider:
        qs = qs.filter(provider=f.provider)
    if f.offer_q:
        qs = qs.filter(offer__name__icontains=f.offer_q)
    if f.deviations == "with":
        qs = qs.filter(deviations__gt=0)
    elif f.deviations == "without":
        qs = qs.filter(deviations=0)
    return (
        qs.select_related("buyer", "provider", "offer")
        .only(*LIST_FIELDS)
        .order_by("-created_at", "-pk")
    )


@dataclass
class MunicipalityMeasure:
    buyer: str
    total: int
    without: int

    @property
    def share(self) -> float | None:
        return 100 * self.without / self.total if self.total else None


def deviation_measure() -> tuple[list[MunicipalityMeasure], list[dict[str, Any]]]:
    """Per buying municipality: agreed contracts and how many run without a deviation; and
    the clauses changed most often. Aggregates only: no case references leave here."""
    rows = (
        Contract.objects.filter(state__in=AGREED_STATES)
        .annotate(has_deviation=Exists(_deviating_clauses()))
        .values("buyer__name")
        .annotate(total=Count("pk"), without=Count("pk", filter=Q(has_deviation=False)))
        .order_by("buyer__name")
    )
    per_buyer = [MunicipalityMeasure(r["buyer__name"], r["total"], r["without"]) for r in rows]
    clauses = list(
        ContractClause.objects.filter(contract__state__in=AGREED_STATES)
        .exclude(text=F("standard_text"))
        .values("number", "title")
        .annotate(n=Count("pk"))
        .order_by("-n", "number")[:10]
    )
    return per_buyer, clauses
