"""An agenda item closed to the municipalities is seen by a municipality's caseworker and by
no one else who is invited (here: a provider), in every place the meetings app shows items:
the meeting page, the minutes page, a closed item's attachment, a comment on its entry, the
calendar file, the personal calendar feed, the agenda and minutes PDFs, and the e-mails.

A bilag closed to the municipalities on an open item is held the same way: seen by the
caseworker, by no one else invited, wherever bilag are shown or served (the page, the
download, the agenda PDF, the meeting pack); may_see_attachment beside may_see_item.

Every place asks one function (meetings.permissions.may_see_item), with the organisations
the item is closed to now, or, for approved minutes, when they were approved. The places
are enumerated from the app itself: its URLs, its PDF job kinds and its mail tasks. One
that is added without a check here fails test_every_place_of_the_app_is_checked."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from celery import Task
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from meetings import services, tasks, urls
from meetings.models import MinutesStatus
from partnership import jobs
from partnership.models import Job
from tests.pdfs import pdf_text

from .conftest import CLOSED_TITLE, OPEN_TITLES

CLOSED_DECISION = "Kommunerne fastholder det aftalte takstniveau."
CLOSED_NOTE = b"%PDF-1.7\n% Notat om takstniveauet\n%%EOF\n"
CLOSED_BILAG = "Kommunernes regneark om udgiftsniveauet"  # on an open item
CLOSED_BILAG_NOTE = b"%PDF-1.7\n% Kommunernes regneark\n%%EOF\n"


def _unfold(ics: bytes) -> str:
    return ics.decode().replace("\r\n ", "")


def _get(client, person, url) -> str:
    client.force_login(person)
    response = client.get(url)
    return response.content.decode() if response.status_code == 200 else ""


# --- The places: each gives what the person gets there, as text ---------------------------


def meeting_page(world, client, person) -> str:
    return _get(client, person, world.meeting.get_absolute_url())


def minutes_page(world, client, person) -> str:
    return _get(client, person, reverse("meetings:minutes_detail", args=[world.meeting.pk]))


def minutes_version_page(world, client, person) -> str:
    url = reverse("meetings:minutes_version", args=[world.meeting.pk, world.minutes.pk])
    return _get(client, person, url)


def closed_attachment(world, client, person) -> str:
    """The closed item's bilag, downloaded: its bytes stand for the item."""
    seen = ""
    client.force_login(person)
    for attachment, note, title in [
        (world.attachment, CLOSED_NOTE, CLOSED_TITLE),
        (world.closed_bilag, CLOSED_BILAG_NOTE, CLOSED_BILAG),
    ]:
        url = reverse("meetings:attachment_download", args=[world.meeting.pk, attachment.pk])
        response = client.get(url)
        content = b"".join(response.streaming_content) if response.status_code == 200 else b""
        seen += title if content == note else ""
    return seen


def comment_on_closed_entry(world, client, person) -> str:
    """A comment on the closed item's entry: refused (with the entry's title) or not found."""
    entry = world.minutes.entries.get(agenda_item=world.closed)
    url = reverse("meetings:minutes_comment", args=[world.meeting.pk, world.minutes.pk, entry.pk])
    client.force_login(person)
    response = client.post(url, {f"c{entry.pk}-text": "En kommentar."})
    if response.status_code == 302:  # saved: the person could comment on the item
        return CLOSED_TITLE
    return response.content.decode() if response.status_code == 400 else ""


def calendar_file(world, client, person) -> str:
    client.force_login(person)
    response = client.get(reverse("meetings:meeting_ics", args=[world.meeting.pk]))
    return _unfold(response.content) if response.status_code == 200 else ""


def calendar_feed(world, client, person) -> str:
    _feed, token = services.new_calendar_feed(user=person)
    client.logout()
    response = client.get(reverse("meetings:calendar_feed", args=[token]))
    return _unfold(response.content) if response.status_code == 200 else ""


def _job(kind: str, params: dict, person) -> str:
    job = Job(kind=kind, title=kind, params=params, ordered_by=person)
    try:
        _name, pdf = jobs.get_kind(kind).render(job, lambda *_: None)
    except PermissionDenied:
        return ""
    return pdf_text(pdf, flat=True)


def agenda_pdf(world, client, person) -> str:
    return _job("meeting_agenda", {"meeting_id": world.meeting.pk}, person)


