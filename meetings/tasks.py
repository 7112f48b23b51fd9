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


def _link(meeting: Meeting, tail: str = "") -> str:
    """The address in a mail: the meeting's page, or a page below it (`referat/`)."""
    return absolute_url(meeting.get_absolute_url() + tail)


def _pending(people, *, kind: str, related, reference: str = ""):
    done = mail.sent_addresses(kind=kind, related=related, reference=reference)
    return [p for p in people if p.is_active and p.email and p.email not in done]


def _send(person, meeting: Meeting, *, template: str, context: dict, **message) -> int:
    """One person's mail about a meeting, its text from `template` with the person, the
    meeting and its time besides `context`; `message` is the rest of mail.send's arguments
    (kind, subject, related, ...). 1 if it was sent now, else 0."""
    body = render_to_string(
        template,
        {"person": person, "meeting": meeting, "when": _when(meeting.starts_at), **context},
    )
    record = mail.send(to=person, body=body, **message)
    return int(record is not None and record.sent)


def _invitation(person, meeting: Meeting, **flags) -> dict:
    """What the invitation mail (meetings/email/invitation.txt) says besides the meeting:
    the agenda as the person may see it, and the link; `flags` tell a changed invitation
    (`changed`) or a reminder (`reminder`)."""
    return {"rows": selectors.agenda(person, meeting), "url": _link(meeting), **flags}


class _Calendars:
    """The calendar part of a meeting's mails, one per recipient: the meeting request (or
    cancellation) with only the items the person may see in its description. Made once for
    each set of items seen: on a Fællesmøde most invitees see the same ones, and each file
    lists every invitee as an ATTENDEE.

    The MIME type names the method; Django adds the charset (once: a charset given here too
    was repeated in the header)."""

    def __init__(self, meeting: Meeting, invitees: list[selectors.Invitee]):
        self.meeting = meeting
        self.invitees = invitees
        self.made: dict[frozenset[int], bytes] = {}

    def attachment(self, person) -> tuple[str, bytes, str]:
        meeting = self.meeting
        seen = frozenset(permissions.visible_items(person, meeting).values_list("pk", flat=True))
        if seen not in self.made:
            self.made[seen] = ics.meeting_ics(person, meeting, people=self.invitees)
        return (
            ics.filename(meeting),
            self.made[seen],
            f"text/calendar; method={ics.method(meeting)}",
        )


@shared_task(**TASK, name="partnership.meetings.tasks.send_invitations")  # its name before the move
def send_invitations(meeting_id: int) -> int:
    """The invitation (or, after a change of time or place, the update) with an ICS file
    to everyone invited who has not had this version yet. Returns how many were sent."""
    meeting = Meeting.objects.select_related("forum", "created_by").filter(pk=meeting_id).first()
    if meeting is None or meeting.status in (MeetingStatus.DRAFT, MeetingStatus.CANCELLED):
        return 0
    reference = meeting.invitation_reference
    kind = MailKind.MEETING_INVITATION
    invitees = selectors.invitees(meeting)
    people = _pending(
        selectors.users_of(invitees),
        kind=kind,
        related=meeting,
        reference=reference,
    )
    sent = 0
    calendars = _Calendars(meeting, invitees)
    with override("da"):
        for person in people:
            subject = (
                _("Ændret mødeindkaldelse: %(meeting)s, %(when)s")
                if meeting.sequence
                else _("Mødeindkaldelse: %(meeting)s, %(when)s")
            ) % {"meeting": meeting, "when": _when(meeting.starts_at)}
            sent += _send(
                person,
                meeting,
                template="meetings/email/invitation.txt",
                context=_invitation(person, meeting, changed=meeting.sequence > 0),
                kind=kind,
                subject=subject,
                attachments=[calendars.attachment(person)],
                related=meeting,
                reference=reference,
            )
    return sent


