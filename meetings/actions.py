"""The decision and action log across a forum's meetings: the decisions and actions of the
approved minutes (the latest version of each meeting's), the open actions an "Opfølgning"
item pulls in, and the follow-up of an action (open, in progress, done).

Which entries a person reads is decided by permissions.may_see_item alone (an approved
entry by the organisations its item was closed to at approval), so a closed item's
decisions and actions are shown to no one outside it. Each read issues a fixed number of
queries whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
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


def open_actions_before(user: AnyUser, meeting: Meeting) -> list[ActionRow]:
    """The unfinished actions of the forum's earlier meetings (their approved minutes) that
    the person may read: what an "Opfølgning" item follows up."""
    earlier = Meeting.objects.filter(forum_id=meeting.forum_id, starts_at__lt=meeting.starts_at)
    return [
        row
        for entry in _visible_approved_entries(user, earlier)
        for row in (_action_row(a, entry.minutes.meeting, entry) for a in entry.actions.all())
        if row.is_unfinished
    ]


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