def minutes_pdf(world, client, person) -> str:
    return _job("meeting_minutes", {"minutes_id": world.minutes.pk}, person)


def meeting_pack(world, client, person) -> str:
    return _job("meeting_pack", {"meeting_id": world.meeting.pk}, person)


def _mails(world, person, subject_start: str):
    return [
        m
        for m in world.mailoutbox
        if m.to == [person.email] and m.subject.startswith(subject_start)
    ]


def invitation_mail(world, client, person) -> str:
    (mail,) = _mails(world, person, "Mødeindkaldelse")
    (ics_name, ics, _type) = mail.attachments[0]
    assert ics_name.endswith(".ics")
    return mail.body + _unfold(ics if isinstance(ics, bytes) else ics.encode())


def minutes_mail(world, client, person) -> str:
    (mail,) = _mails(world, person, "Referat:")
    return mail.body + pdf_text(mail.attachments[0][1], flat=True)


def comment_request_mail(world, client, person) -> str:
    (mail,) = _mails(world, person, "Referat til kommentering")
    return mail.body


Place = Callable[..., str]

# Where items are shown. Each place is checked for a person who may see the closed item and
# one who may not.
PLACES: dict[str, Place] = {
    "url meeting_detail": meeting_page,
    "url minutes_detail": minutes_page,
    "url minutes_version": minutes_version_page,
    "url attachment_download": closed_attachment,
    "url minutes_comment": comment_on_closed_entry,
    "url meeting_ics": calendar_file,
    "url calendar_feed": calendar_feed,
    "job meeting_agenda": agenda_pdf,
    "job meeting_minutes": minutes_pdf,
    "job meeting_pack": meeting_pack,
    "task send_invitations": invitation_mail,
    "task publish_minutes": minutes_mail,
}

# Places that show no agenda item to anyone but the secretariat, or none at all. Checked
# too: the closed item must not be in them for either person.
NO_ITEMS: dict[str, Place | None] = {
    "task send_comment_requests": comment_request_mail,  # says the minutes are ready
    "url meeting_list": None,  # the meetings, not their items
    "url meeting_archive": None,  # the past meetings, not their items
    "url calendar_settings": None,  # the person's calendar address
    "url answer": None,  # a POST that redirects to the meeting page
    "url agenda_pdf": None,  # orders the job meeting_agenda (checked above)
    "url minutes_pdf": None,  # orders the job meeting_minutes (checked above)
    "url meeting_pack": None,  # orders the job meeting_pack (checked above)
}
# Places checked by a test of their own, which needs a world of its own (a cancelled meeting
# cannot have minutes).
CHECKED_ELSEWHERE = {
    "url decision_log": "tests/meetings/test_action_log.py::"
    "test_the_log_shows_a_closed_items_decision_only_to_whom_it_is_for",
    "url minutes_sign": "tests/meetings/test_minutes_round.py (a POST that redirects to the "
    "minutes page)",
    "url action_status": "tests/meetings/test_action_log.py (a POST that redirects to the log)",
    "task send_reminders": "tests/meetings/test_forums.py::"
    "test_the_reminder_mails_only_those_who_have_not_answered",
    "task send_agenda_addition": "tests/meetings/test_agenda_order.py::"
    "test_a_bilag_added_after_the_invitation_is_mailed_to_those_who_may_see_it",
    "task send_cancellation": "tests/meetings/test_cancel_and_pack.py::"
    "test_the_cancellation_shows_the_closed_item_only_to_whom_it_is_for",
}
# The places that show or serve bilag: there the caseworker sees the closed bilag of the open
# item. Everywhere, the provider does not.
BILAG_PLACES = {
    "url meeting_detail",
    "url attachment_download",
    "job meeting_agenda",
    "job meeting_pack",
}
# Pages and actions of the secretariat, which sees every item (the authorization matrix
# holds that nobody else may use them).
SECRETARIAT_ONLY = {
    "meeting_create",
    "meeting_edit",
    "forum_list",
    "forum_create",
    "forum_edit",
    "item_create",
    "item_edit",
    "item_delete",
    "attachment_add",
    "attachment_delete",
    "invite",
    "invitation_remove",
    "send_invitations",
    "mail_resend",
    "attendance",
    "minutes_edit",
    "minutes_send",
    "minutes_approve",
    "minutes_correct",
    "meeting_cancel",
    "minutes_start",
    "comment_handled",
    "attendee_add",
    "attendee_remove",
    "absence",
    "item_move",
    "meeting_copy",
    "forum_template",
    "send_reminders",
}


