"""Writes on meetings: the meeting and its agenda, invitations and answers, attendance,
minutes from draft to comment to approval, corrections, and calendar addresses.

Keyword-only, atomic, full_clean() before save. Who may do it is checked here too, so a
view that forgets cannot let it through. Mails go out from Celery tasks after commit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, Protocol, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from partnership import formats
from partnership.models import Organisation, OrganisationKind, User
from partnership.permissions import AnyUser

from . import agenda, permissions, selectors, tasks
from .models import (
    COMMENT_AFTER_APPROVAL_MESSAGE,
    ActionFollowUp,
    AgendaAttachment,
    AgendaItem,
    Answer,
    AttendeeKind,
    CalendarFeed,
    ExtraAttendee,
    Meeting,
    MeetingInvitation,
    MeetingStatus,
    Minutes,
    MinutesAction,
    MinutesApproval,
    MinutesComment,
    MinutesEntry,
    MinutesStatus,
    Participation,
    entry_template,
)
from .uploads import check_attachment

# A meeting's own fields, as the meeting form (forms.MeetingForm) shows them and
# create_meeting/update_meeting write them.
MEETING_FIELDS = [
    "forum",
    "title",
    "description",
    "starts_at",
    "ends_at",
    "place",
    "online_url",
    "rsvp_deadline",
]
CALENDAR_FIELDS = ["starts_at", "ends_at", "place", "online_url", "title"]


class _Task(Protocol):
    """A Celery task (Celery ships no types)."""

    def delay(self, *args: Any) -> Any: ...


def _require_secretariat(user: AnyUser) -> None:
    if not permissions.can_manage_meetings(user):
        raise PermissionDenied(_("Kun sekretariatet kan forberede møder og skrive referater."))


def _after_commit(task: _Task, *args: Any) -> None:
    transaction.on_commit(lambda: task.delay(*args))


def _refuse_if_cancelled(meeting: Meeting, message: str = "") -> None:
    """A cancelled meeting is not changed, answered or given minutes (cancel_meeting)."""
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(message or _("Mødet er aflyst og kan ikke ændres."), code="cancelled")


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
    _refuse_if_cancelled(meeting)
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
    attachments: Iterable[UploadedFile] = (),
    by: User,
    item: AgendaItem | None = None,
) -> AgendaItem:
    """Add or change an item, with new attachments if any. Once the invitations are sent,
    what may change is decided by meetings.agenda.refusal; an item added then is on the
    tillægsdagsorden, and the invitees are told of it."""
    _require_secretariat(by)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _refuse_if_cancelled(meeting)
    adding = item is None
    item = item or AgendaItem(meeting=meeting)
    if item.meeting_id != meeting.pk:
        raise PermissionDenied
    number = str(fields.get("number", item.number) or "").strip().lower()
    refused = agenda.refusal(
        meeting,
        action=agenda.ADD if adding else agenda.EDIT,
        items=list(meeting.items.all()),
        item=None if adding else item,
        number=number,
    )
    if refused:
        raise ValidationError({"number": refused}, code="agenda_locked")
    for name, value in fields.items():
        setattr(item, name, value)
    if adding and meeting.agenda_locked:
        item.supplementary = True
    item.full_clean()
    item.save()
    item.presenters.set(list(presenters))
    item.restricted_to.set(list(restricted_to))
    late_item = adding and item.supplementary
    for uploaded in attachments:
        # A late item's mail names its attachments; a later bilag is told of by itself.
        add_attachment(item=item, uploaded=uploaded, title="", by=by, notify=not late_item)
    Meeting.objects.filter(pk=meeting.pk).update(updated_at=timezone.now())
    if late_item:
        _after_commit(tasks.send_agenda_addition, meeting.pk, item.pk, 0)
    return item


def _renumber(meeting: Meeting) -> None:
    """Number the items 1, 2, 3 ... in their order, sub-items a, b, c ... under their main
    item: all of them on a draft agenda, only the tillægsdagsorden (after the others) on an
    agenda that is sent."""
    items = list(meeting.items.all())
    if meeting.agenda_locked:
        late = [i for i in items if i.supplementary]
        _apply_numbers(
            agenda.numbered(agenda.groups(late), start=agenda.last_original_number(items) + 1)
        )
    else:
        _apply_numbers(agenda.numbered(agenda.groups(items)))


def _apply_numbers(numbers: list[tuple[AgendaItem, str]]) -> None:
    changed = [(item, number) for item, number in numbers if item.number != number]
    # Two steps: the numbers are unique in a meeting, also between the rows of one update.
    for i, (item, _number) in enumerate(changed):
        AgendaItem.objects.filter(pk=item.pk).update(number=f"~{i}")
    for item, number in changed:
        item.number = number
        item.save(update_fields=["number", "position"])


@transaction.atomic
def move_item(*, item: AgendaItem, direction: str, by: User) -> AgendaItem:
    """Move an item one place up or down (a main item with its sub-items), and renumber."""
    _require_secretariat(by)
    meeting = Meeting.objects.select_for_update().get(pk=item.meeting_id)
    items = list(meeting.items.all())
    item = next(i for i in items if i.pk == item.pk)
    refused = agenda.refusal(meeting, action=agenda.MOVE, items=items, item=item)
    if refused:
        raise ValidationError(refused, code="agenda_locked")
    if direction not in ("up", "down"):
        raise ValidationError(_("Vælg, om punktet skal flyttes op eller ned."))
    scope = [i for i in items if i.supplementary] if meeting.agenda_locked else items
    order = agenda.moved(scope, item, direction)
    start = agenda.last_original_number(items) + 1 if meeting.agenda_locked else 1
    _apply_numbers(agenda.numbered(order, start=start))
    Meeting.objects.filter(pk=meeting.pk).update(updated_at=timezone.now())
    item.refresh_from_db()
    return item


@transaction.atomic
def delete_agenda_item(*, item: AgendaItem, by: User) -> None:
    _require_secretariat(by)
    meeting = Meeting.objects.select_for_update().get(pk=item.meeting_id)
    refused = agenda.refusal(
        meeting, action=agenda.DELETE, items=list(meeting.items.all()), item=item
    )
    if refused:
        raise ValidationError(refused, code="agenda_locked")
    entries = list(item.minutes_entries.select_related("minutes"))
    if any(_has_content(entry) for entry in entries):
        raise ValidationError(
            _("Punktet har et referat og kan ikke slettes. Ret i stedet referatet.")
        )
    # Empty entries of a draft (the draft was started, nothing written for the item yet).
    MinutesEntry.objects.filter(pk__in=[e.pk for e in entries]).delete()
    for attachment in item.attachments.all():
        attachment.file.delete(save=False)
    item.delete()
    _renumber(meeting)


@transaction.atomic
def add_attachment(
    *,
    item: AgendaItem,
    uploaded: UploadedFile,
    title: str,
    by: User,
    notify: bool = True,
    restricted_to: Iterable[Organisation] = (),
) -> AgendaAttachment:
    """Add a bilag to an item. Added after the invitations went out, the invitees who may
    see the item are told by mail (unless `notify` is False: the caller tells them)."""
    _require_secretariat(by)
    _refuse_if_cancelled(item.meeting)
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
    # Closed to these organisations, even on an open item (permissions.may_see_attachment).
    attachment.restricted_to.set(list(restricted_to))
    if notify and item.meeting.agenda_locked:
        _after_commit(tasks.send_agenda_addition, item.meeting_id, item.pk, attachment.pk)
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
    _refuse_if_cancelled(meeting)
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


# "Alle kommuner og regionen": the municipalities and the region (Region Sjælland); KKR
# Sjælland is the secretariat, which prepares the meeting and is not invited by this.
MUNICIPALITIES_AND_REGION = (OrganisationKind.MUNICIPALITY, OrganisationKind.REGION)


def municipalities_and_region() -> list[Organisation]:
    return list(
        Organisation.objects.filter(kind__in=MUNICIPALITIES_AND_REGION).order_by("kind", "name")
    )


@transaction.atomic
def invite_forum(*, meeting: Meeting, by: User) -> int:
    """Invite the forum's standing members: its organisations and its named people."""
    forum = meeting.forum
    return invite(
        meeting=meeting,
        organisations=forum.members.all(),
        people=forum.people.filter(is_active=True),
        by=by,
    )


