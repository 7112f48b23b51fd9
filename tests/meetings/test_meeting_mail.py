"""Meeting mail never lies (issue 11, finding 7): a newline in a meeting's title no longer
stops every invitation and request for comments (Django refused the header, the task
swallowed it, the page said "sent"); a mail that cannot be sent is recorded with the reason,
the secretariat's page says "ikke sendt" and why, and sending again reaches those only."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from meetings import selectors, services
from meetings.models import Minutes
from partnership.models import MailKind, MailStatus, Organisation, OutgoingMail, User
from tests.factories import make_meeting
from tests.mail_backends import UNREACHABLE

from .conftest import MUNICIPALITIES, PROVIDERS

TITLE = "Fællesmøde\nom\r\nkvalitet"
CLEAN_TITLE = "Fællesmøde om kvalitet"
SENT_TO = re.compile(r"(?<!ikke )sendt til \d+ person")


@pytest.fixture
def meeting(demo):
    secretariat = User.objects.get(email="sekretariat@portal.example")
    meeting = make_meeting(secretariat, title=TITLE)
    services.save_agenda_item(
        meeting=meeting,
        fields={"number": "1", "kind": "orientering", "title": "Velkomst", "duration_minutes": 10},
        by=secretariat,
    )
    services.invite(
        meeting=meeting,
        organisations=Organisation.objects.filter(slug__in=MUNICIPALITIES + PROVIDERS),
        people=[],
        by=secretariat,
    )
    return meeting


def _secretariat_page(client, url) -> str:
    client.force_login(User.objects.get(email="sekretariat@portal.example"))
    return client.get(url).content.decode()


def _invite(client, meeting, capture):
    client.force_login(User.objects.get(email="sekretariat@portal.example"))
    with capture(execute=True):
        response = client.post(reverse("meetings:send_invitations", args=[meeting.pk]))
    assert response.status_code == 302
    meeting.refresh_from_db()
    return response


def test_invitations_for_a_title_with_a_newline_are_all_delivered(
    client, meeting, django_capture_on_commit_callbacks, mailoutbox
):
    _invite(client, meeting, django_capture_on_commit_callbacks)
    people = selectors.invitees(meeting)
    assert len(people) >= 6
    assert len(mailoutbox) == len(people)
    assert {m.to[0] for m in mailoutbox} == {row.email for row in people}
    for message in mailoutbox:
        assert message.subject.startswith(f"Mødeindkaldelse: Fællesmøde: {CLEAN_TITLE}, ")
        assert not re.search(r"[\r\n]", message.subject)
        message.message().as_bytes()  # the headers build
        assert message.attachments[0][0].endswith(".ics")
    page = _secretariat_page(client, meeting.get_absolute_url())
    assert f"Mødeindkaldelse: sendt til {len(people)} personer." in page
    assert "ikke sendt" not in page.lower()


def test_comment_requests_for_a_title_with_a_newline_are_all_delivered(
    client, meeting, django_capture_on_commit_callbacks, mailoutbox
):
    _invite(client, meeting, django_capture_on_commit_callbacks)
    secretariat = User.objects.get(email="sekretariat@portal.example")
    minutes = services.start_minutes(meeting=meeting, by=secretariat)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.send_minutes_for_comment(minutes=minutes, by=secretariat)
    people = selectors.invitees(meeting)
    assert len(mailoutbox) == len(people)  # nobody sent afbud: all are attendees
    assert all(
        m.subject == f"Referat til kommentering: Fællesmøde: {CLEAN_TITLE}" for m in mailoutbox
    )
    page = _secretariat_page(client, reverse("meetings:minutes_detail", args=[meeting.pk]))
    assert f"Referat til kommentering: sendt til {len(people)} personer." in page


def test_a_mail_that_cannot_be_sent_is_recorded_and_the_page_says_ikke_sendt(
    client, meeting, settings, django_capture_on_commit_callbacks, mailoutbox
):
    settings.EMAIL_BACKEND = UNREACHABLE
    response = _invite(client, meeting, django_capture_on_commit_callbacks)
    people = selectors.invitees(meeting)
    assert mailoutbox == []
    failed = OutgoingMail.objects.filter(kind=MailKind.MEETING_INVITATION, status=MailStatus.FAILED)
    assert failed.count() == len(people)
    assert {m.reason for m in failed} == {"unreachable"}
    assert not OutgoingMail.objects.filter(status=MailStatus.SENT).exists()

    page = _secretariat_page(client, response.url)
    assert "er sendt" not in page  # the message after sending does not claim it
    assert f"Mødeindkaldelse: <strong>ikke sendt til {len(people)} personer</strong>." in page
    assert page.count("Ikke sendt: Mailserveren kunne ikke nås.") == len(people)
    assert not SENT_TO.search(page)
    assert "Send de ikke-sendte e-mails igen" in page

    # The server is back: sending again reaches everyone, once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("meetings:mail_resend", args=[meeting.pk]))
    assert len(mailoutbox) == len(people)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("meetings:mail_resend", args=[meeting.pk]))
    assert len(mailoutbox) == len(people)
    page = _secretariat_page(client, meeting.get_absolute_url())
    assert f"Mødeindkaldelse: sendt til {len(people)} personer." in page
    assert "ikke sendt" not in page.lower()


def test_failed_comment_requests_and_minutes_show_on_the_minutes_page(
    client, meeting, settings, django_capture_on_commit_callbacks, mailoutbox
):
    _invite(client, meeting, django_capture_on_commit_callbacks)
    secretariat = User.objects.get(email="sekretariat@portal.example")
    minutes = services.start_minutes(meeting=meeting, by=secretariat)
    settings.EMAIL_BACKEND = UNREACHABLE
    with django_capture_on_commit_callbacks(execute=True):
        services.send_minutes_for_comment(minutes=minutes, by=secretariat)
    url = reverse("meetings:minutes_detail", args=[meeting.pk])
    people = len(selectors.invitees(meeting))
    page = _secretariat_page(client, url)
    assert f"Referat til kommentering: <strong>ikke sendt til {people} personer</strong>." in page
    assert not SENT_TO.search(page)

    with django_capture_on_commit_callbacks(execute=True):
        services.approve_minutes(minutes=Minutes.objects.get(pk=minutes.pk), by=secretariat)
    page = _secretariat_page(client, url)
    assert f"Godkendt referat: <strong>ikke sendt til {people} personer</strong>." in page

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("meetings:mail_resend", args=[meeting.pk]), {"back": "minutes"}
        )
    assert response.url == url
    assert sum(m.subject.startswith("Referat: ") for m in mailoutbox) == people
    page = _secretariat_page(client, url)
    assert f"Godkendt referat: sendt til {people} personer." in page
