"""The decision and action log across a forum's meetings (issue 15): actions have an owner,
a deadline and a status (open, in progress, done, as quality-dialogue actions); an
"Opfølgning" item shows the open actions of the forum's earlier meetings; a page per forum
lists the decisions and actions over time, searchable, and a closed item's decision only to
whom it is for."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from meetings import actions, services
from meetings.models import ActionStatus, Meeting, MinutesAction
from quality.models import ActionStatus as QualityStatus
from tests.factories import make_meeting

OPEN_DECISION = "Implementeringsgruppen udarbejder en fælles tjekliste."
OPEN_ACTION = "Sende tjeklisten til alle kommuner"
CLOSED_DECISION = "Kommunerne fastholder det aftalte takstniveau."
CLOSED_ACTION = "Beregne kommunernes takstniveau for 2027"
DONE_ACTION = "Sende programmet ud"


@pytest.fixture
def approved(setup, today, django_capture_on_commit_callbacks):
    """The setup meeting's minutes, approved: a decision and an open action (owned by the
    caseworker, overdue) under an open item, a decision and an action under the item closed
    to the municipalities, and an action done."""
    minutes = services.start_minutes(meeting=setup.meeting, by=setup.secretariat)
    spec = {
        "1": ("Programmet blev godkendt.", DONE_ACTION, None),
        "2": (OPEN_DECISION, OPEN_ACTION, setup.caseworker),
        "3": (CLOSED_DECISION, CLOSED_ACTION, None),
    }
    for entry in minutes.entries.select_related("agenda_item"):
        decision, action, owner = spec.get(entry.agenda_item.number, ("", "", None))
        services.save_minutes_entry(
            entry=entry,
            discussion="",
            decisions=decision,
            new_action={
                "description": action,
                "owner": "" if owner else "Sekretariatet",
                "owner_user": owner,
                "deadline": today - dt.timedelta(days=1),
            }
            if action
            else None,
            by=setup.secretariat,
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.send_minutes_for_comment(minutes=minutes, by=setup.secretariat)
        services.approve_minutes(minutes=minutes, by=setup.secretariat)
    done = MinutesAction.objects.get(description=DONE_ACTION)
    actions.set_action_status(action=done, status=ActionStatus.DONE, by=setup.secretariat)
    minutes.refresh_from_db()
    return minutes


@pytest.fixture
def next_meeting(setup, django_capture_on_commit_callbacks):
    """The forum's next meeting, with an "Opfølgning" item."""
    start = setup.meeting.starts_at + dt.timedelta(days=28)
    meeting = make_meeting(
        setup.secretariat, starts_at=start, ends_at=start + dt.timedelta(hours=2)
    )
    services.save_agenda_item(
        meeting=meeting,
        fields={
            "number": "1",
            "kind": "opfoelgning",
            "title": "Opfølgning på handlinger",
            "duration_minutes": 10,
        },
        by=setup.secretariat,
    )
    for invitation in setup.meeting.invitations.select_related("organisation"):
        services.invite(
            meeting=meeting,
            organisations=[invitation.organisation],
            people=[],
            by=setup.secretariat,
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.send_invitations(meeting=meeting, by=setup.secretariat)
    meeting.refresh_from_db()
    return meeting


def test_the_follow_up_item_shows_the_open_actions_of_earlier_meetings(
    client, setup, approved, next_meeting
):
    client.force_login(setup.caseworker)
    page = client.get(next_meeting.get_absolute_url()).content.decode()
    assert OPEN_ACTION in page and CLOSED_ACTION in page
    assert DONE_ACTION not in page  # done: not open
    client.force_login(setup.provider)
    page = client.get(next_meeting.get_absolute_url()).content.decode()
    assert OPEN_ACTION in page
    assert CLOSED_ACTION not in page  # under an item closed to the municipalities


def test_the_follow_up_item_is_in_the_minutes_form(client, setup, approved, next_meeting):
    now = timezone.now()
    Meeting.objects.filter(pk=setup.meeting.pk).update(  # a month ago
        starts_at=now - dt.timedelta(days=30), ends_at=now - dt.timedelta(days=30, hours=-2)
    )
    Meeting.objects.filter(pk=next_meeting.pk).update(
        starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=1)
    )
    services.start_minutes(meeting=next_meeting, by=setup.secretariat)
    client.force_login(setup.secretariat)
    page = client.get(reverse("meetings:minutes_edit", args=[next_meeting.pk])).content.decode()
    assert "Åbne handlinger fra tidligere møder" in page and OPEN_ACTION in page


def test_the_log_shows_a_closed_items_decision_only_to_whom_it_is_for(client, setup, approved):
    url = reverse("meetings:decision_log", args=[setup.meeting.forum_id])
    client.force_login(setup.caseworker)
    page = client.get(url).content.decode()
    assert OPEN_DECISION in page and CLOSED_DECISION in page and CLOSED_ACTION in page
    client.force_login(setup.provider)
    page = client.get(url).content.decode()
    assert OPEN_DECISION in page and OPEN_ACTION in page
    assert CLOSED_DECISION not in page and CLOSED_ACTION not in page
    client.force_login(setup.outsider)  # not invited: sees nothing of the meeting
    page = client.get(url).content.decode()
    assert OPEN_DECISION not in page


def test_the_log_is_searchable(client, setup, approved):
    url = reverse("meetings:decision_log", args=[setup.meeting.forum_id])
    client.force_login(setup.caseworker)
    page = client.get(url, {"q": "tjekliste"}).content.decode()
    assert OPEN_DECISION in page and CLOSED_DECISION not in page
    page = client.get(url, {"q": "takstniveau for 2027"}).content.decode()
    assert CLOSED_ACTION in page and OPEN_DECISION not in page
    page = client.get(url, {"q": "findes ikke"}).content.decode()
    assert "Ingen beslutninger eller handlinger matcher søgningen." in page


def test_the_owner_and_the_secretariat_set_the_status(client, setup, approved):
    action = MinutesAction.objects.get(description=OPEN_ACTION)
    url = reverse("meetings:action_status", args=[action.pk])
    client.force_login(setup.provider)  # invited, not the owner
    assert client.post(url, {"status": "done"}).status_code == 403
    client.force_login(setup.caseworker)  # the owner
    response = client.post(url, {"status": "in_progress"})
    assert response.url == reverse("meetings:decision_log", args=[setup.meeting.forum_id])
    assert action.follow_up.status == ActionStatus.IN_PROGRESS
    with pytest.raises(PermissionDenied):
        actions.set_action_status(action=action, status="done", by=setup.provider)


def test_overdue_actions_are_the_unfinished_ones_past_their_deadline(setup, approved, today):
    overdue = set(actions.overdue_actions(today).values_list("description", flat=True))
    assert overdue == {OPEN_ACTION, CLOSED_ACTION}


def test_the_status_choices_are_those_of_quality_actions():
    def plain(choices):
        return [(value, str(label)) for value, label in choices]

    assert plain(ActionStatus.choices) == plain(QualityStatus.choices)


def test_a_correction_keeps_how_the_actions_stand(setup, approved):
    correction = services.start_correction(
        minutes=approved, reason="Et navn var stavet forkert.", by=setup.secretariat
    )
    done = MinutesAction.objects.get(entry__minutes=correction, description=DONE_ACTION)
    assert done.follow_up.status == ActionStatus.DONE
    services.approve_minutes(minutes=correction, by=setup.secretariat)
    log = actions.decision_log(setup.secretariat, setup.meeting.forum)
    shown = [a.description for row in log for a in row.actions]
    assert shown.count(DONE_ACTION) == 1  # the latest version only
