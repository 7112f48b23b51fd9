"""Side-by-side comparison of up to four offers, and its XLSX export."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from . import selectors
from .models import AnswerKind, DeclarationAnswer, DeclarationQuestion, Tariff
from .permissions import offers_visible_to


@dataclass
class QuestionRow:
    question: DeclarationQuestion
    answers: list  # one DeclarationAnswer (or None) per offer, in offer order
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


def build_comparison(user, ids: list[int], year: int) -> Comparison:
    cmp = Comparison(year=year)
    if not ids:
        return cmp
    qs = (
        selectors.with_current_tariff(offers_visible_to(user).filter(pk__in=ids), year)
        .select_related("provider", "municipality")
        .prefetch_related(
            "paragraphs",
            "target_groups",
            Prefetch(
                "declaration_answers",
                queryset=DeclarationAnswer.objects.all(),
                to_attr="answer_list",
            ),
        )
    )
    by_id = {o.pk: o for o in selectors.decorate(qs, year)}
    cmp.offers = [by_id[i] for i in ids if i in by_id]
    tariffs = Tariff.objects.filter(
        pk__in=[o.tariff_id for o in cmp.offers if o.tariff_id]
    ).prefetch_related("addons")
    for t in tariffs:
        cmp.addons[t.offer_id] = list(t.addons.all())
        cmp.vat[t.offer_id] = t.vat_included
    for o in cmp.offers:
        o.addon_list = cmp.addons.get(o.pk, [])
        o.vat_included = cmp.vat.get(o.pk)
        o.answers_by_question = {a.question_id: a for a in o.answer_list}
    for q in DeclarationQuestion.objects.filter(is_active=True):
        answers = [o.answers_by_question.get(q.pk) for o in cmp.offers]
        kinds = {a.answer if a else None for a in answers}
        row = QuestionRow(question=q, answers=answers)
        row.differs = len(cmp.offers) > 1 and len(kinds) > 1
        row.extra_vs_included = AnswerKind.EXTRA in kinds and AnswerKind.INCLUDED in kinds
        cmp.rows.append(row)
    return cmp


def _answer_text(answer) -> str:
    if answer is None:
        return _("Ikke besvaret")
    text = answer.get_answer_display()
    if answer.answer == AnswerKind.EXTRA and answer.price is not None:
        text += f" ({answer.price} kr. {answer.get_unit_display()})"
    elif answer.answer == AnswerKind.EXTRA:
        text += f" ({answer.get_unit_display()})"
    return text


def comparison_xlsx(cmp: Comparison) -> bytes:
    """The comparison as a workbook: numbers as numbers with Danish-style formats."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = _("Sammenligning")
    bold = Font(bold=True)
    money = '#,##0.00 "kr."'
    ws.append([_("Sammenligning af tilbud"), *[o.name for o in cmp.offers]])
    for cell in ws[1]:
        cell.font = bold
    rows: list[tuple[str, list, str | None]] = [
        (_("Leverandør"), [o.provider.name for o in cmp.offers], None),
        (_("Beliggenhedskommune"), [o.municipality.name for o in cmp.offers], None),
        (
            _("Lovgrundlag"),
            [", ".join(p.code for p in o.paragraphs.all()) for o in cmp.offers],
            None,
        ),
        (
            _("Målgrupper"),
            [", ".join(g.name for g in o.target_groups.all()) for o in cmp.offers],
            None,
        ),
        (_("Pladser"), [o.places for o in cmp.offers], "0"),
        (_("Ledige pladser"), [o.vacant for o in cmp.offers], "0"),
        (_("Takstår"), [cmp.year if o.tariff_id else None for o in cmp.offers], "0"),
        (_("Takst (som angivet)"), [o.tariff_price for o in cmp.offers], money),
        (_("Enhed"), [str(dict(_unit_labels()).get(o.tariff_unit, "")) for o in cmp.offers], None),
        (_("Månedspris (normaliseret)"), [o.monthly_price for o in cmp.offers], money),
        (_("Inkl. moms"), [_yes_no(o.vat_included) for o in cmp.offers], None),
        (_("Ændring fra sidste år (%)"), [o.change_percent for o in cmp.offers], "0.0"),
        (_("Over PL-satsen"), [_yes_no(o.pl_flag) for o in cmp.offers], None),
    ]
    for label, values, fmt in rows:
        ws.append([label, *[float(v) if isinstance(v, Decimal) else v for v in values]])
        if fmt:
            for cell in ws[ws.max_row][1:]:
                cell.number_format = fmt
    ws.append([])
    ws.append([_("Tillægsydelser")])
    ws[ws.max_row][0].font = bold
    max_addons = max((len(o.addon_list) for o in cmp.offers), default=0)
    for i in range(max_addons):
        row = [f"{_('Tillæg')} {i + 1}"]
        for o in cmp.offers:
            a = o.addon_list[i] if i < len(o.addon_list) else None
            row.append(
                f"{a.name}: {a.price} kr. {a.get_unit_display()}"
                if a and a.price is not None
                else (f"{a.name}: {a.get_unit_display()}" if a else None)
            )
        ws.append(row)
    ws.append([])
    ws.append([_("Ydelsesdeklaration"), *[""] * len(cmp.offers)])
    ws[ws.max_row][0].font = bold
    highlight = PatternFill("solid", fgColor="FFF2CC")
    for r in cmp.rows:
        ws.append([r.question.text, *[_answer_text(a) for a in r.answers]])
        if r.differs:
            for cell in ws[ws.max_row]:
                cell.fill = highlight
    ws.column_dimensions["A"].width = 42
    for col in range(2, 2 + len(cmp.offers)):
        ws.column_dimensions[ws.cell(row=1, column=col).column_letter].width = 32
    for row in ws.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "B2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _yes_no(value) -> str | None:
    if value is None:
        return None
    return _("Ja") if value else _("Nej")


def _unit_labels():
    from .models import TariffUnit

    return TariffUnit.choices
