"""Mail about meetings, sent by Celery through partnership.mail. Each takes ids, loads, and
sends each person their mail once: the mail log (OutgoingMail) knows who has it, so running
a task twice sends nothing twice, and running it again tries those whose mail failed. Each
person gets their own mail with only the agenda items they may see."""

from __future__ import annotations

import logging

from celery import shared_task
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from partnership import mail
from partnership.links import absolute_url
from partnership.models import MailKind
from partnership.pdf import render_pdf

from . import ics, permissions, reports, selectors
from .models import Meeting, MeetingStatus, Minutes, MinutesStatus

log = logging.getLogger(__name__)
TASK = {"acks_late": True, "reject_on_worker_lost": True, "ignore_result": True}


def _when(starts_at) -> str:
    start = timezone.localtime(starts_at)
    return formats.date_format(start, "j. F Y") + " " + _("kl.") + " " + f"{start:%H.%M}"


def _url(path: str) -> str:
    return absolute_url(path)


def _pending(people, *, kind: str, related, reference: str = ""):
    done = mail.sent_addresses(kind=kind, related=related, reference=reference)
    return [p for p in people if p.is_active and p.email and p.email not in done]


def _count(record) -> int:
    return int(record is not None and record.sent)


@shared_task(**TASK, name="partnership.meetings.tasks.send_invitations")  # its name before the move
def send_invitations(meeting_id: int) -> int:
    """The invitation (or, after a change of time or place, the update) with an ICS file
    to everyone invited who has not had this version yet. Returns how many were sent."""
    meeting = Meeting.objects.select_related("forum").filter(pk=meeting_id).first()
    if meeting is None or meeting.status == MeetingStatus.DRAFT:
        return 0
    reference = meeting.invitation_reference
    kind = MailKind.MEETING_INVITATION
    people = _pending(
        selectors.users_of(selectors.invitees(meeting)),
        kind=kind,
        related=meeting,
        reference=reference,
    )
    sent = 0
    with override("da"):
        for person in people:
            subject = (
                _("Ændret mødeindkaldelse: %(meeting)s, %(when)s")
                if meeting.sequence
                else _("Mødeindkaldelse: %(meeting)s, %(when)s")
            ) % {"meeting": meeting, "when": _when(meeting.starts_at)}
            body = render_to_string(
                "meetings/email/invitation.txt",
                {
                    "person": person,
                    "meeting": meeting,
                    "when": _when(meeting.starts_at),
                    "rows": selectors.agenda(person, meeting),
                    "url": _url(meeting.get_absolute_url()),
                    "changed": meeting.sequence > 0,
                },
            )
            calendar = (
                ics.filename(meeting),
                ics.meeting_ics(person, meeting),
                "text/calendar; method=PUBLISH; charset=UTF-8",
            )
            sent += _count(
                mail.send(
                    kind=kind,
                    to=person,
                    subject=subject,
                    body=body,
                    attachments=[calendar],
                    related=meeting,
                    reference=reference,
                )
            )
    return sent


@shared_task(
    **TASK, name="partnership.meetings.tasks.send_comment_requests"
)  # its name before the move
def send_comment_requests(minutes_id: int) -> int:
    minutes = Minutes.objects.select_related("meeting__forum").filter(pk=minutes_id).first()
    if minutes is None or minutes.status != MinutesStatus.FOR_COMMENT:
        return 0
    meeting = minutes.meeting
    kind = MailKind.MINUTES_COMMENT
    attendee_ids = permissions.attendee_ids(meeting)
    people = _pending(
        selectors.users_of(
            row for row in selectors.invitees(meeting) if row.user_id in attendee_ids
        ),
        kind=kind,
        related=minutes,
    )
    sent = 0
    with override("da"):
        for person in people:
            body = render_to_string(
                "meetings/email/comment_request.txt",
                {
                    "person": person,
                    "meeting": meeting,
                    "when": _when(meeting.starts_at),
                    "url": _url(meeting.get_absolute_url() + "referat/"),
                },
            )
            subject = _("Referat til kommentering: %(meeting)s") % {"meeting": meeting}
            sent += _count(
                mail.send(kind=kind, to=person, subject=subject, body=body, related=minutes)
            )
    return sent


@shared_task(**TASK, name="partnership.meetings.tasks.publish_minutes")  # its name before the move
def publish_minutes(minutes_id: int) -> int:
    """Approved minutes as PDF to everyone invited. People who may read the same entries
    get the same PDF, so it is rendered once per group, not once per person. The mail says
    what the minutes say of the meeting (as it was when they were approved)."""
    minutes = (
        Minutes.objects.select_related("meeting__forum", "approved_by")
        .filter(pk=minutes_id)
        .first()
    )
    if minutes is None or minutes.status != MinutesStatus.APPROVED:
        return 0
    meeting = minutes.meeting
    shown = minutes.shown_meeting
    kind = MailKind.MINUTES
    people = _pending(selectors.users_of(selectors.invitees(meeting)), kind=kind, related=minutes)
    groups: dict[frozenset, list] = {}
    for person in people:
        key = frozenset(permissions.visible_entries(person, minutes).values_list("pk", flat=True))
        groups.setdefault(key, []).append(person)
    sent = 0
    with override("da"):
        subject = (
            _("Rettet referat (version %(version)s): %(meeting)s")
            if minutes.version > 1
            else _("Referat: %(meeting)s")
        ) % {"meeting": shown, "version": minutes.version}
        for members in groups.values():
            try:
                pdf = render_pdf(reports.render_minutes_html(members[0], minutes))
            except Exception:
                # Not sent, and not recorded as tried: the secretariat's page counts these
                # people as still waiting, and sending again tries them.
                log.exception("Rendering minutes %s failed", minutes_id)
                continue
            for person in members:
                body = render_to_string(
                    "meetings/email/minutes.txt",
                    {
                        "person": person,
                        "meeting": shown,
                        "minutes": minutes,
                        "when": _when(shown.starts_at),
                        "url": _url(meeting.get_absolute_url() + "referat/"),
                    },
                )
                sent += _count(
                    mail.send(
                        kind=kind,
                        to=person,
                        subject=subject,
                        body=body,
                        attachments=[(reports.minutes_filename(minutes), pdf, "application/pdf")],
                        related=minutes,
                    )
                )
    return sent
