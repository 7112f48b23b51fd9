"""A Næstved caseworker makes a contract from the standard contract with one deviation,
provider A comments and accepts, the caseworker signs, and a worker process renders the
PDF with the deviation marked."""

import re

import pytest
from playwright.sync_api import expect

from contracts.models import Contract
from offers.models import Offer
from offers.selectors import current_year
from partnership.models import Job
from tests.browser.conftest import assert_accessible, log_in
from tests.conftest import wait_for_job
from tests.factories import next_month_start
from tests.pdfs import pdf_text

YEAR = current_year()
# The notice period is a term (changed under "Redigér vilkår"); the clause may add to it.
NEW_NOTICE = (
    "Kontrakten kan opsiges af begge parter med tre måneders varsel til udgangen af en måned, "
    "dog tidligst seks måneder efter startdatoen."
)
REASON = "Borgeren har brug for længere tid til at finde et nyt tilbud."


def egelund_sel108_offer() -> Offer:
    """The demo offer both contract journeys buy: provider A's first § 108 offer."""
    return (
        Offer.objects.filter(provider__slug="bostedet-egelund", paragraphs__code="SEL § 108")
        .order_by("pk")
        .first()
    )


@pytest.mark.redis
@pytest.mark.postgres
def test_contract_from_standard_with_deviation_negotiated_signed_and_rendered(
    portal_with_offers, new_page, celery_worker_process
):
    portal = portal_with_offers
    offer = egelund_sel108_offer()

    buyer = new_page()
    log_in(buyer, portal, "sagsbehandler.naestved@portal.example")
    buyer.goto(f"{portal}/tilbud/{offer.pk}/")
    buyer.get_by_role("link", name="Opret kontrakt").click()
    assert_accessible(buyer)
    buyer.get_by_label("Standardkontrakt").select_option(label="Voksne uden for rammeaftalen 2.0")
    buyer.get_by_label("Kommunens sagsreference").fill("010203-1234")
    buyer.get_by_label("Startdato").fill(next_month_start().isoformat())  # still ahead
    buyer.get_by_label(re.compile(rf"^{YEAR}, version \d")).first.check()
    buyer.get_by_label(re.compile(rf"^{YEAR} v\d+: Ekstra støtte 1:1")).first.check()
    buyer.get_by_role("button", name="Opret kontrakt").click()
    # A CPR-like case reference is refused, with what was typed kept.
    expect(buyer.get_by_text("CPR-nummer").first).to_be_visible()
    assert buyer.get_by_label("Kommunens sagsreference").input_value() == "010203-1234"
    assert_accessible(buyer)
    assert not Contract.objects.exists()
    buyer.get_by_label("Kommunens sagsreference").fill(f"NAE-{YEAR}-0815")
    buyer.get_by_role("button", name="Opret kontrakt").click()
    expect(buyer.get_by_text("Kontrakten er oprettet som kladde")).to_be_visible()

    buyer.get_by_role("link", name="Ændr punktet 8").click()
    buyer.get_by_label("Tekst").fill(NEW_NOTICE)
    buyer.get_by_label("Begrundelse for afvigelsen").fill(REASON)
    buyer.get_by_role("button", name="Gem punktet").click()
    expect(buyer.get_by_role("heading", name="1 afvigelse fra standardkontrakten")).to_be_visible()
    # The clause's own diff (the history shows the change as a diff too).
    expect(buyer.locator("#punkt-8 ins.diff-ins", has_text="seks")).to_be_visible()
    assert_accessible(buyer)
    buyer.get_by_role("button", name="Send til leverandøren").click()
    expect(buyer.get_by_text("Sendt til leverandøren").first).to_be_visible()

    provider = new_page()
    log_in(provider, portal, "leverandoer.a@portal.example")
    provider.get_by_role("link", name="Kontrakter").first.click()
    assert_accessible(provider)
    provider.get_by_role("link", name=offer.name).first.click()
    provider.get_by_label("Kommentar").fill("Vi kan godt leve med seks måneders varsel.")
    provider.get_by_role("button", name="Tilføj kommentar").click()
    provider.get_by_role("button", name="Accepter for leverandøren").click()
    expect(provider.get_by_text("Du har accepteret kontrakten.")).to_be_visible()

    buyer.reload()
    expect(buyer.get_by_text("Vi kan godt leve med seks måneders varsel.")).to_be_visible()
    buyer.get_by_role("button", name="Underskriv for køber").click()
    contract = Contract.objects.get()
    assert contract.state == "signed"
    assert contract.buyer_signed_by.email == "sagsbehandler.naestved@portal.example"
    assert contract.provider_signed_by.email == "leverandoer.a@portal.example"

    buyer.get_by_role("button", name="Dan PDF").click()
    job = wait_for_job(Job.objects.get(kind="contract_pdf"))
    assert job.status == "done", job.error
    buyer.reload()
    with buyer.expect_download() as download:
        buyer.get_by_role("link", name=re.compile("^Hent ")).click()
    text = pdf_text(download.value.path())
    assert "Afvigelse" in text
    assert REASON in " ".join(text.split())
    assert offer.name in text
