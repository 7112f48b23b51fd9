"""Extension points on the offer page and the comparison, so that apps built on offers
(quality) can add to them without offers importing those apps.

- An offer panel: fn(offer, user) -> safe HTML or "" (shown on the offer page).
- A comparison row: fn(offers, user) -> (label, [safe HTML per offer]) or None.
Each function must issue a fixed number of queries whatever the number of offers."""

from __future__ import annotations

from collections.abc import Callable

OfferPanel = Callable[[object, object], str]
CompareRow = Callable[[list, object], tuple[str, list[str]] | None]

_offer_panels: dict[str, OfferPanel] = {}
_compare_rows: dict[str, CompareRow] = {}


def register_offer_panel(key: str, fn: OfferPanel) -> None:
    _offer_panels[key] = fn


def register_compare_row(key: str, fn: CompareRow) -> None:
    _compare_rows[key] = fn


def offer_panels(offer, user) -> list[str]:
    return [html for fn in _offer_panels.values() if (html := fn(offer, user))]


def compare_rows(offers, user) -> list[tuple[str, list[str]]]:
    return [row for fn in _compare_rows.values() if (row := fn(offers, user))]
