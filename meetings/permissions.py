"""Who may see and do what with meetings. Deny by default.

- The secretariat creates and edits meetings, agendas and minutes, and sees everything.
- An invitee (a person invited directly, or an active member of an invited organisation)
  sees the meeting once the invitations are sent, minus the items closed to organisations
  they do not belong to. A closed item is shown to no one else: not on a page, in a PDF,
  an e-mail or a calendar.
- A bilag may be closed to named organisations even when its item is open: it is seen by
  those who may see its item and may see it as if it were an item (may_see_attachment,
  through visible_attachments and selectors.agenda).
- "May this person see this item?" has one answer, may_see_item(), given the organisations
  the item is closed to: for an agenda item those it is closed to now (visible_items,
  selectors.agenda), for an entry of approved minutes those its item was closed to when the
  minutes were approved (the entry's snapshot; a later change of the item changes nothing),
  for an entry of minutes not yet approved those its item is closed to now
  (visible_entries). The page, the agenda and minutes PDFs, the e-mails, the calendar file
  and the feed all come through these.
- Minutes sent for comment are seen and commented on by every invitee (those who sent
  afbud too: a board secretary sends the draft to all members) and approved by those who
  were present; approved minutes are seen by every invitee."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When

from partnership import dashboard
from partnership.permissions import AnyUser, is_member, is_secretariat, memberships_of

from .models import (
    AgendaAttachment,
    AgendaItem,
    Answer,
    Forum,
    Meeting,
    MeetingInvitation,
    MeetingStatus,
    Minutes,
    MinutesEntry,
    MinutesStatus,
    Participation,
)


def organisation_ids(user: AnyUser) -> set[int]:
    return {m.organisation_id for m in memberships_of(user)}


def can_manage_meetings(user: AnyUser) -> bool:
    return is_secretariat(user)


def can_use_meetings(user: AnyUser) -> bool:
    return is_member(user)


def _invitation_for(user: AnyUser) -> QuerySet[MeetingInvitation]:
    return MeetingInvitation.objects.filter(meeting=OuterRef("pk")).filter(
        Q(user=user) | Q(organisation_id__in=organisation_ids(user))
    )


def meetings_visible_to(user: AnyUser) -> QuerySet[Meeting]:
    if not is_member(user):
        return Meeting.objects.none()
    if is_secretariat(user):
        return Meeting.objects.all()
    return Meeting.objects.exclude(status=MeetingStatus.DRAFT).filter(Exists(_invitation_for(user)))


def meetings_invited_to(user: AnyUser) -> QuerySet[Meeting]:
    """The person's own meetings (for the calendar feed), drafts excluded."""
    if not is_member(user):
        return Meeting.objects.none()
    return Meeting.objects.exclude(status=MeetingStatus.DRAFT).filter(Exists(_invitation_for(user)))


def is_invitee(user: AnyUser, meeting: Meeting) -> bool:
    """Remembered on the meeting object for the person: a page asks several times (the
    agenda, the minutes, the answer form) about the meeting it loaded once."""
    if not is_member(user) or meeting.status == MeetingStatus.DRAFT:
        return False
    known: dict[int, bool] = meeting.__dict__.setdefault("_invitee_of", {})
    if user.pk not in known:
        known[user.pk] = (
            MeetingInvitation.objects.filter(meeting=meeting)
            .filter(Q(user=user) | Q(organisation_id__in=organisation_ids(user)))
            .exists()
        )
    return known[user.pk]


# Stand for a meeting and its forum in SQL compiled once per process for each person
# (partnership.dashboard.compiled; its NOW for the meeting's start): values no row holds,
# replaced by the meeting's own on each run (partnership.dashboard.bind).
SOME_MEETING, SOME_FORUM = -17, -18


_MEETING_COLUMNS = [f.attname for f in Meeting._meta.concrete_fields]
_FORUM_COLUMNS = [f.attname for f in Forum._meta.concrete_fields]


