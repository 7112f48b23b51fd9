"""The issue's journeys in the browser: a provider publishes and corrects a tariff and
imports tariffs; a caseworker searches, compares and exports."""

import io
import re
from decimal import Decimal

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
    night = page.locator("fieldset.declaration-question", has_text="Sovende nattevagt")
    night.get_by_label("Mod betaling").check()
    night.get_by_label("Pris (kr.)").fill("350")
    night.get_by_label("Enhed").select_option(label="pr. time")
    page.get_by_role("button", name="Gem deklarationen").click()
    expect(page.get_by_text("Ydelsesdeklarationen er gemt.")).to_be_visible()
    assert offer.declaration_answers.count() == 16

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
    assert Tariff.objects.filter(year=next_year, status="published").count() == 3


def test_caseworker_searches_compares_and_exports(portal_with_offers, new_page):
    portal = portal_with_offers
    page = new_page()
    log_in(page, portal, "sagsbehandler.slagelse@portal.example")
    page.get_by_role("link", name="Find tilbud").first.click()
    page.get_by_label("Søg i navn, metoder og beskrivelse").fill("autisme")
    page.get_by_label("SEL § 108").check()
    page.get_by_label("Kun tilbud med ledige pladser nu").check()
    page.get_by_label("Sortér efter").select_option(label="Pris, laveste først")
    page.get_by_role("button", name="Søg", exact=True).click()
    assert "q=autisme" in page.url and "sorter=price" in page.url
    assert_accessible(page)
    expect(page.locator(".result").first).to_be_visible()
    count = page.locator(".result").count()
    assert count >= 3, count

    titles = page.locator(".result-title a").all_inner_texts()[:3]
    for _ in range(3):
        page.locator(".result form button", has_text="Føj til sammenligning").first.click()
    page.get_by_role("link", name=re.compile("Sammenlign 3 tilbud")).click()
    assert_accessible(page)
    headers = page.locator(".compare-table thead th a").all_inner_texts()
    assert headers == titles
    expect(page.locator("tr.differs").first).to_be_visible()
    shown = [
        float(v)
        for v in page.locator("td.monthly-price").evaluate_all(
            "els => els.map(e => e.dataset.value)"
        )
    ]

    with page.expect_download() as download:
        page.get_by_role("link", name="Hent som regneark (XLSX)").click()
    ws = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    rows = {row[0].value: [c.value for c in row[1:]] for row in ws.iter_rows()}
    assert rows["Månedspris (normaliseret)"] == shown
    assert [c.value for c in ws[1][1:]] == titles