@transaction.atomic
def invite_municipalities_and_region(*, meeting: Meeting, by: User) -> int:
    return invite(meeting=meeting, organisations=municipalities_and_region(), people=[], by=by)


@transaction.atomic
def send_reminders(*, meeting: Meeting, by: User) -> int:
    """Remind those invited who have not answered (a mail each, at most one a day).
    Returns how many will get one."""
    _require_secretariat(by)
    if meeting.status != MeetingStatus.INVITED:
        raise ValidationError(
            _(
                "Der kan kun sendes påmindelser, når invitationerne er sendt, og mødet ikke er "
                "holdt."
            )
        )
    waiting = [row for row in selectors.invitees(meeting) if not row.answer]
    if not waiting:
        raise ValidationError(_("Alle inviterede har svaret. Der er ingen at minde om svar."))
    _after_commit(tasks.send_reminders, meeting.pk)
    return len(waiting)


@transaction.atomic
def set_forum_template(*, meeting: Meeting, by: User) -> Meeting:
    """Mark the meeting as its forum's template: "Nyt møde i forummet" copies its agenda."""
    _require_secretariat(by)
    forum = meeting.forum
    forum.template_meeting = meeting
    forum.save(update_fields=["template_meeting"])
    return meeting


@transaction.atomic
def remove_invitation(*, invitation: MeetingInvitation, by: User) -> None:
    _require_secretariat(by)
    invitation.delete()
    permissions.forget_invitees(invitation.meeting)


