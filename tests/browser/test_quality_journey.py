"""A Slagelse caseworker holds a quality dialogue with Bostedet Egelund about one of its
offers: the municipality's notes and scores, two agreed actions; the provider writes its
side, brings documentation and finishes one action; the next dialogue between the same
parties starts with the unfinished action carried over. The provider also registers its
own scores ("oplyst af leverandøren"; Socialtilsynet's are not offered to it), drawn as a
radar chart on the offer page."""

import re
from datetime import date, timedelta
from importlib import import_module

import pytest
from django.apps import apps
from playwright.sync_api import expect

from offers.models import Offer
from quality.models import Action, Dialogue, ThemeNote
from tests.browser.conftest import assert_accessible, log_in

TODAY = date.today()
FIRST = TODAY - timedelta(days=30)
SLAGELSE = "sagsbehandler.slagelse@portal.example"
PROVIDER = "leverandoer.a@portal.example"
DONE_ACTION = "Bostedet sender trivselsmålingen for alle borgere til kommunen"
OPEN_ACTION = "Kommunen opdaterer handleplanerne før næste dialog"


@pytest.fixture
def frameworks(portal_with_offers):
    # The live server's flush removes what the data migration wrote: put it back.
    import_module("quality.migrations.0002_frameworks").forward(apps, None)
    import_module("quality.migrations.0004_versioned_model_and_sources").seed_editions(apps, None)
    return portal_with_offers


