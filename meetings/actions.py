"""The decision and action log across a forum's meetings: the decisions and actions of the
approved minutes (the latest version of each meeting's), the open actions an "Opfølgning"
item pulls in, and the follow-up of an action (open, in progress, done).

Which entries a person reads is decided by permissions.may_see_item alone (an approved
entry by the organisations its item was closed to at approval), so a closed item's
decisions and actions are shown to no one outside it. Each read issues a fixed number of
queries whatever the number of rows."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import EmptyResultSet, PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q, QuerySet, TextField
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from partnership.models import User
from partnership.permissions import AnyUser

from . import permissions
from .models import (
    UNFINISHED_ACTIONS,
    ActionFollowUp,
    ActionStatus,
    Forum,
    Meeting,
    Minutes,
    MinutesAction,
    MinutesEntry,
    MinutesStatus,
)


@dataclass
class ActionRow:
    pk: int
    description: str
    owner: str
    owner_user_id: int | None
    deadline: date | None
    status: str
    status_label: str
    meeting: Meeting
    item_number: str
    item_title: str

    @property
    def is_unfinished(self) -> bool:
        return self.status in UNFINISHED_ACTIONS

    def is_overdue(self, today: date) -> bool:
        return self.is_unfinished and self.deadline is not None and self.deadline < today


@dataclass
class DecisionRow:
    meeting: Meeting
    minutes: Minutes
    number: str
    title: str
    decisions: str
    actions: list[ActionRow] = field(default_factory=list)


def _latest_approved(meetings: QuerySet[Meeting]) -> QuerySet[Minutes]:
    """The latest approved version of each of these meetings' minutes."""
    return (
        Minutes.objects.filter(meeting__in=meetings, status=MinutesStatus.APPROVED)
        .order_by("meeting_id", "-version")
        .distinct("meeting_id")
    )


def _status_of(action: MinutesAction) -> str:
    follow_up = getattr(action, "follow_up", None)
    return follow_up.status if follow_up is not None else ActionStatus.OPEN


def _action_row(action: MinutesAction, meeting: Meeting, entry: MinutesEntry) -> ActionRow:
    status = _status_of(action)
    return ActionRow(
        pk=action.pk,
        description=action.description,
        owner=action.owner,
        owner_user_id=action.owner_user_id,
        deadline=action.deadline,
        status=status,
        status_label=str(ActionStatus(status).label),
        meeting=meeting,
        item_number=entry.shown.number,
        item_title=entry.shown.title,
    )


def _visible_approved_entries(user: AnyUser, meetings: QuerySet[Meeting]) -> list[MinutesEntry]:
    """The entries of the meetings' latest approved minutes that the person may read, by
    meeting (oldest first) and item, with their actions and the actions' follow-up."""
    shown = permissions.meetings_seen_by(user, meetings)
    if not shown:
        return []
    by_pk = {m.pk: m for m in shown}
    minutes_ids = list(_latest_approved(Meeting.objects.filter(pk__in=by_pk)).values("pk"))
    entries = (
        MinutesEntry.objects.filter(minutes__in=[row["pk"] for row in minutes_ids])
        .select_related("minutes")
        .defer("minutes__participants")  # the snapshot of who took part: not shown here
        .prefetch_related("actions__follow_up")
        .order_by("minutes__meeting_starts_at", "minutes__meeting_id", "item_position", "pk")
    )
    visible = []
    for entry in entries:
        meeting = by_pk[entry.minutes.meeting_id]
        entry.minutes.meeting = meeting
        if permissions.may_see_item(user, meeting, entry.closed_to_ids):
            visible.append(entry)
    return visible


def decision_log(user: AnyUser, forum: Forum, q: str = "") -> list[DecisionRow]:
    """The forum's decisions and actions over time (approved minutes), newest meeting
    first, as the person may read them; `q` searches the decisions and the actions."""
    q = (q or "").strip().casefold()
    rows = []
    for entry in _visible_approved_entries(user, Meeting.objects.filter(forum=forum)):
        actions = [_action_row(a, entry.minutes.meeting, entry) for a in entry.actions.all()]
        if not entry.decisions.strip() and not actions:
            continue
        if q and q not in entry.decisions.casefold():
            actions = [a for a in actions if q in a.description.casefold()]
            if not actions:
                continue
        rows.append(
            DecisionRow(
                meeting=entry.minutes.meeting,
                minutes=entry.minutes,
                number=entry.shown.number,
                title=entry.shown.title,
                decisions=entry.decisions,
                actions=actions,
            )
        )
    rows.reverse()
    return rows


