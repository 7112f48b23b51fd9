"""Side-by-side comparison of up to four offers, and its XLSX export."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import DEFERRED
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from offers import selectors
from offers.models import (
    AnswerKind,
    DeclarationAnswer,
    DeclarationQuestion,
    TariffAddOn,
    TariffUnit,
)
from offers.permissions import offers_visible_to
from partnership import formats
from partnership.exports import XlsxWorkbook


@dataclass
class QuestionRow:
    question: DeclarationQuestion
    answers: list  # one answer row (or None) per offer, in offer order
    differs: bool = False
    extra_vs_included: bool = False


@dataclass
class Comparison:
    year: int
    offers: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    addons: dict = field(default_factory=dict)  # offer id → list of add-ons of the current tariff
    vat: dict = field(default_factory=dict)  # offer id → VAT included

    @property
    def differing_count(self) -> int:
        return sum(1 for r in self.rows if r.differs)


# What the comparison shows of each offer besides its own fields, as one JSON column of the
# offers' own query (the ORM's correlated subqueries and a query per list cost more in Django
# than in the database: 3.2-3.6x as long, 18-25 ms against 5.6-7 ms p50 for four offers on
# the bench data): a JSON array in the order of _OFFER_ATTRS. The year's and last year's latest published main
# tariff, the latest vacancy report (the id settles a tie) and the add-ons agree with
# selectors.with_current_tariff(); tests/offers/test_offer_page_queries.py checks that. Prices go as text (a JSON number
# would become a float). It names the outer query's table ("offers_offer").
_OFFER_SQL = """
SELECT jsonb_build_array(
  ARRAY(SELECT p.code FROM offers_legalparagraph p
        JOIN offers_offer_paragraphs op ON op.legalparagraph_id = p.id
        WHERE op.offer_id = "offers_offer"."id" ORDER BY p."order", p.code),
  ARRAY(SELECT g.name FROM offers_targetgroup g
        JOIN offers_offer_target_groups og ON og.targetgroup_id = g.id
        WHERE og.offer_id = "offers_offer"."id" ORDER BY g."order", g.name),
  ARRAY(SELECT jsonb_build_object('question', a.question_id, 'answer', a.answer,
                                  'price', a.price::text, 'unit', a.unit)
        FROM offers_declarationanswer a WHERE a.offer_id = "offers_offer"."id" ORDER BY a.id),
  (SELECT v.vacant FROM offers_vacancyreport v WHERE v.offer_id = "offers_offer"."id"
   ORDER BY v.reported_on DESC, v.created_at DESC, v.id DESC LIMIT 1),
  cur.id, cur.price::text, cur.unit, cur.version, cur.vat_included,
  prev.price::text, prev.unit,
  ARRAY(SELECT jsonb_build_object('name', ad.name, 'price', ad.price::text, 'unit', ad.unit)
        FROM offers_tariffaddon ad WHERE ad.tariff_id = cur.id ORDER BY ad.id)
)::text
FROM (SELECT 1) one
LEFT JOIN LATERAL (
  SELECT t.id, t.price, t.unit, t.version, t.vat_included FROM offers_tariff t
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
    "previous_price",
    "previous_unit",
    "addon_rows",
)