def test_quality_dialogue_between_slagelse_and_bostedet_egelund(frameworks, new_page):
    portal = frameworks
    offer = Offer.objects.filter(provider__slug="bostedet-egelund").order_by("pk").first()

    # --- The caseworker starts the dialogue ---------------------------------------------
    buyer = new_page()
    log_in(buyer, portal, SLAGELSE)
    buyer.get_by_role("link", name="Kvalitet", exact=True).first.click()
    expect(buyer.get_by_role("heading", name="Kvalitet", exact=True)).to_be_visible()
    assert_accessible(buyer)
    buyer.get_by_role("link", name="Ny kvalitetsdialog").click()
    assert_accessible(buyer)
    buyer.get_by_label("Leverandør").select_option(label="Bostedet Egelund ApS")
    buyer.get_by_role("button", name="Fortsæt").click()
    assert_accessible(buyer)
    buyer.get_by_label("Kvalitetsramme").select_option(label="Socialtilsynets kvalitetsmodel")
    buyer.get_by_label("Dato for dialogen").fill(FIRST.isoformat())
    buyer.get_by_label(offer.name, exact=True).check()
    buyer.get_by_label("Anna Leverandør (leverandoer.a@portal.example)").check()
    buyer.get_by_label("Øvrige deltagere").fill("Tilbudsleder Per Hansen, Bostedet Egelund")
    buyer.get_by_label("Næste dialog").fill((FIRST + timedelta(days=10)).isoformat())
    buyer.get_by_role("button", name="Opret dialogen").click()
    expect(buyer.get_by_text("Kvalitetsdialogen er oprettet.")).to_be_visible()
    dialogue = Dialogue.objects.get()
    assert list(dialogue.offers.all()) == [offer]
    assert_accessible(buyer)

    # --- The municipality's notes and scores (a CPR-like note is refused, text kept) -----
    buyer.get_by_role("link", name="Skriv notater og vurderinger for kommunen").click()
    assert_accessible(buyer)
    cpr_note = "Borger 010203-1234 er i god trivsel."
    buyer.get_by_label("Notat om Sundhed og trivsel").fill(cpr_note)
    buyer.get_by_label("Vurdering af Sundhed og trivsel (1-5)").select_option("4")
    buyer.get_by_role("button", name="Gem notater").click()
    expect(buyer.get_by_text("CPR-nummer").first).to_be_visible()
    assert buyer.get_by_label("Notat om Sundhed og trivsel").input_value() == cpr_note
    assert_accessible(buyer)
    assert not ThemeNote.objects.exists()
    buyer.get_by_label("Notat om Sundhed og trivsel").fill(
        "Borgerne er i god trivsel; målingerne deles hvert kvartal."
    )
    buyer.get_by_label("Notat om Kompetencer").fill("Flere medarbejdere mangler kursus.")
    buyer.get_by_label("Vurdering af Kompetencer (1-5)").select_option("3")
    buyer.get_by_label("Vurdering af Fysiske rammer (1-5)").select_option("5")
    buyer.get_by_role("button", name="Gem notater").click()
    expect(buyer.get_by_text("Jeres notater og vurderinger er gemt.")).to_be_visible()
    assert ThemeNote.objects.filter(side="municipality").count() == 3

    # --- Two agreed actions ---------------------------------------------------------------
    for text, org, person, status in [
        (
            DONE_ACTION,
            "Bostedet Egelund ApS",
            "Anna Leverandør (leverandoer.a@portal.example)",
            "Åben",
        ),
        (
            OPEN_ACTION,
            "Slagelse Kommune",
            "Signe Sagsbehandler (sagsbehandler.slagelse@portal.example)",
            "I gang",
        ),
    ]:
        buyer.get_by_role("link", name="Tilføj handling").click()
        assert_accessible(buyer)
        buyer.get_by_label("Handling").fill(text)
        buyer.get_by_label("Ansvarlig organisation").select_option(label=org)
        buyer.get_by_label("Ansvarlig person").select_option(label=person)
        buyer.get_by_label("Frist").fill((TODAY + timedelta(days=20)).isoformat())
        buyer.get_by_label("Status").select_option(label=status)
        buyer.get_by_role("button", name="Gem handlingen").click()
        expect(buyer.get_by_text("Handlingen er tilføjet.")).to_be_visible()
    assert Action.objects.filter(dialogue=dialogue).count() == 2

    # --- The dialogue as a PDF (issue 15): ordered from the page, ready on the job page ---
    buyer.get_by_role("button", name="Hent dialogen som PDF").click()
    expect(buyer.get_by_text("Dokumentet er klar. Du kan hente det her.")).to_be_visible()
    expect(
        buyer.get_by_role("link", name=re.compile(r"Hent kvalitetsdialog-.*\.pdf"))
    ).to_be_visible()
    assert_accessible(buyer)

    # --- The provider writes its side, brings documentation, finishes one action ----------
    provider = new_page()
    log_in(provider, portal, PROVIDER)
    provider.get_by_role("link", name="Kvalitet", exact=True).first.click()
    # Among the open actions.
    expect(provider.get_by_text(DONE_ACTION).first).to_be_visible()
    provider.locator(f"a[href='{dialogue.get_absolute_url()}']").first.click()
    assert_accessible(provider)
    provider.get_by_role("link", name="Skriv notater og vurderinger for leverandøren").click()
    # The municipality's notes are not in the provider's form.
    assert provider.get_by_label("Notat om Kompetencer").input_value() == ""
    provider.get_by_label("Notat om Kompetencer").fill(
        "Fire medarbejdere starter på kursus i low arousal."
    )
    provider.get_by_label("Vurdering af Kompetencer (1-5)").select_option("4")
    provider.get_by_label("Notat om Sundhed og trivsel").fill(
        "Vi har indført kvartalsvise trivselsmålinger."
    )
    provider.get_by_role("button", name="Gem notater").click()
    expect(provider.get_by_text("Jeres notater og vurderinger er gemt.")).to_be_visible()
    expect(
        provider.get_by_text("Fire medarbejdere starter på kursus i low arousal.")
    ).to_be_visible()
    expect(provider.get_by_text("Flere medarbejdere mangler kursus.")).to_be_visible()
    expect(provider.locator("svg.radar-chart polygon[stroke-dasharray]")).to_have_count(1)
    assert_accessible(provider)

    provider.get_by_role("link", name="Tilføj dokumentation").click()
    assert_accessible(provider)
    provider.get_by_label("Titel").fill("Trivselsmåling 2. kvartal")
    provider.get_by_label("Fil (PDF, højst 20 MB)").set_input_files(
        {"name": "trivsel.pdf", "mimeType": "application/pdf", "buffer": b"GIF89a not a pdf"}
    )
    provider.get_by_role("button", name="Tilføj", exact=True).click()
    expect(provider.get_by_text("Filen er ikke en PDF").first).to_be_visible()
    assert provider.get_by_label("Titel").input_value() == "Trivselsmåling 2. kvartal"
    provider.get_by_label("Fil (PDF, højst 20 MB)").set_input_files(
        {"name": "trivsel.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}
    )
    provider.get_by_role("button", name="Tilføj", exact=True).click()
    expect(provider.get_by_role("link", name="Trivselsmåling 2. kvartal")).to_be_visible()

    provider.get_by_role("link", name=f"Redigér {DONE_ACTION[:37]}").click()
    assert_accessible(provider)
    provider.get_by_label("Status").select_option(label="Færdig")
    provider.get_by_role("button", name="Gem handlingen").click()
    expect(provider.get_by_text("Handlingen er gemt.")).to_be_visible()

    # --- The provider registers its own scores; the radar chart on the offer --------------
    provider.goto(f"{portal}{offer.get_absolute_url()}")
    provider.get_by_role("link", name="Registrér kvalitetsvurdering").click()
    assert_accessible(provider)
    # Socialtilsynet's scores are the secretariat's to enter: not offered to the provider.
    expect(provider.get_by_label("Socialtilsynets scorer fra tilsynsrapporten")).to_have_count(0)
    expect(provider.get_by_label("Leverandørens egne scorer")).to_be_checked()
    provider.get_by_label("Henvisning").fill("Egen trivselsmåling")
    for i, theme in enumerate(
        [
            "Uddannelse og beskæftigelse",
            "Selvstændighed og relationer",
            "Sundhed og trivsel",
            "Organisation og ledelse",
            "Kompetencer",
            "Fysiske rammer",
        ]
    ):
        provider.get_by_label(theme).select_option(str(3 + i % 3))
    provider.get_by_role("button", name="Gem vurderingen").click()
    expect(provider.get_by_text("Kvalitetsvurderingen er gemt.")).to_be_visible()
    expect(provider.locator("svg.radar-chart")).to_have_count(1)
    expect(provider.locator("svg.radar-chart desc")).to_have_text(
        re.compile(r"^Uddannelse og beskæftigelse 3 af 5")
    )
    expect(provider.locator(".assessment-origin strong")).to_have_text(
        re.compile(r"^Oplyst af leverandøren ")
    )
    expect(provider.locator(".assessment-origin")).to_contain_text(
        "Indtastet af Anna Leverandør, Bostedet Egelund ApS"
    )
    assert_accessible(provider)

    # --- The next dialogue starts with the unfinished action carried over ----------------
    buyer.get_by_role("link", name="Kvalitet", exact=True).first.click()
    buyer.get_by_role("link", name="Ny kvalitetsdialog").click()
    buyer.get_by_label("Leverandør").select_option(label="Bostedet Egelund ApS")
    buyer.get_by_role("button", name="Fortsæt").click()
    buyer.get_by_label("Kvalitetsramme").select_option(label="Socialtilsynets kvalitetsmodel")
    buyer.get_by_label("Dato for dialogen").fill(TODAY.isoformat())
    buyer.get_by_label(offer.name, exact=True).check()
    buyer.get_by_role("button", name="Opret dialogen").click()
    expect(buyer.get_by_text("1 uafsluttet handling")).to_be_visible()
    expect(buyer.get_by_role("heading", name="Ført videre fra tidligere dialoger")).to_be_visible()
    expect(buyer.get_by_text(OPEN_ACTION)).to_be_visible()
    expect(buyer.get_by_text(DONE_ACTION)).to_have_count(0)
    assert_accessible(buyer)
    second = Dialogue.objects.exclude(pk=dialogue.pk).get()
    carried = Action.objects.get(text=OPEN_ACTION)
    assert (carried.dialogue, carried.carried_from, carried.origin_dialogue) == (
        second,
        dialogue,
        dialogue,
    )
    # The first dialogue tells where its action went.
    buyer.goto(f"{portal}{dialogue.get_absolute_url()}")
    expect(buyer.get_by_role("heading", name="Ført videre til en senere dialog")).to_be_visible()