@transaction.atomic
def send_invitations(*, meeting: Meeting, by: User) -> Meeting:
    _require_secretariat(by)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _refuse_if_cancelled(meeting)
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
    if meeting.status == MeetingStatus.CANCELLED:
        _after_commit(tasks.send_cancellation, meeting.pk)
    for minutes in Minutes.objects.filter(meeting=meeting):
        if minutes.status == MinutesStatus.FOR_COMMENT:
            _after_commit(tasks.send_comment_requests, minutes.pk)
        elif minutes.status == MinutesStatus.APPROVED:
            _after_commit(tasks.publish_minutes, minutes.pk)


CANCELLABLE = (MeetingStatus.DRAFT, MeetingStatus.INVITED)


@transaction.atomic
def cancel_meeting(*, meeting: Meeting, by: User, reason: str) -> Meeting:
    """Cancel a meeting that is not held: its status becomes Aflyst, with when and why.
    If the invitations went out, the calendars that hold it take the cancellation (a
    higher SEQUENCE) and everyone invited gets it by mail (tasks.send_cancellation, with a
    METHOD:CANCEL calendar part). A cancelled meeting is not changed, answered or given
    minutes any more (_refuse_if_cancelled)."""
    _require_secretariat(by)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _refuse_if_cancelled(meeting, _("Mødet er allerede aflyst."))
    if meeting.status not in CANCELLABLE:
        raise ValidationError(_("Mødet er afholdt og kan ikke aflyses."), code="held")
    reason = (reason or "").strip()
    if not reason:
        missing = _("Skriv, hvorfor mødet aflyses. Begrundelsen står i mailen til de inviterede.")
        raise ValidationError({"reason": missing})
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_at = timezone.now()
    meeting.cancel_reason = reason
    if meeting.invitations_sent_at:
        meeting.sequence += 1
        _after_commit(tasks.send_cancellation, meeting.pk)
    meeting.full_clean()
    meeting.save()
    return meeting


NOT_INVITED_MESSAGE = _(
    "Du er ikke inviteret til mødet og kan derfor ikke melde til eller fra. Kontakt "
    "sekretariatet, hvis du mener, du skulle have været inviteret."
)


