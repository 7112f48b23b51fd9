"""Minutes as a board secretary expects them (issue 15, finding 3 and "Minutes"):

- Opening "Skriv referat" writes nothing; the draft is started by an explicit POST, and
  only once the meeting has begun. An agenda item can be deleted until the minutes say
  something about it.
- A new entry starts from its item's kind ("Indstilling / Beslutning", "Taget til
  efterretning.").
- The review round has a comment deadline; comments are marked handled; each participant
  approves with a timestamp, or the secretariat approves on the forum's behalf (recorded as
  such); approvals never change once the minutes are approved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from meetings import reports, services
from meetings.models import (
    ENTRY_TEMPLATES,
    AgendaItem,
    AgendaItemKind,
    Meeting,
    Minutes,
    MinutesApproval,
    MinutesLocked,
)
from tests.conftest import danish_date


def _late_item(meeting: Meeting, number: str = "5") -> AgendaItem:
    """An item of the tillægsdagsorden: the agenda was sent, and only such an item may
    still be removed (meetings.agenda)."""
    return AgendaItem.objects.create(
        meeting=meeting,
        number=number,
        kind="orientering",
        title=f"Sent punkt {number}",
        duration_minutes=5,
        supplementary=True,
    )


def _hold(meeting: Meeting) -> None:
    """The meeting began an hour ago (it is a week ahead in conftest.setup)."""
    now = timezone.now()
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=1)
    )
    meeting.refresh_from_db()


# --- Finding 3: "Skriv referat" --------------------------------------------------------------


def test_opening_skriv_referat_writes_nothing_and_the_item_can_still_be_deleted(client, setup):
    _hold(setup.meeting)
    client.force_login(setup.secretariat)
    page = client.get(reverse("meetings:minutes_edit", args=[setup.meeting.pk]))
    assert page.status_code == 200
    assert "Start referat" in page.content.decode()
    assert not Minutes.objects.filter(meeting=setup.meeting).exists()
    item = _late_item(setup.meeting)
    services.delete_agenda_item(item=item, by=setup.secretariat)
    assert not AgendaItem.objects.filter(pk=item.pk).exists()


def test_the_button_shows_only_once_the_meeting_has_begun(client, setup):
    client.force_login(setup.secretariat)
    url = setup.meeting.get_absolute_url()
    assert "Skriv referat" not in client.get(url).content.decode()
    response = client.post(reverse("meetings:minutes_start", args=[setup.meeting.pk]))
    assert response.status_code == 302
    assert not Minutes.objects.filter(meeting=setup.meeting).exists()
    _hold(setup.meeting)
    assert "Skriv referat" in client.get(url).content.decode()


def test_start_referat_is_a_post_and_makes_the_draft_with_templates_per_kind(client, setup):
    _hold(setup.meeting)
    client.force_login(setup.secretariat)
    response = client.post(reverse("meetings:minutes_start", args=[setup.meeting.pk]))
    assert response.url == reverse("meetings:minutes_edit", args=[setup.meeting.pk])
    minutes = Minutes.objects.get(meeting=setup.meeting)
    decisions = {e.agenda_item.number: e.decisions for e in minutes.entries.all()}
    assert decisions["1"] == "Taget til efterretning."  # orientering
    assert decisions["2"] == ""  # temadrøftelse: no template
    assert ENTRY_TEMPLATES[AgendaItemKind.DECISION].startswith("Indstilling: ")
    assert "Beslutning: " in ENTRY_TEMPLATES[AgendaItemKind.DECISION]
    page = client.get(reverse("meetings:minutes_edit", args=[setup.meeting.pk])).content.decode()
    assert "Taget til efterretning." in page


def test_a_decision_item_starts_with_indstilling_and_beslutning(setup):
    _hold(setup.meeting)
    AgendaItem.objects.create(
        meeting=setup.meeting, number="5", kind="beslutning", title="Budget", duration_minutes=5
    )
    minutes = services.start_minutes(meeting=setup.meeting, by=setup.secretariat)
    entry = minutes.entries.get(agenda_item__number="5")
    assert entry.decisions == "Indstilling: …\nBeslutning: …"


def test_an_item_with_content_in_the_minutes_cannot_be_deleted(setup):
    item, empty = _late_item(setup.meeting, "5"), _late_item(setup.meeting, "6")
    minutes = services.start_minutes(meeting=setup.meeting, by=setup.secretariat)
    entry = minutes.entries.get(agenda_item=item)
    services.save_minutes_entry(
        entry=entry, discussion="Intet nyt.", decisions=entry.decisions, by=setup.secretariat
    )
    with pytest.raises(ValidationError, match="har et referat"):
        services.delete_agenda_item(item=item, by=setup.secretariat)
    # Only the kind's template (or nothing): no content of its own, so it may go.
    services.delete_agenda_item(item=empty, by=setup.secretariat)
    assert not minutes.entries.filter(agenda_item_id=empty.pk).exists()


# --- The review round ------------------------------------------------------------------------


@pytest.fixture
def sent(setup, today, django_capture_on_commit_callbacks):
    _hold(setup.meeting)
    services.answer(meeting=setup.meeting, user=setup.provider, answer="decline")
    minutes = services.start_minutes(meeting=setup.meeting, by=setup.secretariat)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_minutes_for_comment(
            minutes=minutes, deadline=today + dt.timedelta(days=7), by=setup.secretariat
        )
    minutes.refresh_from_db()
    return minutes


def test_sending_for_comment_sets_a_deadline_shown_on_the_page(
    client, setup, sent, today, mailoutbox
):
    deadline = today + dt.timedelta(days=7)
    assert sent.comment_deadline == deadline
    (mail,) = [
        m for m in mailoutbox if m.to == [setup.caseworker.email] and "kommentering" in m.subject
    ]
    assert f"Fristen for kommentarer er {danish_date(deadline)}." in mail.body
    client.force_login(setup.caseworker)
    page = client.get(reverse("meetings:minutes_detail", args=[setup.meeting.pk])).content
    assert f"Frist for kommentarer: {danish_date(deadline)}." in page.decode()


def test_the_send_form_asks_for_a_deadline_and_refuses_one_in_the_past(client, setup, today):
    _hold(setup.meeting)
    minutes = services.start_minutes(meeting=setup.meeting, by=setup.secretariat)
    client.force_login(setup.secretariat)
    url = reverse("meetings:minutes_send", args=[setup.meeting.pk, minutes.pk])
    response = client.post(url, {"deadline": ""})
    assert response.status_code == 400
    assert "Vælg en frist for kommentarer." in response.content.decode()
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    response = client.post(url, {"deadline": yesterday})
    assert "Fristen for kommentarer kan ikke ligge i fortiden." in response.content.decode()
    assert yesterday in response.content.decode()  # what was typed is kept
    minutes.refresh_from_db()
    assert minutes.status == "draft"


def test_a_comment_after_the_deadline_is_refused_in_danish(setup, sent):
    entry = sent.entries.get(agenda_item__number="1")
    Minutes.objects.filter(pk=sent.pk).update(
        comment_deadline=timezone.localdate() - dt.timedelta(days=1)
    )
    with pytest.raises(ValidationError, match="Fristen for kommentarer var"):
        services.add_comment(entry=entry, author=setup.caseworker, text="For sent.")


def test_the_secretariat_marks_a_comment_handled(client, setup, sent):
    entry = sent.entries.get(agenda_item__number="2")
    comment = services.add_comment(entry=entry, author=setup.caseworker, text="Husk transport.")
    client.force_login(setup.secretariat)
    url = reverse("meetings:comment_handled", args=[setup.meeting.pk, sent.pk, comment.pk])
    client.post(url)
    comment.refresh_from_db()
    assert comment.handled_at is not None and comment.handled_by == setup.secretariat
    page = client.get(reverse("meetings:minutes_detail", args=[setup.meeting.pk])).content
    assert "Behandlet" in page.decode()
    client.force_login(setup.caseworker)
    assert client.post(url).status_code == 403


def test_each_participant_approves_with_a_timestamp(client, setup, sent):
    client.force_login(setup.caseworker)
    page = client.get(reverse("meetings:minutes_detail", args=[setup.meeting.pk])).content
    assert "Godkend referatet" in page.decode()
    client.post(reverse("meetings:minutes_sign", args=[setup.meeting.pk, sent.pk]))
    approval = MinutesApproval.objects.get(minutes=sent, user=setup.caseworker)
    assert approval.approved_at is not None and not approval.on_behalf_of_forum
    # Sent afbud: reads and comments, but does not approve.
    with pytest.raises(PermissionDenied):
        services.approve_as_participant(minutes=sent, user=setup.provider)
    page = client.get(reverse("meetings:minutes_detail", args=[setup.meeting.pk])).content
    assert f"{setup.caseworker.get_full_name()} godkendte" in page.decode()


def test_the_secretariat_approves_on_the_forums_behalf_when_some_have_not(setup, sent):
    services.approve_as_participant(minutes=sent, user=setup.caseworker)
    approved = services.approve_minutes(minutes=sent, by=setup.secretariat)
    on_behalf = MinutesApproval.objects.get(minutes=approved, user=setup.secretariat)
    assert on_behalf.on_behalf_of_forum
    assert MinutesApproval.objects.filter(minutes=approved).count() == 2
    # The PDF says who approved, as the page does.
    html = reports.render_minutes_html(setup.secretariat, approved)
    assert f"{setup.caseworker.get_full_name()} godkendte" in html
    assert f"Godkendt af {setup.secretariat.get_full_name()} på forummets vegne" in html


def test_approvals_never_change_once_the_minutes_are_approved(setup, sent):
    services.approve_as_participant(minutes=sent, user=setup.caseworker)
    services.approve_minutes(minutes=sent, by=setup.secretariat)
    approval = MinutesApproval.objects.get(minutes=sent, user=setup.caseworker)
    with pytest.raises(MinutesLocked):
        approval.delete()
    with pytest.raises(MinutesLocked):
        MinutesApproval(minutes=sent, user=setup.provider, approved_at=timezone.now()).save()
    for sql, params in [
        ("DELETE FROM meetings_minutesapproval WHERE id = %s", [approval.pk]),
        (
            "UPDATE meetings_minutesapproval SET on_behalf_of_forum = true WHERE id = %s",
            [approval.pk],
        ),
        (
            "INSERT INTO meetings_minutesapproval (minutes_id, user_id, approved_at, "
            "on_behalf_of_forum) VALUES (%s, %s, now(), false)",
            [sent.pk, setup.provider.pk],
        ),
    ]:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