OPEN_ACTIONS_FROM = """
  FROM partnership_minutesaction a
  JOIN partnership_minutesentry e ON e.id = a.entry_id
  JOIN partnership_minutes m ON m.id = e.minutes_id
  JOIN partnership_meeting g ON g.id = m.meeting_id
  JOIN partnership_agendaitem i ON i.id = e.agenda_item_id
  LEFT JOIN meetings_actionfollowup f ON f.action_id = a.id
 WHERE e.minutes_id IN ({minutes}) AND (f.id IS NULL OR f.status = ANY(%s))
"""
OPEN_ACTIONS_COLUMNS = """
g.id, g.forum_id, g.title, g.starts_at, g.ends_at, g.status,
a.id, a.description, a.owner, a.owner_user_id, a.deadline, f.status,
e.id, e.closed_to_ids, e.item_number, e.item_title, i.number, i.title
"""
OPEN_ACTIONS_ORDER = (
    "m.meeting_starts_at, m.meeting_id, e.item_position, a.entry_id, a.deadline, a.id"
)
"""The unfinished actions (no follow-up, or one of UNFINISHED_ACTIONS) of these minutes
({minutes}: the latest approved version of each of the forum's earlier meetings the person
may see, _latest_approved of permissions.meetings_visible_to, compiled by the ORM), each
with its meeting's own fields, what its entry shows of its item (the snapshot of approved
minutes; the item as it is now for an entry without one) and the organisations the entry
is closed to, in the order they are shown: by meeting (oldest first), item and deadline,
as the decision log orders them.

Plain SQL around the ORM's subquery, kept because it is measurably faster: on the bench's
Fællesmøde (170 open actions of 110 earlier meetings) the ORM took longer to compile the
query than the database takes to answer it, and model instances for the rows cost more
again. Not the entries' minutes: their snapshot of the participants is large."""


def _earlier_minutes_sql(user: AnyUser, meeting: Meeting) -> tuple[str, tuple[Any, ...]]:
    """The latest approved minutes of each of the forum's earlier meetings the person may
    see, as SQL of their ids (compiled by the ORM)."""
    earlier = permissions.meetings_visible_to(user).filter(
        forum_id=meeting.forum_id, starts_at__lt=meeting.starts_at
    )
    try:
        return _latest_approved(earlier).values("pk").query.sql_with_params()
    except EmptyResultSet:  # (meetings_visible_to of someone who is no member: none)
        return "SELECT CAST(NULL AS integer) AS pk", ()


def _open_actions_sql(user: AnyUser, meeting: Meeting, select: str) -> tuple[str, list[Any]]:
    minutes, params = _earlier_minutes_sql(user, meeting)
    sql = select + OPEN_ACTIONS_FROM.format(minutes=minutes)
    return sql, [*params, list(UNFINISHED_ACTIONS)]


def open_actions_before(user: AnyUser, meeting: Meeting) -> list[ActionRow]:
    """The unfinished actions of the forum's earlier meetings (their approved minutes) that
    the person may read: what an "Opfølgning" item follows up (OPEN_ACTIONS_FROM). The
    meetings are those the person may see, the entries those they may read
    (permissions.may_see_item). One query, whatever the number of earlier meetings."""
    sql, params = _open_actions_sql(user, meeting, f"SELECT {OPEN_ACTIONS_COLUMNS}")
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} ORDER BY {OPEN_ACTIONS_ORDER}", params)
        found = cursor.fetchall()
    labels = {status: str(status.label) for status in ActionStatus}
    meetings: dict[int, Meeting] = {}
    rows = []
    unsnapped: list[tuple[ActionRow, int]] = []
    width = len(_MEETING_FIELDS)
    for values in found:
        meeting_of = meetings.get(values[0])
        if meeting_of is None:  # as .only(*_MEETING_FIELDS) loads it
            meeting_of = meetings[values[0]] = Meeting.from_db(
                Meeting.objects.db, _MEETING_FIELDS, values[:width]
            )
            permissions.remember_invited(user, [meeting_of])
        (pk, description, owner, owner_user_id, deadline, status, entry_id, closed) = values[
            width : width + 8
        ]
        closed = None if closed is None else json.loads(closed)  # (a raw cursor's jsonb)
        if not permissions.may_see_item(user, meeting_of, closed):
            continue
        status = status or ActionStatus.OPEN
        row = ActionRow(
            pk=pk,
            description=description,
            owner=owner,
            owner_user_id=owner_user_id,
            deadline=deadline,
            status=status,
            status_label=labels[ActionStatus(status)],
            meeting=meeting_of,
            item_number=values[width + 8],
            item_title=values[width + 9],
        )
        rows.append(row)
        if closed is None:  # no snapshot: what the entry shows of its item as it is now
            unsnapped.append((row, entry_id))
    if unsnapped:
        entries = MinutesEntry.objects.in_bulk([entry_id for _row, entry_id in unsnapped])
        for row, entry_id in unsnapped:
            item = entries[entry_id].shown
            row.item_number, row.item_title = item.number, item.title
    return rows


