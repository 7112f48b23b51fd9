"""Side-by-side comparison of up to four offers, and its XLSX export.

Every row of the page is built here once (ComparisonRow: a label, one Cell per offer with
the text the page shows and the value behind it, and whether the offers differ), so the
page marks a difference in every row that compares (prices, VAT, occupancy, overhead,
places, staffing, quality, add-ons, the declaration) and the XLSX writes the same rows,
every number a number cell with a Danish number format.

The offers stand in the search's order for `sorter=price` (offers.filters.PRICE_ORDER): the
comparable price lowest first (monthly, excluding VAT: offers.pricing.comparable_price, as
offers_currentprice holds it), then name; an offer without a tariff for the year last.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import DEFERRED
from django.db.models.expressions import RawSQL
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from offers import declarations, extensions, filters, selectors
from offers.models import (
    AnswerKind,
    DeclarationQuestion,
    PriceUnit,
    TariffAddOn,
    TariffUnit,
)
from offers.permissions import offers_visible_to
from partnership import dashboard, formats
from partnership.exports import XlsxWorkbook

from .session import COMPARE_MAX

DASH = "–"  # nothing to show


@dataclass
class QuestionRow:
    question: DeclarationQuestion
    answers: list  # one answer row (or None) per offer, in offer order
    differs: bool = False
    extra_vs_included: bool = False


@dataclass
class Cell:
    """One offer's cell in a row: the text the page shows, and the value the XLSX writes
    (a number where the cell is one, else text; None: empty)."""

    text: str
    value: Any = None
    tag: str = ""  # a warning after the text ("Over PL")
    html: str = ""  # safe HTML from another app (quality), shown instead of the text

    @property
    def number(self) -> str:
        """The value as a machine-readable number (a data attribute, not shown), or ""."""
        if isinstance(self.value, Decimal | int) and not isinstance(self.value, bool):
            return str(self.value)
        return ""


@dataclass
class ComparisonRow:
    key: str
    label: str
    cells: list[Cell]
    # The XLSX number format of the values (None: text).
    number_format: str | None = None
    # False for the rows that name the offer (provider, location): not compared.
    compared: bool = True
    differs: bool = False
    # The XLSX rows when they are not the cells' values (a number per row): (label, values,
    # number format).
    export: list[tuple[str, list, str | None]] | None = None

    def xlsx_rows(self) -> list[tuple[str, list, str | None]]:
        if self.export is not None:
            return self.export
        if self.number_format:  # numbers, or empty
            return [(self.label, [c.value for c in self.cells], self.number_format)]
        texts = [c.value if c.value is not None else c.text for c in self.cells]
        return [(self.label, [None if t == DASH else t for t in texts], None)]


@dataclass
class Comparison:
    year: int
    offers: list = field(default_factory=list)
    summary: list[ComparisonRow] = field(default_factory=list)  # the offer and its tariff
    addons: list[ComparisonRow] = field(default_factory=list)  # one row per add-on
    rows: list[QuestionRow] = field(default_factory=list)  # the service declaration
    missing: int = 0  # ids asked for that are not offers the person may see

    @property
    def differing_count(self) -> int:
        return sum(1 for r in (*self.summary, *self.addons, *self.rows) if r.differs)

    @property
    def ids(self) -> list[int]:
        return [o.pk for o in self.offers]


_OFFER_SQL = """
SELECT jsonb_build_array(
  ARRAY(SELECT p.code FROM offers_legalparagraph p
        JOIN offers_offer_paragraphs op ON op.legalparagraph_id = p.id
        WHERE op.offer_id = "offers_offer"."id" ORDER BY p."order", p.code),
  ARRAY(SELECT g.name FROM offers_targetgroup g
        JOIN offers_offer_target_groups og ON og.targetgroup_id = g.id
        WHERE og.offer_id = "offers_offer"."id" ORDER BY g."order", g.name),
  ARRAY(SELECT jsonb_build_object('question', a.question_id, 'answer', a.answer,
                                  'option', o.label, 'price', a.price::text, 'unit', a.unit)
        FROM offers_tariffdeclarationanswer a
        LEFT JOIN offers_declarationoption o ON o.id = a.option_id
        WHERE a.tariff_id = cur.id
        UNION ALL
        SELECT jsonb_build_object('question', a.question_id, 'answer', a.answer,
                                  'option', o.label, 'price', a.price::text, 'unit', a.unit)
        FROM offers_declarationanswer a
        LEFT JOIN offers_declarationoption o ON o.id = a.option_id
        WHERE a.offer_id = "offers_offer"."id" AND NOT EXISTS (
          SELECT 1 FROM offers_tariffdeclarationanswer k WHERE k.tariff_id = cur.id)),
  (SELECT v.vacant FROM offers_vacancyreport v WHERE v.offer_id = "offers_offer"."id"
   ORDER BY v.reported_on DESC, v.created_at DESC, v.id DESC LIMIT 1),
  cur.id, cur.price::text, cur.unit, cur.version, cur.vat_included,
  cur.occupancy_percent::text, cur.overhead_amount::text,
  prev.price::text, prev.unit,
  ARRAY(SELECT jsonb_build_object('name', ad.name, 'price', ad.price::text, 'unit', ad.unit)
        FROM offers_tariffaddon ad WHERE ad.tariff_id = cur.id ORDER BY ad.id)
)::text
FROM (SELECT 1) one
LEFT JOIN LATERAL (
  SELECT t.id, t.price, t.unit, t.version, t.vat_included, t.occupancy_percent,
         t.overhead_amount FROM offers_tariff t
  WHERE t.offer_id = "offers_offer"."id" AND t.year = %s AND t.status = 'published'
  ORDER BY t.version DESC LIMIT 1) cur ON true
