"""The issue's journeys in the browser: a provider publishes and corrects a tariff and
imports tariffs; a caseworker searches, compares and exports."""

import io
import re
from decimal import Decimal
from urllib.parse import urlsplit

from openpyxl import load_workbook
from playwright.sync_api import expect

from offers.models import Offer, Tariff
from offers.selectors import current_year
from tests.browser.conftest import assert_accessible, log_in

YEAR = current_year()


def test_provider_creates_offer_declares_publishes_corrects_and_imports(
    portal_with_offers, new_page, tmp_path
):
    portal = portal_with_offers
    page = new_page()
    log_in(page, portal, "leverandoer.a@portal.example")
    page.get_by_role("link", name="Vores tilbud").first.click()
    page.get_by_role("link", name="Opret tilbud").click()
    assert_accessible(page)

    page.get_by_label("Navn", exact=True).fill("Bostedet Havbrisen")
    page.get_by_label("Adresse").fill("Strandvejen 12")
    page.get_by_label("Postnummer").fill("4200")
    page.get_by_label("By", exact=True).fill("Slagelse")
    page.get_by_label("Beliggenhedskommune").select_option(label="Slagelse Kommune")
    page.get_by_label("SEL § 108").check()
    page.get_by_label("Autisme").check()
    page.get_by_label("Alder fra").fill("18")
    page.get_by_label("Alder til").fill("40")
    page.get_by_label("Beskrivelse").fill("Længerevarende botilbud for unge voksne med autisme.")
    page.get_by_label("Faglig tilgang og metoder").fill("Low arousal, KRAP og visuel struktur.")
    page.get_by_label("Antal pladser").fill("8")
    page.get_by_role("button", name="Gem").click()
    expect(page.get_by_role("heading", name="Bostedet Havbrisen")).to_be_visible()
    offer = Offer.objects.get(name="Bostedet Havbrisen")

    # The service declaration.
    page.get_by_role("link", name="Ydelsesdeklaration").click()
    assert_accessible(page)
    for fieldset in page.locator("fieldset.declaration-question").all():
        fieldset.get_by_label("Indeholdt i taksten").check()
    # Night staffing is one question with exclusive answers (finding 3): a night watch
    # "Indeholdt" without saying which one is refused, and the typed answers stay.
    night = page.locator("fieldset.declaration-question", has_text="Nattevagt")
    night.get_by_label("Mod betaling").check()
    night.get_by_label("Pris (kr.)").fill("350")
    night.get_by_label("Enhed").select_option(label="pr. time")
    page.get_by_role("button", name="Gem deklarationen").click()
    expect(night.get_by_text("Vælg en af svarmulighederne").first).to_be_visible()
    expect(night.get_by_label("Pris (kr.)")).to_have_value("350")
    night.get_by_label("Sovende nattevagt, der kan vækkes").check()
    contact = page.locator("fieldset.declaration-question", has_text="Kontakt til personale")
    contact.get_by_label("Døgnet rundt").check()
    page.get_by_role("button", name="Gem deklarationen").click()
    expect(page.get_by_text("Ydelsesdeklarationen er gemt.")).to_be_visible()
    assert offer.declaration_answers.count() == 14

    # A tariff with an add-on, published.
    page.get_by_role("link", name="Ny takst").click()
    page.get_by_label("Takstår").fill(str(YEAR))
    page.get_by_label("Gennemsnitstakst (kr.)").fill("2.750,00")
    page.get_by_label("Enhed", exact=True).first.select_option(label="pr. døgn")
    page.get_by_label("Budgetteret belægning (%)").fill("96")
    page.locator("#id_tillaeg-0-name").fill("Ekstra støtte 1:1")
    page.locator("#id_tillaeg-0-price").fill("465")
    page.locator("#id_tillaeg-0-unit").select_option(label="pr. time")
    page.get_by_role("button", name="Gem kladde").click()
    assert_accessible(page)
    page.get_by_role("button", name="Offentliggør taksten").click()
    expect(page.get_by_text(f"Taksten for {YEAR} (version 1) er offentliggjort.")).to_be_visible()
    expect(page.get_by_role("cell", name="Ekstra støtte 1:1")).to_be_visible()

    # A correction: version 2 with a reason.
    page.get_by_role("button", name=f"Ret takst {YEAR}").click()
    page.get_by_label("Gennemsnitstakst (kr.)").fill("2.700,00")
    page.get_by_role("button", name="Gem kladde").click()
    page.get_by_label("Begrundelse for rettelsen").fill("Huslejen var talt med to gange.")
    page.get_by_role("button", name="Offentliggør taksten").click()
    expect(page.get_by_text(f"Taksten for {YEAR} (version 2) er offentliggjort.")).to_be_visible()
    expect(page.get_by_role("cell", name="Huslejen var talt med to gange.")).to_be_visible()
    # Version 1 stays in the history.
    expect(page.get_by_text("2.750,00 kr. pr. døgn")).to_be_visible()
    assert_accessible(page)

    # Import tariffs for three offers; the first file has a bad row.
    own = list(Offer.objects.filter(provider__slug="bostedet-egelund").order_by("pk")[:3])
    next_year = YEAR + 1
    from offers.models import RegulationRate

    RegulationRate.objects.create(year=next_year, rate=Decimal("2.20"))
    header = "tilbud_id;tilbud;takstår;takst;enhed;belægning_pct;moms_inkluderet;overhead;tillæg_navn;tillæg_pris;tillæg_enhed;begrundelse"
    good = [
        f"{o.pk};{o.name};{next_year};{2800 + i}0,50;døgn;95;ja;;;;;" for i, o in enumerate(own)
    ]
    bad = list(good)
    bad[1] = bad[1].replace(";95;", ";140;")
    bad_file = tmp_path / "takster.csv"
    bad_file.write_bytes(("\n".join([header, *bad]) + "\n").encode("cp1252"))
    before = Tariff.objects.count()
    page.goto(portal + "/takster/import/")
    assert_accessible(page)
    page.locator("input[type=file]").set_input_files(str(bad_file))
    page.get_by_role("button", name=re.compile("Upload|Vis|Kontrollér|Indlæs", re.I)).first.click()
    expect(page.get_by_text(re.compile("Række 3")).first).to_be_visible()
    expect(page.get_by_text(re.compile("belægning", re.I)).first).to_be_visible()
    assert_accessible(page)
    assert Tariff.objects.count() == before

    good_file = tmp_path / "takster-rettet.csv"
    good_file.write_bytes(("\n".join([header, *good]) + "\n").encode("utf-8-sig"))
    page.goto(portal + "/takster/import/")
    page.locator("input[type=file]").set_input_files(str(good_file))
    page.get_by_role("button", name=re.compile("Upload|Vis|Kontrollér|Indlæs", re.I)).first.click()
    page.get_by_role("button", name=re.compile("Gem alle 3")).click()
    # Saved by a background job, followed on the job page (run at once here).
    expect(page.get_by_text("3 takster er gemt og offentliggjort.")).to_be_visible()
    expect(page.locator(".job-status-label")).to_have_text("Færdig")
    assert_accessible(page)
    assert Tariff.objects.filter(year=next_year, status="published").count() == 3


