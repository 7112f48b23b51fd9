"""Reads on meetings that need care: the invitees, the agenda with its time plan scoped to
what the person may see, the minutes. Each issues a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Prefetch, QuerySet

from ..models import Membership, Organisation, User
from . import permissions
from .models import (
    AgendaItem,
    Answer,
    Meeting,
    MeetingInvitation,
    MeetingStatus,
    Minutes,
    MinutesComment,
    MinutesEntry,
    MinutesStatus,
    Participation,
)


def meeting_list(user) -> QuerySet[Meeting]:
    return permissions.meetings_visible_to(user).select_related("forum").order_by("-starts_at")


# --- Invitees and the participant list --------------------------------------------------


@dataclass
class Invitee:
    user: User
    organisations: list[Organisation] = field(default_factory=list)
    direct: bool = False
    participation: Participation | None = None

    @property
    def answer(self) -> str:
        return self.participation.answer if self.participation else Answer.NONE

    @property
    def answer_label(self) -> str:
        return Answer(self.answer).label

    @property
    def attended(self) -> bool | None:
        return self.participation.attended if self.participation else None


def invitees(meeting: Meeting) -> list[Invitee]:
    """Everyone invited (directly, or as an active member of an invited organisation),
    with their answer and attendance. Three queries."""
    invitations = list(
        MeetingInvitation.objects.filter(meeting=meeting).select_related("user", "organisation")
    )
    org_ids = [i.organisation_id for i in invitations if i.organisation_id]
    rows: dict[int, Invitee] = {}
    for inv in invitations:
        if inv.user_id and inv.user.is_active:
            rows.setdefault(inv.user_id, Invitee(user=inv.user)).direct = True
    for m in (
        Membership.objects.active()
        .filter(organisation_id__in=org_ids)
        .select_related("user", "organisation")
        .order_by("organisation__name", "user__name")
    ):
        row = rows.setdefault(m.user_id, Invitee(user=m.user))
        if m.organisation not in row.organisations:
            row.organisations.append(m.organisation)
    for p in Participation.objects.filter(meeting=meeting, user_id__in=list(rows)):
        rows[p.user_id].participation = p
    return sorted(
        rows.values(),
        key=lambda r: (
            r.organisations[0].name if r.organisations else "",
            r.user.get_full_name().lower(),
        ),
    )


def invitee_ids(meeting: Meeting) -> set[int]:
    return {row.user.pk for row in invitees(meeting)}


def invited_organisations(meeting: Meeting) -> list[Organisation]:
    return list(
        Organisation.objects.filter(meeting_invitations__meeting=meeting).order_by("kind", "name")
    )


def invited_people(meeting: Meeting) -> list[User]:
    return list(User.objects.filter(meeting_invitations__meeting=meeting).order_by("name"))


# --- The agenda --------------------------------------------------------------------------


@dataclass
class AgendaRow:
    item: AgendaItem
    starts_at: datetime
    ends_at: datetime

    @property
    def is_closed(self) -> bool:
        return bool(self.item.restricted_to.all())


def time_plan(meeting: Meeting, items: list[AgendaItem]) -> list[AgendaRow]:
    """Each item starts when the one before it ends, from the meeting's start."""
    rows = []
    at = meeting.starts_at
    for item in items:
        end = at + timedelta(minutes=item.duration_minutes)
        rows.append(AgendaRow(item=item, starts_at=at, ends_at=end))
        at = end
    return rows


def agenda_minutes(meeting: Meeting) -> int:
    return sum(
        AgendaItem.objects.filter(meeting=meeting).values_list("duration_minutes", flat=True)
    )


def agenda_overrun(meeting: Meeting) -> int:
    """Minutes by which the agenda is longer than the meeting (0 if it fits)."""
    return max(0, agenda_minutes(meeting) - meeting.duration_minutes)


def agenda(user, meeting: Meeting) -> list[AgendaRow]:
    """The person's agenda: the time plan is made from every item, so that times are the
    same for everyone, and then the items the person may not see are left out."""
    all_items = list(AgendaItem.objects.filter(meeting=meeting).order_by("position", "pk"))
    visible_ids = set(permissions.visible_items(user, meeting).values_list("pk", flat=True))
    shown = (
        AgendaItem.objects.filter(pk__in=visible_ids)
        .prefetch_related("presenters", "attachments", "restricted_to")
        .in_bulk()
    )
    return [
        AgendaRow(item=shown[row.item.pk], starts_at=row.starts_at, ends_at=row.ends_at)
        for row in time_plan(meeting, all_items)
        if row.item.pk in shown
    ]


# --- Minutes -----------------------------------------------------------------------------


def minutes_versions(meeting: Meeting) -> list[Minutes]:
    return list(
        Minutes.objects.filter(meeting=meeting).select_related("approved_by").order_by("-version")
    )


def current_minutes(user, meeting: Meeting) -> Minutes | None:
    """The version the person should read: the secretariat its open draft (or the latest
    version), others the newest version they may see."""
    for minutes in minutes_versions(meeting):
        minutes.meeting = meeting
        if permissions.can_view_minutes(user, minutes):
            return minutes
    return None


def latest_approved(meeting: Meeting) -> Minutes | None:
    return (
        Minutes.objects.filter(meeting=meeting, status=MinutesStatus.APPROVED)
        .order_by("-version")
        .first()
    )


def minutes_entries(user, minutes: Minutes) -> list[MinutesEntry]:
    """The entries of the items the person may see, with actions and comments."""
    visible = permissions.visible_items(user, minutes.meeting)
    return list(
        MinutesEntry.objects.filter(minutes=minutes, agenda_item__in=visible)
        .select_related("agenda_item")
        .prefetch_related(
            "actions",
            "agenda_item__presenters",
            Prefetch("comments", queryset=MinutesComment.objects.select_related("author")),
        )
        .order_by("agenda_item__position", "pk")
    )


def upcoming_first(meetings: list[Meeting], now: datetime) -> tuple[list[Meeting], list[Meeting]]:
    upcoming = sorted((m for m in meetings if m.ends_at >= now), key=lambda m: m.starts_at)
    past = [m for m in meetings if m.ends_at < now]
    return upcoming, past


ANSWERABLE = (MeetingStatus.INVITED,)