LEFT JOIN LATERAL (
  SELECT t.price, t.unit FROM offers_tariff t
  WHERE t.offer_id = "offers_offer"."id" AND t.year = %s - 1 AND t.status = 'published'
  ORDER BY t.version DESC LIMIT 1) prev ON true
"""
# The active questions and the year's PL rate: the same for every offer (PostgreSQL runs
# this uncorrelated subquery once per query).
_REFERENCE_SQL = """
SELECT jsonb_build_array(
  ARRAY(SELECT jsonb_build_object('id', q.id, 'key', q.key, 'group', q."group", 'text', q.text,
                                  'help_text', q.help_text, 'order', q."order",
                                  'is_active', q.is_active)
        FROM offers_declarationquestion q WHERE q.is_active ORDER BY q."order", q.key),
  (SELECT r.rate::text FROM offers_regulationrate r WHERE r.year = %s)
)::text
"""
_OFFER_ATTRS = (
    "paragraph_codes",
    "target_group_names",
    "answer_rows",
    "vacant",
    "tariff_id",
    "tariff_price",
    "tariff_unit",
    "tariff_version",
    "tariff_vat",
    "tariff_occupancy",
    "tariff_overhead",
    "previous_price",
    "previous_unit",
    "addon_rows",
)


def _money(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def parse_ids(values: Iterable[str]) -> tuple[list[int], bool]:
    """The offer ids of a shared comparison's address (?id=1&id=5), in the order given,
    each once, at most COMPARE_MAX; and whether anything was left out (not a number, or
    more than COMPARE_MAX)."""
    ids: list[int] = []
    dropped = False
    for value in values:
        if value == "":
            continue
        try:
            pk = int(value)
        except (TypeError, ValueError):
            dropped = True
            continue
        if pk <= 0 or pk > 2**63 - 1:
            dropped = True
        elif pk not in ids:
            ids.append(pk)
    if len(ids) > COMPARE_MAX:
        return ids[:COMPARE_MAX], True
    return ids, dropped


# --- The page, its table cached -----------------------------------------------------------
# How long a drawn table may stay unused in the cache: a change makes a new key, so this only
# bounds the memory that old ones hold.
CACHE_SECONDS = 15 * 60

# Everything the table draws of each offer the person may see among the ids, as the rows'
# text (one query, no JSON parsed): the offer's columns, its provider and municipality, its
# current price, and _OFFER_SQL's row (paragraphs, target groups, the declaration's answers,
# the vacancy, the year's and last year's tariffs with their add-ons); with the reference
# (active questions, the PL rate) once. A change of any of them moves the digest.
_DIGEST_SQL = f"""
SELECT "offers_offer".id, md5(concat_ws('|', "offers_offer"::text, pr::text, mu::text,
  cp::text, ({_OFFER_SQL}))), ({_REFERENCE_SQL})
