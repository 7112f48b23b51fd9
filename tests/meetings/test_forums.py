"""Forums with standing members (issue 15): the forum remembers its member organisations and
people, and the invite page invites them, or all the municipalities and the region, in one
click each. An RSVP deadline, a count of who has not answered per organisation, and a
reminder that mails those, and only those."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.models import Forum, MeetingInvitation
from partnership.models import MailKind, Organisation, OrganisationKind, OutgoingMail, User
from tests.factories import make_meeting

from .conftest import CLOSED_TITLE, OPEN_TITLES


@pytest.fixture
def secretariat(demo) -> User:
    return User.objects.get(email="sekretariat@portal.example")


@pytest.fixture
def directors(demo) -> Forum:
    return Forum.objects.get_or_create(name="Direktør- og chefforum")[0]


def _invited(meeting) -> tuple[set[str], set[str]]:
    orgs = set(
        MeetingInvitation.objects.filter(meeting=meeting, organisation__isnull=False).values_list(
            "organisation__slug", flat=True
        )
    )
    people = set(
        MeetingInvitation.objects.filter(meeting=meeting, user__isnull=False).values_list(
            "user__email", flat=True
        )
    )
    return orgs, people


def test_the_forum_form_keeps_standing_members(as_secretariat, directors):
    slagelse, holbaek = Organisation.objects.filter(slug__in=["slagelse", "holbaek"])
    person = User.objects.get(email="leverandoer.a@portal.example")
    response = as_secretariat.post(
        reverse("meetings:forum_edit", args=[directors.pk]),
        {
            "name": directors.name,
            "description": directors.description,
            "is_active": "on",
            "members": [slagelse.pk, holbaek.pk],
            "people": [person.pk],
        },
    )
    assert response.status_code == 302
    assert set(directors.members.values_list("slug", flat=True)) == {"slagelse", "holbaek"}
    assert list(directors.people.all()) == [person]


def test_invite_the_forum_in_one_click(as_secretariat, directors, secretariat):
    directors.members.set(Organisation.objects.filter(slug__in=["slagelse", "naestved"]))
    directors.people.set([User.objects.get(email="leverandoer.a@portal.example")])
    meeting = make_meeting(secretariat)
    meeting.forum = directors
    meeting.save()
    page = as_secretariat.get(reverse("meetings:invite", args=[meeting.pk])).content.decode()
    assert "Invitér forummet" in page
    response = as_secretariat.post(
        reverse("meetings:invite", args=[meeting.pk]), {"preset": "forum"}, follow=True
    )
    assert "3 invitationer er tilføjet." in response.content.decode()
    assert _invited(meeting) == ({"slagelse", "naestved"}, {"leverandoer.a@portal.example"})
    # Twice: nothing more.
    as_secretariat.post(reverse("meetings:invite", args=[meeting.pk]), {"preset": "forum"})
    assert MeetingInvitation.objects.filter(meeting=meeting).count() == 3


def test_all_municipalities_and_the_region_in_one_click(as_secretariat, secretariat):
    meeting = make_meeting(secretariat)
    municipalities = Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY)
    assert municipalities.count() == 17  # the 17 municipalities of KKR Sjælland
    page = as_secretariat.get(reverse("meetings:invite", args=[meeting.pk])).content.decode()
    assert "Alle 17 kommuner og regionen" in page
    as_secretariat.post(reverse("meetings:invite", args=[meeting.pk]), {"preset": "municipalities"})
    orgs, people = _invited(meeting)
    expected = set(
        Organisation.objects.filter(
            kind__in=[OrganisationKind.MUNICIPALITY, OrganisationKind.REGION]
        ).values_list("slug", flat=True)
    )
    assert orgs == expected and len(orgs) == 18 and not people
    assert "kkr-sjaelland" not in orgs  # the secretariat is not a member


def test_only_the_secretariat_invites_a_forum(as_caseworker, secretariat):
    meeting = make_meeting(secretariat)
    response = as_caseworker.post(
        reverse("meetings:invite", args=[meeting.pk]), {"preset": "municipalities"}
    )
    assert response.status_code in (403, 404)
    assert not MeetingInvitation.objects.filter(meeting=meeting).exists()


# --- The RSVP deadline, the count and the reminder -------------------------------------


def test_the_rsvp_deadline_is_kept_and_must_come_before_the_meeting(as_secretariat, secretariat):
    meeting = make_meeting(secretariat)
    start = timezone.localtime(meeting.starts_at)
    data = {
        "forum": meeting.forum_id,
        "title": meeting.title,
        "starts_at": f"{start:%Y-%m-%dT%H:%M}",
        "ends_at": f"{timezone.localtime(meeting.ends_at):%Y-%m-%dT%H:%M}",
        "place": meeting.place,
        "rsvp_deadline": f"{start + timedelta(days=1):%Y-%m-%dT%H:%M}",
    }
    url = reverse("meetings:meeting_edit", args=[meeting.pk])
    response = as_secretariat.post(url, data)
    assert "Svarfristen skal ligge før mødet begynder." in response.content.decode()
    data["rsvp_deadline"] = f"{start - timedelta(days=3):%Y-%m-%dT%H:%M}"
    assert as_secretariat.post(url, data).status_code == 302
    meeting.refresh_from_db()
    assert meeting.rsvp_deadline == start - timedelta(days=3)
    assert "Svarfrist" in as_secretariat.get(meeting.get_absolute_url()).content.decode()


def test_the_page_counts_who_has_not_answered_per_organisation(setup, client):
    services.answer(meeting=setup.meeting, user=setup.caseworker, answer="attend")
    client.force_login(setup.secretariat)
    response = client.get(setup.meeting.get_absolute_url())
    counts = {c.name: c for c in response.context["answer_counts"]}
    slagelse = counts["Slagelse Kommune"]
    members = sum(1 for p in response.context["people"] if "Slagelse Kommune" in p.organisations)
    assert slagelse.invited == members and slagelse.waiting == members - 1
    assert "Send påmindelse til dem, der ikke har svaret" in response.content.decode()


def test_the_reminder_mails_only_those_who_have_not_answered(
    setup, client, mailoutbox, django_capture_on_commit_callbacks
):
    services.answer(meeting=setup.meeting, user=setup.caseworker, answer="attend")
    purchaser = User.objects.get(email="indkoeb.slagelse@portal.example")  # Slagelse too
    client.force_login(setup.secretariat)
    mailoutbox.clear()
    url = reverse("meetings:send_reminders", args=[setup.meeting.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    assert "Påmindelsen sendes nu" in response.content.decode()
    reminded = {m.to[0] for m in mailoutbox}
    waiting = {p.email for p in response.context["people"] if not p.answer}
    assert reminded == waiting and reminded
    assert setup.caseworker.email not in reminded
    mail = next(m for m in mailoutbox if m.to == [purchaser.email])
    assert mail.subject.startswith("Påmindelse:") and "Vi mangler dit svar" in mail.body
    # Each with the agenda they may see: the item closed to the municipalities too, or not.
    assert CLOSED_TITLE in mail.body
    provider_mail = next(m for m in mailoutbox if m.to == [setup.provider.email])
    assert OPEN_TITLES[0] in provider_mail.body and CLOSED_TITLE not in provider_mail.body
    assert OutgoingMail.objects.filter(
        kind=MailKind.MEETING_INVITATION, reference__startswith="paamindelse-"
    ).count() == len(reminded)
    # Clicked twice the same day: nobody gets it twice.
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    assert mailoutbox == []


def test_no_reminder_before_the_invitations_are_sent(as_secretariat, secretariat):
    meeting = make_meeting(secretariat)
    response = as_secretariat.post(
        reverse("meetings:send_reminders", args=[meeting.pk]), follow=True
    )
    assert "Der kan kun sendes påmindelser, når invitationerne er sendt" in (
        response.content.decode()
    )
