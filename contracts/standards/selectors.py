"""Reads of the standard contracts: the versions of each kind, one version with its
clauses and what changed from the version before, the published version a new contract
uses, and the PL rate the price regulation clause names."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from contracts.diff import Diff, word_diff
from contracts.models import ContractTemplate, TemplateClause, TemplateKind, TemplateStatus
from offers.selectors import regulation_rates
from partnership.permissions import AnyUser

from .permissions import templates_visible_to

# The clause of KL's structure on price regulation (the same number in all three kinds):
# the template page shows the PL rate of the latest economy agreement beside it.
PL_CLAUSE_NUMBER = "4"


@dataclass
class KindVersions:
    kind: str
    label: str
    published: ContractTemplate | None = None
    draft: ContractTemplate | None = None
    older: list[ContractTemplate] = field(default_factory=list)


def versions_by_kind(user: AnyUser) -> list[KindVersions]:
    """Each of KL's three kinds with its published version, its draft (the secretariat's)
    and the versions it replaced, newest first. One query."""
    rows = {kind: KindVersions(kind=kind, label=str(label)) for kind, label in TemplateKind.choices}
    for template in templates_visible_to(user).order_by("kind", "-published_at", "-pk"):
        row = rows[template.kind]
        if template.status == TemplateStatus.PUBLISHED:
            row.published = template
        elif template.status == TemplateStatus.DRAFT:
            row.draft = template
        else:
            row.older.append(template)
    return list(rows.values())


def published_version(kind: str) -> ContractTemplate | None:
    """The version of the kind new contracts are made from."""
    return ContractTemplate.objects.filter(kind=kind, status=TemplateStatus.PUBLISHED).first()


def draft_of(kind: str) -> ContractTemplate | None:
    return ContractTemplate.objects.filter(kind=kind, status=TemplateStatus.DRAFT).first()


def compared_with(template: ContractTemplate) -> ContractTemplate | None:
    """What a version is shown against: a draft against the published version of its kind,
    a published or replaced version against the version it was drafted from."""
    if template.status == TemplateStatus.DRAFT:
        return published_version(template.kind)
    return template.previous


@dataclass
class ClauseRow:
    clause: TemplateClause
    # Against the version compared with; None where there is none or nothing changed.
    diff: Diff | None = None
    changeable_before: bool | None = None  # set where the flag changed
    summary_before: bool | None = None  # set where the summary marking changed
    is_new: bool = False

    @property
    def changed(self) -> bool:
        return bool(
            self.is_new
            or self.diff is not None
            or self.changeable_before is not None
            or self.summary_before is not None
        )


def clause_rows(template: ContractTemplate, other: ContractTemplate | None) -> list[ClauseRow]:
    """The version's clauses in order, each with its changes from `other` (matched by
    number): a word diff of the text, the changeable flag and the summary marking."""
    before = {c.number: c for c in other.clauses.all()} if other is not None else {}
    rows = []
    for clause in template.clauses.all():
        row = ClauseRow(clause=clause)
        old = before.get(clause.number)
        if other is not None and old is None:
            row.is_new = True
        elif old is not None:
            if old.text != clause.text:
                row.diff = word_diff(old.text, clause.text)
            if old.changeable != clause.changeable:
                row.changeable_before = old.changeable
            if old.is_summary != clause.is_summary:
                row.summary_before = old.is_summary
        rows.append(row)
    return rows


@dataclass(frozen=True)
class PlUprating:
    year: int
    rate: Decimal


def pl_uprating() -> PlUprating | None:
    """The PL rate of the latest economy agreement held in reference data (the latest
    year of offers.RegulationRate), which the price regulation clause applies."""
    rates = regulation_rates()
    if not rates:
        return None
    year = max(rates)
    return PlUprating(year=year, rate=rates[year])
