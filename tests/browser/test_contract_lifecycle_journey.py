"""Issue 14's journey: a Næstved caseworker and provider A take a contract through its whole
life in the browser, with the clock moved as the dates come: create (private until sent) →
send → comment → proposed change → accept → sign → active on the start date → renegotiate
with an effective date → the amendment governs from that date → notice → ended. At each
step the page's Danish state label, and what the other side is told on "Mit overblik"."""

from __future__ import annotations

import re
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from datetime import time as dtime

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from contracts import dates
from contracts.models import Contract
from contracts.tasks import activate_contracts, end_contracts
from offers.selectors import current_year
from tests.browser.conftest import assert_accessible, log_in
from tests.browser.test_contract_journey import egelund_sel108_offer
from tests.conftest import danish_date
from tests.factories import next_month_start

BUYER = "sagsbehandler.naestved@portal.example"
PROVIDER = "leverandoer.a@portal.example"
CASE = "NAE-LIV-0001"


def state_of(page):
    """The state as the contract page says it (beside the parties, in bold)."""
    return page.locator("p.font-lead strong")


def told(page, portal, text: str, seconds: float = 30) -> None:
    """Reload the person's "Mit overblik" until a notice says `text` (a worker writes the
    notices after the page that caused them has answered)."""
    page.goto(portal + "/overblik/")
    notice = page.locator("#notices-heading").locator("..").get_by_text(re.compile(text))
    deadline = time.monotonic() + seconds
    while not notice.count() and time.monotonic() < deadline:
        time.sleep(0.5)
        page.reload()
    expect(notice.first).to_be_visible()


@contextmanager
def travel_to(day, portal, *people):
    """The clock (this process: the test and the live server's threads) on `day`, 07:00;
    the people log in again (their sessions have run idle meanwhile)."""
    moment = datetime.combine(day, dtime(7, 0), tzinfo=timezone.get_current_timezone())
    with time_machine.travel(moment, tick=True):
        for page, email in people:
            page.context.clear_cookies()
            log_in(page, portal, email)
        yield