FROM offers_offer "offers_offer"
JOIN partnership_organisation pr ON pr.id = "offers_offer".provider_id
JOIN partnership_organisation mu ON mu.id = "offers_offer".municipality_id
LEFT JOIN offers_currentprice cp ON cp.offer_id = "offers_offer".id AND cp.year = %s
WHERE "offers_offer".id IN ({{visible}})
ORDER BY "offers_offer".id
"""


@dataclass
class ComparedOffer:
    """An offer in the page's head (its name, link and removal), from the cache."""

    pk: int
    name: str
    url: str
    remove_url: str = ""

    def get_absolute_url(self) -> str:
        return self.url


@dataclass
class ComparisonPage:
    """What offers/compare.html shows: the offers in price order, the number of rows that
    differ, and the table's body as drawn (templates/offers/_compare_body.html)."""

    offers: list[ComparedOffer]
    differing_count: int
    body: str
    missing: int = 0

    @property
    def ids(self) -> list[int]:
        return [o.pk for o in self.offers]


def _page_key(user, ids: Sequence[int], year: int) -> tuple[str, list[int]]:
    """The cache key of the drawn table (a digest of everything it draws, of the offers the
    person may see among the ids: two queries, this one and the extensions' digests) and
    those offers' ids."""
    visible = offers_visible_to(user).filter(pk__in=ids).values("pk")
    visible_sql, visible_params = visible.query.sql_with_params()
    # Prepared (its text is the same for the person's comparisons of as many offers):
    # planning it was half its time, 1.1 of 2.2 ms on the bench's four offers.
    with dashboard.compiled_cursor() as cursor:
        cursor.execute(
            _DIGEST_SQL.format(visible=visible_sql),
            [year, year, year, year, *visible_params],
        )
        rows = cursor.fetchall()
    shown = [row[0] for row in rows]
    content = repr(
        (
            year,
            translation.get_language(),
            len(set(ids)),
            [(pk, digest) for pk, digest, _reference in rows],
            rows[0][2] if rows else None,
            extensions.compare_digests(shown) if shown else [],
        )
    )
    digest = hashlib.blake2b(content.encode(), digest_size=16).hexdigest()
    return f"offers-compare:{digest}", shown


def comparison_page(user, ids: Sequence[int], year: int) -> ComparisonPage:
    """The comparison as the page shows it: from the cache when nothing it draws has changed
    (two queries), else built (build_comparison) and drawn once."""
    if not ids:
        return ComparisonPage([], 0, "")
    key, shown = _page_key(user, ids, year)
    missing = len(set(ids)) - len(shown)
    if not shown:
        return ComparisonPage([], 0, "", missing)
    entry = cache.get(key)
    if entry is None:
        cmp = build_comparison(user, ids, year)
        entry = {
            "offers": [(o.pk, o.name, o.get_absolute_url()) for o in cmp.offers],
            "differing_count": cmp.differing_count,
            "body": render_to_string("offers/_compare_body.html", {"cmp": cmp}),
        }
        cache.set(key, entry, CACHE_SECONDS)
    return ComparisonPage(
        [ComparedOffer(*o) for o in entry["offers"]],
        entry["differing_count"],
        mark_safe(entry["body"]),  # drawn by the template above  # noqa: S308
        missing,
    )


def build_comparison(user, ids: Sequence[int], year: int) -> Comparison:
    """The offers with these ids that the person may see, in price order, with every row
    of the page (extension rows, such as quality, included)."""
    cmp = Comparison(year=year)
    if not ids:
        return cmp
    visible = offers_visible_to(user).filter(pk__in=ids).select_related("provider", "municipality")
    # The comparable price from offers_currentprice and the search's order by price.
    ordered = filters.with_current_price(visible, year).order_by(*filters.PRICE_ORDER)
    offers = list(
        ordered.annotate(
            cmp_row=RawSQL(_OFFER_SQL, (year, year)),
            cmp_reference=RawSQL(_REFERENCE_SQL, (year,)),
        )
    )
    cmp.missing = len(set(ids)) - len(offers)
    if not offers:
        return cmp
    question_rows, rate = json.loads(offers[0].cmp_reference)
    questions = [_question(q) for q in question_rows]
    addon_units = selectors._labels(TariffAddOn, "unit")
    for o in offers:
        for name, value in zip(_OFFER_ATTRS, json.loads(o.cmp_row), strict=True):
            setattr(o, name, value)
        o.tariff_price, o.previous_price = _money(o.tariff_price), _money(o.previous_price)
        o.tariff_occupancy = _money(o.tariff_occupancy)
        o.tariff_overhead = _money(o.tariff_overhead)
        o.addon_list = []
        for a in o.addon_rows:
            a["price"] = _money(a["price"])
            a["unit_label"] = addon_units.get(a["unit"], a["unit"])
            o.addon_list.append(a)
    cmp.offers = selectors.decorate(offers, year, rate=None if rate is None else Decimal(rate))
    cmp.summary = _summary_rows(cmp, extensions.compare_rows(cmp.offers, user))
    cmp.addons = _addon_rows(cmp.offers)
    cmp.rows = declaration_rows(cmp.offers, questions, declaration_answers(cmp.offers, year))
    return cmp