def _money(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def build_comparison(user, ids: list[int], year: int) -> Comparison:
    cmp = Comparison(year=year)
    if not ids:
        return cmp
    visible = offers_visible_to(user).filter(pk__in=ids).select_related("provider", "municipality")
    offers = list(
        visible.annotate(
            cmp_row=RawSQL(_OFFER_SQL, (year, year)),
            cmp_reference=RawSQL(_REFERENCE_SQL, (year,)),
        )
    )
    if not offers:
        return cmp
    rows = [(o.pk, *json.loads(o.cmp_row)) for o in offers]
    question_rows, rate = json.loads(offers[0].cmp_reference)
    questions = [_question(q) for q in question_rows]
    by_id = {o.pk: o for o in offers}
    answer_kinds = selectors._labels(DeclarationAnswer, "answer")
    answer_units = selectors._labels(DeclarationAnswer, "unit")
    addon_units = selectors._labels(TariffAddOn, "unit")
    for pk, *values in rows:
        o = by_id[pk]
        for name, value in zip(_OFFER_ATTRS, values, strict=True):
            setattr(o, name, value)
        o.tariff_price, o.previous_price = _money(o.tariff_price), _money(o.previous_price)
        o.answers_by_question = {}
        for a in o.answer_rows:
            a["price"] = _money(a["price"])
            a["answer_label"] = answer_kinds.get(a["answer"], a["answer"])
            a["unit_label"] = answer_units.get(a["unit"], a["unit"])
            a["display"] = selectors.answer_display(a)
            o.answers_by_question[a["question"]] = a
        o.addon_list = []
        for a in o.addon_rows:
            a["price"] = _money(a["price"])
            a["unit_label"] = addon_units.get(a["unit"], a["unit"])
            o.addon_list.append(a)
    cmp.offers = selectors.decorate(
        [by_id[i] for i in ids if i in by_id], year, rate=None if rate is None else Decimal(rate)
    )
    for o in cmp.offers:
        if o.tariff_id:
            cmp.addons[o.pk] = o.addon_list
            cmp.vat[o.pk] = o.tariff_vat
        o.vat_included = cmp.vat.get(o.pk)
    for q in questions:
        answers = [o.answers_by_question.get(q.pk) for o in cmp.offers]
        kinds = {a["answer"] if a else None for a in answers}
        row = QuestionRow(question=q, answers=answers)
        row.differs = len(cmp.offers) > 1 and len(kinds) > 1
        row.extra_vs_included = AnswerKind.EXTRA in kinds and AnswerKind.INCLUDED in kinds
        cmp.rows.append(row)
    return cmp


@dataclass
class SummaryColumn:
    """One offer's texts in the comparison's summary rows, written once here as plain text
    (templates/offers/_compare_summary.html escapes and prints them): numbers Danish
    (partnership.formats)."""

    provider: str
    ownership: str
    city: str
    municipality: str
    paragraphs: str
    target_groups: str
    age_min: str
    age_max: str
    places: str
    vacant: str
    educated: str
    tariff_value: str  # a number for a data attribute (machine-readable, not shown)
    tariff: str
    monthly_value: str
    monthly: str
    vat: str
    change: str
    over_pl: bool
    addons: list[tuple[str, str, str]]  # (name, price text with its space or "", unit)


def summary_columns(cmp: Comparison) -> list[SummaryColumn]:
    """The texts of the comparison's summary rows, one column per offer, written here once
    rather than by template filters per offer and row (they were most of the page's
    rendering)."""

    def dash(value, fmt=formats.number):
        return "–" if value is None else fmt(value, 0)

    def raw(value):
        return "" if value is None else str(value)

    per_day, per_month = _("pr. døgn"), _("pr. måned")
    vat = {None: "–", True: _("Inkl. moms"), False: _("Uden moms")}

    def tariff(o):
        if o.tariff_price is None:
            return "–"
        unit = per_day if o.tariff_unit == TariffUnit.DAY else per_month
        return f"{formats.kr(o.tariff_price)} {unit}"

    return [
        SummaryColumn(
            provider=o.provider.name,
            ownership=o.provider.get_ownership_form_display().lower(),
            city=o.city,
            municipality=o.municipality.name,
            paragraphs=", ".join(o.paragraph_codes),
            target_groups=", ".join(o.target_group_names),
            age_min=formats.number(o.age_min, 0),
            age_max=formats.number(o.age_max, 0),
            places=formats.number(o.places, 0),
            vacant=dash(o.vacant),
            educated=dash(o.educated_staff_percent, formats.pct),
            tariff_value=raw(o.tariff_price),
            tariff=tariff(o),
            monthly_value=raw(o.monthly_price),
            monthly=formats.kr(o.monthly_price),
            vat=vat[o.vat_included],
            change="–" if o.change_percent is None else formats.signed_pct(o.change_percent),
            over_pl=o.change_percent is not None and bool(o.pl_flag),
            addons=[
                (
                    a["name"],
                    f"{formats.kr(a['price'])} " if a["price"] is not None else "",
                    a["unit_label"],
                )
                for a in o.addon_list
            ],
        )
        for o in cmp.offers
    ]


def _question(row: dict) -> DeclarationQuestion:
    """A question from its JSON row, as if loaded by the ORM (a field missing from the row
    would be deferred, not wrong)."""
    fields = DeclarationQuestion._meta.concrete_fields
    values = [row.get(f.attname, DEFERRED) for f in fields]
    return DeclarationQuestion.from_db(connection.alias, [f.attname for f in fields], values)


def _answer_text(answer) -> str:
    if answer is None:
        return _("Ikke besvaret")
    text = answer["answer_label"]
    if answer["answer"] == AnswerKind.EXTRA and answer["price"] is not None:
        text += f" ({formats.kr(answer['price'])} {answer['unit_label']})"
    elif answer["answer"] == AnswerKind.EXTRA:
        text += f" ({answer['unit_label']})"
    return text


def comparison_xlsx(cmp: Comparison) -> bytes:
    """The comparison as a workbook: numbers as numbers with Danish-style formats."""
    book = XlsxWorkbook()
    ws = book.sheet(_("Sammenligning"))
    money = formats.XLSX_KR
    ws.style(ws.append([_("Sammenligning af tilbud"), *[o.name for o in cmp.offers]]), bold=True)
    rows: list[tuple[str, list, str | None]] = [
        (_("Leverandør"), [o.provider.name for o in cmp.offers], None),
        (_("Beliggenhedskommune"), [o.municipality.name for o in cmp.offers], None),
        (
            _("Lovgrundlag"),
            [", ".join(o.paragraph_codes) for o in cmp.offers],
            None,
        ),
        (
            _("Målgrupper"),
            [", ".join(o.target_group_names) for o in cmp.offers],
            None,
        ),
        (_("Pladser"), [o.places for o in cmp.offers], formats.XLSX_WHOLE),
        (_("Ledige pladser"), [o.vacant for o in cmp.offers], formats.XLSX_WHOLE),
        (_("Takstår"), [cmp.year if o.tariff_id else None for o in cmp.offers], formats.XLSX_WHOLE),
        (_("Takst (som angivet)"), [o.tariff_price for o in cmp.offers], money),
        (_("Enhed"), [str(dict(_unit_labels()).get(o.tariff_unit, "")) for o in cmp.offers], None),
        (_("Månedspris (normaliseret)"), [o.monthly_price for o in cmp.offers], money),
        (_("Inkl. moms"), [_yes_no(o.vat_included) for o in cmp.offers], None),
        (
            _("Ændring fra sidste år (%)"),
            [o.change_percent for o in cmp.offers],
            formats.XLSX_SIGNED_PCT,
        ),
        (_("Over PL-satsen"), [_yes_no(o.pl_flag) for o in cmp.offers], None),
    ]
    for label, values, fmt in rows:
        cells = ws.append([label, *[float(v) if isinstance(v, Decimal) else v for v in values]])
        ws.style(cells[1:], number_format=fmt)
    ws.append([])
    ws.style(ws.append([_("Tillægsydelser")]), bold=True)
    max_addons = max((len(o.addon_list) for o in cmp.offers), default=0)
    for i in range(max_addons):
        row = [f"{_('Tillæg')} {i + 1}"]
        for o in cmp.offers:
            a = o.addon_list[i] if i < len(o.addon_list) else None
            row.append(
                f"{a['name']}: {formats.kr(a['price'])} {a['unit_label']}"
                if a and a["price"] is not None
                else (f"{a['name']}: {a['unit_label']}" if a else None)
            )
        ws.append(row)
    ws.append([])
    ws.style(ws.append([_("Ydelsesdeklaration"), *[""] * len(cmp.offers)])[:1], bold=True)
    for r in cmp.rows:
        cells = ws.append([r.question.text, *[_answer_text(a) for a in r.answers]])
        if r.differs:
            ws.style(cells, fill="FFF2CC")
    ws.set_width(1, 42)
    for col in range(2, 2 + len(cmp.offers)):
        ws.set_width(col, 32)
    ws.style(ws.cells(), wrap=True)
    ws.freeze("B2")
    return book.to_bytes()


def _yes_no(value) -> str | None:
    if value is None:
        return None
    return _("Ja") if value else _("Nej")


def _unit_labels():
    return TariffUnit.choices
