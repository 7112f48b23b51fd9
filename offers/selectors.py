"""Reads on offers that need care: what a person may see, the current tariff and the
latest vacancy as annotations, full-text search. A list issues a fixed number of queries
whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from .models import (
    DeclarationAnswer,
    Offer,
    RegulationRate,
    Tariff,
    TariffStatus,
    TariffUnit,
    VacancyReport,
    normalise_monthly,
)
from .permissions import offers_visible_to

# PostgreSQL only: a stored generated tsvector column with a GIN index (migration 0002),
# so ranking does not re-parse every match's text.


FTS_DOCUMENT = "offers_offer.search_document"

MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)


def current_year() -> int:
    return timezone.localdate().year


def published_tariffs(year: int):
    return Tariff.objects.filter(
        offer=OuterRef("pk"), year=year, status=TariffStatus.PUBLISHED
    ).order_by("-version")


def with_current_tariff(qs: QuerySet[Offer], year: int) -> QuerySet[Offer]:
    """Annotate the year's latest published main tariff, last year's, the normalised
    monthly price, and the latest vacancy report."""
    current = published_tariffs(year)
    previous = published_tariffs(year - 1)
    monthly = current.annotate(
        m=Case(
            When(
                unit=TariffUnit.DAY,
                then=ExpressionWrapper(
                    F("price") * Value(Decimal(365)) / Value(Decimal(12)), output_field=MONEY_FIELD
                ),
            ),
            default=F("price"),
            output_field=MONEY_FIELD,
        )
    ).values("m")[:1]
    vacancy = VacancyReport.objects.filter(offer=OuterRef("pk")).order_by(
        "-reported_on", "-created_at"
    )
    return qs.annotate(
        tariff_id=Subquery(current.values("pk")[:1]),
        tariff_price=Subquery(current.values("price")[:1], output_field=MONEY_FIELD),
        tariff_unit=Subquery(current.values("unit")[:1]),
        tariff_version=Subquery(current.values("version")[:1]),
        previous_price=Subquery(previous.values("price")[:1], output_field=MONEY_FIELD),
        previous_unit=Subquery(previous.values("unit")[:1]),
        vacant=Subquery(vacancy.values("vacant")[:1]),
        vacancy_date=Subquery(vacancy.values("reported_on")[:1]),
        monthly_price=Subquery(monthly, output_field=MONEY_FIELD),
    )


def change_percent(price, unit, previous_price, previous_unit) -> Decimal | None:
    """Change from last year's published main tariff in %, on the monthly-normalised price."""
    if price is None or previous_price is None:
        return None
    now = normalise_monthly(Decimal(price), unit)
    before = normalise_monthly(Decimal(previous_price), previous_unit)
    if not before:
        return None
    return ((now - before) / before * 100).quantize(Decimal("0.1"))


@dataclass
class SearchParams:
    q: str = ""
    paragraphs: list | None = None
    target_groups: list | None = None
    municipality: object | None = None
    ownership: str = ""
    age: int | None = None
    vacancies: bool = False
    provider: str = ""
    branch: object | None = None
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    sort: str = "relevance"
    year: int | None = None


def search_offers(user, params: SearchParams) -> QuerySet[Offer]:
    year = params.year or current_year()
    qs = offers_visible_to(user).filter(status="published")
    # Filters through the M2M tables as subqueries: no DISTINCT over every column.
    if params.paragraphs:
        qs = qs.filter(
            pk__in=Offer.paragraphs.through.objects.filter(
                legalparagraph__in=params.paragraphs
            ).values("offer_id")
        )
    if params.target_groups:
        qs = qs.filter(
            pk__in=Offer.target_groups.through.objects.filter(
                targetgroup__in=params.target_groups
            ).values("offer_id")
        )
    if params.municipality:
        qs = qs.filter(municipality=params.municipality)
    if params.ownership:
        qs = qs.filter(provider__ownership_form=params.ownership)
    if params.age is not None:
        qs = qs.filter(age_min__lte=params.age, age_max__gte=params.age)
    if params.provider.strip():
        v = params.provider.strip()
        qs = qs.filter(Q(provider__slug=v) | Q(provider__cvr=v) | Q(provider__name__icontains=v))
    if params.branch:
        qs = qs.filter(provider__branch_organisation=params.branch)
    qs = with_current_tariff(qs, year)
    if params.vacancies:
        qs = qs.filter(vacant__gt=0)
    if params.price_min is not None:
        qs = qs.filter(monthly_price__gte=params.price_min)
    if params.price_max is not None:
        qs = qs.filter(monthly_price__lte=params.price_max)
    has_rank = False
    if params.q.strip():
        qs, has_rank = _full_text(qs, params.q.strip())
    qs = qs.select_related(
        "provider", "municipality", "provider__branch_organisation"
    ).prefetch_related("paragraphs", "target_groups")
    order = {
        "price": [F("monthly_price").asc(nulls_last=True), "name"],
        "price_desc": [F("monthly_price").desc(nulls_last=True), "name"],
        "name": ["name", "pk"],
        "vacancies": [F("vacant").desc(nulls_last=True), "name"],
    }.get(params.sort)
    if order is None:
        order = ["-rank", "name"] if has_rank else ["name", "pk"]
    return qs.order_by(*order)