# --- The service declaration ----------------------------------------------------------------


def declaration_answers(offers: list, year: int) -> dict[int, dict[int, dict]]:
    """What the comparison's declaration rows read: per offer, question id → its answer
    (offers.declarations.decorate: labels and display). The answers kept with the compared
    tariff (the year's latest published version, `year`), read with the offers in _OFFER_SQL
    (answer_rows); an offer without a tariff that kept its declaration shows its answers
    as they are now."""
    return {
        o.pk: {a["question"]: a for a in declarations.decorate([dict(a) for a in o.answer_rows])}
        for o in offers
    }


def declaration_rows(
    offers: list, questions: list[DeclarationQuestion], answers: dict[int, dict[int, dict]]
) -> list[QuestionRow]:
    rows = []
    for q in questions:
        per_offer = [answers.get(o.pk, {}).get(q.pk) for o in offers]
        kinds = {a["answer"] if a else None for a in per_offer}
        shown = {a["display"] if a else None for a in per_offer}
        row = QuestionRow(question=q, answers=per_offer)
        # An answer, or the price of an extra, that is not the same everywhere.
        row.differs = len(offers) > 1 and len(shown) > 1
        row.extra_vs_included = AnswerKind.EXTRA in kinds and AnswerKind.INCLUDED in kinds
        rows.append(row)
    return rows


# --- The offer and its tariff ----------------------------------------------------------------


def _mark(row: ComparisonRow, n: int) -> ComparisonRow:
    """A compared row differs when its cells do (their values, or their texts where a cell
    has no value; for another app's row, its numbers)."""
    if not row.compared or n < 2:
        return row
    if row.export is not None:
        row.differs = any(len({_same(v) for v in values}) > 1 for _l, values, _f in row.export)
    else:
        row.differs = (
            len({_same(c.value if c.value is not None else c.text) for c in row.cells}) > 1
        )
    return row


def _same(value: Any) -> Any:
    """Values compared as the page shows them: 2500 and 2500.00 are the same."""
    return value.normalize() if isinstance(value, Decimal) else value


