"""The comparison (issue 13, finding 2 and the shareable comparison of finding 7): offers are
compared, sorted and filtered on one price, the monthly price excluding VAT
(offers.pricing.comparable_price); every row that compares marks a difference; the
comparison has an address with the offer ids a caseworker can send; its XLSX has every
number as a number cell with a Danish format, every row of the page, and prints on one page
width."""

from __future__ import annotations

import io
import itertools
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.safestring import mark_safe
from openpyxl import load_workbook

from offers import demo as offers_demo
from offers import extensions
from offers.compare import comparison
from offers.models import (
    AnswerKind,
    DeclarationAnswer,
    DeclarationQuestion,
    Offer,
    PriceUnit,
    Tariff,
)
from offers.selectors import current_year
from partnership.models import Organisation
from quality import demo as quality_demo
from tests.factories import TariffFactory, make_offer, pl_rates, publish

YEAR = current_year()
CASEWORKER = "sagsbehandler.slagelse@portal.example"

pytestmark = pytest.mark.postgres

# Text that reads as a number (or an amount, a percentage): in the XLSX such a value must be a
# number cell, never text. "3.79 kr." was an add-on's price written as text.
NUMBER_AS_TEXT = re.compile(r"^[+-]?\d[\d.,]*\s*(kr\.?|%)?$|\d[\d.,]*\s*(kr\.|%)")


@pytest.fixture
def caseworker(as_caseworker):
    pl_rates(**{f"y{YEAR - 1}": "2.6", f"y{YEAR}": "2.4"})
    return as_caseworker


def _vat(offer, price, unit="day", **fields):
    """A published tariff that includes VAT."""
    return TariffFactory(
        offer=offer, year=YEAR, price=Decimal(price), unit=unit, vat_included=True, **fields
    )


def _search(client, **params):
    r = client.get(reverse("offers:search"), params)
    assert r.status_code == 200
    return [o.name for o in r.context["page"].object_list]


def _compare(client, offers):
    r = client.get(reverse("offers:compare"), {"id": [o.pk for o in offers]})
    assert r.status_code == 200
    return r


def _rows(cmp) -> dict[str, comparison.ComparisonRow]:
    return {r.key: r for r in (*cmp.summary, *cmp.addons)}


def _workbook(response):
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def _number_cells_are_numbers(ws) -> None:
    """No cell of the values (column B on) is a number written as text."""
    texts = [
        (c.coordinate, c.value)
        for row in ws.iter_rows(min_col=2)
        for c in row
        if isinstance(c.value, str) and NUMBER_AS_TEXT.search(c.value)
    ]
    assert texts == []


# --- Finding 2 ----------------------------------------------------------------------------


def test_finding_2_mixed_vat_is_sorted_filtered_and_compared_on_one_basis(caseworker):
    """2.500,50 kr. a day including VAT is 76.056,88 kr. a month as stated, 60.845,50
    without VAT; 70.000 kr. a month without VAT. The search sorted the first after the second
    (on the stated monthly price); on one basis it is the cheaper."""
    with_vat = make_offer(name="Med moms")
    _vat(with_vat, "2500.50")
    without = make_offer(name="Uden moms")
    publish(without, YEAR, "70000", unit="month")
    assert Tariff.objects.get(offer=with_vat).monthly_price == Decimal("76056.88")
    assert Tariff.objects.get(offer=with_vat).comparable_price == Decimal("60845.50")

    assert _search(caseworker, sorter="price") == ["Med moms", "Uden moms"]
    assert _search(caseworker, sorter="price_desc") == ["Uden moms", "Med moms"]
    assert _search(caseworker, pris_max="65000") == ["Med moms"]
    assert _search(caseworker, pris_min="60.845,50", pris_max="60.845,50") == ["Med moms"]
    assert _search(caseworker, pris_min="60.845,51") == ["Uden moms"]
    page = caseworker.get(reverse("offers:search")).content.decode()
    assert "60.846 kr." in page and "(inkl. moms)" in page and "(uden moms)" in page

    # The comparison puts them in the search's order, whatever order they were chosen in.
    r = _compare(caseworker, [without, with_vat])
    cmp = r.context["cmp"]
    assert [o.name for o in cmp.offers] == ["Med moms", "Uden moms"]
    rows = _rows(cmp)
    assert [c.value for c in rows["comparable"].cells] == [Decimal("60845.50"), Decimal("70000")]
    assert [c.value for c in rows["monthly"].cells] == [Decimal("76056.88"), Decimal("70000")]
    assert [c.text for c in rows["vat"].cells] == ["Inkl. moms", "Uden moms"]
    assert rows["vat"].differs and rows["comparable"].differs
    page = r.content.decode()
    assert "60.845,50 kr." in page and "76.056,88 kr. (inkl. moms)" in page