@shared_task(**TASK, name="meetings.tasks.send_cancellation")
def send_cancellation(meeting_id: int) -> int:
    """The cancellation of a meeting whose invitations went out, with its calendar part
    (METHOD:CANCEL, the UID of the invitation, a higher SEQUENCE), to everyone invited who
    has not had it (the mail log, as for the invitations). Returns how many were sent."""
    meeting = Meeting.objects.select_related("forum", "created_by").filter(pk=meeting_id).first()
    if meeting is None or meeting.status != MeetingStatus.CANCELLED:
        return 0
    if not meeting.invitations_sent_at:
        return 0  # nobody was told of it
    reference = meeting.invitation_reference
    kind = MailKind.MEETING_INVITATION
    invitees = selectors.invitees(meeting)
    people = _pending(selectors.users_of(invitees), kind=kind, related=meeting, reference=reference)
    calendars = _Calendars(meeting, invitees)
    sent = 0
    with override("da"):
        subject = _("Aflyst: %(meeting)s, %(when)s") % {
            "meeting": meeting,
            "when": _when(meeting.starts_at),
        }
        for person in people:
            sent += _send(
                person,
                meeting,
                template="meetings/email/cancellation.txt",
                context={"url": _link(meeting)},
                kind=kind,
                subject=subject,
                attachments=[calendars.attachment(person)],
                related=meeting,
                reference=reference,
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
    # To everyone invited, those who sent afbud too (permissions.can_comment_minutes).
    people = _pending(
        selectors.users_of(selectors.invitees(meeting)),
        kind=kind,
        related=minutes,
    )
    sent = 0
    with override("da"):
        for person in people:
            sent += _send(
                person,
                meeting,
                template="meetings/email/comment_request.txt",
                context={"minutes": minutes, "url": _link(meeting, "referat/")},
                kind=kind,
                subject=_("Referat til kommentering: %(meeting)s") % {"meeting": meeting},
                related=minutes,
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
                sent += _send(
                    person,
                    shown,
                    template="meetings/email/minutes.txt",
                    context={"minutes": minutes, "url": _link(meeting, "referat/")},
                    kind=kind,
                    subject=subject,
                    attachments=[(reports.minutes_filename(minutes), pdf, "application/pdf")],
                    related=minutes,
                )
    return sent


@shared_task(**TASK, name="meetings.tasks.send_reminders")
def send_reminders(meeting_id: int) -> int:
    """The invitation again, as a reminder, to those invited who have not answered: once a
    day at most (the mail log's reference is the day). Returns how many were sent."""
    meeting = Meeting.objects.select_related("forum").filter(pk=meeting_id).first()
    if meeting is None or meeting.status != MeetingStatus.INVITED:
        return 0
    kind = MailKind.MEETING_INVITATION
    reference = f"paamindelse-{timezone.localdate():%Y-%m-%d}"
    waiting = [row for row in selectors.invitees(meeting) if not row.answer]
    people = _pending(selectors.users_of(waiting), kind=kind, related=meeting, reference=reference)
    sent = 0
    with override("da"):
        for person in people:
            subject = _("Påmindelse: svar på mødeindkaldelsen til %(meeting)s, %(when)s") % {
                "meeting": meeting,
                "when": _when(meeting.starts_at),
            }
            sent += _send(
                person,
                meeting,
                template="meetings/email/invitation.txt",
                context=_invitation(person, meeting, reminder=True),
                kind=kind,
                subject=subject,
                related=meeting,
                reference=reference,
            )
    return sent


@shared_task(**TASK, name="meetings.tasks.send_agenda_addition")
def send_agenda_addition(meeting_id: int, item_id: int, attachment_id: int) -> int:
    """Tell those invited, who may see the item, of an item added to the tillægsdagsorden
    (attachment_id 0) or of a bilag added after the invitations went out. Once each (the
    mail log's reference names the item or the bilag)."""
    meeting = Meeting.objects.select_related("forum").filter(pk=meeting_id).first()
    if meeting is None or meeting.status != MeetingStatus.INVITED:
        return 0
    kind = MailKind.MEETING_INVITATION
    reference = f"bilag{attachment_id}" if attachment_id else f"punkt{item_id}"
    people = _pending(
        selectors.users_of(selectors.invitees(meeting)),
        kind=kind,
        related=meeting,
        reference=reference,
    )
    sent = 0
    with override("da"):
        for person in people:
            rows = selectors.agenda(person, meeting)
            row = next((r for r in rows if r.item.pk == item_id), None)
            if row is None:
                continue  # an item closed to them, or gone
            attachment = next((a for a in row.attachments if a["pk"] == attachment_id), None)
            if attachment_id and attachment is None:
                continue
            subject = (
                _("Nyt bilag til %(meeting)s, %(when)s")
                if attachment_id
                else _("Tillægsdagsorden: %(meeting)s, %(when)s")
            ) % {"meeting": meeting, "when": _when(meeting.starts_at)}
            sent += _send(
                person,
                meeting,
                template="meetings/email/agenda_addition.txt",
                context={"row": row, "attachment": attachment, "url": _link(meeting)},
                kind=kind,
                subject=subject,
                related=meeting,
                reference=reference,
            )
    return sent
