"""The secretariat prepares a joint meeting with four items, one closed to the
municipalities, invites three municipalities and two providers; a provider sends afbud; the
secretariat writes the minutes and sends them for comment; a Slagelse caseworker comments;
the secretariat approves, and a worker process renders the minutes PDF with every item's
decisions. The provider never sees the closed item: not on the page, in a PDF or its ICS."""

import re
import time
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from meetings import demo as meetings_demo
from meetings.models import Meeting, Participation
from partnership.models import Job
from tests.browser.conftest import assert_accessible, log_in
from tests.conftest import wait_for_job
from tests.pdfs import pdf_text

DAY = (date.today() + timedelta(days=14)).isoformat()
TITLE = "Fællesmøde om kvalitet i botilbud"
ITEMS = [
    ("orientering", "Velkomst og dagens program", [], "Programmet blev godkendt."),
    (
        "temadroeftelse",
        "Fælles ydelsesdeklaration for botilbud",
        [],
        "Ydelsesdeklarationen bruges fra næste takstår.",
    ),
    (
        "borddroeftelse",
        "Kommunernes drøftelse af takstniveauet",
        ["Slagelse Kommune", "Næstved Kommune", "Holbæk Kommune"],
        "Kommunerne fastholder det aftalte takstniveau.",
    ),
    ("orientering", "Eventuelt", [], "Næste møde holdes i marts."),
]
CLOSED = ITEMS[2][1]
INVITED = [
    "Slagelse Kommune",
    "Næstved Kommune",
    "Holbæk Kommune",
    "Bostedet Egelund ApS",
    "Fonden Solsikken",
]


def pdf_of(download) -> str:
    return pdf_text(download.value.path(), flat=True)


def download_job(page, job):
    """On the job's page (where ordering it leads): wait for the worker, then download.
    The page reloads itself when the job is done."""
    assert page.url.rstrip("/").endswith(f"/jobs/{job.pk}")
    job = wait_for_job(job)
    assert job.status == "done", job.error
    link = page.get_by_role("link", name=re.compile("^Hent "))
    link.wait_for(timeout=30_000)
    with page.expect_download() as download:
        link.click()
    return pdf_of(download)


def wait_for_mail(page, pattern: str, seconds: float = 30) -> None:
    """Reload the secretariat's page until its list of sent e-mails says `pattern` (the
    worker sends them after the page was shown)."""
    deadline = time.monotonic() + seconds
    text = page.get_by_text(re.compile(pattern))
    while not text.count() and time.monotonic() < deadline:
        time.sleep(0.5)
        page.reload()
    expect(text.first).to_be_visible()