def meetings_with_forum(
    key: str,
    user: AnyUser,
    build: Callable[[], QuerySet[Meeting]],
    values: Mapping[Any, Any],
) -> list[Meeting]:
    """The meetings of build() (meetings_visible_to(user) filtered, ordered and sliced, with
    stand-ins for the meeting, its forum or the moment: SOME_MEETING, SOME_FORUM,
    partnership.dashboard.NOW), each with its forum (as select_related loads it), the
    stand-ins replaced by `values`. The SQL is compiled once per process for each `key` and
    person (partnership.dashboard.compiled) and runs prepared: building and compiling such
    a query took 1.0 ms, running it 0.2 ms (the bench's Fællesmøde, for a caseworker). For
    anyone but the secretariat the query has asked whether the person is invited, so
    is_invitee remembers the answer instead of asking again."""

    def compile_it() -> tuple[str, tuple[Any, ...]] | None:
        columns = [*_MEETING_COLUMNS, *(f"forum__{name}" for name in _FORUM_COLUMNS)]
        try:
            sql, params = dashboard.compiled_sql(build().values_list(*columns))
        except EmptyResultSet:  # (meetings_visible_to of someone who is no member: none)
            return None
        return sql, tuple(params)

    prepared = dashboard.compiled(key, user, compile_it)
    if prepared is None:
        return []
    sql, params = prepared
    with dashboard.compiled_cursor() as cursor:
        cursor.execute(sql, dashboard.bind(params, values))
        rows = cursor.fetchall()
    width, meetings = len(_MEETING_COLUMNS), []
    for row in rows:
        meeting = Meeting.from_db(connection.alias, _MEETING_COLUMNS, row[:width])
        forum = Forum.from_db(connection.alias, _FORUM_COLUMNS, row[width:])
        Meeting.forum.field.set_cached_value(meeting, forum)
        meetings.append(meeting)
    remember_invited(user, meetings)
    return meetings


def visible_meeting(user: AnyUser, pk: int) -> Meeting | None:
    """The meeting with that pk if the person may see it (None if not), forum loaded."""
    found = meetings_with_forum(
        "meetings:visible_meeting",
        user,
        lambda: meetings_visible_to(user).filter(pk=SOME_MEETING).order_by(),
        {SOME_MEETING: pk},
    )
    return found[0] if found else None


def meetings_seen_by(user: AnyUser, meetings: QuerySet[Meeting]) -> list[Meeting]:
    """Those of these meetings the person may see, forum loaded; as visible_meeting, each
    remembers that the person is invited (one query for them all)."""
    shown = list(meetings_visible_to(user).filter(pk__in=meetings.values("pk")))
    remember_invited(user, shown)
    return shown


def remember_invited(user: AnyUser, meetings: Iterable[Meeting]) -> None:
    """These meetings were read through meetings_visible_to(user) (in a query of their own,
    or as a subquery of another): for anyone but the secretariat that query has asked
    whether the person is invited, so is_invitee remembers the answer for each."""
    if is_secretariat(user):
        return
    for meeting in meetings:
        meeting.__dict__.setdefault("_invitee_of", {})[user.pk] = True


def forget_invitees(meeting: Meeting) -> None:
    """After the invitations change: is_invitee asks the database again."""
    meeting.__dict__.pop("_invitee_of", None)


def can_view_meeting(user: AnyUser, meeting: Meeting) -> bool:
    return is_secretariat(user) or is_invitee(user, meeting)


def may_see_item(user: AnyUser, meeting: Meeting, closed_to: Collection[int] | None) -> bool:
    """May the person see an item of the meeting that is closed to these organisations (their
    ids; none for an open item)? The one answer, for an agenda item and for an entry of
    minutes alike (the callers say which organisations count: see the module's doc).
    `None`: not known (an entry of approved minutes without its snapshot), so closed to all
    but the secretariat.

    The secretariat sees every item; an invitee sees the open items and those closed to an
    organisation they are an active member of; no one else sees any."""
    if is_secretariat(user):
        return True
    return is_invitee(user, meeting) and open_to(organisation_ids(user), closed_to)


