"""Extension points on the offer page and the comparison, so that apps built on offers
(quality) can add to them without offers importing those apps.

- An offer panel: fn(offer, user) -> safe HTML or "" (shown on the offer page).
- A comparison row: fn(offers, user) -> CompareRow (or a tuple (label, [safe HTML per
  offer])) or None. A CompareRow's `values` are the numbers behind the cells: the
  comparison marks the row when they differ between the offers, and its XLSX export writes
  them as number cells (offers.compare.comparison). Registered with a digest function
  (CompareDigest) of the data the row draws: the comparison's table is cached under it.
Each function must issue a fixed number of queries whatever the number of offers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class CompareRow:
    """A row of the comparison from another app: a label, safe HTML per offer, and the
    numbers behind it as (label, [number or None per offer], XLSX number format) rows."""

    label: str
    cells: list[str]
    values: list[tuple[str, list[Decimal | int | None], str]] = field(default_factory=list)


OfferPanel = Callable[[object, object], str]
CompareRowFunction = Callable[[list, object], "CompareRow | tuple[str, list[str]] | None"]
# A digest of everything a comparison row draws for these offer ids (one query): the
# comparison's table is cached under it, so every change of what the row shows must move it.
CompareDigest = Callable[[list[int]], str]

_offer_panels: dict[str, OfferPanel] = {}
_compare_rows: dict[str, CompareRowFunction] = {}
_compare_digests: dict[str, CompareDigest] = {}


def register_offer_panel(key: str, fn: OfferPanel) -> None:
    _offer_panels[key] = fn


def register_compare_row(key: str, fn: CompareRowFunction, digest: CompareDigest) -> None:
    _compare_rows[key] = fn
    _compare_digests[key] = digest


def offer_panels(offer, user) -> list[str]:
    return [html for fn in _offer_panels.values() if (html := fn(offer, user))]


def compare_rows(offers, user) -> list[CompareRow]:
    rows = []
    for fn in _compare_rows.values():
        row = fn(offers, user)
        if isinstance(row, tuple):
            row = CompareRow(*row)
        if row:
            rows.append(row)
    return rows


def compare_digests(offer_ids: list[int]) -> list[str]:
    """The digests of the comparison rows' data (CompareDigest), in the rows' order."""
    return [f"{key}:{fn(offer_ids)}" for key, fn in _compare_digests.items()]