def test_finding_2_differences_are_marked_in_every_row_not_only_the_declaration(caseworker):
    a, b = make_offer(name="A-bo", places=10), make_offer(name="B-bo", places=12)
    Offer.objects.filter(pk=a.pk).update(staffing="1,0 pr. borger", educated_staff_percent=60)
    Offer.objects.filter(pk=b.pk).update(staffing="0,8 pr. borger", educated_staff_percent=45)
    publish(a, YEAR - 1, "2000")
    publish(b, YEAR - 1, "2000")
    TariffFactory(
        offer=a,
        year=YEAR,
        price=Decimal("2100"),
        occupancy_percent=Decimal("95"),
        overhead_amount=Decimal("147.00"),
        addons=[("Kørsel", Decimal("3.79"), PriceUnit.KM)],
    )
    _vat(
        b,
        "2000",
        occupancy_percent=Decimal("90"),
        overhead_amount=Decimal("212.38"),
        addons=[("Kørsel", Decimal("4.10"), PriceUnit.KM)],
    )
    question = DeclarationQuestion.objects.filter(is_active=True, options__isnull=True).first()
    for o in (a, b):
        DeclarationAnswer.objects.create(offer=o, question=question, answer=AnswerKind.INCLUDED)

    cmp = _compare(caseworker, [a, b]).context["cmp"]
    # B is the cheaper on one basis: 2.000 kr. a day including VAT.
    assert [o.name for o in cmp.offers] == ["B-bo", "A-bo"]
    rows = _rows(cmp)
    for key in (
        "places",
        "staffing",
        "educated",
        "tariff",
        "vat",
        "comparable",
        "monthly",
        "occupancy",
        "overhead",
        "overhead_share",
        "change",
        "addon-0",
    ):
        assert rows[key].differs, key
    for key in ("provider", "location"):  # they name the offer: not compared
        assert not rows[key].differs, key
    assert not rows["paragraphs"].differs and not rows["target_groups"].differs
    declaration = next(r for r in cmp.rows if r.question == question)
    assert not declaration.differs
    assert rows["addon-0"].label == "Kørsel (pr. km)"
    assert [c.value for c in rows["addon-0"].cells] == [Decimal("4.10"), Decimal("3.79")]
    assert cmp.differing_count == sum(1 for r in (*cmp.summary, *cmp.addons) if r.differs)

    # One offer alone: nothing to differ from.
    assert _compare(caseworker, [a]).context["cmp"].differing_count == 0


def test_finding_2_the_xlsx_has_numbers_as_numbers_and_prints_on_one_page_width(caseworker):
    """The add-on's price was text with an English decimal point ("3.79 kr."); staff share
    and quality were missing; LibreOffice printed labels and values on separate pages."""
    a, b = make_offer(name="A-bo"), make_offer(name="B-bo")
    Offer.objects.filter(pk=a.pk).update(educated_staff_percent=60)
    TariffFactory(
        offer=a,
        year=YEAR,
        price=Decimal("2100"),
        overhead_amount=Decimal("147.00"),
        addons=[("Kørsel", Decimal("3.79"), PriceUnit.KM), ("Særlig", None, "individual")],
    )
    _vat(b, "3000", occupancy_percent=Decimal("97.5"))  # 73.000 kr. a month without VAT
    question = DeclarationQuestion.objects.filter(is_active=True, options__isnull=True).first()
    DeclarationAnswer.objects.create(
        offer=a, question=question, answer=AnswerKind.EXTRA, price=Decimal("616.5"), unit="hour"
    )
    DeclarationAnswer.objects.create(offer=b, question=question, answer=AnswerKind.INCLUDED)

    r = _compare(caseworker, [a, b])
    wb = _workbook(caseworker.get(reverse("offers:compare_xlsx"), {"id": [a.pk, b.pk]}))
    ws = wb.active
    cells = {row[0].value: row[1:] for row in ws.iter_rows()}
    _number_cells_are_numbers(ws)
    assert [c.value for c in ws[1][1:]] == ["A-bo", "B-bo"]

    kr, pct = '#,##0.00 "kr."', '0.0" %"'
    driving = cells["Kørsel (pr. km)"]
    assert (driving[0].value, driving[0].data_type, driving[0].number_format) == (3.79, "n", kr)
    assert driving[1].value is None  # B has no such add-on
    assert cells["Særlig"][0].value == "Individuel pris"
    staff = cells["Personale med relevant uddannelse"]
    assert (staff[0].value, staff[0].number_format, staff[1].value) == (60, pct, None)
    assert cells["Budgetteret belægning"][1].value == 97.5
    assert cells["Budgetteret belægning"][1].number_format == pct
    assert cells["Heraf central ledelse og administration"][0].value == 147
    assert cells["Månedspris ekskl. moms (sammenligningsgrundlag)"][1].value == 73000
    assert cells["Månedspris ekskl. moms (sammenligningsgrundlag)"][1].number_format == kr
    assert cells["Moms"][1].value == "Inkl. moms"
    priced = cells[f"{question.text}: pris ved tilkøb"]
    assert (priced[0].value, priced[0].number_format, priced[1].value) == (616.5, kr, None)

    # Every row of the page is in the workbook (a row of several numbers as one row each).
    cmp = r.context["cmp"]
    labels = set(cells)
    for row in (*cmp.summary, *cmp.addons):
        for label, _values, _fmt in row.xlsx_rows():
            assert label in labels, label
    assert {q.question.text for q in cmp.rows} <= labels
    # A marked row is filled in the workbook too.
    assert cells["Moms"][0].fill.fgColor.rgb.endswith(comparison.DIFFERS_FILL)

    # One page wide, landscape, the labels and the names repeated on every page.
    setup = ws.page_setup
    assert (setup.fitToWidth, setup.fitToHeight, setup.orientation) == (1, 0, "landscape")
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_cols == "$A:$A" and ws.print_title_rows == "$1:$1"


