"""The meeting page reads a fixed number of queries whatever the number of invitees, and of
the presenters, attachments and closing organisations of its items (a Fællesmøde invites
every provider). It shows what the one reading of each gives: the participants, answers and
attendance of invitees(), the items and times of agenda() (the items visible_items() gives
the person), the minutes link when current_minutes() has a version. Its long lists are
cached by what they show, so a change shows at once."""

from __future__ import annotations

import re
from unittest.mock import ANY

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from meetings import permissions, selectors, services
from meetings.models import Answer, Meeting, MeetingInvitation
from partnership.models import User
from tests.factories import MembershipFactory, ProviderFactory, UserFactory
from tests.meetings.conftest import CLOSED_TITLE


def _grow(setup, *, organisations: int, members: int, people: int) -> list[User]:
    """Invites more providers with members and people directly, and gives every item
    presenters, an attachment (closed to some of the providers but the first) and (item 4)
    closing organisations. Returns the new members."""
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
            restricted_to=providers[:n],  # closed bilag too, the first one open
        )
    permissions.forget_invitees(setup.meeting)
    return new_members + direct


def _queries(client, person, url, counting) -> int:
    """The page's queries for the person, counted by one of pytest-django's fixtures, which
    fails with the queries listed when there are too many."""
    client.force_login(person)
    assert client.get(url).status_code == 200
    with counting as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_query_count_does_not_grow_with_invitees_or_item_details(
    client, setup, django_assert_max_num_queries, django_assert_num_queries
):
    url = setup.meeting.get_absolute_url()
    people = (setup.caseworker, setup.provider, setup.secretariat)
    _grow(setup, organisations=2, members=1, people=1)
    # The layout's own queries, plus the meeting, the agenda (two), the invitees (one) and
    # the names of those invited with the statuses of the minutes (one): not the invitations.
    # (11 for a caseworker; the provider and the secretariat see more of the page.)
    small = [
        _queries(client, person, url, django_assert_max_num_queries(limit))
        for person, limit in zip(people, (11, 20, 20), strict=True)
    ]
    new = _grow(setup, organisations=20, members=3, people=5)
    services.answer(meeting=setup.meeting, user=new[0], answer=Answer.ATTEND)
    services.answer(meeting=setup.meeting, user=new[1], answer=Answer.DECLINE, substitute="X")
    assert MeetingInvitation.objects.filter(meeting=setup.meeting).count() > 30
    for person, n in zip(people, small, strict=True):
        _queries(client, person, url, django_assert_num_queries(n))


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

    rows = selectors.invitees(setup.meeting)
    assert {row.user_id for row in rows} == setup.meeting.invitee_ids()
    expected = [
        [escape(row.name), escape(row.organisations_label), row.answer_label]
        + [escape(row.substitute), row.attended_label]
        for row in rows
    ]
    assert _participant_table(page) == expected
    mine = {row.user_id: row for row in rows}
    assert mine[both.pk].organisations_label.count(", ") == 1
    assert (mine[new[1].pk].answer_label, mine[new[1].pk].attended_label) == ("Deltager", "Ja")
    assert (mine[new[2].pk].answer_label, mine[new[2].pk].substitute) == ("Afbud", "Å & B")
    assert mine[new[2].pk].attended_label == "Nej"
    assert mine[new[-2].pk].organisations_label == "Inviteret personligt"
    assert inactive.pk not in mine
    assert any(row[3] == "Å &amp; B" for row in expected)
    direct = User.objects.filter(meeting_invitations__meeting=setup.meeting).order_by("name")
    names = ", ".join(escape(u.get_full_name()) for u in direct)
    assert f"<dt>Inviterede personer</dt><dd>{names}</dd>" in page
    assert escape(inactive.get_full_name()) in names
    organisations = ", ".join(
        escape(n) for n in selectors.invited_organisation_names(setup.meeting)
    )
    assert f"<dt>Inviterede organisationer</dt><dd>{organisations}</dd>" in page
    assert "Du har svaret: Afbud." in page


def test_a_cached_participant_list_shows_a_new_answer_at_once(client, setup):
    new = _grow(setup, organisations=2, members=1, people=0)
    client.force_login(setup.caseworker)
    url = setup.meeting.get_absolute_url()
    before = _participant_table(client.get(url).content.decode())
    assert client.get(url).status_code == 200  # the list is cached now
    services.answer(meeting=setup.meeting, user=new[0], answer=Answer.DECLINE, substitute="Bo")
    after = _participant_table(client.get(url).content.decode())
    changed = [row for row in after if row not in before]
    assert changed == [[escape(new[0].get_full_name()), ANY, "Afbud", "Bo", "–"]]


