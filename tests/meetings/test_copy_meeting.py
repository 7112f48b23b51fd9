"""Copy a meeting (issue 15): "Kopiér mødet" makes a draft in the same forum with the agenda
(numbers, kinds, titles, descriptions, durations, presenters, who an item is closed to)
and the invitations, not the attachments, answers or minutes; the time suggested is the
same weekday one month later. A forum's template: "Nyt møde i forummet" copies it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from meetings import copying, services
from meetings.models import Forum, Meeting, MeetingStatus
from partnership.models import User

CPH = ZoneInfo("Europe/Copenhagen")


def _agenda(meeting: Meeting) -> list[tuple]:
    return [
        (
            i.number,
            i.kind,
            i.title,
            i.description,
            i.duration_minutes,
            i.presenters_text,
            sorted(p.email for p in i.presenters.all()),
            sorted(o.slug for o in i.restricted_to.all()),
        )
        for i in meeting.items.order_by("position")
    ]


def _invitations(meeting: Meeting) -> set:
    return set(meeting.invitations.values_list("organisation_id", "user_id"))


@pytest.mark.parametrize(
    ("held", "suggested"),
    [
        (date(2025, 8, 29), date(2025, 9, 26)),  # the last Friday: the last Friday
        (date(2025, 8, 12), date(2025, 9, 9)),  # the 2nd Tuesday: the 2nd Tuesday
        (date(2025, 1, 30), date(2025, 2, 27)),  # the last Thursday of a long month
        (date(2025, 12, 3), date(2026, 1, 7)),  # over the new year
    ],
)
def test_the_same_weekday_one_month_later(held, suggested):
    assert copying._same_weekday_next_month(held) == suggested


def test_the_suggested_time_is_ahead_and_keeps_the_times_of_day(demo, today):
    source = Meeting(
        starts_at=datetime(2025, 8, 29, 9, 0, tzinfo=CPH),
        ends_at=datetime(2025, 8, 29, 11, 30, tzinfo=CPH),
    )
    starts, ends = copying.suggested_times(source)
    local = timezone.localtime(starts)
    assert local.date() > today and local.weekday() == 4  # a Friday
    assert (local.hour, local.minute) == (9, 0) and ends - starts == timedelta(hours=2, minutes=30)


def test_copy_keeps_the_agenda_and_the_invitations_and_nothing_else(
    setup, client, django_capture_on_commit_callbacks
):
    meeting = setup.meeting
    presenter = User.objects.get(email="sagsbehandler.slagelse@portal.example")
    setup.items[1].presenters.set([presenter])
    services.save_agenda_item(
        meeting=meeting,
        fields={"number": "5", "kind": "orientering", "title": "Sent punkt", "duration_minutes": 5},
        attachments=[SimpleUploadedFile("bilag.pdf", b"%PDF-1.7\n%%EOF\n")],
        by=setup.secretariat,
    )
    services.invite(meeting=meeting, organisations=[], people=[presenter], by=setup.secretariat)
    services.answer(meeting=meeting, user=setup.caseworker, answer="decline")
    client.force_login(setup.secretariat)
    start = timezone.localtime(meeting.starts_at) + timedelta(days=28)
    response = client.post(
        reverse("meetings:meeting_copy", args=[meeting.pk]),
        {
            "title": "Næste møde",
            "starts_at": f"{start:%Y-%m-%dT%H:%M}",
            "ends_at": f"{start + timedelta(hours=2):%Y-%m-%dT%H:%M}",
        },
    )
    copy = Meeting.objects.get(title="Næste møde")
    assert response.status_code == 302 and response.url == copy.get_absolute_url()
    assert copy.forum == meeting.forum and copy.status == MeetingStatus.DRAFT
    assert copy.starts_at == start and copy.place == meeting.place
    assert copy.invitations_sent_at is None
    assert _agenda(copy) == _agenda(meeting)
    assert not copy.items.filter(supplementary=True).exists()
    assert _invitations(copy) == _invitations(meeting)
    assert not copy.items.filter(attachments__isnull=False).exists()
    assert not copy.participations.exists() and not copy.minutes_versions.exists()
    # The original is untouched.
    assert meeting.items.count() == 5 and meeting.participations.count() == 1


def test_the_copy_page_suggests_a_time_and_refuses_an_end_before_the_start(setup, client):
    client.force_login(setup.secretariat)
    url = reverse("meetings:meeting_copy", args=[setup.meeting.pk])
    page = client.get(url).content.decode()
    starts, _ends = copying.suggested_times(setup.meeting)
    assert f'value="{timezone.localtime(starts):%Y-%m-%dT%H:%M}"' in page
    assert "Kopiér mødet" in client.get(setup.meeting.get_absolute_url()).content.decode()
    start = timezone.localtime(starts)
    response = client.post(
        url,
        {
            "title": "Næste møde",
            "starts_at": f"{start:%Y-%m-%dT%H:%M}",
            "ends_at": f"{start - timedelta(hours=1):%Y-%m-%dT%H:%M}",
        },
    )
    assert "Mødet slutter, før det begynder." in response.content.decode()
    assert 'value="Næste møde"' in response.content.decode()
    assert not Meeting.objects.filter(title="Næste møde").exists()


def test_only_the_secretariat_copies(setup, as_caseworker):
    response = as_caseworker.post(
        reverse("meetings:meeting_copy", args=[setup.meeting.pk]), {"title": "x"}
    )
    assert response.status_code in (403, 404)


def test_the_forum_template_is_what_a_new_meeting_of_the_forum_copies(setup, client):
    forum = setup.meeting.forum
    newer = services.create_meeting(
        fields={
            "forum": forum,
            "title": "Et senere møde",
            "starts_at": setup.meeting.starts_at + timedelta(days=60),
            "ends_at": setup.meeting.ends_at + timedelta(days=60),
            "place": "Sorø",
        },
        by=setup.secretariat,
    )
    assert forum.template() == newer  # none marked: the latest meeting
    client.force_login(setup.secretariat)
    client.post(reverse("meetings:forum_template", args=[setup.meeting.pk]))
    forum = Forum.objects.get(pk=forum.pk)
    assert forum.template() == setup.meeting
    page = client.get(reverse("meetings:forum_list")).content.decode()
    assert "Nyt møde i forummet" in page
    assert reverse("meetings:meeting_copy", args=[setup.meeting.pk]) in page
    assert "Mødet er skabelon for" in client.get(setup.meeting.get_absolute_url()).content.decode()
