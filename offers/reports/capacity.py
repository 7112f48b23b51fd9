"""Kapacitetsoverblik: places and vacancies per paragraph × target group, with the trend
of vacancies over the last 12 month ends."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from offers.models import Offer, OfferStatus, VacancyReport
from partnership.permissions import can_buy, is_secretariat

from . import charts
from .filters import _placement


@dataclass
class CapacityRow:
    paragraph: str
    target_group: str
    offers: int = 0
    places: int = 0
    vacant: int = 0
    without_report: int = 0


@dataclass
class CapacitySection:
    paragraph: str
    rows: list[CapacityRow]

    @property
    def offers(self) -> int:
        return sum(r.offers for r in self.rows)

    @property
    def places(self) -> int:
        return sum(r.places for r in self.rows)

    @property
    def vacant(self) -> int:
        return sum(r.vacant for r in self.rows)


@dataclass
class Capacity:
    today: date
    sections: list[CapacitySection]
    trend: list[tuple[date, int]]
    chart: charts.ReportChart | None

    @property
    def offers(self) -> int:
        return sum(s.offers for s in self.sections)

    @property
    def places(self) -> int:
        return sum(s.places for s in self.sections)

    @property
    def vacant(self) -> int:
        return sum(s.vacant for s in self.sections)

    @property
    def without_report(self) -> int:
        return sum(r.without_report for s in self.sections for r in s.rows)


def month_ends(today: date, months: int = 12) -> list[date]:
    """The last day of each of the last `months` months, oldest first; the current month's
    point is today."""
    ends = []
    first_of_month = today.replace(day=1)
    for _i in range(months):
        end = min(today, _next_month(first_of_month) - timedelta(days=1))
        ends.append(end)
        first_of_month = (first_of_month - timedelta(days=1)).replace(day=1)
    return list(reversed(ends))


def _next_month(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def vacancy_trend(ends: list[date]) -> list[tuple[date, int]]:
    """For each date: the sum over published offers of each offer's latest vacancy report
    on or before that date (reports in the order the offer page reads them)."""
    reports = (
        VacancyReport.objects.filter(offer__status=OfferStatus.PUBLISHED, reported_on__lte=ends[-1])
        .order_by("reported_on", "created_at", "pk")
        .values_list("offer_id", "reported_on", "vacant")
    )
    latest: dict[int, int] = {}
    points = []
    it = iter(reports)
    pending = next(it, None)
    for end in ends:
        while pending is not None and pending[1] <= end:
            latest[pending[0]] = pending[2]
            pending = next(it, None)
        points.append((end, sum(latest.values())))
    return points


def capacity_overview(today: date | None = None) -> Capacity:
    """Places and vacancies of published offers per paragraph × target group, each offer
    placed once, from each offer's latest vacancy report."""
    today = today or timezone.localdate()
    latest = VacancyReport.objects.filter(offer=OuterRef("pk")).order_by(
        "-reported_on", "-created_at", "-pk"
    )
    offers = (
        Offer.objects.filter(status=OfferStatus.PUBLISHED)
        .annotate(latest_vacant=Subquery(latest.values("vacant")[:1]))
        .prefetch_related("paragraphs", "target_groups")
    )
    cells: dict[tuple, CapacityRow] = {}
    for o in offers:
        paragraph, _others = _placement(list(o.paragraphs.all()), [])
        group, _others = _placement(list(o.target_groups.all()), [])
        key = (
            (paragraph.order, paragraph.code) if paragraph else (10**9, ""),
            (group.order, group.name) if group else (10**9, ""),
        )
        row = cells.setdefault(
            key,
            CapacityRow(
                paragraph=paragraph.code if paragraph else _("Uden lovgrundlag"),
                target_group=group.name if group else _("Uden målgruppe"),
            ),
        )
        row.offers += 1
        row.places += o.places
        if o.latest_vacant is None:
            row.without_report += 1
        else:
            row.vacant += o.latest_vacant
    sections: OrderedDict[tuple, CapacitySection] = OrderedDict()
    for key in sorted(cells):
        row = cells[key]
        sections.setdefault(key[0], CapacitySection(paragraph=row.paragraph, rows=[])).rows.append(
            row
        )
    trend = vacancy_trend(month_ends(today))
    chart = charts.capacity_chart(
        trend,
        title=_("Ledige pladser i regionen ved hvert månedsskifte"),
        chart_id="kapacitet-udvikling",
    )
    return Capacity(today=today, sections=list(sections.values()), trend=trend, chart=chart)


def can_view_capacity(user) -> bool:
    return is_secretariat(user) or can_buy(user)