def test_caseworker_searches_compares_and_exports(portal_with_offers, new_page):
    portal = portal_with_offers
    page = new_page()
    log_in(page, portal, "sagsbehandler.slagelse@portal.example")
    page.get_by_role("link", name="Find tilbud").first.click()
    page.get_by_label(re.compile("^Søg i navn")).fill("autisme")
    page.get_by_label("SEL § 108").check()
    page.get_by_label("Kun tilbud med ledige pladser nu").check()
    page.get_by_label("Sortér efter").select_option(label="Månedspris ekskl. moms, laveste først")
    page.get_by_role("button", name="Søg", exact=True).click()
    assert "q=autisme" in page.url and "sorter=price" in page.url
    assert_accessible(page)
    expect(page.locator(".result").first).to_be_visible()
    count = page.locator(".result").count()
    assert count >= 3, count

    titles = page.locator(".result-title a").all_inner_texts()[:3]
    for _ in range(3):
        # (One compare form for the page: each card's button submits it, form="compare-add".)
        page.locator(".result button", has_text="Føj til sammenligning").first.click()
    page.get_by_role("link", name=re.compile("Sammenlign 3 tilbud")).click()
    assert_accessible(page)
    # The comparison stands in the search's order (the monthly price without VAT).
    expect(page.locator(".compare-table thead th a.compare-offer")).to_have_text(titles)
    expect(page.locator("tr.differs").first).to_be_visible()
    comparable = page.locator("tr.row-comparable td")
    expect(comparable).to_have_count(3)
    shown = [float(v) for v in comparable.evaluate_all("els => els.map(e => e.dataset.value)")]
    assert shown == sorted(shown)

    # The link to send a colleague opens the same comparison for them.
    share = page.locator(".share-link a")
    expect(share).to_contain_text("?id=")
    other = new_page()
    log_in(other, portal, "sagsbehandler.naestved@portal.example")
    # (The link is built from SITE_URL, the portal's address in an e-mail.)
    link = urlsplit(share.get_attribute("href") or "")
    other.goto(f"{portal}{link.path}?{link.query}")
    expect(other.locator(".compare-table thead th a.compare-offer")).to_have_text(titles)
    expect(other.get_by_role("button", name="Gem som min sammenligning")).to_be_visible()
    expect(other.locator("tr.row-vat th")).to_have_text(re.compile("^Moms"))
    assert_accessible(other)

    # Printed: the table fits the page width, labels beside their values.
    page.emulate_media(media="print")
    expect(page.locator(".compare-table")).to_be_visible()
    width = page.evaluate("document.documentElement.clientWidth")
    box = page.locator(".compare-table").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 1
    label = page.locator("tr.row-comparable th").bounding_box()
    value = comparable.first.bounding_box()
    assert label and value and abs(label["y"] - value["y"]) < 2  # on the same line
    page.emulate_media(media="screen")

    with page.expect_download() as download:
        page.get_by_role("link", name="Hent som regneark (XLSX)").click()
    ws = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    rows = {row[0].value: [c.value for c in row[1:]] for row in ws.iter_rows()}
    assert rows["Månedspris ekskl. moms (sammenligningsgrundlag)"] == shown
    assert [c.value for c in ws[1][1:]] == titles
    assert ws.page_setup.fitToWidth == 1


