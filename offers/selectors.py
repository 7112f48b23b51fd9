"""Reads on offers that several features share: the year's current tariff, last year's and
the latest vacancy as annotations, the change from last year and the PL flag (computed by
offers.pricing), and choice labels. The search (offers.search.selectors), the offer page
(offers.detail.selectors), the comparison, the tariff watch and the reports build on them. A
list issues a fixed number of queries whatever the number of rows."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict, cast

from django.db.models import DecimalField, Field, Model, OuterRef, QuerySet, Subquery
from django.utils import timezone, translation

from partnership import formats

from . import pricing
from .models import AnswerKind, Offer, RegulationRate, Tariff, TariffStatus, VacancyReport

MONEY_FIELD: DecimalField[Decimal, Decimal] = DecimalField(max_digits=14, decimal_places=2)


class CurrentTariff(TypedDict):
    """What with_current_tariff() annotates on an offer."""

    tariff_id: int | None
    tariff_price: Decimal | None
    tariff_unit: str | None
    tariff_version: int | None
    tariff_vat: bool | None
    previous_price: Decimal | None
    previous_unit: str | None
    vacant: int | None
    vacancy_date: date | None
    monthly_price: Decimal | None
    comparable_price: Decimal | None


class Decorated(CurrentTariff):
    """What decorate() adds to an annotated offer."""

    change_percent: Decimal | None
    previous_monthly: Decimal | None
    pl_rate: Decimal | None
    pl_flag: bool


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    TariffOffer: TypeAlias = WithAnnotations[Offer, CurrentTariff]
    DecoratedOffer: TypeAlias = WithAnnotations[Offer, Decorated]


def current_year() -> int:
    return timezone.localdate().year


def published_tariffs(year: int) -> QuerySet[Tariff]:
    return Tariff.objects.filter(
        offer=OuterRef("pk"), year=year, status=TariffStatus.PUBLISHED
    ).order_by("-version")


def _monthly_price(year: int) -> Subquery:
    """The year's latest published main tariff as a monthly price, in SQL (offers.pricing)."""
    monthly = published_tariffs(year).annotate(m=pricing.MonthlyPrice())
    return Subquery(monthly.values("m")[:1], output_field=MONEY_FIELD)


def _latest_vacancy() -> QuerySet[VacancyReport]:
    """The newest report (the id settles a tie, as offers_currentvacancy does)."""
    return VacancyReport.objects.filter(offer=OuterRef("pk")).order_by(
        "-reported_on", "-created_at", "-pk"
    )


def _comparable_price(year: int) -> Subquery:
    """The year's latest published main tariff as a monthly price excluding VAT, in SQL
    (offers.pricing.comparable_price): what the search sorts and filters on."""
    comparable = published_tariffs(year).annotate(m=pricing.ComparablePrice())
    return Subquery(comparable.values("m")[:1], output_field=MONEY_FIELD)


def with_current_tariff(qs: QuerySet[Offer], year: int) -> QuerySet[TariffOffer]:
    """Annotate the year's latest published main tariff (with whether it includes VAT),
    last year's, the normalised monthly price, the comparable price (monthly, excluding
    VAT), and the latest vacancy report."""
    current = published_tariffs(year)
    previous = published_tariffs(year - 1)
    vacancy = _latest_vacancy()
    return qs.annotate(
        tariff_id=Subquery(current.values("pk")[:1]),
        tariff_price=Subquery(current.values("price")[:1], output_field=MONEY_FIELD),
        tariff_unit=Subquery(current.values("unit")[:1]),
        tariff_version=Subquery(current.values("version")[:1]),
        tariff_vat=Subquery(current.values("vat_included")[:1]),
        previous_price=Subquery(previous.values("price")[:1], output_field=MONEY_FIELD),
        previous_unit=Subquery(previous.values("unit")[:1]),
        vacant=Subquery(vacancy.values("vacant")[:1]),
        vacancy_date=Subquery(vacancy.values("reported_on")[:1]),
        monthly_price=_monthly_price(year),
        comparable_price=_comparable_price(year),
    )


def regulation_rates() -> dict[int, Decimal]:
    return dict(RegulationRate.objects.values_list("year", "rate"))


_FETCH = object()


def decorate(
    offers: Iterable[TariffOffer], year: int, *, rate: Decimal | None | object = _FETCH
) -> list[DecoratedOffer]:
    """Add change_percent and pl_flag to annotated offers (no queries but one for the rate;
    none if the caller passes the year's `rate`, None for no rate)."""
    if rate is _FETCH:
        rate = RegulationRate.objects.filter(year=year).values_list("rate", flat=True).first()
    pl_rate = cast("Decimal | None", rate)
    # The offers get the attributes of Decorated here.
    rows = cast("list[DecoratedOffer]", list(offers))
    for o in rows:
        o.change_percent = pricing.change_percent(
            o.tariff_price, o.tariff_unit, o.previous_price, o.previous_unit
        )
        # The same number as the SQL value the search sorts on (offers.pricing).
        o.monthly_price = (
            pricing.monthly_price(o.tariff_price, o.tariff_unit)
            if o.tariff_price is not None
            else None
        )
        o.comparable_price = (
            pricing.comparable_price(o.tariff_price, o.tariff_unit, o.tariff_vat)
            if o.tariff_price is not None
            else None
        )
        o.tariff_price = (
            Decimal(o.tariff_price).quantize(Decimal("0.01"))
            if o.tariff_price is not None
            else None
        )
        o.previous_monthly = (
            pricing.monthly_price(o.previous_price, o.previous_unit)
            if o.previous_price is not None
            else None
        )
        o.pl_rate = pl_rate
        o.pl_flag = pricing.above_pl(o.change_percent, pl_rate)
    return rows


def _labels(model: type[Model], field: str) -> dict[str, str]:
    """A field's choice labels in the active language (get_FOO_display() rebuilds the choices
    and their lazy translations on every call). Read only: the dict is shared."""
    return _labels_in(model, field, translation.get_language())


@functools.cache
def _labels_in(model: type[Model], field: str, language: str | None) -> dict[str, str]:
    with translation.override(language):
        choice_field = cast("Field[Any, Any]", model._meta.get_field(field))
        return {value: str(label) for value, label in choice_field.flatchoices}


def answer_display(answer: Mapping[str, Any]) -> str:
    """A declaration answer row as the pages show it: "Mod betaling: 616,00 kr. pr. time",
    with the chosen option first where the question has options: "Vågen nattevagt:
    Indeholdt i taksten"."""
    option = f"{answer['option']}: " if answer.get("option") else ""
    if answer["answer"] != AnswerKind.EXTRA:
        return f"{option}{answer['answer_label']}"
    price = f": {formats.kr(answer['price'])}" if answer["price"] is not None else ""
    return f"{option}{answer['answer_label']}{price} {answer['unit_label']}"