def _full_text(qs, q: str):
    if connection.vendor == "postgresql":
        qs = qs.annotate(
            rank=RawSQL(f"ts_rank({FTS_DOCUMENT}, websearch_to_tsquery('danish', %s))", (q,))
        ).extra(where=[f"{FTS_DOCUMENT} @@ websearch_to_tsquery('danish', %s)"], params=[q])
        return qs, True
    # SQLite (make run): every word must appear in the name, methods or description.
    for word in q.split():
        qs = qs.filter(
            Q(name__icontains=word) | Q(methods__icontains=word) | Q(description__icontains=word)
        )
    return qs, False


def regulation_rates() -> dict[int, Decimal]:
    return dict(RegulationRate.objects.values_list("year", "rate"))


def decorate(offers, year: int) -> list[Offer]:
    """Add change_percent and pl_flag to annotated offers (no queries but one for the rate)."""
    rate = RegulationRate.objects.filter(year=year).values_list("rate", flat=True).first()
    rows = list(offers)
    for o in rows:
        o.change_percent = change_percent(
            o.tariff_price, o.tariff_unit, o.previous_price, o.previous_unit
        )
        # Exact Decimal arithmetic for what people read (the SQL value is for sorting).
        o.monthly_price = (
            normalise_monthly(Decimal(o.tariff_price), o.tariff_unit)
            if o.tariff_price is not None
            else None
        )
        o.tariff_price = (
            Decimal(o.tariff_price).quantize(Decimal("0.01"))
            if o.tariff_price is not None
            else None
        )
        o.previous_monthly = (
            normalise_monthly(o.previous_price, o.previous_unit)
            if o.previous_price is not None
            else None
        )
        o.pl_rate = rate
        o.pl_flag = o.change_percent is not None and rate is not None and o.change_percent > rate
    return rows


def offer_for_page(user, pk: int) -> Offer:
    return (
        offers_visible_to(user)
        .select_related("provider", "municipality", "provider__branch_organisation")
        .prefetch_related(
            "paragraphs",
            "target_groups",
            "photos",
            "documents",
            Prefetch(
                "declaration_answers",
                queryset=DeclarationAnswer.objects.select_related("question").order_by(
                    "question__order"
                ),
            ),
        )
        .get(pk=pk)
    )


def tariff_history(offer: Offer) -> list[Tariff]:
    """Every published version, newest first, with change from the previous year's
    latest published version and the PL flag."""
    tariffs = list(
        offer.tariffs.filter(status=TariffStatus.PUBLISHED)
        .prefetch_related("addons")
        .order_by("-year", "-version")
    )
    rates = regulation_rates()
    latest_by_year: dict[int, Tariff] = {}
    for t in tariffs:
        latest_by_year.setdefault(t.year, t)
    for t in tariffs:
        prev = latest_by_year.get(t.year - 1)
        t.change = change_percent(t.price, t.unit, prev.price, prev.unit) if prev else None
        t.pl_rate = rates.get(t.year)
        t.pl_flag = t.change is not None and t.pl_rate is not None and t.change > t.pl_rate
        t.is_current = latest_by_year[t.year] is t
    return tariffs


def tariffs_above_pl(year: int) -> list[Offer]:
    qs = with_current_tariff(Offer.objects.filter(status="published"), year).select_related(
        "provider"
    )
    rows = [
        o
        for o in decorate(qs.filter(tariff_id__isnull=False, previous_price__isnull=False), year)
        if o.pl_flag
    ]
    return sorted(rows, key=lambda o: o.change_percent, reverse=True)
