"""Reads on offers that several features share: the year's current tariff, last year's and
the latest vacancy as annotations, the change from last year and the PL flag, and choice
labels. The search (offers.search.selectors), the offer page (offers.detail.selectors), the
comparison, the tariff watch and the reports build on them. A list issues a fixed number of
queries whatever the number of rows."""

from __future__ import annotations

import functools
from decimal import Decimal

from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone, translation

from partnership.templatetags.portal import kr

from .models import (
    AnswerKind,
    Offer,
    RegulationRate,
    Tariff,
    TariffStatus,
    TariffUnit,
    VacancyReport,
    normalise_monthly,
)

MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)


def current_year() -> int:
    return timezone.localdate().year


def published_tariffs(year: int):
    return Tariff.objects.filter(
        offer=OuterRef("pk"), year=year, status=TariffStatus.PUBLISHED
    ).order_by("-version")


def _monthly_price(year: int) -> Subquery:
    """The year's latest published main tariff as a monthly price (døgn × 365/12), in SQL."""
    monthly = published_tariffs(year).annotate(
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
    )
    return Subquery(monthly.values("m")[:1], output_field=MONEY_FIELD)


def _latest_vacancy():
    """The newest report (the id settles a tie, as offers_currentvacancy does)."""
    return VacancyReport.objects.filter(offer=OuterRef("pk")).order_by(
        "-reported_on", "-created_at", "-pk"
    )


def with_current_tariff(qs: QuerySet[Offer], year: int) -> QuerySet[Offer]:
    """Annotate the year's latest published main tariff, last year's, the normalised
    monthly price, and the latest vacancy report."""
    current = published_tariffs(year)
    previous = published_tariffs(year - 1)
    vacancy = _latest_vacancy()
    return qs.annotate(
        tariff_id=Subquery(current.values("pk")[:1]),
        tariff_price=Subquery(current.values("price")[:1], output_field=MONEY_FIELD),
        tariff_unit=Subquery(current.values("unit")[:1]),
        tariff_version=Subquery(current.values("version")[:1]),
        previous_price=Subquery(previous.values("price")[:1], output_field=MONEY_FIELD),
        previous_unit=Subquery(previous.values("unit")[:1]),
        vacant=Subquery(vacancy.values("vacant")[:1]),
        vacancy_date=Subquery(vacancy.values("reported_on")[:1]),
        monthly_price=_monthly_price(year),
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


def regulation_rates() -> dict[int, Decimal]:
    return dict(RegulationRate.objects.values_list("year", "rate"))


_FETCH = object()


def decorate(offers, year: int, *, rate=_FETCH) -> list[Offer]:
    """Add change_percent and pl_flag to annotated offers (no queries but one for the rate;
    none if the caller passes the year's `rate`, None for no rate)."""
    if rate is _FETCH:
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


def _labels(model, field: str) -> dict[str, str]:
    """A field's choice labels in the active language (get_FOO_display() rebuilds the choices
    and their lazy translations on every call). Read only: the dict is shared."""
    return _labels_in(model, field, translation.get_language())


@functools.cache
def _labels_in(model, field: str, language: str | None) -> dict[str, str]:
    with translation.override(language):
        return {value: str(label) for value, label in model._meta.get_field(field).flatchoices}


def answer_display(answer: dict) -> str:
    """A declaration answer row as the pages show it: "Mod betaling: 616,00 kr. pr. time"."""
    if answer["answer"] != AnswerKind.EXTRA:
        return answer["answer_label"]
    price = f": {kr(answer['price'])}" if answer["price"] is not None else ""
    return f"{answer['answer_label']}{price} {answer['unit_label']}"