def test_a_full_comparison_offers_no_more_buttons_in_the_search(portal_with_offers, new_page):
    """With four offers in the comparison the search's cards offer no "Føj til
    sammenligning" (the list says the comparison is full); the cards in it say so."""
    portal = portal_with_offers
    page = new_page()
    log_in(page, portal, "sagsbehandler.slagelse@portal.example")
    page.goto(f"{portal}/tilbud/")
    add = page.locator(".result button", has_text="Føj til sammenligning")
    for n in range(4):
        expect(add.first).to_be_visible()
        add.first.click()
        expect(page.locator(".result", has_text="Er med i sammenligningen.")).to_have_count(n + 1)
    expect(page.get_by_role("link", name=re.compile("Sammenlign 4 tilbud"))).to_be_visible()
    expect(page.locator(".result").nth(4)).to_be_visible()  # (more than the four)
    for button in add.all():
        expect(button).to_be_hidden()
    assert_accessible(page)


def test_both_ways_to_a_new_version_carry_addons_vat_and_overhead_and_show_a_diff(portal, new_page):
    """Issue 13, finding 1 in the browser: "Ret takst" and "Ny takst" for a year that has a
    published version both start from it (add-ons, VAT, overhead), and the draft shows what
    publishing it changes before the provider publishes."""
    from offers.models import AnswerKind, DeclarationAnswer, DeclarationQuestion
    from tests.factories import TariffFactory, make_offer, pl_rates

    pl_rates()
    offer = make_offer(name="Åbrinken")
    night = DeclarationQuestion.objects.get(key="nattevagt")
    DeclarationAnswer.objects.create(
        offer=offer, question=night, answer=AnswerKind.INCLUDED, option=night.options.first()
    )
    TariffFactory(
        offer=offer,
        year=YEAR,
        price="3000",
        vat_included=True,
        overhead_amount=Decimal("212.38"),
        addons=[("Ekstra støtte 1:1", Decimal("465"), "hour"), ("Kørsel", Decimal("3.79"), "km")],
    )
    page = new_page()
    log_in(page, portal, "leverandoer.a@portal.example")

    def published_page_keeps_everything(version: int) -> None:
        expect(
            page.get_by_text(f"Taksten for {YEAR} (version {version}) er offentliggjort.")
        ).to_be_visible()
        expect(page.get_by_text("Taksten er inklusive moms")).to_be_visible()
        expect(page.get_by_text("212,38 kr.").first).to_be_visible()
        for addon in ("Ekstra støtte 1:1", "Kørsel"):
            expect(page.get_by_role("cell", name=addon).first).to_be_visible()

    # 1. "Ret takst": the draft starts from version 1.
    page.goto(portal + offer.get_absolute_url())
    page.get_by_role("button", name=f"Ret takst {YEAR}").click()
    expect(page.get_by_label("Inklusive moms")).to_be_checked()
    expect(page.get_by_label(re.compile("central ledelse"))).to_have_value("212,38")
    page.get_by_label("Gennemsnitstakst (kr.)").fill("3.100,00")
    page.get_by_role("button", name="Gem kladde").click()
    diff = page.locator("table.tariff-diff").first
    expect(page.get_by_role("heading", name="Det ændres i forhold til version 1")).to_be_visible()
    expect(diff.locator("tr.changed")).to_have_count(2)  # the price and the monthly price
    expect(diff.locator("tr.changed", has_text="Takst")).to_contain_text("3.100,00 kr.")
    expect(page.get_by_text("Tillægsydelserne er de samme.")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path="test-artifacts/tariff-diff-correction.png", full_page=True)
    page.get_by_label("Begrundelse for rettelsen").fill("Ny lejekontrakt.")
    page.get_by_role("button", name="Offentliggør taksten").click()
    published_page_keeps_everything(2)

    # 2. "Ny takst" for the same year: only price and occupancy typed, as in the finding.
    page.get_by_role("link", name="Ny takst").click()
    page.get_by_label("Takstår").fill(str(YEAR))
    page.get_by_label("Gennemsnitstakst (kr.)").fill("3.150,00")
    page.get_by_label("Enhed", exact=True).first.select_option(label="pr. døgn")
    page.get_by_label("Budgetteret belægning (%)").fill("95")
    page.get_by_role("button", name="Gem kladde").click()
    expect(
        page.get_by_text("moms, overhead, beregning og tillægsydelser er ført med")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Det ændres i forhold til version 2")).to_be_visible()
    expect(page.locator("table.tariff-diff").first.locator("tr.changed")).to_have_count(2)
    expect(page.get_by_text("Tillægsydelserne er de samme.")).to_be_visible()
    page.get_by_label("Begrundelse for rettelsen").fill("Prisen for 2. halvår.")
    page.get_by_role("button", name="Offentliggør taksten").click()
    published_page_keeps_everything(3)
    assert_accessible(page)
