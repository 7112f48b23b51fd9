"""Reads on contracts: the scoped lists and the partnership's deviation measure."""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict

from django.core.exceptions import EmptyResultSet
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from partnership import formats
from partnership.dashboard import compiled, compiled_cursor, compiled_sql
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


def list_providers(user: AnyUser) -> QuerySet[Organisation]:
    """The providers of the person's contracts: the list's filter offers them."""
    return (
        Organisation.objects.filter(pk__in=contracts_visible_to(user).values("provider_id"))
        .only("pk", "name")
        .order_by("name")
    )


ListRow = namedtuple("ListRow", ROW_COLUMNS)  # type: ignore[misc]

# A page of the list with how many contracts the filter finds and a digest of the providers
# the filter offers, in one statement whose parts are the ORM's, compiled once per person,
# filter and page (partnership.dashboard.compiled). Built by the ORM on each request, the
# three queries made the page 11.7 ms CPU at p50 for Slagelse's caseworker (533 contracts),
# 7.6 ms so (issue 17). The count reads the contracts alone, not the three tables the page
# joins (0.16 against 1.0 ms). The digest reads the providers in their list's order by name:
# another order of the same names (a tie) is at worst a miss of the cached filter, never a
# stale one.
_TOTALS = """(SELECT count(*) FROM ({count}) AS q),
  (SELECT md5(coalesce(string_agg(p::text, '/'), '')) FROM ({providers}) AS p)"""
_PAGE_SQL = "SELECT {columns}, " + _TOTALS + " FROM ({rows}) AS r"
_TOTALS_SQL = "SELECT " + _TOTALS

Statement: TypeAlias = tuple[str, tuple[Any, ...]]


@dataclass
class ListPage:
    """contract_list_rows() for paginate(): its length is how many contracts the filter
    finds, its slice a page, both read in one statement for the page asked for (`offset`),
    as paginate() reads the length first, then the page. A page past the last one is read
    again at the last page (a second statement, and a third for the count of an empty page).
    `providers_digest` changes with the providers the filter offers (their pks and names):
    the cached filter's key."""

    user: AnyUser
    f: ContractFilter
    offset: int
    size: int
    _read: tuple[int, list[Any], int, str] | None = None

    def _statements(self, offset: int) -> tuple[Statement, Statement] | None:
        f = self.f
        provider = f.provider.pk if f.provider else None
        asked = (f.state, provider, f.offer_q, f.deviations, offset, self.size)

        def compile_it() -> tuple[Statement, Statement] | None:
            try:
                rows, rows_params = compiled_sql(
                    contract_list_rows(self.user, f)[offset : offset + self.size]
                )
                count, count_params = compiled_sql(
                    contract_list(self.user, f).order_by().values("pk")
                )
                providers, providers_params = compiled_sql(
                    list_providers(self.user).values_list("pk", "name")
                )
            except EmptyResultSet:  # nobody's contracts (permissions.contracts_visible_to)
                return None
            columns = ", ".join(f'r."{c}"' for c in ROW_COLUMNS)
            totals_params = (*count_params, *providers_params)
            page = _PAGE_SQL.format(columns=columns, count=count, providers=providers, rows=rows)
            totals = _TOTALS_SQL.format(count=count, providers=providers)
            return (page, (*totals_params, *rows_params)), (totals, totals_params)

        return compiled(repr(("contracts:list", *asked)), self.user, compile_it)

    def _load(self, offset: int) -> tuple[int, list[Any], int, str]:
        if self._read is not None and self._read[0] == offset:
            return self._read
        statements = self._statements(offset)
        rows: list[Any] = []
        total, digest = 0, ""
        if statements is not None:
            page, totals = statements
            n = len(ROW_COLUMNS)
            with compiled_cursor() as cursor:
                cursor.execute(*page)
                found = cursor.fetchall()
                if found:
                    rows = [ListRow._make(r[:n]) for r in found]
                    total, digest = found[0][n], found[0][n + 1]
                else:  # no contract on this page: how many there are, on their own
                    cursor.execute(*totals)
                    total, digest = cursor.fetchone()
        self._read = (offset, rows, total, digest)
        return self._read

    def __len__(self) -> int:
        return self._load(self.offset)[2]

    def __getitem__(self, page: slice) -> list[Any]:
        return self._load(page.start or 0)[1]

    @property
    def providers_digest(self) -> str:
        return self._load(self._read[0] if self._read else self.offset)[3]


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