def test_agenda_shows_each_items_presenters_attachments_and_closing(setup):
    _grow(setup, organisations=3, members=2, people=1)
    everything = selectors.agenda(setup.secretariat, setup.meeting)
    assert [row.item.pk for row in everything] == [item.pk for item in setup.items]
    for row in everything:
        item = row.item
        assert row.presenter_line == item.presenter_line()
        assert row.attachments == [
            {
                "pk": a.pk,
                "title": a.title,
                "file_type": a.file_type,
                "size": a.size,
                "closed_to": [o.pk for o in a.restricted_to.order_by("name", "pk")],
                "closed_to_names": [o.name for o in a.restricted_to.order_by("name", "pk")],
            }
            for a in item.attachments.all()
        ]
        assert row.restricted_names == ", ".join(o.name for o in item.restricted_to.all())
        assert row.is_closed == item.restricted_to.exists()
    # Everyone's times are those of the whole agenda: a closed item keeps its time.
    times = {row.item.pk: (row.starts_at, row.ends_at) for row in everything}
    for person in (setup.caseworker, setup.provider):
        rows = selectors.agenda(person, setup.meeting)
        assert all(times[row.item.pk] == (row.starts_at, row.ends_at) for row in rows)
    assert len(selectors.agenda(setup.provider, setup.meeting)) < len(setup.items)
    assert selectors.agenda(setup.outsider, setup.meeting) == []


