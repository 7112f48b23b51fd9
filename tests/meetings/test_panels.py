"""The meetings' panels on "Mit overblik" (issue 15, "secretariat home page"): the
secretariat sees the upcoming meetings with unanswered invitations, the minutes awaiting
approval, the overdue actions and the way to the jobs; an invited member sees their
upcoming meetings and the minutes waiting for their approval."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from meetings import selectors, services
from meetings.models import Meeting, MinutesAction
from partnership import dashboard


def _hold(meeting: Meeting) -> None:
    now = timezone.now()
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=now - dt.timedelta(hours=2), ends_at=now - dt.timedelta(hours=1)
    )


def test_the_panels_are_registered():
    keys = {p.key for p in dashboard.registered()}
    assert {"meetings_secretariat", "meetings_mine"} <= keys


def test_the_secretariat_sees_meetings_unanswered_and_jobs(client, setup):
    services.answer(meeting=setup.meeting, user=setup.caseworker, answer="attend")
    waiting = sum(1 for row in selectors.invitees(setup.meeting) if not row.answer)
    client.force_login(setup.secretariat)
    page = client.get(reverse("partnership:dashboard")).content.decode()
    assert "Møder og referater" in page
    assert setup.meeting.title in page
    assert f"{waiting} har ikke svaret." in page
    assert reverse("partnership:job_list") in page
    assert "Mine møder" not in page


def test_the_secretariat_sees_minutes_awaiting_approval_and_overdue_actions(
    client, setup, today, django_capture_on_commit_callbacks
):
    _hold(setup.meeting)
    setup.meeting.refresh_from_db()
    minutes = services.start_minutes(meeting=setup.meeting, by=setup.secretariat)
    entry = minutes.entries.get(agenda_item__number="2")
    services.save_minutes_entry(
        entry=entry,
        discussion="",
        decisions="Tjekliste.",
        new_action={
            "description": "Sende tjeklisten ud",
            "owner": "Sekretariatet",
            "deadline": today - dt.timedelta(days=3),
        },
        by=setup.secretariat,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.send_minutes_for_comment(
            minutes=minutes, deadline=today + dt.timedelta(days=5), by=setup.secretariat
        )
    client.force_login(setup.secretariat)
    page = client.get(reverse("partnership:dashboard")).content.decode()
    assert "Referater der venter på godkendelse" in page
    assert "deltagere har godkendt." in page
    assert "Ingen handlinger er over fristen." in page  # not approved yet: not an action
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_minutes(minutes=minutes, by=setup.secretariat)
    page = client.get(reverse("partnership:dashboard")).content.decode()
    assert "Sende tjeklisten ud" in page
    assert MinutesAction.objects.filter(entry__minutes=minutes).count() == 1


def test_an_invited_member_sees_their_meetings_and_minutes_to_approve(
    client, setup, today, django_capture_on_commit_callbacks
):
    client.force_login(setup.caseworker)
    page = client.get(reverse("partnership:dashboard")).content.decode()
    assert "Mine møder" in page and setup.meeting.title in page
    assert "Du har ikke svaret endnu." in page
    assert "Møder og referater" not in page
    _hold(setup.meeting)
    setup.meeting.refresh_from_db()
    minutes = services.start_minutes(meeting=setup.meeting, by=setup.secretariat)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_minutes_for_comment(
            minutes=minutes, deadline=today + dt.timedelta(days=5), by=setup.secretariat
        )
    page = client.get(reverse("partnership:dashboard")).content.decode()
    assert "Referater der venter på din godkendelse" in page
    services.approve_as_participant(minutes=minutes, user=setup.caseworker)
    page = client.get(reverse("partnership:dashboard")).content.decode()
    assert "Referater der venter på din godkendelse" not in page
    client.force_login(setup.outsider)  # not invited
    page = client.get(reverse("partnership:dashboard")).content.decode()
    assert setup.meeting.title not in page