def _summary_rows(cmp: Comparison, extra: list[extensions.CompareRow]) -> list[ComparisonRow]:
    offers = cmp.offers
    dash = DASH
    per_day, per_month = _("pr. døgn"), _("pr. måned")
    with_vat, without_vat = _("Inkl. moms"), _("Uden moms")
    years = _("år")

    def unit_text(o) -> str:
        return per_day if o.tariff_unit == TariffUnit.DAY else per_month

    def number(value, fmt=formats.number, decimals=0) -> Cell:
        return Cell(dash if value is None else fmt(value, decimals), value)

    def money(value, suffix: str = "") -> Cell:
        if value is None:
            return Cell(dash)
        return Cell(f"{formats.kr(value)}{suffix}", value)

    def tariff(o) -> Cell:
        if o.tariff_price is None:
            return Cell(_("Ingen offentliggjort takst"))
        return Cell(f"{formats.kr(o.tariff_price)} {unit_text(o)}", o.tariff_price)

    def vat(o) -> Cell:
        if o.tariff_price is None:
            return Cell(dash)
        return Cell(with_vat if o.tariff_vat else without_vat)

    def overhead(o) -> Cell:
        if o.tariff_overhead is None:
            return Cell(dash if o.tariff_price is None else _("Ikke oplyst"))
        return Cell(f"{formats.kr(o.tariff_overhead)} {unit_text(o)}", o.tariff_overhead)

    def overhead_share(o) -> Decimal | None:
        if o.tariff_overhead is None or not o.tariff_price:
            return None
        return (o.tariff_overhead / o.tariff_price * 100).quantize(Decimal("0.1"))

    def change(o) -> Cell:
        if o.change_percent is None:
            return Cell(dash)
        flagged = bool(o.pl_flag)
        return Cell(
            formats.signed_pct(o.change_percent),
            o.change_percent,
            tag=_("Over PL") if flagged else "",
        )

    tariff_label = _("Takst %(year)s (som angivet)") % {"year": cmp.year}

    def row(key, label, cells, fmt=None, **kw) -> ComparisonRow:
        return ComparisonRow(key, label, list(cells), fmt, **kw)

    rows = [
        row(
            "provider",
            _("Leverandør"),
            [Cell(o.provider.name, o.provider.name) for o in offers],
            compared=False,
        ),
        row(
            "ownership",
            _("Ejerform"),
            [Cell(o.provider.get_ownership_form_display()) for o in offers],
        ),
        row(
            "location",
            _("Beliggenhed"),
            [Cell(f"{o.city}, {o.municipality.name}") for o in offers],
            compared=False,
            export=[
                (_("By"), [o.city for o in offers], None),
                (_("Beliggenhedskommune"), [o.municipality.name for o in offers], None),
            ],
        ),
        row("paragraphs", _("Lovgrundlag"), [Cell(", ".join(o.paragraph_codes)) for o in offers]),
        row(
            "target_groups",
            _("Målgrupper"),
            [Cell(", ".join(o.target_group_names)) for o in offers],
        ),
        row(
            "age",
            _("Alder"),
            [Cell(f"{o.age_min}–{o.age_max} {years}", (o.age_min, o.age_max)) for o in offers],
            export=[
                (_("Alder fra (år)"), [o.age_min for o in offers], formats.XLSX_WHOLE),
                (_("Alder til (år)"), [o.age_max for o in offers], formats.XLSX_WHOLE),
            ],
        ),
        row("places", _("Pladser"), [number(o.places) for o in offers], formats.XLSX_WHOLE),
        row("vacant", _("Ledige pladser"), [number(o.vacant) for o in offers], formats.XLSX_WHOLE),
        row("staffing", _("Normering"), [Cell(o.staffing or dash) for o in offers]),
        row(
            "educated",
            _("Personale med relevant uddannelse"),
            [number(o.educated_staff_percent, formats.pct) for o in offers],
            formats.XLSX_PCT,
        ),
        row(
            "tariff",
            tariff_label,
            [tariff(o) for o in offers],
            formats.XLSX_KR,
            export=[
                (tariff_label, [o.tariff_price for o in offers], formats.XLSX_KR),
                (
                    _("Enhed"),
                    [unit_text(o) if o.tariff_price is not None else None for o in offers],
                    None,
                ),
            ],
        ),
        row("vat", _("Moms"), [vat(o) for o in offers]),
        row(
            "comparable",
            _("Månedspris ekskl. moms (sammenligningsgrundlag)"),
            [money(o.comparable_price) for o in offers],
            formats.XLSX_KR,
        ),
        row(
            "monthly",
            _("Månedspris som angivet"),
            [
                money(o.monthly_price, f" ({(with_vat if o.tariff_vat else without_vat).lower()})")
                for o in offers
            ],
            formats.XLSX_KR,
        ),
        row(
            "occupancy",
            _("Budgetteret belægning"),
            [number(o.tariff_occupancy, formats.pct, 1) for o in offers],
            formats.XLSX_PCT,
        ),
        row(
            "overhead",
            _("Heraf central ledelse og administration"),
            [overhead(o) for o in offers],
            formats.XLSX_KR,
        ),
        row(
            "overhead_share",
            _("Central ledelse og administration i % af taksten"),
            [number(overhead_share(o), formats.pct, 1) for o in offers],
            formats.XLSX_PCT,
        ),
        row(
            "change",
            _("Ændring fra sidste år"),
            [change(o) for o in offers],
            export=[
                (
                    _("Ændring fra sidste år (%)"),
                    [o.change_percent for o in offers],
                    formats.XLSX_SIGNED_PCT,
                ),
                (
                    _("Over PL-satsen"),
                    [None if o.change_percent is None else _yes_no(o.pl_flag) for o in offers],
                    None,
                ),
            ],
        ),
    ]
    for i, e in enumerate(extra):
        rows.append(
            row(
                f"extension-{i}",
                e.label,
                [Cell("", html=html) for html in e.cells],
                export=[(label, values, fmt) for label, values, fmt in e.values],
            )
        )
    return [_mark(r, len(offers)) for r in rows]