@transaction.atomic
def answer(*, meeting: Meeting, user: User, answer: str, substitute: str = "") -> Participation:
    if not permissions.is_invitee(user, meeting):
        raise ValidationError(str(NOT_INVITED_MESSAGE), code="not_invited")
    _refuse_if_cancelled(meeting, _("Mødet er aflyst, så der kan ikke meldes til eller fra."))
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
def record_attendance(
    *,
    meeting: Meeting,
    present: Iterable[User],
    by: User,
    substitutes_for: Iterable[User] | None = None,
) -> int:
    """Mark who was there (everyone else invited: not there). Returns how many were.
    `substitutes_for`: the invitees whose announced substitute (Participation.substitute)
    came; each is recorded as present (ExtraAttendee), the others' are not. None: leave
    the substitutes as they are."""
    _require_secretariat(by)
    if meeting.status == MeetingStatus.DRAFT:
        raise ValidationError(_("Invitationerne er ikke sendt endnu."))
    _refuse_if_cancelled(meeting)
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
    if substitutes_for is not None:
        _record_announced_substitutes(meeting, {u.pk for u in substitutes_for})
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
    _refuse_if_cancelled(meeting, _("Mødet er aflyst, så der skrives ikke referat."))
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
            MinutesEntry(minutes=minutes, agenda_item=item, decisions=entry_template(item.kind))
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
        owner_user = new_action.get("owner_user")
        action = MinutesAction(
            entry=entry,
            description=new_action["description"].strip(),
            owner=(new_action.get("owner") or "").strip()
            or (owner_user.get_full_name() if owner_user else ""),
            owner_user=owner_user,
            deadline=new_action.get("deadline"),
        )
        if not action.owner:
            raise ValidationError({"action_owner": _("Skriv, hvem der er ansvarlig.")})
        action.full_clean()
        action.save()
    return entry


