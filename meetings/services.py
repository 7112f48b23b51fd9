"""Writes on meetings: the meeting and its agenda, invitations and answers, attendance,
minutes from draft to comment to approval, corrections, and calendar addresses.

Keyword-only, atomic, full_clean() before save. Who may do it is checked here too, so a
view that forgets cannot let it through. Mails go out from Celery tasks after commit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from partnership.models import Organisation, User
from partnership.permissions import AnyUser

from . import permissions, selectors, tasks
from .models import (
    COMMENT_AFTER_APPROVAL_MESSAGE,
    AgendaAttachment,
    AgendaItem,
    Answer,
    CalendarFeed,
    Meeting,
    MeetingInvitation,
    MeetingStatus,
    Minutes,
    MinutesAction,
    MinutesComment,
    MinutesEntry,
    MinutesStatus,
    Participation,
)
from .uploads import check_attachment

MEETING_FIELDS = ["forum", "title", "description", "starts_at", "ends_at", "place", "online_url"]
CALENDAR_FIELDS = ["starts_at", "ends_at", "place", "online_url", "title"]


class _Task(Protocol):
    """A Celery task (Celery ships no types)."""

    def delay(self, *args: Any) -> Any: ...


def _require_secretariat(user: AnyUser) -> None:
    if not permissions.can_manage_meetings(user):
        raise PermissionDenied(_("Kun sekretariatet kan forberede møder og skrive referater."))


def _after_commit(task: _Task, *args: Any) -> None:
    transaction.on_commit(lambda: task.delay(*args))


# --- Meetings and agenda -----------------------------------------------------------------


@transaction.atomic
def create_meeting(*, fields: dict[str, Any], by: User) -> Meeting:
    _require_secretariat(by)
    meeting = Meeting(created_by=by, **{k: fields[k] for k in MEETING_FIELDS if k in fields})
    meeting.full_clean()
    meeting.save()
    return meeting


@transaction.atomic
def update_meeting(*, meeting: Meeting, fields: dict[str, Any], by: User) -> Meeting:
    _require_secretariat(by)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    before = {f: getattr(meeting, f) for f in CALENDAR_FIELDS}
    for name in MEETING_FIELDS:
        if name in fields:
            setattr(meeting, name, fields[name])
    meeting.full_clean()
    changed = before != {f: getattr(meeting, f) for f in CALENDAR_FIELDS}
    if meeting.invitations_sent_at and changed:
        # Calendars that hold the meeting take the new version; invitees are told.
        meeting.sequence += 1
        _after_commit(tasks.send_invitations, meeting.pk)
    meeting.save()
    return meeting


@transaction.atomic
def save_agenda_item(
    *,
    meeting: Meeting,
    fields: dict[str, Any],
    presenters: Iterable[User] = (),
    restricted_to: Iterable[Organisation] = (),
    by: User,
    item: AgendaItem | None = None,
) -> AgendaItem:
    _require_secretariat(by)
    item = item or AgendaItem(meeting=meeting)
    if item.meeting_id != meeting.pk:
        raise PermissionDenied
    for name, value in fields.items():
        setattr(item, name, value)
    item.full_clean()
    item.save()
    item.presenters.set(list(presenters))
    item.restricted_to.set(list(restricted_to))
    Meeting.objects.filter(pk=meeting.pk).update(updated_at=timezone.now())
    return item


@transaction.atomic
def delete_agenda_item(*, item: AgendaItem, by: User) -> None:
    _require_secretariat(by)
    if item.minutes_entries.exists():
        raise ValidationError(
            _("Punktet har et referat og kan ikke slettes. Ret i stedet referatet.")
        )
    for attachment in item.attachments.all():
        attachment.file.delete(save=False)
    item.delete()


@transaction.atomic
def add_attachment(
    *, item: AgendaItem, uploaded: UploadedFile, title: str, by: User
) -> AgendaAttachment:
    _require_secretariat(by)
    file_type = check_attachment(uploaded)
    # An upload always has a name and a size; django-stubs allows None for both.
    attachment = AgendaAttachment(  # type: ignore[misc]
        item=item,
        title=(title or "").strip() or uploaded.name.rsplit(".", 1)[0],  # type: ignore[union-attr]
        file_type=file_type,
        original_name=uploaded.name[:250],  # type: ignore[index]
        size=uploaded.size,
        uploaded_by=by,
    )
    attachment.file.save(uploaded.name, uploaded, save=False)
    try:
        attachment.full_clean()
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment


@transaction.atomic
def delete_attachment(*, attachment: AgendaAttachment, by: User) -> None:
    _require_secretariat(by)
    attachment.file.delete(save=False)
    attachment.delete()


# --- Invitations, answers, attendance ----------------------------------------------------


@transaction.atomic
def invite(
    *, meeting: Meeting, organisations: Iterable[Organisation], people: Iterable[User], by: User
) -> int:
    """Add invitations (ignoring ones already there). If the invitations are already
    sent, the new invitees get theirs at once. Returns how many were added."""
    _require_secretariat(by)
    added = 0
    for org in organisations:
        _inv, created = MeetingInvitation.objects.get_or_create(
            meeting=meeting, organisation=org, defaults={"invited_by": by}
        )
        added += created
    for person in people:
        _inv, created = MeetingInvitation.objects.get_or_create(
            meeting=meeting, user=person, defaults={"invited_by": by}
        )
        added += created
    permissions.forget_invitees(meeting)
    if added and meeting.invitations_sent_at:
        _after_commit(tasks.send_invitations, meeting.pk)
    return added


@transaction.atomic
def remove_invitation(*, invitation: MeetingInvitation, by: User) -> None:
    _require_secretariat(by)
    invitation.delete()
    permissions.forget_invitees(invitation.meeting)


@transaction.atomic
def send_invitations(*, meeting: Meeting, by: User) -> Meeting:
    _require_secretariat(by)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if not meeting.invitations.exists():
        raise ValidationError(_("Invitér mindst én organisation eller person først."))
    if not meeting.items.exists():
        raise ValidationError(_("Sæt mindst ét punkt på dagsordenen, før du inviterer."))
    if meeting.status == MeetingStatus.DRAFT:
        meeting.status = MeetingStatus.INVITED
    meeting.invitations_sent_at = meeting.invitations_sent_at or timezone.now()
    meeting.save(update_fields=["status", "invitations_sent_at", "updated_at"])
    _after_commit(tasks.send_invitations, meeting.pk)
    return meeting


@transaction.atomic
def resend_mails(*, meeting: Meeting, by: User) -> None:
    """Send the meeting's mails again to those who do not have them (their mail failed, or
    was never tried): the invitation of the present version while the meeting is ahead, the
    request for comments on minutes out for comment, and each approved version of the
    minutes. The tasks send only what has not been sent (the mail log), so nobody gets a
    mail twice."""
    _require_secretariat(by)
    if meeting.status == MeetingStatus.DRAFT:
        raise ValidationError(_("Invitationerne er ikke sendt endnu."))
    if meeting.status == MeetingStatus.INVITED:  # no invitations to a meeting held
        _after_commit(tasks.send_invitations, meeting.pk)
    for minutes in Minutes.objects.filter(meeting=meeting):
        if minutes.status == MinutesStatus.FOR_COMMENT:
            _after_commit(tasks.send_comment_requests, minutes.pk)
        elif minutes.status == MinutesStatus.APPROVED:
            _after_commit(tasks.publish_minutes, minutes.pk)


NOT_INVITED_MESSAGE = _(
    "Du er ikke inviteret til mødet og kan derfor ikke melde til eller fra. Kontakt "
    "sekretariatet, hvis du mener, du skulle have været inviteret."
)


@transaction.atomic
def answer(*, meeting: Meeting, user: User, answer: str, substitute: str = "") -> Participation:
    if not permissions.is_invitee(user, meeting):
        raise ValidationError(str(NOT_INVITED_MESSAGE), code="not_invited")
    if meeting.status != MeetingStatus.INVITED:
        raise ValidationError(
            _("Mødet er afholdt, så der kan ikke længere meldes til eller fra."), code="closed"
        )
    if answer not in (Answer.ATTEND, Answer.DECLINE):
        raise ValidationError({"answer": _("Vælg, om du deltager eller melder afbud.")})
    substitute = (substitute or "").strip()
    if substitute and answer != Answer.DECLINE:
        raise ValidationError(
            {"substitute": _("En stedfortræder kan kun angives, når du melder afbud.")}
        )
    participation, _created = Participation.objects.select_for_update().get_or_create(
        meeting=meeting, user=user
    )
    participation.answer = answer
    participation.substitute = substitute
    participation.answered_at = timezone.now()
    participation.full_clean()
    participation.save()
    return participation


@transaction.atomic
def record_attendance(*, meeting: Meeting, present: Iterable[User], by: User) -> int:
    """Mark who was there (everyone else invited: not there). Returns how many were."""
    _require_secretariat(by)
    if meeting.status == MeetingStatus.DRAFT:
        raise ValidationError(_("Invitationerne er ikke sendt endnu."))
    present_ids = {u.pk for u in present}
    everyone = meeting.invitee_ids()
    unknown = present_ids - everyone
    if unknown:
        raise ValidationError(_("Kun inviterede kan registreres som mødt."))
    now = timezone.now()
    for user_id in everyone:
        p, _created = Participation.objects.get_or_create(meeting=meeting, user_id=user_id)
        p.attended = user_id in present_ids
        p.attendance_marked_at = now
        p.save(update_fields=["attended", "attendance_marked_at"])
    if meeting.status == MeetingStatus.INVITED:
        meeting.status = MeetingStatus.HELD
        meeting.save(update_fields=["status", "updated_at"])
    return len(present_ids)


# --- Minutes -----------------------------------------------------------------------------


@transaction.atomic
def start_minutes(*, meeting: Meeting, by: User) -> Minutes:
    """The open version of the minutes, with an entry for every agenda item (made now if
    there is none)."""
    _require_secretariat(by)
    if meeting.status == MeetingStatus.DRAFT:
        raise ValidationError(_("Mødet er ikke indkaldt endnu, så der kan ikke skrives referat."))
    minutes = Minutes.objects.filter(meeting=meeting).exclude(status=MinutesStatus.APPROVED).first()
    if minutes is None:
        if Minutes.objects.filter(meeting=meeting).exists():
            raise ValidationError(
                _("Referatet er godkendt. Ret det ved at offentliggøre en ny version.")
            )
        minutes = Minutes(meeting=meeting, version=1, created_by=by)
        minutes.full_clean()
        minutes.save()
    if minutes.status == MinutesStatus.DRAFT:
        existing = set(minutes.entries.values_list("agenda_item_id", flat=True))
        MinutesEntry.objects.bulk_create(
            MinutesEntry(minutes=minutes, agenda_item=item)
            for item in meeting.items.exclude(pk__in=existing)
        )
    return minutes


def _lock(minutes: Minutes) -> Minutes:
    minutes = Minutes.objects.select_for_update().select_related("meeting").get(pk=minutes.pk)
    if minutes.status == MinutesStatus.APPROVED:
        raise ValidationError(
            _(
                "Referatet er godkendt og kan ikke ændres. En rettelse offentliggøres som en "
                "ny version med en begrundelse."
            ),
            code="minutes_locked",
        )
    return minutes


@transaction.atomic
def save_minutes_entry(
    *,
    entry: MinutesEntry,
    discussion: str,
    decisions: str,
    new_action: dict[str, Any] | None = None,
    remove_actions: Iterable[MinutesAction] = (),
    by: User,
) -> MinutesEntry:
    _require_secretariat(by)
    _lock(entry.minutes)
    entry.discussion = (discussion or "").strip()
    entry.decisions = (decisions or "").strip()
    entry.full_clean()
    entry.save()
    for action in remove_actions:
        if action.entry_id == entry.pk:
            action.delete()
    if new_action and (new_action.get("description") or "").strip():
        action = MinutesAction(
            entry=entry,
            description=new_action["description"].strip(),
            owner=(new_action.get("owner") or "").strip(),
            deadline=new_action.get("deadline"),
        )
        if not action.owner:
            raise ValidationError({"action_owner": _("Skriv, hvem der er ansvarlig.")})
        action.full_clean()
        action.save()
    return entry


@transaction.atomic
def send_minutes_for_comment(*, minutes: Minutes, by: User) -> Minutes:
    _require_secretariat(by)
    minutes = _lock(minutes)
    if minutes.status != MinutesStatus.DRAFT:
        raise ValidationError(_("Referatet er allerede sendt til kommentering."))
    if minutes.version != 1:
        raise ValidationError(_("En rettelse offentliggøres direkte med sin begrundelse."))
    minutes.status = MinutesStatus.FOR_COMMENT
    minutes.sent_for_comment_at = timezone.now()
    minutes.full_clean()
    minutes.save()
    meeting = minutes.meeting
    meeting.status = MeetingStatus.MINUTES_FOR_COMMENT
    meeting.save(update_fields=["status", "updated_at"])
    _after_commit(tasks.send_comment_requests, minutes.pk)
    return minutes


@transaction.atomic
def add_comment(*, entry: MinutesEntry, author: User, text: str) -> MinutesComment:
    minutes = Minutes.objects.select_for_update().select_related("meeting").get(pk=entry.minutes_id)
    if minutes.status == MinutesStatus.APPROVED:
        raise ValidationError(str(COMMENT_AFTER_APPROVAL_MESSAGE), code="minutes_locked")
    if minutes.status != MinutesStatus.FOR_COMMENT:
        raise ValidationError(_("Referatet er ikke sendt til kommentering."), code="not_open")
    if not permissions.can_comment_minutes(author, minutes):
        raise PermissionDenied(_("Kun mødets deltagere kan kommentere referatet."))
    if not permissions.can_view_item(author, entry.agenda_item):
        raise PermissionDenied
    comment = MinutesComment(entry=entry, author=author, text=(text or "").strip())
    comment.full_clean()
    comment.save()
    return comment


def take_snapshot(*, minutes: Minutes) -> None:
    """Copy into the version what it shows of the meeting, its items (number, kind, title,
    presenters, and the organisations each is closed to, which decide who may read the
    entry) and its attendance, as they are now. Approved minutes show these and nothing
    live, so a later edit of the meeting or an item does not rewrite them. In Danish, the
    language of the minutes."""
    entries = list(
        minutes.entries.select_related("agenda_item").prefetch_related(
            "agenda_item__presenters", "agenda_item__restricted_to"
        )
    )
    with override("da"):
        for entry in entries:
            entry.take_snapshot()
        MinutesEntry.objects.bulk_update(entries, SNAPSHOT_FIELDS)
        meeting = Meeting.objects.select_related("forum").get(pk=minutes.meeting_id)
        minutes.meeting_title = meeting.title
        minutes.forum_name = meeting.forum.name
        minutes.meeting_starts_at = meeting.starts_at
        minutes.meeting_ends_at = meeting.ends_at
        minutes.meeting_place = meeting.place
        minutes.meeting_online_url = meeting.online_url
        minutes.participants = selectors.meeting_participants(meeting)
    minutes.__dict__.pop("shown_meeting", None)


SNAPSHOT_FIELDS = [
    "item_number",
    "item_position",
    "item_kind",
    "item_title",
    "item_presenters",
    "closed_to_ids",
    "closed_to_names",
]


@transaction.atomic
def approve_minutes(*, minutes: Minutes, by: User) -> Minutes:
    """Approve and publish: the version takes its snapshot of the meeting and is locked,
    and a Celery task renders the PDF for each participant (with only the entries they may
    read) and mails it."""
    _require_secretariat(by)
    minutes = _lock(minutes)
    if minutes.version == 1 and minutes.status != MinutesStatus.FOR_COMMENT:
        raise ValidationError(
            _("Send referatet til kommentering hos deltagerne, før det godkendes.")
        )
    take_snapshot(minutes=minutes)
    minutes.status = MinutesStatus.APPROVED
    minutes.approved_at = timezone.now()
    minutes.approved_by = by
    minutes.full_clean()
    minutes.save()
    meeting = minutes.meeting
    meeting.status = MeetingStatus.MINUTES_APPROVED
    meeting.save(update_fields=["status", "updated_at"])
    _after_commit(tasks.publish_minutes, minutes.pk)
    return minutes


@transaction.atomic
def start_correction(*, minutes: Minutes, reason: str, by: User) -> Minutes:
    """A new version of approved minutes, copied from it, with the reason for the
    correction. It is published with approve_minutes."""
    _require_secretariat(by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Skriv, hvorfor referatet rettes.")})
    if minutes.status != MinutesStatus.APPROVED:
        raise ValidationError(_("Kun et godkendt referat rettes med en ny version."))
    # Never None: there is `minutes` itself.
    latest = cast(
        Minutes, Minutes.objects.filter(meeting=minutes.meeting).order_by("-version").first()
    )
    if latest.pk != minutes.pk:
        raise ValidationError(_("Der er allerede en nyere version af referatet."))
    correction = Minutes(
        meeting=minutes.meeting,
        version=minutes.version + 1,
        correction_of=minutes,
        reason=reason,
        created_by=by,
    )
    correction.full_clean()
    correction.save()
    for entry in minutes.entries.prefetch_related("actions"):
        copy = MinutesEntry.objects.create(
            minutes=correction,
            agenda_item_id=entry.agenda_item_id,
            discussion=entry.discussion,
            decisions=entry.decisions,
        )
        MinutesAction.objects.bulk_create(
            MinutesAction(entry=copy, description=a.description, owner=a.owner, deadline=a.deadline)
            for a in entry.actions.all()
        )
    return correction


# --- Calendar addresses ------------------------------------------------------------------


@transaction.atomic
def new_calendar_feed(*, user: User) -> tuple[CalendarFeed, str]:
    """A new personal calendar address; an earlier one stops working."""
    if not permissions.can_use_meetings(user):
        raise PermissionDenied
    revoke_calendar_feeds(user=user)
    token, token_hash = CalendarFeed.new_token()
    feed = CalendarFeed.objects.create(user=user, token_hash=token_hash)
    return feed, token


@transaction.atomic
def revoke_calendar_feeds(*, user: User) -> int:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
