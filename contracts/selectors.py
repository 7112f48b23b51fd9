"""Reads on contracts: the scoped lists and the partnership's deviation measure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from partnership import formats
from partnership.models import Organisation

from .diff import Diff, word_diff
from .models import AGREED_STATES, RUNNING_STATES, Contract, ContractClause, ContractState
from .permissions import contracts_visible_to

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from partnership.permissions import AnyUser


# The list's status filter: "Løbende" (every contract that runs until it ends, opsagt ones
# too: RUNNING_STATES; the groups of states are in contracts.models), then each state.
RUNNING = "running"


def state_filter_choices() -> list[tuple[str, Any]]:
    return [("", _("Alle")), (RUNNING, _("Løbende (også opsagte)")), *ContractState.choices]


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
    "terminated_on",
    "created_at",
)


def contract_list(user: AnyUser, f: ContractFilter) -> QuerySet[CountedContract]:
    """The person's contracts, newest first, with their number of deviations; only the
    columns the list shows (LIST_FIELDS)."""
    qs = with_deviation_count(contracts_visible_to(user))
    if f.state == RUNNING:
        qs = qs.filter(state__in=RUNNING_STATES)
    elif f.state:
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


# What a row of the contract list draws, as plain values (no model instance per row): the
# page's rows are cached under a digest of these (contracts.views.contract_list).
ROW_COLUMNS = (
    "pk",
    "offer__name",
    "amendment_of_id",
    "buyer__name",
    "provider__name",
    "case_reference",
    "start_date",
    "end_date",
    "state",
    "terminated_on",
    "deviations",
)


def contract_list_rows(user: AnyUser, f: ContractFilter) -> QuerySet[Any]:
    """contract_list() as a named tuple of ROW_COLUMNS per contract."""
    return contract_list(user, f).values_list(*ROW_COLUMNS, named=True)


@dataclass
class MunicipalityMeasure:
    buyer: str
    total: int
    without: int

    @property
    def share(self) -> float | None:
        return 100 * self.without / self.total if self.total else None


def current_versions() -> QuerySet[Contract]:
    """Each agreement once, in the version that governs it: agreed by both sides, not
    replaced by an amendment in force (ContractState.SUPERSEDED is not agreed), and not an
    amendment still waiting for its effective date (signed, while the version it amends
    governs)."""
    return Contract.objects.filter(state__in=AGREED_STATES).exclude(
        amendment_of__isnull=False, state=ContractState.SIGNED
    )


def deviation_measure() -> tuple[list[MunicipalityMeasure], list[dict[str, Any]]]:
    """Per buying municipality: agreements (each once, current_versions) and how many run
    without a deviation (a changed clause, or a term other than the standard, which writes
    its clause: contracts.standard_texts); and the clauses changed most often. Aggregates
    only: no case references leave here."""
    rows = (
        current_versions()
        .annotate(has_deviation=Exists(_deviating_clauses()))
        .values("buyer__name")
        .annotate(total=Count("pk"), without=Count("pk", filter=Q(has_deviation=False)))
        .order_by("buyer__name")
    )
    per_buyer = [MunicipalityMeasure(r["buyer__name"], r["total"], r["without"]) for r in rows]
    clauses = list(
        ContractClause.objects.filter(contract__in=current_versions())
        .exclude(text=F("standard_text"))
        .values("number", "title")
        .annotate(n=Count("pk"))
        .order_by("-n", "number")[:10]
    )
    return per_buyer, clauses


@dataclass
class AmendmentChanges:
    """What an amendment changes in the version it amends: terms (label, before, after)
    and clauses (number, title, word diff of the amended version's text)."""

    original: Contract
    terms: list[tuple[str, str, str]]
    clauses: list[tuple[str, str, Diff]]


def _term_display(contract: Contract) -> list[tuple[str, str]]:
    """The contract's terms in words, as the contract page shows them."""

    def day(d: date | None) -> str:
        return date_format(d, "j. F Y") if d else "–"

    tariff = contract.tariff
    addons = "; ".join(a.name for a in contract.addons.all()) or "–"
    followup = "–"
    if contract.followup_first:
        followup = _("første gang %(date)s") % {"date": day(contract.followup_first)}
        if contract.followup_interval_months:
            followup += ", " + _("derefter hver %(n)s. måned") % {
                "n": contract.followup_interval_months
            }
    return [
        (str(_("Gælder fra")), day(contract.start_date)),
        (str(_("Slutdato")), day(contract.end_date)),
        (
            str(_("Takst")),
            f"{formats.kr(tariff.price)} {tariff.get_unit_display()} "
            f"({tariff.year}, version {tariff.version})",
        ),
        (str(_("Tillægsydelser")), addons),
        (
            str(_("Betaling")),
            _("%(timing)s, senest %(days)s dage efter faktura")
            % {"timing": contract.get_payment_timing_display(), "days": contract.payment_days},
        ),
        (str(_("Opsigelsesvarsel")), _("%(n)s mdr.") % {"n": contract.notice_months}),
        (
            str(_("Automatisk PL-regulering")),
            str(_("Ja") if contract.automatic_pl else _("Nej")),
        ),
        (str(_("Opfølgning")), followup),
    ]


def amendment_changes(contract: Contract) -> AmendmentChanges | None:
    """For an amendment: what it changes in the version it amends (None for a contract
    that amends nothing)."""
    if not contract.amendment_of_id:
        return None
    original = (
        Contract.objects.select_related("tariff")
        .prefetch_related("addons", "clauses")
        .get(pk=contract.amendment_of_id)
    )
    terms = [
        (label, before, after)
        for (label, before), (_label, after) in zip(
            _term_display(original), _term_display(contract), strict=True
        )
        if before != after
    ]
    was = {c.number: c.text for c in original.clauses.all()}
    clauses = [
        (c.number, c.title, word_diff(was.get(c.number, ""), c.text))
        for c in contract.clauses.all()
        if was.get(c.number) != c.text
    ]
    return AmendmentChanges(original=original, terms=terms, clauses=clauses)
