"""Issue 15: the quality dialogue as a PDF (the one document kind that had none), PDF/UA in
Danish like the others: the facts, the participants, each side's notes and scores per
theme, and the actions with owner, deadline and status. Ordered from the dialogue page by
those who may see the dialogue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from pypdf import PdfReader

from partnership import jobs
from partnership.jobs import run_job
from partnership.models import Job, JobStatus
from quality import services
from quality.models import Side
from tests.conftest import danish_date
from tests.factories import demo_user, make_action
from tests.pdfs import pdf_text

CASEWORKER = "sagsbehandler.slagelse@portal.example"
PROVIDER = "leverandoer.a@portal.example"
SECRETARIAT = "sekretariat@portal.example"
OUTSIDER = "sagsbehandler.naestved@portal.example"  # another municipality


@pytest.fixture
def full_dialogue(dialogue, today):
    """The dialogue with other participants, a summary, both sides' notes on the first
    theme and two actions (one overdue)."""
    dialogue.other_participants = "Tilbudsleder Per Hansen"
    dialogue.summary = "Parterne er enige om at styrke dokumentationen."
    dialogue.next_dialogue_on = today + timedelta(days=150)
    dialogue.save()
    theme = dialogue.framework.themes.order_by("order").first()
    services.save_theme_notes(
        dialogue=dialogue,
        side=Side.MUNICIPALITY,
        entries={theme.pk: ("Kommunens notat om temaet", 4)},
        by=demo_user(CASEWORKER),
    )
    services.save_theme_notes(
        dialogue=dialogue,
        side=Side.PROVIDER,
        entries={theme.pk: ("Leverandørens notat om temaet", 3)},
        by=demo_user(PROVIDER),
    )
    make_action(dialogue, deadline=today + timedelta(days=20), text="Ny trivselsmåling")
    make_action(
        dialogue,
        deadline=today - timedelta(days=5),
        status="in_progress",
        text="Opdatér handleplanerne",
    )
    dialogue.theme = theme
    return dialogue


def _order(client, dialogue, email=CASEWORKER):
    client.force_login(demo_user(email))
    return client.post(reverse("quality:dialogue_pdf", args=[dialogue.pk]))


def test_the_dialogue_pdf_holds_the_whole_dialogue(client, full_dialogue, offer, today):
    response = _order(client, full_dialogue)
    job = Job.objects.get(kind="quality_dialogue")
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    assert job.status == JobStatus.DONE, job.error
    text = pdf_text(job.result_file.path, flat=True)
    d = full_dialogue
    for expected in [
        "Kvalitetsdialog",
        d.municipality.name,
        d.provider.name,
        offer.name,
        d.framework.name,
        danish_date(d.held_on),
        danish_date(d.next_dialogue_on),
        str(demo_user(CASEWORKER)),
        str(demo_user(PROVIDER)),
        "Tilbudsleder Per Hansen",
        "Parterne er enige om at styrke dokumentationen.",
        d.theme.name,
        "Kommunens notat om temaet",
        "Leverandørens notat om temaet",
        "Ny trivselsmåling",
        "Opdatér handleplanerne",
        danish_date(today + timedelta(days=20)),
        "Åben",
        "I gang",
        "Over fristen",
    ]:
        assert expected in text, expected
    assert job.result_name.endswith(".pdf")


def test_the_dialogue_pdf_is_tagged_danish_pdf_ua(client, full_dialogue):
    _order(client, full_dialogue)
    reader = PdfReader(Job.objects.get().result_file.path)
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "da"
    assert root["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in root
    assert b"pdfuaid:part" in root["/Metadata"].get_object().get_data()
    assert reader.metadata.title.startswith("Kvalitetsdialog")


@pytest.mark.parametrize("email", [CASEWORKER, PROVIDER, SECRETARIAT])
def test_those_who_see_the_dialogue_get_the_button_and_the_pdf(client, dialogue, email):
    client.force_login(demo_user(email))
    page = client.get(dialogue.get_absolute_url()).content.decode()
    assert reverse("quality:dialogue_pdf", args=[dialogue.pk]) in page
    _order(client, dialogue, email)
    assert Job.objects.get().status == JobStatus.DONE


def test_an_outsider_gets_neither_page_nor_pdf(client, dialogue):
    response = _order(client, dialogue, OUTSIDER)
    assert response.status_code == 404
    assert not Job.objects.exists()


def test_a_deleted_dialogue_is_explained_in_danish(client, dialogue, monkeypatch):
    monkeypatch.setattr(jobs, "_enqueue", lambda job: None)
    _order(client, dialogue)
    job = Job.objects.get()
    dialogue.delete()
    run_job(job.pk)
    job.refresh_from_db()
    assert job.error == "Dialogen findes ikke længere, så dokumentet kunne ikke dannes."


def test_the_pdf_is_made_only_for_someone_who_may_see_the_dialogue(dialogue):
    job = Job.objects.create(
        kind="quality_dialogue",
        title="Dialog",
        params={"dialogue_id": dialogue.pk},
        ordered_by=demo_user(OUTSIDER),
    )
    run_job(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "Dokumentet kunne ikke dannes: Du kan ikke se dialogen."
