"""Mail about meetings, sent by Celery. Each takes ids, loads, and sends each person their
mail once (MeetingMail records it in the same transaction), so running a task twice sends
nothing twice. Each person gets their own mail with only the agenda items they may see."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from ..pdf import render_pdf
from . import ics, permissions, reports, selectors
from .models import Meeting, MeetingMail, MeetingStatus, Minutes, MinutesStatus

log = logging.getLogger(__name__)
TASK = {"acks_late": True, "reject_on_worker_lost": True, "ignore_result": True}


def _when(meeting: Meeting) -> str:
    start = timezone.localtime(meeting.starts_at)
    return formats.date_format(start, "j. F Y") + " " + _("kl.") + " " + f"{start:%H.%M}"


def _url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _send_once(meeting, user, kind: str, reference: str, build) -> bool:
    """Record and send one mail in one transaction: if it cannot be handed over, it is not
    recorded, and the next run tries again."""
    with transaction.atomic():
        _mail, created = MeetingMail.objects.get_or_create(
            meeting=meeting, user=user, kind=kind, reference=reference
        )
        if not created:
            return False
        build().send()
    return True


def _pending(meeting, people, kind: str, reference: str):
    done = set(
        MeetingMail.objects.filter(meeting=meeting, kind=kind, reference=reference).values_list(
            "user_id", flat=True
        )
    )
    return [p for p in people if p.pk not in done and p.is_active and p.email]


@shared_task(**TASK)
def send_invitations(meeting_id: int) -> int:
    """The invitation (or, after a change of time or place, the update) with an ICS file
    to everyone invited who has not had this version yet."""
    meeting = Meeting.objects.select_related("forum").filter(pk=meeting_id).first()
    if meeting is None or meeting.status == MeetingStatus.DRAFT:
        return 0
    reference = f"seq{meeting.sequence}"
    people = _pending(
        meeting,
        [row.user for row in selectors.invitees(meeting)],
        MeetingMail.INVITATION,
        reference,
    )
    sent = 0
    with override("da"):
        for person in people:

            def build(person=person):
                subject = (
                    _("Ændret mødeindkaldelse: %(meeting)s, %(when)s")
                    if meeting.sequence
                    else _("Mødeindkaldelse: %(meeting)s, %(when)s")
                ) % {"meeting": meeting, "when": _when(meeting)}
                body = render_to_string(
                    "partnership/meetings/email/invitation.txt",
                    {
                        "person": person,
                        "meeting": meeting,
                        "when": _when(meeting),
                        "rows": selectors.agenda(person, meeting),
                        "url": _url(meeting.get_absolute_url()),
                        "changed": meeting.sequence > 0,
                    },
                )
                mail = EmailMessage(subject=subject, body=body, to=[person.email])
                mail.attach(
                    ics.filename(meeting),
                    ics.meeting_ics(person, meeting),
                    "text/calendar; method=PUBLISH; charset=UTF-8",
                )
                return mail

            try:
                sent += _send_once(meeting, person, MeetingMail.INVITATION, reference, build)
            except Exception:
                log.exception("Invitation to %s for meeting %s failed", person.pk, meeting.pk)
    return sent


@shared_task(**TASK)
def send_comment_requests(minutes_id: int) -> int:
    minutes = Minutes.objects.select_related("meeting__forum").filter(pk=minutes_id).first()
    if minutes is None or minutes.status != MinutesStatus.FOR_COMMENT:
        return 0
    meeting = minutes.meeting
    attendee_ids = permissions.attendee_ids(meeting)
    people = _pending(
        meeting,
        [row.user for row in selectors.invitees(meeting) if row.user.pk in attendee_ids],
        MeetingMail.COMMENT_REQUEST,
        str(minutes.pk),
    )
    sent = 0
    with override("da"):
        for person in people:

            def build(person=person):
                body = render_to_string(
                    "partnership/meetings/email/comment_request.txt",
                    {
                        "person": person,
                        "meeting": meeting,
                        "when": _when(meeting),
                        "url": _url(meeting.get_absolute_url() + "referat/"),
                    },
                )
                return EmailMessage(
                    subject=_("Referat til kommentering: %(meeting)s") % {"meeting": meeting},
                    body=body,
                    to=[person.email],
                )

            try:
                sent += _send_once(
                    meeting, person, MeetingMail.COMMENT_REQUEST, str(minutes.pk), build
                )
            except Exception:
                log.exception("Comment request to %s for minutes %s failed", person.pk, minutes_id)
    return sent


@shared_task(**TASK)
def publish_minutes(minutes_id: int) -> int:
    """Approved minutes as PDF to everyone invited. People who may see the same items get
    the same PDF, so it is rendered once per group, not once per person."""
    minutes = (
        Minutes.objects.select_related("meeting__forum", "approved_by")
        .filter(pk=minutes_id)
        .first()
    )
    if minutes is None or minutes.status != MinutesStatus.APPROVED:
        return 0
    meeting = minutes.meeting
    people = _pending(
        meeting,
        [row.user for row in selectors.invitees(meeting)],
        MeetingMail.MINUTES,
        str(minutes.pk),
    )
    groups: dict[frozenset, list] = {}
    for person in people:
        key = frozenset(permissions.visible_items(person, meeting).values_list("pk", flat=True))
        groups.setdefault(key, []).append(person)
    sent = 0
    with override("da"):
        for members in groups.values():
            try:
                pdf = render_pdf(reports.render_minutes_html(members[0], minutes))
            except Exception:
                log.exception("Rendering minutes %s failed", minutes_id)
                continue
            for person in members:

                def build(person=person, pdf=pdf):
                    body = render_to_string(
                        "partnership/meetings/email/minutes.txt",
                        {
                            "person": person,
                            "meeting": meeting,
                            "minutes": minutes,
                            "when": _when(meeting),
                            "url": _url(meeting.get_absolute_url() + "referat/"),
                        },
                    )
                    subject = (
                        _("Rettet referat (version %(version)s): %(meeting)s")
                        if minutes.version > 1
                        else _("Referat: %(meeting)s")
                    ) % {"meeting": meeting, "version": minutes.version}
                    mail = EmailMessage(subject=subject, body=body, to=[person.email])
                    mail.attach(reports.minutes_filename(minutes), pdf, "application/pdf")
                    return mail

                try:
                    sent += _send_once(meeting, person, MeetingMail.MINUTES, str(minutes.pk), build)
                except Exception:
                    log.exception("Minutes %s to %s failed", minutes_id, person.pk)
    return sent
