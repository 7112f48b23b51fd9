# ruff: noqa: F811 (the imported fixtures are named as arguments)
"""The open actions an "Opfølgning" item shows (issue 17): read in one query of the unfinished
actions only (not every entry of every earlier meeting with its minutes), the same rows the
decision log's reading gives, for everyone; on the meeting page the list is cached under a
digest the database computes with the page's facts, so the page reads as many queries with
an "Opfølgning" item as without, whatever the number of earlier meetings and actions, and a
change of an action shows at once."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import formats

from meetings import actions, permissions, services
from meetings.models import ActionStatus, AgendaItem, Meeting, MinutesAction
from partnership import redaction
from partnership.validators import CPR_REDACTED
from tests.factories import make_meeting

# The fixtures `approved` and `next_meeting` are those of the action log's tests.
from tests.meetings.test_action_log import (  # noqa: F401
    CLOSED_ACTION,
    DONE_ACTION,
    OPEN_ACTION,
    approved,
    next_meeting,
)


def _as_the_log_reads_them(user, meeting):
    """open_actions_before as it was before issue 17: every entry of the earlier meetings'
    latest approved minutes that the person may read (the decision log's reading), with its
    actions, the unfinished ones kept."""
    earlier = Meeting.objects.filter(forum_id=meeting.forum_id, starts_at__lt=meeting.starts_at)
    return [
        row
        for entry in actions._visible_approved_entries(user, earlier)
        for row in (
            actions._action_row(a, entry.minutes.meeting, entry) for a in entry.actions.all()
        )
        if row.is_unfinished
    ]


def _plain(rows):
    return [
        (r.pk, r.description, r.owner, r.owner_user_id, r.deadline, r.status, r.status_label)
        + (r.meeting.pk, r.meeting.starts_at, r.item_number, r.item_title)
        for r in rows
    ]


def _earlier_meeting_with_actions(
    setup, days_before: int, count: int, capture, before_approval=None
) -> Meeting:
    """Another meeting of the forum before the setup's, invited alike, with approved minutes
    holding `count` open actions under each item (the item closed to the municipalities
    too); `before_approval(minutes)` is called on the draft."""
    start = setup.meeting.starts_at - dt.timedelta(days=days_before)
    meeting = make_meeting(
        setup.secretariat, starts_at=start, ends_at=start + dt.timedelta(hours=2)
    )
    for item in setup.items:
        services.save_agenda_item(
            meeting=meeting,
            fields={
                "number": item.number,
                "kind": item.kind,
                "title": item.title,
                "duration_minutes": 10,
            },
            restricted_to=list(item.restricted_to.all()),
            by=setup.secretariat,
        )
    services.invite(
        meeting=meeting,
        organisations=[i.organisation for i in setup.meeting.invitations.all()],
        people=[],
        by=setup.secretariat,
    )
    with capture(execute=True):
        services.send_invitations(meeting=meeting, by=setup.secretariat)
    meeting.refresh_from_db()
    minutes = services.start_minutes(meeting=meeting, by=setup.secretariat)
    for entry in minutes.entries.all():
        for n in range(count):
            services.save_minutes_entry(
                entry=entry,
                discussion="",
                decisions="",
                new_action={
                    "description": f"Handling {n} fra {start:%d.%m}",
                    "owner": "Sekretariatet",
                    "owner_user": None,
                    "deadline": None if n % 2 else start.date() + dt.timedelta(days=30),
                },
                by=setup.secretariat,
            )
    if before_approval is not None:
        before_approval(minutes)
    with capture(execute=True):
        services.send_minutes_for_comment(minutes=minutes, by=setup.secretariat)
        services.approve_minutes(minutes=minutes, by=setup.secretariat)
    return meeting


def test_open_actions_are_those_the_decision_log_reads(
    setup, approved, next_meeting, django_capture_on_commit_callbacks
):
    _earlier_meeting_with_actions(setup, 28, 2, django_capture_on_commit_callbacks)
    action = MinutesAction.objects.get(description=OPEN_ACTION)
    actions.set_action_status(action=action, status=ActionStatus.IN_PROGRESS, by=setup.secretariat)
    for person in (setup.caseworker, setup.provider, setup.secretariat, setup.outsider):
        permissions.forget_invitees(next_meeting)
        rows = actions.open_actions_before(person, next_meeting)
        assert _plain(rows) == _plain(_as_the_log_reads_them(person, next_meeting)), person
    shown = {row.description for row in actions.open_actions_before(setup.caseworker, next_meeting)}
    assert {OPEN_ACTION, CLOSED_ACTION} <= shown and DONE_ACTION not in shown
    provider = {
        row.description for row in actions.open_actions_before(setup.provider, next_meeting)
    }
    assert OPEN_ACTION in provider and CLOSED_ACTION not in provider
    assert actions.open_actions_before(setup.outsider, next_meeting) == []


def _queries(client, url, counting) -> int:
    assert client.get(url).status_code == 200  # the lists are cached now
    with counting as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_the_follow_up_costs_no_query_and_does_not_grow_with_earlier_meetings(
    client,
    setup,
    approved,
    next_meeting,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
    django_assert_num_queries,
):
    url = next_meeting.get_absolute_url()
    follow_up = AgendaItem.objects.filter(meeting=next_meeting, kind="opfoelgning")
    counts = {}
    for person in (setup.caseworker, setup.provider, setup.secretariat):
        client.force_login(person)
        follow_up.update(kind="orientering")
        without = _queries(client, url, django_assert_max_num_queries(20))
        follow_up.update(kind="opfoelgning")
        counts[person] = _queries(client, url, django_assert_num_queries(without))
    for days in (56, 84):
        _earlier_meeting_with_actions(setup, days, 3, django_capture_on_commit_callbacks)
    for person, n in counts.items():
        client.force_login(person)
        permissions.forget_invitees(next_meeting)
        _queries(client, url, django_assert_num_queries(n))


def test_a_cached_follow_up_list_shows_a_changed_action_at_once(
    client, setup, approved, next_meeting
):
    client.force_login(setup.caseworker)
    url = next_meeting.get_absolute_url()
    assert OPEN_ACTION in client.get(url).content.decode()
    assert OPEN_ACTION in client.get(url).content.decode()  # from the cache
    action = MinutesAction.objects.get(description=OPEN_ACTION)
    actions.set_action_status(action=action, status=ActionStatus.IN_PROGRESS, by=setup.secretariat)
    page = client.get(url).content.decode()
    assert OPEN_ACTION in page and str(ActionStatus.IN_PROGRESS.label) in page
    actions.set_action_status(action=action, status=ActionStatus.DONE, by=setup.secretariat)
    assert OPEN_ACTION not in client.get(url).content.decode()
    # The same list for another person of other organisations is their own.
    client.force_login(setup.provider)
    page = client.get(url).content.decode()
    assert CLOSED_ACTION not in page
    client.force_login(setup.caseworker)
    assert CLOSED_ACTION in client.get(url).content.decode()


def test_a_cached_follow_up_list_shows_a_moved_meeting_and_new_minutes_at_once(
    client, setup, approved, next_meeting, django_capture_on_commit_callbacks
):
    """The list's digest is of what decides its rows (actions.OPEN_ACTIONS_DIGEST): a
    change of an earlier meeting (even one past the services) and newly approved minutes
    show at once."""
    client.force_login(setup.caseworker)
    url = next_meeting.get_absolute_url()
    assert OPEN_ACTION in client.get(url).content.decode()  # now cached
    moved = setup.meeting.starts_at - dt.timedelta(days=3)
    Meeting.objects.filter(pk=setup.meeting.pk).update(
        starts_at=moved, ends_at=moved + dt.timedelta(hours=2)
    )
    page = client.get(url).content.decode()
    assert formats.date_format(moved.date(), "j. F Y") in page
    _earlier_meeting_with_actions(setup, 56, 1, django_capture_on_commit_callbacks)
    assert "Handling 0 fra" in client.get(url).content.decode()


CPR = "010203-1234"


def test_a_cached_follow_up_list_shows_a_redacted_action_at_once(
    client, setup, next_meeting, django_capture_on_commit_callbacks
):
    """Approved minutes change only when a CPR number is taken out (which records a
    Redaction): the cached list shows the redacted text at once."""

    def plant(minutes):
        with connection.cursor() as cursor:  # written before the rule; a draft may change
            cursor.execute(
                "UPDATE partnership_minutesaction SET description = %s WHERE id = ("
                " SELECT min(a.id) FROM partnership_minutesaction a"
                " JOIN partnership_minutesentry e ON e.id = a.entry_id"
                " WHERE e.minutes_id = %s)",
                [f"Ring til borger {CPR}", minutes.pk],
            )

    _earlier_meeting_with_actions(
        setup, 56, 1, django_capture_on_commit_callbacks, before_approval=plant
    )
    client.force_login(setup.secretariat)
    url = next_meeting.get_absolute_url()
    assert CPR in client.get(url).content.decode()  # now cached
    action = MinutesAction.objects.get(description__contains=CPR)
    redaction.redact_cpr(
        model_label="meetings.MinutesAction",
        pk=action.pk,
        field_name="description",
        by=setup.secretariat,
    )
    page = client.get(url).content.decode()
    assert CPR not in page and f"Ring til borger {CPR_REDACTED}" in page