@pytest.mark.redis
@pytest.mark.postgres
def test_a_contract_from_draft_to_ended_across_two_people(
    portal_with_offers, new_page, celery_worker_process
):
    portal = portal_with_offers
    offer = egelund_sel108_offer()
    start = next_month_start()

    # --- Created: the municipality's draft, not the provider's yet -------------------------
    buyer = new_page()
    log_in(buyer, portal, BUYER)
    buyer.goto(f"{portal}/tilbud/{offer.pk}/")
    buyer.get_by_role("link", name="Opret kontrakt").click()
    buyer.get_by_label("Standardkontrakt").select_option(label="Voksne uden for rammeaftalen 2.0")
    buyer.get_by_label("Kommunens sagsreference").fill(CASE)
    buyer.get_by_label("Startdato").fill(start.isoformat())
    buyer.get_by_label(re.compile(rf"^{current_year()}, version \d")).first.check()
    buyer.get_by_role("button", name="Opret kontrakt").click()
    expect(buyer.get_by_text("Kontrakten er oprettet som kladde").first).to_be_visible()
    expect(state_of(buyer)).to_have_text("Kladde")
    contract = Contract.objects.get(case_reference=CASE)
    url = portal + contract.get_absolute_url()

    provider = new_page()
    log_in(provider, portal, PROVIDER)
    assert provider.goto(url).status == 404

    # --- Sent: the provider sees it and is told ---------------------------------------------
    buyer.get_by_role("button", name="Send til leverandøren").click()
    expect(state_of(buyer)).to_have_text("Sendt til leverandøren")
    told(provider, portal, "Kontrakten er sendt til leverandøren")
    waiting = provider.get_by_role("region", name="Kontrakter der venter på dig")
    expect(waiting.get_by_text(offer.name).first).to_be_visible()
    assert_accessible(provider)

    # --- Comment, then a proposed change by the municipality -------------------------------
    provider.goto(url)
    expect(state_of(provider)).to_have_text("Sendt til leverandøren")
    provider.get_by_label("Kommentar").fill("Kan varslet blive seks måneder?")
    provider.get_by_role("button", name="Tilføj kommentar").click()
    expect(provider.get_by_text("Kan varslet blive seks måneder?").first).to_be_visible()
    told(buyer, portal, "Skrev en kommentar")

    buyer.goto(url)
    buyer.get_by_role("link", name="Redigér vilkår").click()
    buyer.get_by_label("Opsigelsesvarsel (måneder)").fill("6")
    buyer.get_by_label(re.compile(r"Begrundelse, hvis .* \(punkt 8\)")).fill(
        "Borgeren har brug for tid til at finde et nyt tilbud."
    )
    buyer.get_by_role("button", name=re.compile("^Gem")).first.click()
    expect(buyer.locator("#punkt-8")).to_contain_text("seks måneders varsel")
    expect(state_of(buyer)).to_have_text("Under forhandling")
    told(provider, portal, "Vilkårene er ændret")

    # --- Accepted by the provider, signed by the municipality -------------------------------
    provider.goto(url)
    provider.get_by_role("button", name="Accepter for leverandøren").click()
    expect(provider.get_by_text("Du har accepteret kontrakten.")).to_be_visible()
    told(buyer, portal, "Leverandøren har accepteret kontrakten")
    buyer.goto(url)
    buyer.get_by_role("button", name="Underskriv for køber").click()
    expect(state_of(buyer)).to_have_text("Underskrevet")
    told(provider, portal, "kontrakten er underskrevet")

    # --- The start date comes: the daily task makes it active --------------------------------
    with travel_to(start, portal, (buyer, BUYER), (provider, PROVIDER)):
        assert activate_contracts() == 1
        buyer.goto(url)
        expect(state_of(buyer)).to_have_text("Aktiv")
        expect(buyer.get_by_text("Næste datoer")).to_be_visible()

        # --- Renegotiated: an amendment in force from a date two months on ----------------
        effective = start + timedelta(days=61)
        buyer.get_by_text("Genforhandl (opret tillæg)").click()
        buyer.get_by_label("Tillægget gælder fra").fill(effective.isoformat())
        buyer.get_by_role("button", name="Opret tillæg").click()
        expect(buyer.get_by_text("Tillæg til kontrakt").first).to_be_visible()
        amendment = Contract.objects.get(amendment_of=contract)
        amendment_url = portal + amendment.get_absolute_url()
        buyer.goto(amendment_url)
        expect(state_of(buyer)).to_have_text("Kladde")
        buyer.get_by_role("button", name="Send til leverandøren").click()
        provider.goto(amendment_url)
        provider.get_by_role("button", name="Accepter for leverandøren").click()
        buyer.goto(amendment_url)
        buyer.get_by_role("button", name="Underskriv for køber").click()
        expect(state_of(buyer)).to_have_text("Underskrevet")
        buyer.goto(url)
        expect(state_of(buyer)).to_have_text("Under genforhandling")

    # --- The effective date comes: the amendment governs, the original is replaced ----------
    with travel_to(effective, portal, (buyer, BUYER), (provider, PROVIDER)):
        assert activate_contracts() == 1
        buyer.goto(url)
        expect(state_of(buyer)).to_have_text(f"Erstattet af tillæg af {danish_date(effective)}")
        buyer.goto(amendment_url)
        expect(state_of(buyer)).to_have_text("Aktiv")
        assert_accessible(buyer)

        # --- Notice: "Opsagt" with its end date, the provider told ------------------------
        given = timezone.localdate()
        end = dates.notice_end(given, 6)
        buyer.get_by_text("Opsig kontrakten").click()
        notice_form = buyer.locator("form").filter(has=buyer.get_by_role("button", name="Opsig"))
        notice_form.get_by_label("Opsagt den").fill(given.isoformat())
        notice_form.get_by_label("Begrundelse").fill("Borgeren flytter til et andet tilbud.")
        notice_form.get_by_role("button", name="Opsig").click()
        expect(state_of(buyer)).to_have_text(f"Opsagt – ophører {danish_date(end)}")
        told(provider, portal, "Kontrakten er opsagt")
        provider.goto(amendment_url)
        expect(state_of(provider)).to_have_text(f"Opsagt – ophører {danish_date(end)}")

    # --- The day after the end: the daily task ends it ---------------------------------------
    with travel_to(end + timedelta(days=1), portal, (provider, PROVIDER)):
        assert end_contracts() == 1
        provider.goto(amendment_url)
        expect(state_of(provider)).to_have_text("Ophørt")
        assert_accessible(provider)
