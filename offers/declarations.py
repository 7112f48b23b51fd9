"""The service declaration that goes with a tariff: what a year's price includes.

Publishing a tariff version keeps the declaration answers in force with it (the database
does it: migration offers/0012, ``TariffDeclarationAnswer``). Pages read it here, in one
place:

* ``decorate()``: answer rows (JSON rows from the offer page's query, or the comparison's)
  with their labels and the text the pages show (``offers.selectors.answer_display``).
* ``for_year()``: the declaration of a tariff year (its latest published version), each
  answer marked where it differs from last year's, and whether the year has a kept
  declaration at all (versions published before the portal kept them have none).
* ``changes()``: answer by answer, what differs between two declarations (the marks above,
  and the "what changes when you publish" list of a tariff draft).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from offers.models import DeclarationAnswer, Offer, Tariff, TariffDeclarationAnswer
from offers.selectors import _labels, answer_display


class PageOffer(Protocol):
    """What for_year() reads of offers.detail.selectors.offer_for_page()'s offer."""

    published_list: list[Tariff]
    answer_list: list[dict[str, Any]]
    tariff_declarations: dict[int, list[dict[str, Any]]]


Row = dict[str, Any]


def decorate(rows: list[Row]) -> list[Row]:
    """Labels and display text on declaration rows (price as text in, Decimal out)."""
    answers = _labels(DeclarationAnswer, "answer")
    units = _labels(DeclarationAnswer, "unit")
    for a in rows:
        if isinstance(a.get("price"), str):
            a["price"] = Decimal(a["price"])
        a["answer_label"] = answers.get(a["answer"], a["answer"])
        a["unit_label"] = units.get(a["unit"], a["unit"])
        a["display"] = answer_display(a)
    return rows


def _rows_from(answers: Iterable[DeclarationAnswer | TariffDeclarationAnswer]) -> list[Row]:
    return decorate(
        [
            {
                "question": a.question_id,
                "text": a.question.text,
                "group": a.question.group,
                "answer": a.answer,
                "option": a.option.label if a.option else None,
                "price": a.price,
                "unit": a.unit,
                "note": a.note,
            }
            for a in answers
        ]
    )


def live(offer: Offer) -> list[Row]:
    """The offer's answers now (to the active questions): what the next tariff keeps."""
    return _rows_from(
        offer.declaration_answers.filter(question__is_active=True)
        .select_related("question", "option")
        .order_by("question__order", "question__key")
    )


def kept(tariff: Tariff) -> list[Row]:
    """The declaration kept with a published tariff (empty: none was kept)."""
    return _rows_from(
        tariff.declaration.select_related("question", "option").order_by(
            "question__order", "question__key"
        )
    )


def _key(a: Row) -> tuple:
    """What an answer says (the note is a remark, not a change of what is included)."""
    return (a["answer"], a.get("option"), a.get("price"), a.get("unit"))


@dataclass
class Change:
    text: str  # the question
    before: str | None  # None: not answered before
    after: str | None  # None: not answered now


def changes(before: list[Row], after: list[Row]) -> list[Change]:
    """The questions whose answer differs, in the order of `after` (then those only in
    `before`)."""
    old = {a["question"]: a for a in before}
    new = {a["question"]: a for a in after}
    result = [
        Change(a["text"], old[q]["display"] if q in old else None, a["display"])
        for q, a in new.items()
        if q not in old or _key(old[q]) != _key(a)
    ]
    result += [Change(a["text"], a["display"], None) for q, a in old.items() if q not in new]
    return result


def grouped(rows: list[Row]) -> OrderedDict[str, list[Row]]:
    """The answers per question group, in order (offers/_declaration_rows.html writes them)."""
    groups: OrderedDict[str, list[Row]] = OrderedDict()
    for a in rows:
        groups.setdefault(a["group"], []).append(a)
    return groups


@dataclass
class YearDeclaration:
    """The declaration shown with a tariff year on the offer page."""

    year: int | None
    tariff: Tariff | None  # the year's latest published version
    previous: Tariff | None  # last year's, when it has a kept declaration
    kept: bool  # False: no declaration was kept with this tariff (rows are today's answers)
    rows: list[Row] = field(default_factory=list)
    years: list[int] = field(default_factory=list)  # years with a published tariff

    @property
    def groups(self) -> OrderedDict[str, list[Row]]:
        return grouped(self.rows)

    @property
    def changed_count(self) -> int:
        return sum(1 for a in self.rows if a.get("before") is not None)


def for_year(offer: PageOffer, year: int | None) -> YearDeclaration:
    """The declaration kept with `year`'s latest published tariff, each answer marked with
    last year's (``before``: last year's text, where it differs). Without a published
    tariff for the year, or a version published before the portal kept declarations: the
    offer's answers as they are now (``kept`` False)."""
    latest: dict[int, Tariff] = {}
    for t in offer.published_list:  # newest first
        latest.setdefault(t.year, t)
    years = sorted(latest, reverse=True)
    tariff = latest.get(year) if year is not None else None
    kept = tariff is not None and tariff.pk in offer.tariff_declarations
    if not kept:
        return YearDeclaration(year, tariff, None, False, offer.answer_list, years)
    assert tariff is not None
    rows = [dict(a) for a in offer.tariff_declarations[tariff.pk]]
    previous = latest.get(tariff.year - 1)
    if previous is not None and previous.pk in offer.tariff_declarations:
        before = {c.text: c.before for c in changes(offer.tariff_declarations[previous.pk], rows)}
        for a in rows:
            if a["text"] in before:
                a["before"] = before[a["text"]] or "–"
    else:
        previous = None
    return YearDeclaration(tariff.year, tariff, previous, True, rows, years)