OPEN_ACTIONS_DIGEST = """
WITH l AS ({minutes})
SELECT md5(concat_ws(chr(30),
  (SELECT coalesce(string_agg(concat_ws(chr(31), m.id, g.id, g.forum_id, g.title, g.starts_at,
                                        g.ends_at, g.status), chr(29) ORDER BY m.id), '')
     FROM partnership_minutes m
     JOIN partnership_meeting g ON g.id = m.meeting_id
    WHERE m.id IN (SELECT pk FROM l)),
  (SELECT coalesce(string_agg(concat_ws(chr(31), f.action_id, f.status), chr(29)
                              ORDER BY f.action_id), '')
     FROM meetings_actionfollowup f
     JOIN partnership_minutesaction a ON a.id = f.action_id
     JOIN partnership_minutesentry e ON e.id = a.entry_id
    WHERE e.minutes_id IN (SELECT pk FROM l)),
  (SELECT coalesce(string_agg(concat_ws(chr(31), e.id, i.number, i.title), chr(29)
                              ORDER BY e.id), '')
     FROM partnership_minutesentry e
     JOIN partnership_agendaitem i ON i.id = e.agenda_item_id
    WHERE e.minutes_id IN (SELECT pk FROM l) AND e.closed_to_ids IS NULL),
  (SELECT coalesce(max(id), 0) FROM partnership_redaction)))
"""
"""What decides the rows of OPEN_ACTIONS_FROM, without reading them: which minutes (their
ids: the latest approved version of each earlier meeting the person may see) with their
meetings' own fields, the follow-up of each of their actions, the item as it is now of an
entry without a snapshot, and the latest CPR redaction. Approved minutes, their entries and
their actions never change (the triggers of partnership/migrations/0007), but for a CPR
number taken out, which records a Redaction in the same transaction; so the rows, and their
order, follow from these. Much cheaper than a digest of every row: no join of the actions
to their entries, minutes, meetings and items."""


def open_actions_fingerprint(user: AnyUser, meeting: Meeting) -> RawSQL:
    """A digest (md5, by the database) of what decides the rows open_actions_before(user,
    meeting) returns (OPEN_ACTIONS_DIGEST), as an expression to read with another query.
    With the person's organisations and whether they are the secretariat (all may_see_item
    asks of them) it decides that function's rows: a page caches what it shows of them
    under it, and reads the rows only when the digest is new."""
    minutes, params = _earlier_minutes_sql(user, meeting)
    return RawSQL(OPEN_ACTIONS_DIGEST.format(minutes=minutes), params, output_field=TextField())


# What an open action's meeting is read with (the rest is loaded if asked for, as a
# deferred field): what may_see_item asks of it, and what a page shows of it.
_MEETING_FIELDS = ["id", "forum_id", "title", "starts_at", "ends_at", "status"]


def overdue_actions(today: date) -> QuerySet[MinutesAction]:
    """Unfinished actions past their deadline in the latest approved version of each
    meeting's minutes (for the secretariat: no scoping)."""
    latest = _latest_approved(Meeting.objects.all())
    return (
        MinutesAction.objects.filter(entry__minutes__in=latest.values("pk"), deadline__lt=today)
        .filter(Q(follow_up__isnull=True) | Q(follow_up__status__in=UNFINISHED_ACTIONS))
        .select_related("entry__minutes__meeting")
        .order_by("deadline", "pk")
    )


def can_update_action(user: AnyUser, action: MinutesAction) -> bool:
    """The secretariat, and the action's owner in the portal."""
    return permissions.can_manage_meetings(user) or (
        action.owner_user_id is not None and action.owner_user_id == user.pk
    )


@transaction.atomic
def set_action_status(*, action: MinutesAction, status: str, by: User) -> ActionFollowUp:
    """How an action of approved minutes stands now."""
    if not can_update_action(by, action):
        raise PermissionDenied
    if status not in ActionStatus.values:
        raise ValidationError({"status": _("Vælg en status.")})
    if not action.entry.minutes.is_approved:
        raise ValidationError(_("Handlingen følges op, når referatet er godkendt."))
    follow_up, _created = ActionFollowUp.objects.update_or_create(
        action=action,
        defaults={"status": status, "changed_at": timezone.now(), "changed_by": by},
    )
    return follow_up
