"""Issue 15, finding 5: a failed job explains itself in Danish (the technical cause is kept
for the secretariat and staff), and the message after ordering agrees with the job's status.
In `make run` (no broker) a job runs beside the request instead of blocking it."""

from __future__ import annotations

import threading

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from partnership import jobs
from partnership.jobs import JobFailed, run_job
from partnership.models import Job, JobStatus
from tests.conftest import wait_for_job
from tests.factories import demo_user, make_meeting

SECRETARIAT = "sekretariat@portal.example"
CASEWORKER = "sagsbehandler.slagelse@portal.example"
GENERAL = (
    "Dokumentet kunne ikke dannes på grund af en fejl hos os. Fejlen er gemt til "
    "sekretariatet; bestil dokumentet igen senere, eller kontakt sekretariatet, hvis det "
    "varer ved."
)


def _page(client, job) -> str:
    return client.get(job.get_absolute_url()).content.decode()


def _failing_kind(monkeypatch, key: str, exc: Exception) -> None:
    def render(job, progress):
        raise exc

    monkeypatch.setitem(jobs._kinds, key, jobs.JobKind(key, render))


def _job(kind: str, email: str, params=None) -> Job:
    return Job.objects.create(
        kind=kind, title="Et dokument", params=params or {}, ordered_by=demo_user(email)
    )


def test_agenda_for_a_deleted_meeting_says_so_in_danish(client, demo, monkeypatch):
    """The reproduction: order the agenda PDF, delete the meeting, run the job."""
    secretariat = demo_user(SECRETARIAT)
    meeting = make_meeting(secretariat)
    monkeypatch.setattr(jobs, "_enqueue", lambda job: None)  # held in the queue
    client.force_login(secretariat)
    client.post(reverse("meetings:agenda_pdf", args=[meeting.pk]))
    job = Job.objects.get(kind="meeting_agenda")
    meeting.delete()

    run_job(job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "Mødet findes ikke længere, så dokumentet kunne ikke dannes."
    assert "matching query does not exist" in job.error_detail
    page = _page(client, job)
    assert "Mødet findes ikke længere" in page
    assert "matching query does not exist" in page  # the secretariat sees the cause


def test_the_orderer_never_sees_the_technical_cause(client, demo, monkeypatch):
    _failing_kind(monkeypatch, "member_list", KeyError("meeting_id"))
    job = _job("member_list", CASEWORKER)
    run_job(job.pk)
    job.refresh_from_db()
    assert job.error == GENERAL
    assert "KeyError" in job.error_detail

    client.force_login(demo_user(CASEWORKER))
    page = _page(client, job)
    assert GENERAL in page
    assert "KeyError" not in page and "meeting_id" not in page

    client.force_login(demo_user(SECRETARIAT))
    assert "KeyError" in _page(client, job)


def test_a_missing_object_without_a_kind_message_gets_a_general_danish_one(demo, monkeypatch):
    from meetings.models import Meeting

    _failing_kind(monkeypatch, "member_list", Meeting.DoesNotExist("x matching query"))
    job = _job("member_list", SECRETARIAT)
    run_job(job.pk)
    job.refresh_from_db()
    assert job.error == (
        "Det, som dokumentet skulle dannes ud fra, findes ikke længere, så dokumentet kunne "
        "ikke dannes."
    )
    assert "matching query" not in job.error


def test_a_renderers_own_danish_reason_is_shown_as_it_is(client, demo, monkeypatch):
    _failing_kind(monkeypatch, "member_list", JobFailed("Række 3: prisen mangler."))
    job = _job("member_list", CASEWORKER)
    run_job(job.pk)
    job.refresh_from_db()
    assert (job.error, job.error_detail) == ("Række 3: prisen mangler.", "")


def test_a_refusal_keeps_its_danish_reason(demo, monkeypatch):
    from django.core.exceptions import PermissionDenied

    _failing_kind(monkeypatch, "member_list", PermissionDenied("Du kan ikke se referatet."))
    job = _job("member_list", CASEWORKER)
    run_job(job.pk)
    job.refresh_from_db()
    assert job.error == "Dokumentet kunne ikke dannes: Du kan ikke se referatet."


def test_retry_clears_the_technical_cause(client, demo, monkeypatch):
    _failing_kind(monkeypatch, "member_list", RuntimeError("skabelonen mangler"))
    job = _job("member_list", SECRETARIAT)
    run_job(job.pk)
    monkeypatch.undo()
    jobs.register_builtin()
    job.refresh_from_db()
    assert job.error_detail
    jobs.retry_job(job=job, by=job.ordered_by)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and (job.error, job.error_detail) == ("", "")


# --- The message after ordering follows the status ---------------------------------------


def _order_message(client) -> str:
    client.force_login(demo_user(SECRETARIAT))
    response = client.post(reverse("partnership:member_list_order"))
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_a_done_job_never_says_it_is_being_made(client, demo):
    message = _order_message(client)
    assert Job.objects.get().status == JobStatus.DONE
    assert "dannes nu" not in message and "bestilt" not in message
    assert "er klar" in message


def test_the_agenda_page_after_ordering_agrees_with_its_status(client, demo):
    """The finding: "Dokumentet dannes nu" beside "Status: Færdig"."""
    secretariat = demo_user(SECRETARIAT)
    meeting = make_meeting(secretariat)
    client.force_login(secretariat)
    response = client.post(reverse("meetings:agenda_pdf", args=[meeting.pk]), follow=True)
    page = response.content.decode()
    assert Job.objects.get().status == JobStatus.DONE
    assert "Færdig" in page and "Dokumentet er klar" in page
    assert "dannes nu" not in page


def test_a_queued_job_says_it_is_being_made(client, demo, monkeypatch):
    monkeypatch.setattr(jobs, "_enqueue", lambda job: None)
    message = _order_message(client)
    assert Job.objects.get().status == JobStatus.QUEUED
    assert "dannes nu" in message


def test_a_failed_job_says_it_failed(client, demo, monkeypatch):
    _failing_kind(monkeypatch, "member_list", RuntimeError("boom"))
    message = _order_message(client)
    assert Job.objects.get().status == JobStatus.FAILED
    assert "kunne ikke dannes" in message and "dannes nu" not in message


@pytest.mark.parametrize("status", JobStatus.values)
def test_every_status_has_its_own_message(status):
    from partnership.views import job_message

    assert job_message(Job(status=status))[1]


# --- make run: no broker, the job runs beside the request ---------------------------------


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_order_returns_before_the_document_is_made(
    client, demo, settings, monkeypatch
):
    settings.JOBS_IN_THREAD = True
    release = threading.Event()

    def slow(job, progress):
        assert release.wait(10)
        return "x.pdf", b"%PDF-1.7"

    monkeypatch.setitem(jobs._kinds, "member_list", jobs.JobKind("member_list", slow))
    message = _order_message(client)
    job = Job.objects.get()
    assert job.status in (JobStatus.QUEUED, JobStatus.RUNNING)
    assert "dannes nu" in message
    release.set()
    wait_for_job(job, timeout=20)
    assert job.status == JobStatus.DONE
