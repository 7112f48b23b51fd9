"""Minutes: drafted by the secretariat, sent for comment to the attendees, commented per
item, approved and published as a PDF mailed to each participant with only the items they
may see. Approved minutes never change: not through the model, not through SQL."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from meetings import services
from meetings.models import (
    MinutesAction,
    MinutesComment,
    MinutesEntry,
    MinutesLocked,
    MinutesStatus,
)
from tests.pdfs import pdf_text

from .conftest import CLOSED_TITLE, OPEN_TITLES

DECISIONS = {
    "1": "Programmet blev godkendt.",
    "2": "Implementeringsgruppen udarbejder en fælles tjekliste.",
    "3": "Kommunerne fastholder det aftalte takstniveau.",
    "4": "Intet til referat.",
}


def write_minutes(setup):
    minutes = services.start_minutes(meeting=setup.meeting, by=setup.secretariat)
    for entry in minutes.entries.select_related("agenda_item"):
        services.save_minutes_entry(
            entry=entry,
            discussion=f"Drøftelse af punkt {entry.agenda_item.number}.",
            decisions=DECISIONS[entry.agenda_item.number],
            new_action={"description": "Sende tjekliste ud", "owner": "Sekretariatet"}
            if entry.agenda_item.number == "2"
            else None,
            by=setup.secretariat,
        )
    return minutes


@pytest.fixture
def for_comment(setup, django_capture_on_commit_callbacks):
    services.answer(meeting=setup.meeting, user=setup.provider, answer="decline")
    minutes = write_minutes(setup)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_minutes_for_comment(minutes=minutes, by=setup.secretariat)
    minutes.refresh_from_db()
    return minutes


@pytest.fixture
def approved(setup, for_comment, django_capture_on_commit_callbacks, mailoutbox):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_minutes(minutes=for_comment, by=setup.secretariat)
    for_comment.refresh_from_db()
    return for_comment


def test_attendee_comments_per_item(client, setup, for_comment, mailoutbox):
    assert any(setup.caseworker.email in m.to for m in mailoutbox)
    # Afbud: invited all the same, so the request for comments goes to them too (issue 15).
    assert any(setup.provider.email in m.to and "kommentering" in m.subject for m in mailoutbox)
    entry = for_comment.entries.get(agenda_item__number="2")
    client.force_login(setup.caseworker)
    response = client.post(
        reverse("meetings:minutes_comment", args=[setup.meeting.pk, for_comment.pk, entry.pk]),
        {f"c{entry.pk}-text": "Tjeklisten bør også dække transport."},
        follow=True,
    )
    assert "Din kommentar er gemt." in response.content.decode()
    assert MinutesComment.objects.get(entry__minutes=for_comment).entry == entry
    client.force_login(setup.secretariat)
    page = client.get(reverse("meetings:minutes_detail", args=[setup.meeting.pk])).content
    assert "Tjeklisten bør også dække transport." in page.decode()


def test_minutes_for_comment_are_shown_to_those_who_sent_afbud(client, setup, for_comment):
    # Issue 15, finding 4: they were invited; a board secretary sends the draft to all.
    client.force_login(setup.provider)
    response = client.get(reverse("meetings:minutes_detail", args=[setup.meeting.pk]))
    assert response.status_code == 200
    assert "Godkend referatet" not in response.content.decode()  # not present: no approval


def test_approved_minutes_are_mailed_as_pdf_without_closed_items_for_the_provider(
    setup, approved, mailoutbox
):
    minutes_mails = {m.to[0]: m for m in mailoutbox if m.subject.startswith("Referat:")}
    provider_pdf = pdf_text(minutes_mails[setup.provider.email].attachments[0][1], flat=True)
    municipal_pdf = pdf_text(minutes_mails[setup.caseworker.email].attachments[0][1], flat=True)
    assert DECISIONS["2"] in provider_pdf and OPEN_TITLES[1] in provider_pdf
    assert CLOSED_TITLE not in provider_pdf and DECISIONS["3"] not in provider_pdf
    assert CLOSED_TITLE in municipal_pdf and DECISIONS["3"] in municipal_pdf
    assert "Sende tjekliste ud" in municipal_pdf


def test_publishing_twice_sends_nothing_twice(setup, approved, mailoutbox):
    from meetings.tasks import publish_minutes

    count = len(mailoutbox)
    assert publish_minutes(approved.pk) == 0
    assert len(mailoutbox) == count


def test_comment_after_approval_is_refused_and_kept(client, setup, approved):
    entry = approved.entries.get(agenda_item__number="1")
    with pytest.raises(ValidationError) as exc:
        services.add_comment(entry=entry, author=setup.caseworker, text="For sent")
    assert "Referatet er godkendt, så der kan ikke længere kommenteres." in exc.value.messages[0]
    client.force_login(setup.caseworker)
    response = client.post(
        reverse("meetings:minutes_comment", args=[setup.meeting.pk, approved.pk, entry.pk]),
        {f"c{entry.pk}-text": "Jeg nåede ikke at kommentere."},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Referatet er godkendt, så der kan ikke længere kommenteres." in page
    assert "Jeg nåede ikke at kommentere." in page
    assert not MinutesComment.objects.exists()


def test_approved_minutes_cannot_be_changed_through_the_model(setup, approved):
    approved.status = MinutesStatus.DRAFT
    with pytest.raises(MinutesLocked):
        approved.save()
    entry = approved.entries.first()
    entry.decisions = "Noget andet"
    with pytest.raises(MinutesLocked):
        entry.save()
    with pytest.raises(MinutesLocked):
        MinutesAction.objects.filter(entry__minutes=approved).first().delete()
    with pytest.raises(ValidationError):
        services.save_minutes_entry(
            entry=entry, discussion="x", decisions="y", by=setup.secretariat
        )


def test_approved_minutes_cannot_be_changed_by_queryset_update(setup, approved):
    with pytest.raises(DatabaseError), transaction.atomic():
        MinutesEntry.objects.filter(minutes=approved).update(decisions="Ændret bagefter")
    with pytest.raises(DatabaseError), transaction.atomic():
        type(approved).objects.filter(pk=approved.pk).update(reason="Ændret")
    assert MinutesEntry.objects.filter(decisions="Ændret bagefter").count() == 0


@pytest.mark.postgres
def test_approved_minutes_cannot_be_changed_or_deleted_by_raw_sql(setup, approved):
    entry = approved.entries.get(agenda_item__number="2")  # the one with an action
    statements = [
        ("UPDATE partnership_minutes SET status = 'draft' WHERE id = %s", [approved.pk]),
        ("DELETE FROM partnership_minutes WHERE id = %s", [approved.pk]),
        ("UPDATE partnership_minutesentry SET decisions = 'x' WHERE id = %s", [entry.pk]),
        ("DELETE FROM partnership_minutesentry WHERE id = %s", [entry.pk]),
        (
            "INSERT INTO partnership_minutesaction (entry_id, description, owner) "
            "VALUES (%s, 'x', 'y')",
            [entry.pk],
        ),
        ("DELETE FROM partnership_minutesaction WHERE entry_id = %s", [entry.pk]),
        (
            "INSERT INTO partnership_minutescomment (entry_id, author_id, text, created_at) "
            "VALUES (%s, %s, 'x', now())",
            [entry.pk, setup.caseworker.pk],
        ),
    ]
    for sql, params in statements:
        with pytest.raises(DatabaseError) as exc, transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
        assert "godkendt referat kan ikke ændres" in str(exc.value)
    approved.refresh_from_db()
    assert approved.status == MinutesStatus.APPROVED


def test_correction_is_a_new_published_version_with_a_reason(
    client, setup, approved, django_capture_on_commit_callbacks, mailoutbox
):
    with pytest.raises(ValidationError):
        services.start_correction(minutes=approved, reason="  ", by=setup.secretariat)
    correction = services.start_correction(
        minutes=approved, reason="Forkert ansvarlig under punkt 2.", by=setup.secretariat
    )
    entry = correction.entries.get(agenda_item__number="2")
    services.save_minutes_entry(
        entry=entry,
        discussion=entry.discussion,
        decisions="Sekretariatet udarbejder en fælles tjekliste.",
        by=setup.secretariat,
    )
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_minutes(minutes=correction, by=setup.secretariat)
    assert correction.version == 2
    approved.refresh_from_db()
    assert approved.entries.get(agenda_item__number="2").decisions == DECISIONS["2"]
    mail = next(m for m in mailoutbox if setup.provider.email in m.to)
    assert "Rettet referat (version 2)" in mail.subject
    text = pdf_text(mail.attachments[0][1], flat=True)
    assert "Forkert ansvarlig under punkt 2." in text
    assert "Sekretariatet udarbejder en fælles tjekliste." in text


def test_minutes_pdf_job_for_the_provider_leaves_out_the_closed_item(client, setup, approved):
    from partnership.models import Job

    client.force_login(setup.provider)
    response = client.post(reverse("meetings:minutes_pdf", args=[setup.meeting.pk, approved.pk]))
    job = Job.objects.get(kind="meeting_minutes", ordered_by=setup.provider)
    assert response.status_code == 302 and job.status == "done", job.error
    text = pdf_text(job.result_file.read(), flat=True)
    assert DECISIONS["1"] in text and CLOSED_TITLE not in text


def test_agenda_pdf_job(client, setup):
    from partnership.models import Job

    client.force_login(setup.provider)
    client.post(reverse("meetings:agenda_pdf", args=[setup.meeting.pk]))
    job = Job.objects.get(kind="meeting_agenda")
    assert job.status == "done", job.error
    text = pdf_text(job.result_file.read(), flat=True)
    assert "Dagsorden" in text and OPEN_TITLES[0] in text and CLOSED_TITLE not in text
    assert job.result_file.name.endswith(".pdf")


def test_minutes_cannot_be_approved_before_comment(setup):
    minutes = write_minutes(setup)
    with pytest.raises(ValidationError):
        services.approve_minutes(minutes=minutes, by=setup.secretariat)