def open_to(organisations: Collection[int], closed_to: Collection[int] | None) -> bool:
    """Is an item closed to `closed_to` (none: open; None: not known, so closed) open to
    people of these organisations? The rule of may_see_item for an invitee, and of the
    API's organisation tokens (items_of_organisation)."""
    if closed_to is None:
        return False
    return not closed_to or not set(organisations).isdisjoint(closed_to)


def _closed_to(rows: Iterable[tuple[int, int | None]]) -> dict[int, list[int]]:
    """{pk: [organisation id, ...]} from (pk, organisation id or None) rows of a join."""
    closed: dict[int, list[int]] = {}
    for pk, organisation_id in rows:
        ids = closed.setdefault(pk, [])
        if organisation_id is not None:
            ids.append(organisation_id)
    return closed


def visible_items(user: AnyUser, meeting: Meeting) -> QuerySet[AgendaItem]:
    """The meeting's agenda items the person may see (may_see_item, by the organisations
    each is closed to now). Two queries."""
    items = AgendaItem.objects.filter(meeting=meeting)
    closed = _closed_to(items.values_list("pk", "restricted_to"))
    return items.filter(
        pk__in=[pk for pk, ids in closed.items() if may_see_item(user, meeting, ids)]
    )


def meetings_of_organisation(organisation_id: int) -> QuerySet[Meeting]:
    """The meetings an organisation is invited to (the API's organisation tokens), drafts
    excluded: as meetings_invited_to, for the organisation instead of a person."""
    return Meeting.objects.exclude(status=MeetingStatus.DRAFT).filter(
        Exists(
            MeetingInvitation.objects.filter(
                meeting=OuterRef("pk"), organisation_id=organisation_id
            )
        )
    )


def items_of_organisation(organisation_id: int, meetings: QuerySet[Meeting]) -> list[AgendaItem]:
    """The agenda items of these meetings that the organisation's people may all see: the
    open ones and those closed to it (open_to, the rule of may_see_item, for this one
    organisation). Two queries whatever the number of meetings."""
    items = AgendaItem.objects.filter(meeting__in=meetings)
    closed = _closed_to(items.values_list("pk", "restricted_to"))
    shown = [pk for pk, ids in closed.items() if open_to({organisation_id}, ids)]
    return list(items.filter(pk__in=shown).order_by("meeting_id", "position", "pk"))


def visible_entries(user: AnyUser, minutes: Minutes) -> QuerySet[MinutesEntry]:
    """The entries of the minutes the person may read (may_see_item): an approved version's
    by the organisations their items were closed to at approval (the entry's snapshot), a
    draft's or one for comment by the items as they are now. Two queries."""
    entries = MinutesEntry.objects.filter(minutes=minutes)
    closed: Mapping[int, Collection[int] | None]
    if minutes.is_approved:
        closed = dict(entries.values_list("pk", "closed_to_ids"))
    else:
        closed = _closed_to(entries.values_list("pk", "agenda_item__restricted_to"))
    meeting = minutes.meeting
    return entries.filter(
        pk__in=[pk for pk, ids in closed.items() if may_see_item(user, meeting, ids)]
    )


def may_see_attachment(
    user: AnyUser,
    meeting: Meeting,
    item_closed_to: Collection[int] | None,
    closed_to: Collection[int] | None,
) -> bool:
    """May the person see a bilag closed to these organisations (none: open) on an item
    closed to those (item_closed_to)? Only if they may see the item, and the bilag as if it
    were an item: may_see_item for both. An open item may carry a closed bilag."""
    return may_see_item(user, meeting, item_closed_to) and may_see_item(user, meeting, closed_to)


