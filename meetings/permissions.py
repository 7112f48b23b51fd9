"""Who may see and do what with meetings. Deny by default.

- The secretariat creates and edits meetings, agendas and minutes, and sees everything.
- An invitee (a person invited directly, or an active member of an invited organisation)
  sees the meeting once the invitations are sent, minus the items closed to organisations
  they do not belong to. A closed item is shown to no one else: not on a page, in a PDF,
  an e-mail or a calendar. Everything that shows items goes through visible_items().
- Minutes sent for comment are seen and commented on by the attendees; approved minutes
  are seen by every invitee. Which entries of approved minutes a person may read follows
  from the organisations each item was closed to when the minutes were approved (the
  entry's snapshot), not from the item as it is now: visible_entries()."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from partnership.permissions import is_member, is_secretariat, memberships_of

from .models import (
    AgendaItem,
    Answer,
    Meeting,
    MeetingInvitation,
    MeetingStatus,
    Minutes,
    MinutesEntry,
    MinutesStatus,
    Participation,
)


def organisation_ids(user) -> set[int]:
    return {m.organisation_id for m in memberships_of(user)}


def can_manage_meetings(user) -> bool:
    return is_secretariat(user)


def can_use_meetings(user) -> bool:
    return is_member(user)


def _invitation_for(user):
    return MeetingInvitation.objects.filter(meeting=OuterRef("pk")).filter(
        Q(user=user) | Q(organisation_id__in=organisation_ids(user))
    )


def meetings_visible_to(user) -> QuerySet[Meeting]:
    if not is_member(user):
        return Meeting.objects.none()
    if is_secretariat(user):
        return Meeting.objects.all()
    return Meeting.objects.exclude(status=MeetingStatus.DRAFT).filter(Exists(_invitation_for(user)))


def meetings_invited_to(user) -> QuerySet[Meeting]:
    """The person's own meetings (for the calendar feed), drafts excluded."""
    if not is_member(user):
        return Meeting.objects.none()
    return Meeting.objects.exclude(status=MeetingStatus.DRAFT).filter(Exists(_invitation_for(user)))


def is_invitee(user, meeting: Meeting) -> bool:
    """Remembered on the meeting object for the person: a page asks several times (the
    agenda, the minutes, the answer form) about the meeting it loaded once."""
    if not is_member(user) or meeting.status == MeetingStatus.DRAFT:
        return False
    known = meeting.__dict__.setdefault("_invitee_of", {})
    if user.pk not in known:
        known[user.pk] = (
            MeetingInvitation.objects.filter(meeting=meeting)
            .filter(Q(user=user) | Q(organisation_id__in=organisation_ids(user)))
            .exists()
        )
    return known[user.pk]


def visible_meeting(user, pk, annotate=None) -> Meeting | None:
    """The meeting with that pk if the person may see it (None if not), forum loaded, and
    `annotate(queryset)` applied if given. For anyone but the secretariat the query has
    already asked whether the person is invited (meetings_visible_to), so is_invitee
    remembers the answer instead of asking again."""
    meetings = meetings_visible_to(user).select_related("forum").filter(pk=pk)
    meeting = (annotate(meetings) if annotate else meetings).first()
    if meeting is not None and not is_secretariat(user):
        meeting.__dict__.setdefault("_invitee_of", {})[user.pk] = True
    return meeting


def forget_invitees(meeting: Meeting) -> None:
    """After the invitations change: is_invitee asks the database again."""
    meeting.__dict__.pop("_invitee_of", None)


def can_view_meeting(user, meeting: Meeting) -> bool:
    return is_secretariat(user) or is_invitee(user, meeting)


def items_visible_filter(user) -> Q:
    """Items open to all invitees, or closed to organisations the person belongs to. Only
    meaningful together with can_view_meeting (the secretariat needs no filter)."""
    through = AgendaItem.restricted_to.through
    restricted = through.objects.filter(agendaitem_id=OuterRef("pk"))
    return ~Exists(restricted) | Exists(
        restricted.filter(organisation_id__in=organisation_ids(user))
    )


def visible_items(user, meeting: Meeting) -> QuerySet[AgendaItem]:
    items = AgendaItem.objects.filter(meeting=meeting)
    if is_secretariat(user):
        return items
    if not is_invitee(user, meeting):
        return items.none()
    return items.filter(items_visible_filter(user))


def item_visible(user, meeting: Meeting, restricted_to: set[int] | list[int]) -> bool:
    """visible_items() for one item of the meeting, by the ids of the organisations it is
    closed to (none for an open item): the same rule, for a page that loaded the ids with
    the items and shows the time plan of every item (selectors.agenda_page)."""
    if is_secretariat(user):
        return True
    if not is_invitee(user, meeting):
        return False
    return not restricted_to or not organisation_ids(user).isdisjoint(restricted_to)


def visible_entries(user, minutes: Minutes) -> QuerySet[MinutesEntry]:
    """The entries of the minutes the person may read. An approved version's entries by
    the organisations their items were closed to at approval (a later change of the item
    changes nothing); a draft's or one for comment by the items as they are now."""
    entries = MinutesEntry.objects.filter(minutes=minutes)
    if is_secretariat(user):
        return entries
    if not is_invitee(user, minutes.meeting):
        return entries.none()
    if minutes.is_approved:
        mine = organisation_ids(user)
        readable = [
            pk
            for pk, closed_to in entries.values_list("pk", "closed_to_ids")
            if closed_to is not None and (not closed_to or not mine.isdisjoint(closed_to))
        ]
        return entries.filter(pk__in=readable)
    return entries.filter(agenda_item__in=visible_items(user, minutes.meeting))


def can_view_item(user, item: AgendaItem) -> bool:
    return visible_items(user, item.meeting).filter(pk=item.pk).exists()


def can_answer(user, meeting: Meeting) -> bool:
    return meeting.status == MeetingStatus.INVITED and is_invitee(user, meeting)


def attendee_ids(meeting: Meeting) -> set[int]:
    """Those marked present; while no attendance is recorded, those who have not sent
    afbud (and are still invited)."""
    marked = Participation.objects.filter(meeting=meeting, attended__isnull=False)
    if marked.exists():
        return set(marked.filter(attended=True).values_list("user_id", flat=True))
    declined = set(
        Participation.objects.filter(meeting=meeting, answer=Answer.DECLINE).values_list(
            "user_id", flat=True
        )
    )
    return meeting.invitee_ids() - declined


def can_view_minutes(user, minutes: Minutes) -> bool:
    return can_view_minutes_in(user, minutes.meeting, minutes.status)


def can_view_minutes_in(user, meeting: Meeting, status: str) -> bool:
    """can_view_minutes for a version of the meeting's minutes in that status."""
    if is_secretariat(user):
        return True
    if status == MinutesStatus.APPROVED:
        return is_invitee(user, meeting)
    if status == MinutesStatus.FOR_COMMENT:
        return is_invitee(user, meeting) and user.pk in attendee_ids(meeting)
    return False


def can_comment_minutes(user, minutes: Minutes) -> bool:
    return (
        minutes.status == MinutesStatus.FOR_COMMENT
        and is_invitee(user, minutes.meeting)
        and user.pk in attendee_ids(minutes.meeting)
    )