def test_another_apps_row_is_marked_and_exported_by_its_numbers(caseworker, monkeypatch):
    """Quality comes from the quality app (offers.extensions): its numbers mark the row and
    are number cells in the XLSX."""
    a, b = make_offer(name="A-bo"), make_offer(name="B-bo")

    def row(offers, user):
        scores = {a.pk: 4, b.pk: 2}
        return extensions.CompareRow(
            "Kvalitet",
            [mark_safe("<p>fire</p>"), mark_safe("<p>to</p>")],
            [("Kvalitet: Tema 1", [scores[o.pk] for o in offers], "0")],
        )

    monkeypatch.setattr(extensions, "_compare_rows", {"test": row})
    r = _compare(caseworker, [a, b])
    quality = next(x for x in r.context["cmp"].summary if x.label == "Kvalitet")
    assert quality.differs
    assert "<p>fire</p>" in r.content.decode()
    ws = _workbook(caseworker.get(reverse("offers:compare_xlsx"), {"id": [a.pk, b.pk]})).active
    cells = {row[0].value: row[1:] for row in ws.iter_rows()}
    assert [(c.value, c.data_type) for c in cells["Kvalitet: Tema 1"]] == [(4, "n"), (2, "n")]


# --- Finding 7: a comparison to share and keep --------------------------------------------


def test_a_shared_comparison_shows_the_offers_in_its_address_and_leaves_ones_own(caseworker):
    offers = [make_offer(name=f"Tilbud {i}") for i in range(5)]
    for i, o in enumerate(offers):
        publish(o, YEAR, 2000 + i)
    own = offers[4]
    caseworker.post(reverse("offers:compare_add"), {"offer": own.pk})
    shared = offers[:3]

    r = _compare(caseworker, reversed(shared))
    page = r.content.decode()
    assert [o.name for o in r.context["cmp"].offers] == ["Tilbud 0", "Tilbud 1", "Tilbud 2"]
    query = "&amp;".join(f"id={o.pk}" for o in shared)
    compare_url, xlsx_url = reverse("offers:compare"), reverse("offers:compare_xlsx")
    assert f"{compare_url}?{query}</a>" in page  # the link to send, in price order
    assert f'href="{xlsx_url}?{query}"' in page
    assert "Gem som min sammenligning" in page
    assert caseworker.session["compare_offers"] == [own.pk]  # untouched

    # "Fjern" in a shared comparison is the address without that offer.
    without_first = "&amp;".join(f"id={o.pk}" for o in shared[1:])
    assert f'href="{compare_url}?{without_first}"' in page

    # Keeping it makes it one's own list.
    r = caseworker.post(reverse("offers:compare_adopt"), {"id": [o.pk for o in shared]})
    assert r.status_code == 302
    assert caseworker.session["compare_offers"] == [o.pk for o in shared]
    r = caseworker.get(reverse("offers:compare"))
    assert [o.name for o in r.context["cmp"].offers] == ["Tilbud 0", "Tilbud 1", "Tilbud 2"]
    assert f"{compare_url}?{query}</a>" in r.content.decode()  # one's own list has one too