@pytest.mark.redis
@pytest.mark.postgres
def test_meeting_from_agenda_to_published_minutes(portal, new_page, celery_worker_process):
    meetings_demo.seed()

    # --- The secretariat prepares the meeting -----------------------------------------
    sec = new_page()
    log_in(sec, portal, "sekretariat@portal.example")
    sec.get_by_role("link", name="Møder", exact=True).first.click()
    expect(sec.get_by_role("heading", name="Møder", exact=True)).to_be_visible()
    assert_accessible(sec)
    sec.get_by_role("link", name="Opret møde").click()
    sec.get_by_label("Forum").select_option(label="Fællesmøde")
    sec.get_by_label("Titel").fill(TITLE)
    sec.get_by_label("Starter").fill(f"{DAY}T09:00")
    sec.get_by_label("Slutter").fill(f"{DAY}T08:00")
    sec.get_by_label("Sted").fill("Sorø, Alléen 15, mødelokale 2")
    sec.get_by_role("button", name="Opret mødet").click()
    # Ends before it starts: refused in Danish, with what was typed kept.
    expect(
        sec.locator(".form-error-message").get_by_text("Mødet slutter, før det begynder.")
    ).to_be_visible()
    assert sec.get_by_label("Titel").input_value() == TITLE
    assert_accessible(sec)
    sec.get_by_label("Slutter").fill(f"{DAY}T11:00")
    sec.get_by_role("button", name="Opret mødet").click()
    expect(sec.get_by_text("Mødet er oprettet")).to_be_visible()

    sec.get_by_role("link", name="Tilføj punkt").click()
    for i, (kind, title, closed_to, _decision) in enumerate(ITEMS):
        assert sec.get_by_label("Punktnummer").input_value() == str(i + 1)
        sec.get_by_label("Type").select_option(kind)
        sec.get_by_label("Overskrift").fill(title)
        sec.get_by_label("Varighed i minutter").fill("25")
        if i == 1:
            sec.get_by_label("Oplægsholdere (fritekst)").fill("V./ Lone Berner Wolff")
        for org in closed_to:
            sec.get_by_label(org, exact=True).check()
        if i == 0:
            assert_accessible(sec)
        last = i == len(ITEMS) - 1
        sec.get_by_role(
            "button", name="Gem punktet" if last else "Gem og tilføj et punkt mere"
        ).click()
    expect(sec.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(sec.get_by_text("Lukket punkt")).to_be_visible()

    sec.get_by_role("link", name="Invitér", exact=True).click()
    for org in INVITED:
        sec.get_by_label(org, exact=True).check()
    assert_accessible(sec)
    sec.get_by_role("button", name="Tilføj invitationer").click()
    sec.get_by_role("button", name="Send invitationer").click()
    expect(sec.get_by_text("E-mailene sendes nu.")).to_be_visible()
    # The worker sends them: the page says who is waiting, and then who has it.
    wait_for_mail(sec, r"Mødeindkaldelse: sendt til \d+ person(er)?\.")
    assert_accessible(sec)
    meeting = Meeting.objects.get(title=TITLE)
    assert meeting.status == "invited"
    assert meeting.items.count() == 4

    # --- A provider sends afbud and never sees the closed item -------------------------
    provider = new_page()
    log_in(provider, portal, "leverandoer.a@portal.example")
    provider.get_by_role("link", name="Møder", exact=True).first.click()
    provider.get_by_role("link", name=TITLE).click()
    expect(provider.get_by_text(ITEMS[1][1])).to_be_visible()
    assert "V./ Lone Berner Wolff" in provider.content()
    assert CLOSED not in provider.content()
    assert_accessible(provider)
    provider.get_by_label("Jeg melder afbud").check()
    provider.get_by_label("Stedfortræder").fill("Bo Leverandør, Fonden Solsikken")
    provider.get_by_role("button", name="Send svar").click()
    expect(provider.get_by_text("Dit afbud er registreret.")).to_be_visible()
    ics = provider.request.get(f"{portal}/moeder/{meeting.pk}/kalender.ics").text()
    assert "BEGIN:VTIMEZONE" in ics and "TZID:Europe/Copenhagen" in ics
    assert ITEMS[0][1] in ics.replace("\r\n ", "")
    assert CLOSED not in ics.replace("\r\n ", "")
    provider.get_by_role("link", name="Møder", exact=True).first.click()
    provider.get_by_role("link", name="Møderne i din egen kalender").click()
    provider.get_by_role("button", name="Lav en kalenderadresse").click()
    feed_url = provider.get_by_label("Kalenderadresse").input_value()
    assert_accessible(provider)
    feed = provider.request.get(feed_url).text().replace("\r\n ", "")
    assert TITLE in feed and CLOSED not in feed
    assert Participation.objects.get(user__email="leverandoer.a@portal.example").answer == (
        "decline"
    )

    # --- The secretariat records attendance and writes the minutes ---------------------
    # The meeting is held (moved to this morning): minutes are started once it has begun.
    began = timezone.now() - timedelta(hours=3)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=began, ends_at=began + timedelta(hours=2)
    )
    sec.reload()
    expect(sec.get_by_role("cell", name="Bo Leverandør, Fonden Solsikken")).to_be_visible()
    sec.get_by_role("link", name="Registrér fremmøde").click()
    sec.get_by_label(re.compile(r"^Signe Sagsbehandler")).check()
    assert_accessible(sec)
    sec.get_by_role("button", name="Gem fremmøde").click()
    sec.get_by_role("link", name="Skriv referat").click()
    sec.get_by_role("button", name="Start referat").click()
    for i, (_kind, title, _closed, decision) in enumerate(ITEMS):
        group = sec.get_by_role("group", name=re.compile(rf"^Punkt {i + 1}\. "))
        group.get_by_label("Drøftelse").fill(f"Deltagerne drøftede {title.lower()}.")
        group.get_by_label("Beslutninger").fill(decision)
        if i == 1:
            group.get_by_label("Ny handling").fill("Sende udkast til ydelsesdeklaration")
            group.get_by_label(re.compile(r"^Ansvarlig(?! person)")).fill("Sekretariatet")
            group.get_by_label("Frist").fill(DAY)
    assert_accessible(sec)
    sec.get_by_role("button", name="Gem referatet").click()
    expect(sec.get_by_text("Referatet er gemt.")).to_be_visible()
    assert_accessible(sec)
    sec.get_by_role("button", name="Send til kommentering").click()
    expect(sec.get_by_text("Referatet er sendt til kommentering.")).to_be_visible()
    wait_for_mail(sec, r"Referat til kommentering: sendt til \d+ person(er)?\.")

    # --- The Slagelse caseworker comments on an item ----------------------------------
    caseworker = new_page()
    log_in(caseworker, portal, "sagsbehandler.slagelse@portal.example")
    caseworker.goto(f"{portal}/moeder/{meeting.pk}/")
    expect(caseworker.get_by_text(CLOSED).first).to_be_visible()
    caseworker.get_by_role("link", name="Referat", exact=True).click()
    caseworker.get_by_label("Kommentar til punkt 2").fill(
        "Husk at deklarationen også skal dække transport."
    )
    assert_accessible(caseworker)
    caseworker.get_by_role("button", name="Send kommentar til punkt 2").click()
    expect(caseworker.get_by_text("Din kommentar er gemt.")).to_be_visible()

    # --- The secretariat approves; the worker renders the PDF --------------------------
    sec.reload()
    expect(sec.get_by_text("Husk at deklarationen også skal dække transport.")).to_be_visible()
    sec.get_by_role("button", name="Godkend og offentliggør").click()
    expect(sec.get_by_text("Referatet er godkendt og offentliggjort.")).to_be_visible()
    text = download_job(sec, Job.objects.get(kind="meeting_minutes"))
    for _kind, title, _closed, decision in ITEMS:
        assert title in text and decision in text
    assert "Sende udkast til ydelsesdeklaration" in text

    # Too late to comment now: refused in Danish, with the text kept.
    caseworker.reload()
    expect(caseworker.get_by_label("Kommentar til punkt 2")).to_have_count(0)

    # --- The provider's minutes PDF leaves the closed item out -------------------------
    provider.goto(f"{portal}/moeder/{meeting.pk}/referat/")
    expect(provider.get_by_text(ITEMS[3][3])).to_be_visible()
    assert CLOSED not in provider.content() and ITEMS[2][3] not in provider.content()
    assert_accessible(provider)
    provider.get_by_role("button", name="Dan referat som PDF").click()
    provider_text = download_job(
        provider,
        Job.objects.get(kind="meeting_minutes", ordered_by__email="leverandoer.a@portal.example"),
    )
    assert ITEMS[1][3] in provider_text
    assert CLOSED not in provider_text and ITEMS[2][3] not in provider_text
    ics = provider.request.get(f"{portal}/moeder/{meeting.pk}/kalender.ics").text()
    assert CLOSED not in ics.replace("\r\n ", "")
