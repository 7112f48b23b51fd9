"""The meeting page reads a fixed number of queries whatever the number of invitees, and of
the presenters, attachments and closing organisations of its items (a Fællesmøde invites
every provider), and shows what the general selectors and permissions give: the same
participants, answers and attendance as invitees(), the same items and times as agenda(),
the minutes link when current_minutes() has a version."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from meetings import permissions, selectors, services
from meetings.models import Answer, MeetingInvitation
from partnership.models import User
from tests.factories import MembershipFactory, ProviderFactory, UserFactory


def _grow(setup, *, organisations: int, members: int, people: int) -> list[User]:
    """Invites more providers with members and people directly, and gives every item
    presenters, an attachment and (item 4) closing organisations. Returns the new members."""
    providers = ProviderFactory.create_batch(organisations)
    new_members = [
        m.user
        for org in providers
        for m in MembershipFactory.create_batch(members, organisation=org)
    ]
    direct = UserFactory.create_batch(people)
    services.invite(
        meeting=setup.meeting, organisations=providers, people=direct, by=setup.secretariat
    )
    for n, item in enumerate(setup.items):
        services.save_agenda_item(
            meeting=setup.meeting,
            item=item,
            fields={},
            presenters=new_members[: n + people],
            restricted_to=list(item.restricted_to.all()) or providers[:n],
            by=setup.secretariat,
        )
        services.add_attachment(
            item=item,
            uploaded=SimpleUploadedFile(f"bilag{n}.pdf", b"%PDF-1.7\n%%EOF\n"),
            title=f"Bilag {n} <{people}>",
            by=setup.secretariat,
        )
    permissions.forget_invitees(setup.meeting)
    return new_members + direct


def _queries(client, person, url) -> int:
    client.force_login(person)
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_query_count_does_not_grow_with_invitees_or_item_details(client, setup):
    url = setup.meeting.get_absolute_url()
    people = (setup.caseworker, setup.provider, setup.secretariat)
    _grow(setup, organisations=2, members=1, people=1)
    small = [_queries(client, person, url) for person in people]
    new = _grow(setup, organisations=20, members=3, people=5)
    services.answer(meeting=setup.meeting, user=new[0], answer=Answer.ATTEND)
    services.answer(meeting=setup.meeting, user=new[1], answer=Answer.DECLINE, substitute="X")
    large = [_queries(client, person, url) for person in people]
    assert MeetingInvitation.objects.filter(meeting=setup.meeting).count() > 30
    assert large == small
    # The layout's own queries, plus the meeting, the agenda (two), the participants. On
    # SQLite the organisation names and the minutes come in two queries of their own.
    assert small[0] <= (10 if connection.vendor == "postgresql" else 12)


def _participant_table(page: str) -> list[list[str]]:
    table = page.split("Deltagerliste med svar og fremmøde", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", table, flags=re.S)
    return [re.split(r"</th><td>|</td><td>", row.removesuffix("</td>")) for row in rows]


def test_participant_list_is_that_of_invitees(client, setup):
    new = _grow(setup, organisations=3, members=2, people=2)
    both = new[0]  # a member of two invited organisations
    MembershipFactory(user=both, organisation=setup.provider.memberships.first().organisation)
    inactive = new[-1]  # invited directly, then deactivated: named, but not a participant
    inactive.is_active = False
    inactive.save()
    services.answer(meeting=setup.meeting, user=new[1], answer=Answer.ATTEND)
    services.answer(meeting=setup.meeting, user=new[2], answer=Answer.DECLINE, substitute="Å & B")
    services.answer(meeting=setup.meeting, user=setup.caseworker, answer=Answer.DECLINE)
    services.record_attendance(meeting=setup.meeting, present=[new[1]], by=setup.secretariat)

    client.force_login(setup.caseworker)
    page = client.get(setup.meeting.get_absolute_url()).content.decode()

    from django.utils.html import escape

    expected = []
    for row in selectors.invitees(setup.meeting):
        attended = {True: "Ja", False: "Nej", None: "–"}[row.attended]
        orgs = ", ".join(o.name for o in row.organisations) or "Inviteret personligt"
        substitute = row.participation.substitute if row.participation else ""
        expected.append(
            [escape(row.user.get_full_name()), escape(orgs), str(row.answer_label)]
            + [escape(substitute), attended]
        )
    assert _participant_table(page) == expected
    assert any(row[3] == "Å &amp; B" for row in expected)
    assert any(row[4] == "Ja" for row in expected) and any(row[4] == "Nej" for row in expected)
    assert sum(", " in row[1] for row in expected) >= 1
    names = ", ".join(escape(u.get_full_name()) for u in selectors.invited_people(setup.meeting))
    assert f"<dt>Inviterede personer</dt><dd>{names}</dd>" in page
    assert escape(inactive.get_full_name()) in names
    assert "Du har svaret: Afbud." in page


def test_agenda_is_that_of_agenda_for_everyone(setup):
    _grow(setup, organisations=3, members=2, people=1)
    for person in (setup.caseworker, setup.provider, setup.secretariat, setup.outsider):
        page = selectors.agenda_page(person, setup.meeting)
        general = selectors.agenda(person, setup.meeting)
        assert [(r.item.pk, r.starts_at, r.ends_at) for r in page] == [
            (r.item.pk, r.starts_at, r.ends_at) for r in general
        ]
        for mine, theirs in zip(page, general, strict=True):
            assert mine.presenter_line == theirs.item.presenter_line()
            assert mine.attachments == [
                {"pk": a.pk, "title": a.title, "file_type": a.file_type, "size": a.size}
                for a in theirs.item.attachments.all()
            ]
            assert mine.restricted_names == ", ".join(
                o.name for o in theirs.item.restricted_to.all()
            )
            assert mine.is_closed == theirs.is_closed
    assert len(selectors.agenda_page(setup.provider, setup.meeting)) < len(setup.items)
    assert selectors.agenda_page(setup.outsider, setup.meeting) == []


def test_item_visible_is_visible_items(setup):
    _grow(setup, organisations=2, members=1, people=1)
    for person in (setup.caseworker, setup.provider, setup.secretariat, setup.outsider):
        visible = set(permissions.visible_items(person, setup.meeting).values_list("pk", flat=True))
        for item in setup.items:
            closed_to = list(item.restricted_to.values_list("pk", flat=True))
            assert permissions.item_visible(person, setup.meeting, closed_to) == (
                item.pk in visible
            ), (person, item)


@pytest.mark.parametrize("status", ["none", "draft", "for_comment", "approved"])
def test_minutes_link_follows_current_minutes(client, setup, status):
    services.answer(meeting=setup.meeting, user=setup.provider, answer=Answer.DECLINE)
    if status != "none":
        minutes = services.start_minutes(meeting=setup.meeting, by=setup.secretariat)
        if status in ("for_comment", "approved"):
            minutes = services.send_minutes_for_comment(minutes=minutes, by=setup.secretariat)
        if status == "approved":
            services.approve_minutes(minutes=minutes, by=setup.secretariat)
    link = f'href="/moeder/{setup.meeting.pk}/referat/"'
    for person in (setup.caseworker, setup.provider, setup.secretariat):
        client.force_login(person)
        page = client.get(setup.meeting.get_absolute_url()).content.decode()
        permissions.forget_invitees(setup.meeting)
        expected = selectors.current_minutes(person, setup.meeting) is not None
        assert (link in page) == expected, (status, person)


def test_secretariat_removes_an_invitation_with_the_form_on_the_page(setup):
    from django.test import Client
    from django.urls import reverse
    from django.utils.html import escape

    new = _grow(setup, organisations=2, members=1, people=2)
    client = Client(enforce_csrf_checks=True)
    client.force_login(setup.secretariat)
    page = client.get(setup.meeting.get_absolute_url()).content.decode()
    invitations = list(
        MeetingInvitation.objects.filter(meeting=setup.meeting).select_related("organisation")
    )
    forms = re.findall(r'<li>([^<]*)\n  <form method="post" action="([^"]+)"', page)
    assert forms == [
        (
            escape(inv.organisation.name)
            if inv.organisation
            else f"{escape(inv.user.get_full_name())} ({escape(inv.user.email)})",
            reverse("meetings:invitation_remove", args=[setup.meeting.pk, inv.pk]),
        )
        for inv in invitations
    ]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    person = MeetingInvitation.objects.get(meeting=setup.meeting, user=new[-1])
    url = reverse("meetings:invitation_remove", args=[setup.meeting.pk, person.pk])
    assert client.post(url, {"csrfmiddlewaretoken": "x" * 64}).status_code == 403
    assert client.post(url, {"csrfmiddlewaretoken": token}).status_code == 302
    assert not MeetingInvitation.objects.filter(pk=person.pk).exists()