def visible_attachments(user: AnyUser, meeting: Meeting) -> QuerySet[AgendaAttachment]:
    """The meeting's attachments the person may see (may_see_attachment, by the
    organisations each and its item are closed to now). Three queries."""
    attachments = AgendaAttachment.objects.filter(item__meeting=meeting)
    item_closed = _closed_to(
        AgendaItem.objects.filter(meeting=meeting).values_list("pk", "restricted_to")
    )
    rows = list(attachments.values_list("pk", "item_id", "restricted_to"))
    closed = _closed_to((pk, organisation_id) for pk, _item, organisation_id in rows)
    item_of = {pk: item_id for pk, item_id, _org in rows}
    return attachments.filter(
        pk__in=[
            pk
            for pk, ids in closed.items()
            if may_see_attachment(user, meeting, item_closed.get(item_of[pk], []), ids)
        ]
    )


def can_view_item(user: AnyUser, item: AgendaItem) -> bool:
    closed_to = list(item.restricted_to.values_list("pk", flat=True))
    return may_see_item(user, item.meeting, closed_to)


def can_answer(user: AnyUser, meeting: Meeting) -> bool:
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


def can_view_minutes(user: AnyUser, minutes: Minutes) -> bool:
    return can_view_minutes_in(user, minutes.meeting, minutes.status)


def can_view_minutes_in(user: AnyUser, meeting: Meeting, status: str) -> bool:
    """can_view_minutes for a version of the meeting's minutes in that status."""
    if is_secretariat(user):
        return True
    if status == MinutesStatus.APPROVED:
        return is_invitee(user, meeting)
    if status == MinutesStatus.FOR_COMMENT:
        return is_invitee(user, meeting)
    return False


def can_comment_minutes(user: AnyUser, minutes: Minutes) -> bool:
    return minutes.status == MinutesStatus.FOR_COMMENT and is_invitee(user, minutes.meeting)


def can_approve_minutes(user: AnyUser, minutes: Minutes) -> bool:
    """A participant (present at the meeting) approves minutes out for comment."""
    return (
        minutes.status == MinutesStatus.FOR_COMMENT
        and is_invitee(user, minutes.meeting)
        and user.pk in attendee_ids(minutes.meeting)
    )


def with_may_approve(
    user: AnyUser, minutes: QuerySet[Minutes], *, invited_only: bool = False
) -> QuerySet[Minutes]:
    """can_approve_minutes for each of these minutes, as `may_approve` (a list asks for all
    of them in its one query): out for comment, the person invited (meetings_invited_to),
    and present (attendee_ids: marked present; while no attendance is recorded, no afbud).
    invited_only: the caller's minutes are already only those out for comment of meetings
    the person is invited to (the panel's list), so only presence is asked (less SQL).
    tests/partnership/test_dashboard_queries.py holds the two forms equal."""
    if not is_member(user):
        return minutes.annotate(may_approve=Value(False))
    participations = Participation.objects.filter(meeting=OuterRef("meeting_id"))
    mine = participations.filter(user_id=user.pk)
    marked = Exists(participations.filter(attended__isnull=False))
    present = Case(
        When(marked, then=Exists(mine.filter(attended=True))),
        default=~Exists(mine.filter(answer=Answer.DECLINE)),
    )
    if invited_only:
        return minutes.annotate(may_approve=present)
    invited = Exists(meetings_invited_to(user).filter(pk=OuterRef("meeting_id")))
    approves = Q(status=MinutesStatus.FOR_COMMENT) & Q(invited) & Q(present)
    return minutes.annotate(
        may_approve=Case(When(approves, then=Value(True)), default=Value(False))
    )


def all_participants_approved(minutes: Minutes) -> bool:
    approved = set(minutes.approvals.values_list("user_id", flat=True))
    return attendee_ids(minutes.meeting) <= approved


def minutes_may_start(meeting: Meeting, now: datetime) -> bool:
    """Minutes are written once the meeting has begun (the button, the start)."""
    return meeting.status != MeetingStatus.DRAFT and meeting.starts_at <= now


def can_start_minutes(user: AnyUser, meeting: Meeting, now: datetime) -> bool:
    return can_manage_meetings(user) and minutes_may_start(meeting, now)
