"""Approved minutes show what was approved (issue 11, finding 6): the items' numbers,
titles and kinds, who each entry was closed to (and so who may read it), the attendance,
the meeting's title, time and place. A later edit of the meeting or an agenda item,
through the service or the page, changes none of it, nor who may read an entry; the
database refuses a change of the snapshot; a correction takes a new one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from meetings import reports, services
from meetings.models import Minutes, MinutesEntry
from meetings.tasks import publish_minutes
from partnership.models import MailKind, Organisation, OutgoingMail
from partnership.pdf import render_pdf
from tests.factories import MembershipFactory, UserFactory
from tests.pdfs import pdf_text

from .conftest import CLOSED_TITLE, OPEN_TITLES, PROVIDERS

CLOSED_DECISION = "Kommunerne fastholder det aftalte takstniveau."
NEW_TITLE = "Åbent punkt om takster for alle"
MUNICIPALITY_NAMES = "Holbæk Kommune, Næstved Kommune, Slagelse Kommune"


def _approve(setup, capture) -> Minutes:
    services.answer(meeting=setup.meeting, user=setup.provider, answer="decline")
    minutes = services.start_minutes(meeting=setup.meeting, by=setup.secretariat)
    for entry in minutes.entries.select_related("agenda_item"):
        services.save_minutes_entry(
            entry=entry,
            discussion=f"Drøftelse af punkt {entry.agenda_item.number}.",
            decisions=CLOSED_DECISION if entry.agenda_item_id == setup.closed.pk else "",
            by=setup.secretariat,
        )
    with capture(execute=True):
        services.send_minutes_for_comment(minutes=minutes, by=setup.secretariat)
    with capture(execute=True):
        services.approve_minutes(minutes=minutes, by=setup.secretariat)
    minutes.refresh_from_db()
    return minutes


@pytest.fixture
def approved(setup, django_capture_on_commit_callbacks) -> Minutes:
    return _approve(setup, django_capture_on_commit_callbacks)


def _open_closed_item_to_providers(setup) -> None:
    """After approval: the closed item gets a new title and is closed to the providers
    instead of the municipalities."""
    services.save_agenda_item(
        meeting=setup.meeting,
        item=setup.closed,
        fields={"title": NEW_TITLE, "kind": "beslutning"},
        restricted_to=Organisation.objects.filter(slug__in=PROVIDERS),
        by=setup.secretariat,
    )


def _minutes_page(client, person, minutes) -> str:
    client.force_login(person)
    url = reverse("meetings:minutes_version", args=[minutes.meeting_id, minutes.pk])
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _minutes_pdf(person, minutes) -> str:
    minutes = Minutes.objects.select_related("meeting__forum").get(pk=minutes.pk)
    return pdf_text(render_pdf(reports.render_minutes_html(person, minutes)), flat=True)


def test_editing_the_item_through_the_service_changes_neither_text_nor_readers(
    client, setup, approved
):
    _open_closed_item_to_providers(setup)

    secretariat_page = _minutes_page(client, setup.secretariat, approved)
    assert CLOSED_TITLE in secretariat_page and NEW_TITLE not in secretariat_page
    assert f"Kun for {MUNICIPALITY_NAMES}" in secretariat_page
    assert "Borddrøftelse" in secretariat_page

    # The municipality it was closed to still reads it; the provider still does not.
    municipal_page = _minutes_page(client, setup.caseworker, approved)
    assert CLOSED_TITLE in municipal_page and CLOSED_DECISION in municipal_page
    provider_page = _minutes_page(client, setup.provider, approved)
    assert CLOSED_DECISION not in provider_page
    assert CLOSED_TITLE not in provider_page and NEW_TITLE not in provider_page

    municipal_pdf = _minutes_pdf(setup.caseworker, approved)
    assert CLOSED_TITLE in municipal_pdf and NEW_TITLE not in municipal_pdf
    assert f"Lukket punkt, kun for {MUNICIPALITY_NAMES}" in municipal_pdf
    provider_pdf = _minutes_pdf(setup.provider, approved)
    assert CLOSED_DECISION not in provider_pdf and NEW_TITLE not in provider_pdf
    assert OPEN_TITLES[1] in provider_pdf


def test_editing_the_item_through_the_page_changes_neither_text_nor_readers(
    client, setup, approved
):
    client.force_login(setup.secretariat)
    providers = Organisation.objects.filter(slug__in=PROVIDERS)
    response = client.post(
        reverse("meetings:item_edit", args=[setup.meeting.pk, setup.closed.pk]),
        {
            "number": "3",
            "kind": "beslutning",
            "title": NEW_TITLE,
            "description": "",
            "presenters_text": "",
            "duration_minutes": "30",
            "restricted_to": [str(o.pk) for o in providers],
        },
    )
    assert response.status_code == 302
    setup.closed.refresh_from_db()
    assert setup.closed.title == NEW_TITLE  # the agenda item did change

    assert CLOSED_TITLE in _minutes_page(client, setup.secretariat, approved)
    assert CLOSED_DECISION in _minutes_page(client, setup.caseworker, approved)
    assert CLOSED_DECISION not in _minutes_page(client, setup.provider, approved)
    assert NEW_TITLE not in _minutes_pdf(setup.caseworker, approved)
    assert CLOSED_DECISION not in _minutes_pdf(setup.provider, approved)


def test_the_meeting_and_its_attendance_are_shown_as_approved(client, setup, approved):
    old_title = setup.meeting.title
    old_start = setup.meeting.starts_at
    services.update_meeting(
        meeting=setup.meeting,
        fields={
            "title": "Et helt andet møde",
            "place": "Roskilde",
            "starts_at": old_start + timedelta(days=7),
            "ends_at": setup.meeting.ends_at + timedelta(days=7),
        },
        by=setup.secretariat,
    )
    services.record_attendance(meeting=setup.meeting, present=[], by=setup.secretariat)

    page = _minutes_page(client, setup.caseworker, approved)
    # (The breadcrumb links to the meeting by its present name.)
    assert f"Referat: {old_title}" in page and "Referat: Et helt andet møde" not in page
    assert "Sorø, mødelokale 1" in page and "Roskilde" not in page
    text = _minutes_pdf(setup.caseworker, approved)
    assert old_title in text and "Et helt andet møde" not in text
    assert "Fremmødet er ikke registreret" not in text  # as approved: the invitees present
    assert setup.caseworker.get_full_name() in text
    assert reports.minutes_filename(approved).startswith(f"referat-{old_start:%Y-%m-%d}")


def test_mail_of_approved_minutes_reads_the_snapshot(setup, approved, mailoutbox):
    """Sent later (to someone invited after approval), the mail names the meeting and
    leaves out the entries as they were approved."""
    old_title = setup.meeting.title
    services.update_meeting(
        meeting=setup.meeting, fields={"title": "Nyt navn"}, by=setup.secretariat
    )
    _open_closed_item_to_providers(setup)
    newcomer = UserFactory()
    MembershipFactory(user=newcomer, organisation=Organisation.objects.get(slug=PROVIDERS[1]))
    mailoutbox.clear()
    assert publish_minutes(approved.pk) == 1
    (message,) = mailoutbox
    assert message.to == [newcomer.email]
    assert old_title in message.subject and "Nyt navn" not in message.subject
    text = pdf_text(message.attachments[0][1], flat=True)
    assert CLOSED_DECISION not in text and NEW_TITLE not in text


def test_a_correction_takes_the_item_as_it_is_then(
    client, setup, approved, django_capture_on_commit_callbacks
):
    _open_closed_item_to_providers(setup)
    correction = services.start_correction(
        minutes=approved, reason="Punkt 3 er åbnet for leverandørerne.", by=setup.secretariat
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_minutes(minutes=correction, by=setup.secretariat)
    correction.refresh_from_db()

    assert NEW_TITLE in _minutes_page(client, setup.provider, correction)
    assert CLOSED_DECISION in _minutes_page(client, setup.provider, correction)
    assert CLOSED_DECISION not in _minutes_page(client, setup.caseworker, correction)
    # Version 1 stays as it was approved.
    assert CLOSED_TITLE in _minutes_page(client, setup.caseworker, approved)
    assert CLOSED_DECISION not in _minutes_page(client, setup.provider, approved)


@pytest.mark.postgres
def test_the_snapshot_cannot_be_changed_by_raw_sql(setup, approved):
    entry = approved.entries.get(agenda_item=setup.closed)
    statements = [
        ("UPDATE partnership_minutesentry SET item_title = 'x' WHERE id = %s", [entry.pk]),
        ("UPDATE partnership_minutesentry SET closed_to_ids = '{}' WHERE id = %s", [entry.pk]),
        (
            "UPDATE partnership_minutesentry SET closed_to_names = '{}', item_kind = 'orientering'"
            " WHERE id = %s",
            [entry.pk],
        ),
        ("UPDATE partnership_minutes SET meeting_title = 'x' WHERE id = %s", [approved.pk]),
        ("UPDATE partnership_minutes SET participants = '{}' WHERE id = %s", [approved.pk]),
        (
            "UPDATE partnership_minutes SET meeting_starts_at = now() WHERE id = %s",
            [approved.pk],
        ),
    ]
    for sql, params in statements:
        with pytest.raises(DatabaseError) as exc, transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
        assert "godkendt referat kan ikke ændres" in str(exc.value)
    entry.refresh_from_db()
    assert entry.item_title == CLOSED_TITLE and entry.closed_to_names


def test_approved_minutes_cannot_exist_without_a_snapshot(setup, approved):
    """The database holds it: approving by an UPDATE of the status alone is refused."""
    draft = Minutes.objects.create(
        meeting=setup.meeting,
        version=2,
        correction_of=approved,
        reason="Prøve",
        created_by=setup.secretariat,
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        Minutes.objects.filter(pk=draft.pk).update(
            status="approved", approved_at=approved.approved_at
        )
    with pytest.raises(DatabaseError), transaction.atomic():  # a snapshot is whole
        MinutesEntry.objects.create(
            minutes=draft, agenda_item=setup.closed, closed_to_ids=[], item_title="x"
        )


def test_minutes_mails_are_recorded_per_person(setup, approved):
    sent = OutgoingMail.objects.filter(
        kind=MailKind.MINUTES, related_type="meetings.minutes", related_id=approved.pk
    )
    assert sent.count() > 0 and all(m.sent for m in sent)
