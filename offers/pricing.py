"""Tariff arithmetic, each rule written once: the monthly price, the comparable price (monthly,
excluding VAT), the change from last year, the PL flag and the PL path. The offer page, the
search (its sorting and price filter on the comparable price, in SQL through the database
functions below), the comparison, the tariff watch (*Takster over
PL*), the import's warning, the takstoversigt and the takstudvikling all call these;
tests/offers/test_pricing.py states the rules with examples and holds the database to the
same numbers as Python.

* **Monthly price.** Tariffs are per døgn or per måned; to compare them a day tariff is
  normalised to a month: price × 365 / 12 (an average month of a year that is not a leap
  year, 30,4166… days, as the municipalities' budgets count a year of 365 days), rounded
  half up to øre, the way every price the portal shows is rounded, and as PostgreSQL's
  ROUND does. A month tariff is its own monthly price.
* **Comparable price** (what the search sorts and filters on and the comparison orders
  by): the monthly price **excluding VAT**. A tariff states whether it includes VAT
  (Tariff.vat_included, 25 % Danish moms); one that does is divided by 1,25, one without
  VAT is taken as it is. Excluding, not including, VAT: a tariff "uden moms" is either from a
  provider that is not VAT-liable (a municipal or regional offer: no VAT will ever be added)
  or quoted before VAT, and the tariff does not say which, so adding 25 % to it would be a
  guess; taking VAT out of a tariff that includes it is not. It is also what the offer costs
  a municipality, whose budgets are kept without VAT (the VAT it pays is refunded through
  the momsudligningsordning). The pages show the price as stated, and whether it includes
  VAT, beside it. Computed from the exact monthly price in one division (price × 365 × 4 /
  (12 × 5) for a day tariff with VAT) and rounded half up to øre once, as
  PostgreSQL's ROUND does; the database function offers_comparable_price(price, unit,
  vat_included) (migration offers/0009) is its twin, and offers_currentprice keeps it.
* **Change from last year** in %: this year's monthly price against last year's latest
  published one (monthly, so a change of unit is not a price change), rounded half up to
  one decimal, as shown.
* **Above PL**: a tariff whose change, as shown, is larger than the year's PL rate is
  flagged for dialogue (not a verdict). No previous tariff or no rate: no flag.
* **PL path**: how far prices may have grown from a first year: the product of
  (1 + rate / 100) over every year after it, a year without a rate counting as 0 %.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import DecimalField, Func

# The tariff units as stored (offers.models.TariffUnit uses these).
PER_DAY = "day"
PER_MONTH = "month"

DAYS_PER_YEAR = 365
# Danish VAT (moms) is 25 %: a price including it is the price without × 5 / 4.
VAT_NUMERATOR, VAT_DENOMINATOR = 5, 4
MONTHS_PER_YEAR = 12
CENT = Decimal("0.01")
TENTH = Decimal("0.1")
HUNDRED = Decimal(100)

Number = Decimal | int | str


def round_kr(amount: Decimal) -> Decimal:
    """An amount rounded half up to øre."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def monthly_price(price: Number, unit: str | None) -> Decimal:
    """A per-døgn price × 365 / 12, a monthly price as it is; in kr. and øre."""
    amount = Decimal(price)
    if unit == PER_DAY:
        amount = amount * DAYS_PER_YEAR / MONTHS_PER_YEAR
    return round_kr(amount)


def comparable_price(price: Number, unit: str | None, vat_included: bool | None) -> Decimal:
    """The monthly price excluding VAT, the one basis on which offers are compared and
    sorted (see the module's notes): per døgn × 365 / 12, a price including VAT × 4 / 5,
    in one division, rounded half up to øre."""
    numerator, denominator = Decimal(price), 1
    if unit == PER_DAY:
        numerator, denominator = numerator * DAYS_PER_YEAR, denominator * MONTHS_PER_YEAR
    if vat_included:
        numerator, denominator = numerator * VAT_DENOMINATOR, denominator * VAT_NUMERATOR
    return round_kr(numerator / denominator)


class ComparablePrice(Func):
    """comparable_price() as the database computes it: the function
    offers_comparable_price(price, unit, vat_included) (migration offers/0009), which the
    trigger that keeps offers_currentprice calls too; tests/offers/test_pricing.py checks that
    the two agree."""

    function = "offers_comparable_price"
    output_field = DecimalField(max_digits=14, decimal_places=2)

    def __init__(
        self, price: str = "price", unit: str = "unit", vat: str = "vat_included", **extra: Any
    ) -> None:
        super().__init__(price, unit, vat, **extra)


class MonthlyPrice(Func):
    """The monthly price as the database computes it, for sorting and filtering in SQL: the
    function offers_monthly_price(price, unit) (migration offers/0007), which the triggers
    that keep offers_currentprice call too. It is monthly_price() in SQL;
    tests/offers/test_pricing.py checks that the two agree."""

    function = "offers_monthly_price"
    output_field = DecimalField(max_digits=14, decimal_places=2)

    def __init__(self, price: str = "price", unit: str = "unit", **extra: Any) -> None:
        super().__init__(price, unit, **extra)


def change_between(before: Decimal, after: Decimal) -> Decimal | None:
    """`after` against `before` in %, rounded half up to one decimal (None from nothing)."""
    if not before:
        return None
    return ((after - before) / before * HUNDRED).quantize(TENTH, rounding=ROUND_HALF_UP)


def change_percent(
    price: Number | None,
    unit: str | None,
    previous_price: Number | None,
    previous_unit: str | None,
) -> Decimal | None:
    """The change from last year's published main tariff in %, on the monthly prices."""
    if price is None or previous_price is None:
        return None
    return change_between(
        monthly_price(previous_price, previous_unit or ""), monthly_price(price, unit or "")
    )


def above_pl(change: Decimal | None, rate: Decimal | None) -> bool:
    """Whether a change (as shown) is larger than the PL rate: flagged for dialogue."""
    return change is not None and rate is not None and change > rate


def pl_factors(rates: Mapping[int, Decimal], from_year: int, to_year: int) -> dict[int, Decimal]:
    """Year → how much prices may have grown from `from_year` to it: the product of
    (1 + rate / 100) of every year after `from_year` up to it (no rate: 0 %)."""
    factor = Decimal(1)
    factors = {from_year: factor}
    for year in range(from_year + 1, to_year + 1):
        factor *= 1 + (rates.get(year) or Decimal(0)) / HUNDRED
        factors[year] = factor
    return factors


def pl_path(
    start: Decimal, rates: Mapping[int, Decimal], from_year: int, to_year: int
) -> list[tuple[int, Decimal]]:
    """Where a price of `start` in `from_year` would be each year if it rose only with the
    PL rates, in kr. and øre."""
    return [(y, round_kr(start * f)) for y, f in pl_factors(rates, from_year, to_year).items()]


def index_series(values: Sequence[Decimal]) -> list[Decimal]:
    """The values as an index with the first = 100, to one decimal (the takstudvikling's
    index chart and table); empty when the first is not above 0."""
    if not values or values[0] <= 0:
        return []
    return [(v / values[0] * HUNDRED).quantize(TENTH, rounding=ROUND_HALF_UP) for v in values]


def allowed_change(rates: Mapping[int, Decimal], from_year: int, to_year: int) -> Decimal:
    """The rise in % the PL rates allow from `from_year` to `to_year`, to one decimal."""
    factor = pl_factors(rates, from_year, to_year)[to_year]
    return ((factor - 1) * HUNDRED).quantize(TENTH, rounding=ROUND_HALF_UP)
