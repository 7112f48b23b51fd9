"""The demo meetings: Direktør- og chefforum 29 August 2025 with its programme and
presenters, and the joint meeting of 22 October 2025. Seeding twice changes nothing."""

import datetime as dt

from django.urls import reverse

from meetings import demo as meetings_demo
from meetings.models import (
    AgendaAttachment,
    AgendaItem,
    ExtraAttendee,
    Forum,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesAction,
    MinutesApproval,
    MinutesComment,
    MinutesStatus,
)
from partnership.models import Organisation, User


def test_demo_meetings(demo):
    from partnership.models import Organisation

    orgs = {o.slug: o for o in Organisation.objects.all()}
    meetings_demo.seed(orgs)
    meetings_demo.seed(orgs)
    assert set(Forum.objects.values_list("name", flat=True)) >= {
        "Fællesmøde",
        "Direktør- og chefforum",
        "Implementeringsgruppe",
        "Styregruppe",
    }
    assert Meeting.objects.count() == 4
    directors = Meeting.objects.get(forum__name="Direktør- og chefforum", starts_at__year=2025)
    # The real programme's date, whatever the day.
    assert directors.starts_at.date().isoformat() == "2025-08-29"  # ok-fixed-date
    items = list(AgendaItem.objects.filter(meeting=directors))
    titles = " | ".join(i.title for i in items)
    for words in (
        "Nyt diplommodul",
        "Ad hoc-gruppen",
        "lokalpolitisk talepapir",
        "private brancheforeninger",
        "Eventuelt",
    ):
        assert words in titles
    lines = {i.number: i.presenter_line() for i in items}
    assert lines["4"] == "V./ Lone Berner Wolff og Christel Jørgensen"
    assert lines["2"] == "V./ Lisbeth Broberg"
    assert "Absalon" in lines["1"]
    assert [i.kind for i in items if i.number in ("3", "4")] == ["borddroeftelse"] * 2
    joint = Meeting.objects.get(forum__name="Fællesmøde")
    # The real programme's date, whatever the day.
    assert joint.starts_at.date().isoformat() == "2025-10-22"  # ok-fixed-date
    kinds = set(joint.invitations.values_list("organisation__kind", flat=True))
    assert {"municipality", "region", "provider"} <= kinds


def test_demo_meetings_at_work(demo, client, today):
    """Issue 15, finding 8: an upcoming meeting relative to today with answers and a bilag,
    a past one with attendance (a substitute, a guest) and minutes out for comment with a
    deadline and a comment, and an older one with approved minutes, each participant's
    approval and actions (one open, one done). Seeding again changes nothing."""
    orgs = {o.slug: o for o in Organisation.objects.all()}
    meetings_demo.seed(orgs)
    counts = [m.objects.count() for m in (Meeting, Minutes, MinutesApproval, ExtraAttendee)]
    meetings_demo.seed(orgs)
    assert [m.objects.count() for m in (Meeting, Minutes, MinutesApproval, ExtraAttendee)] == counts

    upcoming = Meeting.objects.get(title=meetings_demo.NEXT_TITLE)
    assert today + dt.timedelta(days=7) < upcoming.starts_at.date() < today + dt.timedelta(days=60)
    assert upcoming.status == MeetingStatus.INVITED and upcoming.invitations_sent_at
    assert upcoming.participations.exclude(answer="").count() >= 2
    assert AgendaAttachment.objects.filter(item__meeting=upcoming).exists()

    past = Meeting.objects.get(title=meetings_demo.PAST_TITLE)
    assert past.starts_at.date() < today
    kinds = set(past.extra_attendees.values_list("kind", flat=True))
    assert {"substitute", "guest"} <= kinds
    draft = Minutes.objects.get(meeting=past)
    assert draft.status == MinutesStatus.FOR_COMMENT and draft.comment_deadline >= today
    assert MinutesComment.objects.filter(entry__minutes=draft).exists()

    older = Minutes.objects.get(
        meeting__starts_at__year=2025, meeting__forum__name__startswith="Dir"
    )
    assert older.is_approved
    assert older.approvals.filter(on_behalf_of_forum=False).count() == 2
    statuses = {a.follow_up.status for a in MinutesAction.objects.filter(entry__minutes=older)}
    assert "done" in statuses and statuses & {"open", "in_progress"}

    # A newcomer sees them: the meeting list is not empty, the minutes list the substitute.
    client.force_login(User.objects.get(email="sagsbehandler.naestved@portal.example"))
    assert meetings_demo.NEXT_TITLE in client.get(reverse("meetings:meeting_list")).content.decode()
    page = client.get(reverse("meetings:minutes_detail", args=[past.pk])).content.decode()
    assert f"{meetings_demo.SUBSTITUTE} (Slagelse Kommune, stedfortræder for" in page
    # The next meeting's "Opfølgning" item pulls in the open action; the forum's log has both.
    upcoming_page = client.get(upcoming.get_absolute_url()).content.decode()
    assert "Samle input til det lokalpolitiske talepapir" in upcoming_page
    log = client.get(reverse("meetings:decision_log", args=[past.forum_id])).content.decode()
    assert "Sende de tre gode råd til Implementeringsgruppen" in log
    assert "Samle input til det lokalpolitiske talepapir" in log
