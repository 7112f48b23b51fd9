"""*Mit overblik* at national scale (issue 17): the page reads as many queries with many
followed offers, saved searches, contracts waiting, meetings and minutes to approve as with
one of each (each panel's list and its count in one query,
partnership.dashboard.first_rows_prepared), and the set-based answer to "may this person approve these minutes?" that the meetings panel
asks (meetings.permissions.with_may_approve) is can_approve_minutes's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings import permissions as meeting_permissions
from meetings import services as meeting_services
from meetings.models import Meeting, Minutes
from offers.models import OfferFollow, SavedSearch
from partnership.demo import DEMO_USERS
from partnership.models import Organisation
from tests.factories import demo_user, make_contract, make_meeting, make_offer, pl_rates, publish

CASEWORKER = "sagsbehandler.slagelse@portal.example"
SECRETARIAT = "sekretariat@portal.example"
MANY = 7  # more than any panel shows (PANEL_SIZE 5), so each panel counts the rest


def _held(meeting: Meeting) -> Meeting:
    now = timezone.now()
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=now - dt.timedelta(hours=2), ends_at=now - dt.timedelta(hours=1)
    )
    meeting.refresh_from_db()
    return meeting


def _invited_meeting(n: int, *, held: bool, capture) -> Meeting:
    secretariat = demo_user(SECRETARIAT)
    meeting = make_meeting(secretariat, title=f"Overbliksmøde {n}")
    meeting_services.save_agenda_item(
        meeting=meeting,
        fields={
            "number": "1",
            "kind": "orientering",
            "title": "Orientering",
            "duration_minutes": 10,
        },
        restricted_to=[],
        by=secretariat,
    )
    slagelse = Organisation.objects.get(slug="slagelse")
    meeting_services.invite(meeting=meeting, organisations=[slagelse], people=[], by=secretariat)
    with capture(execute=True):
        meeting_services.send_invitations(meeting=meeting, by=secretariat)
    meeting.refresh_from_db()
    return _held(meeting) if held else meeting


def _minutes_for_comment(meeting: Meeting, today: dt.date, capture) -> Minutes:
    secretariat = demo_user(SECRETARIAT)
    minutes = meeting_services.start_minutes(meeting=meeting, by=secretariat)
    with capture(execute=True):
        meeting_services.send_minutes_for_comment(
            minutes=minutes, deadline=today + dt.timedelta(days=5), by=secretariat
        )
    return minutes


def _add(n: int, today: dt.date, capture) -> None:
    """One more of everything the caseworker's panels list."""
    user = demo_user(CASEWORKER)
    offer = make_offer(name=f"Overbliktilbud {n}")
    publish(offer, today.year, "2500")
    OfferFollow.objects.create(user=user, offer=offer)
    SavedSearch.objects.create(user=user, name=f"Overbliksøgning {n}", query="q=bosted")
    make_contract(offer=offer, buyer_slug="slagelse", email=CASEWORKER, case_reference=f"SL-{n}")
    _invited_meeting(n, held=False, capture=capture)
    _minutes_for_comment(_invited_meeting(100 + n, held=True, capture=capture), today, capture)


def _dashboard_queries(client) -> tuple[int, str]:
    client.get(reverse("partnership:dashboard"))  # caches warm
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("partnership:dashboard"))
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_the_dashboard_reads_as_many_queries_with_many_rows_as_with_one(
    demo, today, client, django_capture_on_commit_callbacks
):
    pl_rates()
    client.force_login(demo_user(CASEWORKER))
    _add(0, today, django_capture_on_commit_callbacks)
    few, page = _dashboard_queries(client)
    assert "Overbliktilbud 0" in page and "Overbliksøgning 0" in page
    assert "Overbliksmøde 0" in page and "Overbliksmøde 100" in page
    for n in range(1, MANY):
        _add(n, today, django_capture_on_commit_callbacks)
    many, page = _dashboard_queries(client)
    assert f"Se alle {MANY} tilbud, du følger" in page
    assert f"Se, redigér eller slet alle {MANY} gemte søgninger" in page
    assert many == few, (few, many)


@pytest.mark.parametrize("recorded", [False, True], ids=["no-attendance", "attendance"])
def test_with_may_approve_is_can_approve_minutes(
    demo, today, recorded, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    secretariat = demo_user(SECRETARIAT)
    caseworker = demo_user(CASEWORKER)
    held = _invited_meeting(1, held=True, capture=capture)
    meeting_services.answer(meeting=held, user=caseworker, answer="decline")
    if recorded:
        meeting_services.record_attendance(meeting=held, present=[caseworker], by=secretariat)
    _minutes_for_comment(held, today, capture)
    other = _invited_meeting(2, held=True, capture=capture)
    draft = meeting_services.start_minutes(meeting=other, by=secretariat)  # not out yet
    assert draft.pk
    emails = [email for email, *_ in DEMO_USERS]
    for email in emails:
        user = demo_user(email)
        annotated = meeting_permissions.with_may_approve(user, Minutes.objects.all())
        for minutes in annotated.select_related("meeting"):
            expected = meeting_permissions.can_approve_minutes(user, minutes)
            assert minutes.may_approve == expected, (email, minutes.pk, recorded)
        # The panel's form: only presence asked of minutes already out and the person's own.
        theirs = Minutes.objects.filter(
            status="for_comment", meeting__in=meeting_permissions.meetings_invited_to(user)
        )
        narrow = meeting_permissions.with_may_approve(user, theirs, invited_only=True)
        for minutes in narrow.select_related("meeting"):
            expected = meeting_permissions.can_approve_minutes(user, minutes)
            assert minutes.may_approve == expected, (email, minutes.pk, recorded, "panel")
    # The caseworker sent afbud: may approve only when marked present after all.
    shown = meeting_permissions.with_may_approve(caseworker, Minutes.objects.filter(meeting=held))
    assert [m.may_approve for m in shown] == [recorded]