def test_a_shared_address_shows_only_what_the_person_may_see_and_at_most_four(caseworker):
    published = [make_offer(name=f"Tilbud {i}") for i in range(5)]
    draft = make_offer(name="Kladde", status="draft")
    ids = [str(o.pk) for o in published[:2]] + [str(draft.pk), "x", "999999999"]
    r = caseworker.get(reverse("offers:compare"), {"id": ids})
    assert [o.name for o in r.context["cmp"].offers] == ["Tilbud 0", "Tilbud 1"]
    assert "Nogle af tilbuddene i linket kan ikke vises" in r.content.decode()
    r = caseworker.get(reverse("offers:compare"), {"id": [o.pk for o in published]})
    assert len(r.context["cmp"].offers) == 4
    assert "flere end 4" in r.content.decode()
    # Keeping a shared comparison keeps only what the person may see.
    caseworker.post(reverse("offers:compare_adopt"), {"id": [published[0].pk, draft.pk]})
    assert caseworker.session["compare_offers"] == [published[0].pk]


def test_an_empty_shared_address_is_an_empty_comparison(caseworker):
    """(Where "Fjern" on the last offer of a shared comparison leads: not one's own list.)"""
    own = make_offer(name="Min egen")
    caseworker.post(reverse("offers:compare_add"), {"offer": own.pk})
    r = caseworker.get(reverse("offers:compare") + "?id=")
    assert r.context["cmp"].offers == [] and r.context["shared"]
    assert "kan ikke vises" not in r.content.decode()
    r = caseworker.get(reverse("offers:compare_xlsx") + "?id=abc")
    assert r.status_code == 302


# --- Done means: 4 demo offers with mixed VAT -----------------------------------------------


def _demo_four_with_mixed_vat(names_in_price_order: list[str]) -> list[Offer]:
    """Four demo offers, some with VAT and some without, that the stated monthly price
    orders differently from the comparable price (the finding, in the demo data)."""
    by_name = {
        o.name: o
        for o in Offer.objects.filter(name__in=names_in_price_order).select_related("provider")
    }
    tariffs = {t.offer_id: t for t in Tariff.objects.filter(year=YEAR, offer__in=by_name.values())}
    candidates = [by_name[n] for n in names_in_price_order if by_name[n].pk in tariffs]
    for four in itertools.combinations(candidates[:10], 4):
        vat = {tariffs[o.pk].vat_included for o in four}
        stated = sorted(four, key=lambda o: tariffs[o.pk].monthly_price)
        if vat == {True, False} and list(four) != stated:
            return list(four)
    raise AssertionError("the demo has no four offers with mixed VAT that order differently")


def test_four_demo_offers_with_mixed_vat_in_search_comparison_and_xlsx(caseworker):
    organisations = {o.slug: o for o in Organisation.objects.all()}
    offers_demo.seed(organisations)
    quality_demo.seed(organisations)  # Socialtilsynet's assessment of every demo offer
    params = {"paragraf": "§ 108", "sorter": "price"}
    in_search = _search(caseworker, **params)
    four = _demo_four_with_mixed_vat(in_search)
    expected = [n for n in in_search if n in {o.name for o in four}]

    r = _compare(caseworker, reversed(four))  # chosen in another order
    cmp = r.context["cmp"]
    assert [o.name for o in cmp.offers] == expected
    rows = _rows(cmp)
    assert rows["vat"].differs
    assert {c.text for c in rows["vat"].cells} == {"Inkl. moms", "Uden moms"}
    prices = [c.value for c in rows["comparable"].cells]
    assert prices == sorted(prices)
    page = r.content.decode()
    assert re.search(r'<tr class="row-vat differs"><th scope="row">Moms <span class="tag', page)

    ws = _workbook(caseworker.get(reverse("offers:compare_xlsx"), {"id": cmp.ids})).active
    _number_cells_are_numbers(ws)
    cells = {row[0].value: row[1:] for row in ws.iter_rows()}
    assert [c.value for c in ws[1][1:]] == expected
    assert [c.value for c in cells["Månedspris ekskl. moms (sammenligningsgrundlag)"]] == [
        float(p) for p in prices
    ]
    for label in ("Pladser", "Personale med relevant uddannelse", "Budgetteret belægning"):
        assert all(c.data_type == "n" for c in cells[label] if c.value is not None), label
    # Quality: each theme's score a number.
    quality = next(r for r in cmp.summary if r.label == "Kvalitet (seneste vurdering)")
    themes = [label for label, _values, _fmt in quality.xlsx_rows()]
    assert len(themes) >= 5
    for label in themes:
        assert any(c.value is not None for c in cells[label]), label
        assert all(isinstance(c.value, int) for c in cells[label] if c.value is not None), label