def test_agenda_and_visible_items_agree_for_everyone(setup):
    _grow(setup, organisations=2, members=1, people=1)
    for person in (setup.caseworker, setup.provider, setup.secretariat, setup.outsider):
        visible = permissions.visible_items(person, setup.meeting).order_by("position", "pk")
        agenda = selectors.agenda(person, setup.meeting)
        assert [row.item.pk for row in agenda] == list(visible.values_list("pk", flat=True))


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
    new = _grow(setup, organisations=2, members=1, people=2)
    client = Client(enforce_csrf_checks=True)
    client.force_login(setup.secretariat)
    url = setup.meeting.get_absolute_url()
    page = client.get(url).content.decode()
    invitations = list(
        MeetingInvitation.objects.filter(meeting=setup.meeting).select_related("organisation")
    )
    buttons = re.findall(r'<li>([^<]*)\n  <button type="submit" formaction="([^"]+)"', page)
    assert buttons == [
        (
            escape(inv.organisation.name)
            if inv.organisation
            else f"{escape(inv.user.get_full_name())} ({escape(inv.user.email)})",
            reverse("meetings:invitation_remove", args=[setup.meeting.pk, inv.pk]),
        )
        for inv in invitations
    ]
    form = page[page.index("<h3>Invitationer</h3>") :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    person = MeetingInvitation.objects.get(meeting=setup.meeting, user=new[-1])
    remove = reverse("meetings:invitation_remove", args=[setup.meeting.pk, person.pk])
    assert client.post(remove, {"csrfmiddlewaretoken": "x" * 64}).status_code == 403
    assert client.post(remove, {"csrfmiddlewaretoken": token}).status_code == 302
    assert not MeetingInvitation.objects.filter(pk=person.pk).exists()
    # The cached list follows.
    assert remove not in client.get(url).content.decode()


def _agenda_table(page: str) -> str:
    return page.split("Dagsorden med tidsplan", 1)[1].split("</table>", 1)[0]


def _organisations(page: str) -> str:
    return page.split("<dt>Inviterede organisationer</dt><dd>", 1)[1].split("</dd>", 1)[0]


def test_cached_organisations_and_agenda_show_a_change_at_once(client, setup):
    """The invited organisations' names and the agenda (for anyone but the secretariat)
    come from the cache under a digest of what they show: a renamed or newly invited
    organisation, an edited item and a new bilag show on the next page."""
    client.force_login(setup.caseworker)
    url = setup.meeting.get_absolute_url()
    assert client.get(url).status_code == 200
    page = client.get(url).content.decode()  # both are cached now
    first = setup.meeting.invitations.exclude(organisation=None).first().organisation
    first.name = "Omdøbt & Co"
    first.save()
    provider = ProviderFactory(name="Nyinviteret")
    services.invite(
        meeting=setup.meeting, organisations=[provider], people=[], by=setup.secretariat
    )
    services.save_agenda_item(
        meeting=setup.meeting,
        item=setup.items[0],
        fields={"title": "Ny overskrift"},
        by=setup.secretariat,
    )
    services.add_attachment(
        item=setup.items[1],
        uploaded=SimpleUploadedFile("nyt.pdf", b"%PDF-1.7\n%%EOF\n"),
        title="Nyt bilag",
        by=setup.secretariat,
    )
    after = client.get(url).content.decode()
    names = ", ".join(escape(n) for n in selectors.invited_organisation_names(setup.meeting))
    assert _organisations(after) == names != _organisations(page)
    assert "Omdøbt &amp; Co" in names and "Nyinviteret" in names
    assert "Ny overskrift" in _agenda_table(after) and "Nyt bilag" in _agenda_table(after)
    assert "Ny overskrift" not in _agenda_table(page)


def test_each_person_gets_their_own_agenda_from_the_cache(client, setup):
    """The cached agenda is keyed by the rows a person may see: the provider, who may not
    see the closed item, never gets the caseworker's agenda, and the other way round."""
    url = setup.meeting.get_absolute_url()
    pages = {}
    for person in (setup.caseworker, setup.provider, setup.caseworker, setup.provider):
        client.force_login(person)
        pages.setdefault(person.pk, []).append(_agenda_table(client.get(url).content.decode()))
    caseworker, provider = pages[setup.caseworker.pk], pages[setup.provider.pk]
    assert caseworker[0] == caseworker[1] and provider[0] == provider[1]
    assert CLOSED_TITLE in caseworker[0] and CLOSED_TITLE not in provider[0]


def test_prepared_visible_meeting_is_that_of_meetings_visible_to(setup):
    """visible_meeting runs SQL compiled once per person: it finds what the ORM's query
    finds, for everyone, with the forum loaded as select_related loads it."""
    for person in (setup.caseworker, setup.provider, setup.secretariat, setup.outsider):
        for pk in (setup.meeting.pk, setup.meeting.pk + 1000):
            expected = permissions.meetings_visible_to(person).filter(pk=pk).first()
            found = permissions.visible_meeting(person, pk)
            if expected is None:
                assert found is None
                continue
            fields = [f.attname for f in type(expected)._meta.concrete_fields]
            assert [getattr(found, f) for f in fields] == [getattr(expected, f) for f in fields]
            assert Meeting.forum.is_cached(found)
            assert found.forum.name == expected.forum.name


def test_prepared_meeting_lists_are_those_of_the_orm(setup):
    """The meeting list's coming and recent meetings (SQL compiled once per person, the
    moment a parameter) are the ORM's upcoming_meetings() and past_meetings(), for everyone
    and at moments before, during and after the meeting."""
    from datetime import timedelta

    meeting = setup.meeting
    moments = [meeting.starts_at - timedelta(days=1), meeting.starts_at, meeting.ends_at]
    moments.append(meeting.ends_at + timedelta(seconds=1))
    for person in (setup.caseworker, setup.provider, setup.secretariat, setup.outsider):
        for now in moments:
            upcoming = selectors.upcoming_meetings_list(person, now)
            assert [m.pk for m in upcoming] == [
                m.pk for m in selectors.upcoming_meetings(person, now)
            ]
            recent = selectors.recent_meetings_list(person, now, 3)
            assert [m.pk for m in recent] == [
                m.pk for m in selectors.past_meetings(person, now)[:3]
            ]
            for m in [*upcoming, *recent]:
                assert Meeting.forum.is_cached(m)
    assert any(selectors.upcoming_meetings_list(p, moments[0]) for p in (setup.caseworker,))
    assert any(selectors.recent_meetings_list(p, moments[-1], 3) for p in (setup.caseworker,))


@pytest.mark.parametrize("who", ["caseworker", "secretariat"])
def test_the_page_sends_its_facts_before_it_is_drawn(client, setup, monkeypatch, who):
    """The meeting page sends its facts' statement (the invited organisations' digest, the
    people invited directly, the minutes' statuses, the open actions' digest) before the
    template draws anything, reads it where the page first shows one, and leaves the
    connection out of pipeline mode; what the page shows of them is as before."""
    from django.db import connection
    from psycopg import pq

    from partnership import ahead
    from tests.ahead import sends_and_renders

    events = sends_and_renders(monkeypatch, ahead.Prepared)
    facts = selectors.meeting_facts
    monkeypatch.setattr(
        selectors, "meeting_facts", lambda *a, **kw: events.append("read") or facts(*a, **kw)
    )
    person = getattr(setup, who)
    client.force_login(person)
    page = client.get(setup.meeting.get_absolute_url()).content.decode()
    # The agenda's and invitees' reads and the facts', all sent before anything is drawn.
    assert events[:5] == ["send"] * 4 + ["render"], events
    assert events.count("read") == 1 and events.index("read") > 4
    assert connection.connection.pgconn.pipeline_status == pq.PipelineStatus.OFF
    names = ", ".join(escape(n) for n in selectors.invited_organisation_names(setup.meeting))
    assert _organisations(page) == names
    assert selectors.meeting_facts(setup.meeting, person).people_names == [
        u.get_full_name() or u.email
        for u in User.objects.filter(meeting_invitations__meeting=setup.meeting).order_by(
            "name", "pk"
        )
    ]


def test_the_agenda_and_the_invitees_are_read_from_the_reads_sent_together(
    client, setup, monkeypatch
):
    """The meeting page sends the reads of its agenda and invitees together
    (selectors.meeting_page_reads, partnership.ahead.sent_ahead), and then its facts'
    (selectors.meeting_facts_read); the selectors read each from the one sent (the same SQL
    and parameters), none sent twice."""
    from partnership import ahead

    taken = []
    real = ahead.taken
    monkeypatch.setattr(
        ahead, "taken", lambda sql, params: taken.append(real(sql, params)) or taken[-1]
    )
    client.force_login(setup.caseworker)
    page = client.get(setup.meeting.get_absolute_url()).content.decode()
    reads = selectors.meeting_page_reads(setup.meeting)
    assert sum(t is not None for t in taken) == len(reads) + 1 == 4, taken
    assert _organisations(page)  # the page as before