def test_every_place_of_the_app_is_checked():
    url_names = {f"url {pattern.name}" for pattern in urls.urlpatterns}
    job_kinds = {
        f"job {key}"
        for key, kind in jobs._kinds.items()
        if kind.render.__module__.startswith("meetings.")
    }
    mail_tasks = {f"task {name}" for name, obj in vars(tasks).items() if isinstance(obj, Task)}
    assert job_kinds and mail_tasks
    checked = (
        set(PLACES)
        | set(NO_ITEMS)
        | set(CHECKED_ELSEWHERE)
        | {f"url {name}" for name in SECRETARIAT_ONLY}
    )
    assert url_names | job_kinds | mail_tasks == checked


@pytest.fixture(params=[MinutesStatus.FOR_COMMENT, MinutesStatus.APPROVED])
def world(request, setup, django_capture_on_commit_callbacks, mailoutbox):
    """The meeting of conftest.setup (invitations sent), a bilag on the closed item, and
    minutes with a decision under it: out for comment, or approved."""
    setup.attachment = services.add_attachment(
        item=setup.closed,
        uploaded=SimpleUploadedFile("notat.pdf", CLOSED_NOTE),
        title="Notat om takstniveauet",
        by=setup.secretariat,
    )
    setup.closed_bilag = services.add_attachment(
        item=setup.items[1],  # open
        uploaded=SimpleUploadedFile("regneark.pdf", CLOSED_BILAG_NOTE),
        title=CLOSED_BILAG,
        by=setup.secretariat,
        restricted_to=setup.closed.restricted_to.all(),
    )
    minutes = services.start_minutes(meeting=setup.meeting, by=setup.secretariat)
    for entry in minutes.entries.select_related("agenda_item"):
        services.save_minutes_entry(
            entry=entry,
            discussion=f"Drøftelse af punkt {entry.agenda_item.number}.",
            decisions=CLOSED_DECISION if entry.agenda_item_id == setup.closed.pk else "",
            by=setup.secretariat,
        )
    with django_capture_on_commit_callbacks(execute=True):
        minutes = services.send_minutes_for_comment(minutes=minutes, by=setup.secretariat)
    if request.param == MinutesStatus.APPROVED:
        with django_capture_on_commit_callbacks(execute=True):
            minutes = services.approve_minutes(minutes=minutes, by=setup.secretariat)
    setup.minutes = minutes
    setup.mailoutbox = mailoutbox
    return setup


def test_the_closed_item_is_seen_where_it_may_be_and_nowhere_else(world, client):
    may, may_not = world.caseworker, world.provider
    wrong = []
    for name, place in PLACES.items():
        if name == "task publish_minutes" and world.minutes.status != MinutesStatus.APPROVED:
            continue  # sent when the minutes are approved
        seen = {person: place(world, client, person) for person in (may, may_not)}
        if CLOSED_TITLE not in seen[may]:
            wrong.append(f"{name}: the municipality's caseworker does not see the closed item")
        if CLOSED_TITLE in seen[may_not] or CLOSED_DECISION in seen[may_not]:
            wrong.append(f"{name}: the provider sees the closed item")
        if CLOSED_BILAG in seen[may_not]:
            wrong.append(f"{name}: the provider sees the closed bilag of an open item")
        if name in BILAG_PLACES and CLOSED_BILAG not in seen[may]:
            wrong.append(f"{name}: the municipality's caseworker does not see the closed bilag")
        if name != "url attachment_download" and name != "url minutes_comment":
            # An open item is there for both: the place shows items at all.
            for person in (may, may_not):
                if OPEN_TITLES[2] not in seen[person]:
                    wrong.append(f"{name}: {person} does not see the open item either")
    for name, place in NO_ITEMS.items():
        for person in (may, may_not):
            shown = place(world, client, person) if place is not None else ""
            if CLOSED_TITLE in shown or CLOSED_BILAG in shown:
                wrong.append(f"{name}: shows the closed item to {person}")
    assert not wrong, "\n".join(wrong)