def _addon_rows(offers: list) -> list[ComparisonRow]:
    """One row per add-on (by name and unit, in the order the offers list them), its price
    in each offer that has it."""
    individual = dict(PriceUnit.choices)[PriceUnit.INDIVIDUAL]
    order: list[tuple[str, str]] = []
    by_offer: dict[tuple[str, str], dict[int, dict]] = {}
    for o in offers:
        for a in o.addon_list:
            key = (a["name"], a["unit_label"])
            if key not in by_offer:
                order.append(key)
            by_offer.setdefault(key, {}).setdefault(o.pk, a)
    rows = []
    for name, unit in order:
        cells = []
        for o in offers:
            a = by_offer[(name, unit)].get(o.pk)
            if a is None:
                cells.append(Cell(_("Ikke i taksten") if o.tariff_id else "–"))
            elif a["price"] is None:
                cells.append(Cell(str(individual).capitalize(), str(individual).capitalize()))
            else:
                cells.append(Cell(f"{formats.kr(a['price'])} {unit}", a["price"]))
        label = name if unit == individual else f"{name} ({unit})"
        rows.append(
            _mark(ComparisonRow(f"addon-{len(rows)}", label, cells, formats.XLSX_KR), len(offers))
        )
    return rows


def _question(row: dict) -> DeclarationQuestion:
    """A question from its JSON row, as if loaded by the ORM (a field missing from the row
    would be deferred, not wrong)."""
    fields = DeclarationQuestion._meta.concrete_fields
    values = [row.get(f.attname, DEFERRED) for f in fields]
    return DeclarationQuestion.from_db(connection.alias, [f.attname for f in fields], values)


def _yes_no(value) -> str | None:
    if value is None:
        return None
    return _("Ja") if value else _("Nej")


# --- The XLSX -----------------------------------------------------------------------------

DIFFERS_FILL = "FFF2CC"


def comparison_xlsx(cmp: Comparison) -> bytes:
    """The comparison as a workbook with every row of the page: each number a number cell
    with a Danish-style format (kr. with 2 decimals, %), differences filled, set up to print
    on one page width (landscape, the labels repeated on every page)."""
    book = XlsxWorkbook()
    ws = book.sheet(_("Sammenligning"))
    n = len(cmp.offers)
    ws.style(ws.append([_("Sammenligning af tilbud"), *[o.name for o in cmp.offers]]), bold=True)

    def write(label, values, fmt, differs=False) -> None:
        values = [float(v) if isinstance(v, Decimal) else v for v in values]
        cells = ws.append([label, *values])
        ws.style(cells[1:], number_format=fmt)
        if differs:
            ws.style(cells, fill=DIFFERS_FILL)

    def section(title: str) -> None:
        ws.append([])
        ws.style(ws.append([title]), bold=True)

    write(_("Takstår"), [cmp.year if o.tariff_id else None for o in cmp.offers], formats.XLSX_WHOLE)
    for r in cmp.summary:
        for label, values, fmt in r.xlsx_rows():
            write(label, values, fmt, r.differs)
    if cmp.addons:
        section(_("Tillægsydelser"))
        for r in cmp.addons:
            for label, values, fmt in r.xlsx_rows():
                write(label, values, fmt, r.differs)
    section(_("Ydelsesdeklaration: hvad dækker taksten?"))
    for q in cmp.rows:
        label = q.question.text
        write(label, [_answer_text(a) for a in q.answers], None, q.differs)
        priced = [a["price"] if a and a["answer"] == AnswerKind.EXTRA else None for a in q.answers]
        if any(p is not None for p in priced):
            write(f"{label}: {_('pris ved tilkøb')}", priced, formats.XLSX_KR, q.differs)
    ws.set_width(1, 42)
    for col in range(2, 2 + n):
        ws.set_width(col, 28)
    ws.style(ws.cells(), wrap=True)
    ws.freeze("B2")
    ws.fit_to_width(landscape=True, title_rows="1:1", title_columns="A:A")
    return book.to_bytes()


def _answer_text(answer) -> str:
    """A declaration answer as text without its price (the price is a number row of its own)."""
    if answer is None:
        return _("Ikke besvaret")
    text = answer["answer_label"]
    if answer["answer"] == AnswerKind.EXTRA and answer["unit_label"]:
        text += f" ({answer['unit_label']})"
    return text