@transaction.atomic
def send_minutes_for_comment(
    *, minutes: Minutes, by: User, deadline: date | None = None
) -> Minutes:
    """Send the draft to everyone invited for comments until `deadline` (a day not past);
    the participants then approve it (approve_as_participant)."""
    _require_secretariat(by)
    if deadline is not None and deadline < timezone.localdate():
        raise ValidationError({"deadline": _("Fristen for kommentarer kan ikke ligge i fortiden.")})
    minutes = _lock(minutes)
    if minutes.status != MinutesStatus.DRAFT:
        raise ValidationError(_("Referatet er allerede sendt til kommentering."))
    if minutes.version != 1:
        raise ValidationError(_("En rettelse offentliggøres direkte med sin begrundelse."))
    minutes.status = MinutesStatus.FOR_COMMENT
    minutes.sent_for_comment_at = timezone.now()
    minutes.comment_deadline = deadline
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
        raise PermissionDenied(_("Kun mødets inviterede kan kommentere referatet."))
    if minutes.comment_deadline and timezone.localdate() > minutes.comment_deadline:
        raise ValidationError(
            _(
                "Fristen for kommentarer var %(date)s, så kommentaren er ikke gemt. Den står "
                "stadig i feltet: send den til sekretariatet, hvis den er vigtig."
            )
            % {"date": formats.date(minutes.comment_deadline)},
            code="deadline",
        )
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
    now = timezone.now()
    if minutes.version == 1 and not permissions.all_participants_approved(minutes):
        # Not everyone present has approved: the secretariat approves for the forum.
        MinutesApproval.objects.update_or_create(
            minutes=minutes,
            user=by,
            defaults={"approved_at": now, "on_behalf_of_forum": True},
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
    for entry in minutes.entries.prefetch_related("actions__follow_up"):
        copy = MinutesEntry.objects.create(
            minutes=correction,
            agenda_item_id=entry.agenda_item_id,
            discussion=entry.discussion,
            decisions=entry.decisions,
        )
        originals = list(entry.actions.all())
        copies = MinutesAction.objects.bulk_create(
            MinutesAction(
                entry=copy,
                description=a.description,
                owner=a.owner,
                owner_user_id=a.owner_user_id,
                deadline=a.deadline,
            )
            for a in originals
        )
        # How each action stands goes with it (the log reads the latest version).
        ActionFollowUp.objects.bulk_create(
            ActionFollowUp(
                action=new,
                status=old.follow_up.status,
                changed_at=old.follow_up.changed_at,
                changed_by_id=old.follow_up.changed_by_id,
            )
            for old, new in zip(originals, copies, strict=True)
            if getattr(old, "follow_up", None) is not None
        )
    return correction


# --- Attendance beyond the invitees ------------------------------------------------------


def _record_announced_substitutes(meeting: Meeting, came: set[int]) -> None:
    """The substitutes announced with an afbud: present for those in `came`, not for the
    others (only the rows made from an announcement are touched)."""
    announced = {
        row.user_id: row
        for row in selectors.invitees(meeting)
        if row.answer == Answer.DECLINE and row.substitute
    }
    rows = {
        a.substitute_for_id: a
        for a in ExtraAttendee.objects.filter(
            meeting=meeting, kind=AttendeeKind.SUBSTITUTE, substitute_for_id__in=announced
        )
    }
    for user_id, invitee in announced.items():
        row = rows.get(user_id)
        if user_id in came and row is None:
            ExtraAttendee.objects.create(
                meeting=meeting,
                kind=AttendeeKind.SUBSTITUTE,
                name=invitee.substitute,
                organisation=invitee.organisations[0] if invitee.organisations else "",
                substitute_for_id=user_id,
            )
        elif user_id not in came and row is not None and row.name == invitee.substitute:
            row.delete()


@transaction.atomic
def add_extra_attendee(
    *,
    meeting: Meeting,
    kind: str,
    name: str,
    organisation: str = "",
    substitute_for: User | None = None,
    by: User,
) -> ExtraAttendee:
    """A substitute, guest or external presenter present at the meeting (not a portal
    user: a name and an organisation)."""
    _require_secretariat(by)
    if meeting.status == MeetingStatus.DRAFT:
        raise ValidationError(_("Invitationerne er ikke sendt endnu."))
    if substitute_for is not None and substitute_for.pk not in meeting.invitee_ids():
        raise ValidationError(
            {"substitute_for": _("Stedfortræderen skal komme i stedet for en inviteret.")}
        )
    attendee = ExtraAttendee(
        meeting=meeting,
        kind=kind,
        name=(name or "").strip(),
        organisation=(organisation or "").strip(),
        substitute_for=substitute_for if kind == AttendeeKind.SUBSTITUTE else None,
    )
    attendee.full_clean()
    attendee.save()
    return attendee


@transaction.atomic
def remove_extra_attendee(*, attendee: ExtraAttendee, by: User) -> None:
    _require_secretariat(by)
    attendee.delete()


@transaction.atomic
def set_absence(
    *,
    meeting: Meeting,
    items: Iterable[AgendaItem],
    by: User,
    user: User | None = None,
    attendee: ExtraAttendee | None = None,
) -> None:
    """The items a person present was not there for (left before them, came after): an
    invitee's (`user`) or another participant's (`attendee`)."""
    _require_secretariat(by)
    items = list(items)
    if any(item.meeting_id != meeting.pk for item in items):
        raise PermissionDenied
    if attendee is not None:
        if attendee.meeting_id != meeting.pk:
            raise PermissionDenied
        attendee.absent_items.set(items)
        return
    if user is None or user.pk not in meeting.invitee_ids():
        raise ValidationError(_("Vælg en af mødets deltagere."))
    participation, _created = Participation.objects.get_or_create(meeting=meeting, user=user)
    participation.absent_items.set(items)


# --- The review round and the participants' approvals ------------------------------------


def _has_content(entry: MinutesEntry) -> bool:
    """Whether the minutes say something of their own about the item: anything but the
    kind's template, an action or a comment. Entries of minutes sent or approved always
    count."""
    if entry.minutes.status != MinutesStatus.DRAFT:
        return True
    written = entry.discussion.strip() or entry.decisions.strip() not in (
        "",
        entry_template(entry.agenda_item.kind),
    )
    return bool(written) or entry.actions.exists() or entry.comments.exists()


@transaction.atomic
def mark_comment_handled(*, comment: MinutesComment, by: User) -> MinutesComment:
    _require_secretariat(by)
    _lock(comment.entry.minutes)
    comment.handled_at = comment.handled_at or timezone.now()
    comment.handled_by = comment.handled_by or by
    comment.save(update_fields=["handled_at", "handled_by"])
    return comment


@transaction.atomic
def approve_as_participant(*, minutes: Minutes, user: User) -> MinutesApproval:
    """A participant approves the minutes out for comment (once; the time is kept)."""
    minutes = _lock(minutes)
    if not permissions.can_approve_minutes(user, minutes):
        raise PermissionDenied(_("Kun mødets deltagere kan godkende referatet."))
    approval, _created = MinutesApproval.objects.get_or_create(
        minutes=minutes, user=user, defaults={"approved_at": timezone.now()}
    )
    return approval


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
