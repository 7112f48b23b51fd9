"""Reads on meetings that need care: the invitees, the agenda with its time plan scoped to
what the person may see, the minutes. Each issues a fixed number of queries."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import CharField, Exists, OuterRef, Prefetch, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from partnership import mail
from partnership.models import MailKind, Membership, Organisation, User

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
    presenter_line,
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


def invitees(meeting: Meeting, direct: list[User] | None = None) -> list[Invitee]:
    """Everyone invited (directly, or as an active member of an invited organisation),
    with their answer and attendance. Three queries.

    The invitations themselves are not loaded: a Fællesmøde invites every provider (700 and
    more), and the people are what the page needs, so the database joins them. `direct`:
    invited_people(meeting), if the caller has it already (then two queries)."""
    invited_orgs = MeetingInvitation.objects.filter(
        meeting=meeting, organisation__isnull=False
    ).values("organisation_id")
    rows: dict[int, Invitee] = {}
    for user in invited_people(meeting) if direct is None else direct:
        if user.is_active:
            rows.setdefault(user.pk, Invitee(user=user)).direct = True
    for m in (
        Membership.objects.active()
        .filter(organisation_id__in=invited_orgs)
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


@dataclass
class Participant:
    """A row of the meeting page's participant list: the strings it shows, made once."""

    user_id: int
    name: str
    organisation_names: str = ""
    answered: bool = False  # has a Participation row (answered, or attendance marked)
    answer: str = Answer.NONE
    substitute: str = ""
    attended: bool | None = None
    answer_label: str = ""
    organisations_label: str = ""  # the organisations, or "Inviteret personligt"
    attended_label: str = ""  # "Ja", "Nej" or "–" while attendance is not marked


PARTICIPANTS_SQL = """
SELECT u.id, u.name, u.email, u.is_active, NULL, NULL, p.id, p.answer, p.substitute, p.attended
  FROM partnership_meetinginvitation i
  JOIN partnership_user u ON u.id = i.user_id
  LEFT JOIN partnership_participation p ON p.user_id = u.id AND p.meeting_id = i.meeting_id
 WHERE i.meeting_id = %(meeting)s
UNION ALL
SELECT u.id, u.name, u.email, u.is_active, o.id, o.name, p.id, p.answer, p.substitute, p.attended
  FROM partnership_membership m
  JOIN partnership_user u ON u.id = m.user_id
  JOIN partnership_organisation o ON o.id = m.organisation_id
  LEFT JOIN partnership_participation p ON p.user_id = u.id AND p.meeting_id = %(meeting)s
 WHERE m.is_active AND u.is_active AND m.organisation_id IN (
       SELECT organisation_id FROM partnership_meetinginvitation
        WHERE meeting_id = %(meeting)s AND organisation_id IS NOT NULL)
 ORDER BY 6 NULLS FIRST, 2
"""
"""Those invited directly (ordered by name, as invited_people), then the active members of
the invited organisations (as Membership.objects.active(), ordered by organisation and
name), each with their Participation in the meeting if they have one."""


def participant_list(meeting: Meeting) -> tuple[list[str], list[Participant]]:
    """The meeting page's lists in one query, whatever the number of invitees: the names of
    those invited directly (as invited_people, inactive people too) and the participant list
    (as invitees(): the same people, order, answers and attendance).

    A Fællesmøde lists every member of every invited provider, and the page only shows
    names and answers, so this reads plain rows (PARTICIPANTS_SQL): building the same as
    two ORM querysets cost more than the database does."""
    with connection.cursor() as cursor:
        cursor.execute(PARTICIPANTS_SQL, {"meeting": meeting.pk})
        result = cursor.fetchall()
    rows: dict[int, Participant] = {}
    org_ids: dict[int, list[int]] = {}
    org_names: dict[int, list[str]] = {}

    def add(user_id, name, email, p_id, answer, substitute, attended) -> None:
        if user_id not in rows:
            rows[user_id] = Participant(
                user_id=user_id,
                name=name or email,
                answered=p_id is not None,
                answer=answer or Answer.NONE,
                substitute=substitute or "",
                attended=attended,
            )

    names = []
    for user_id, name, email, is_active, org_id, org_name, *participation in result:
        if org_id is None:  # invited directly
            names.append(name or email)
            if is_active:
                add(user_id, name, email, *participation)
            continue
        add(user_id, name, email, *participation)
        ids = org_ids.setdefault(user_id, [])
        if org_id not in ids:
            ids.append(org_id)
            org_names.setdefault(user_id, []).append(org_name)
    answers = {choice.value: str(choice.label) for choice in Answer}
    attendance = {True: gettext("Ja"), False: gettext("Nej"), None: "–"}
    personally = gettext("Inviteret personligt")
    for user_id, participant in rows.items():
        participant.organisation_names = ", ".join(org_names.get(user_id, ()))
        participant.organisations_label = participant.organisation_names or personally
        participant.answer_label = answers[participant.answer]
        participant.attended_label = attendance[participant.attended]
    people = sorted(
        rows.values(),
        key=lambda r: (org_names[r.user_id][0] if r.user_id in org_names else "", r.name.lower()),
    )
    return names, people


def invited_organisations(meeting: Meeting) -> list[Organisation]:
    return list(
        Organisation.objects.filter(meeting_invitations__meeting=meeting).order_by("kind", "name")
    )


def invited_organisation_names(meeting: Meeting) -> str:
    """The names only, in the same order, escaped and joined by commas ("" for none): the
    meeting page lists them all (every provider for a Fællesmøde), and this spares a model
    instance and a template escape call per name."""
    names = Organisation.objects.filter(meeting_invitations__meeting=meeting).order_by(
        "kind", "name"
    )
    return mark_safe(", ".join(html.escape(n) for n in names.values_list("name", flat=True)))


MEETING_PAGE_SQL = {
    "organisation_names": """
        SELECT array_to_string(ARRAY(
               SELECT o.name FROM partnership_organisation o
                 JOIN partnership_meetinginvitation i ON i.organisation_id = o.id
                WHERE i.meeting_id = partnership_meeting.id
                ORDER BY o.kind, o.name), ', ')""",
    "minutes_statuses": """
        SELECT ARRAY(SELECT DISTINCT status FROM partnership_minutes
                      WHERE meeting_id = partnership_meeting.id)""",
}
"""PostgreSQL, correlated to the meeting's row: the names as invited_organisation_names()
joins them (ordered by kind and name), and the statuses its minutes' versions have."""


def for_meeting_page(meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """On PostgreSQL, loads with the meeting what its page shows besides: `organisation_names`
    (as invited_organisation_names() gives them) and `minutes_statuses` (for
    has_minutes_for). Written as SQL: as ORM subqueries they took longer to build than the
    database takes to run them. Elsewhere unchanged (the page asks separately)."""
    if connection.vendor != "postgresql":
        return meetings
    return meetings.annotate(
        organisation_names=RawSQL(
            MEETING_PAGE_SQL["organisation_names"], (), output_field=CharField()
        ),
        minutes_statuses=RawSQL(
            MEETING_PAGE_SQL["minutes_statuses"], (), output_field=ArrayField(CharField())
        ),
    )


def organisation_names_of(meeting: Meeting) -> str:
    """invited_organisation_names(meeting), from the annotation if the meeting has it."""
    if "organisation_names" not in meeting.__dict__:
        return invited_organisation_names(meeting)
    return mark_safe(html.escape(meeting.organisation_names))


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
    visible = permissions.visible_items(user, meeting).filter(pk=OuterRef("pk"))
    all_items = list(
        AgendaItem.objects.filter(meeting=meeting)
        .annotate(shown=Exists(visible))
        .prefetch_related("presenters", "attachments", "restricted_to")
        .order_by("position", "pk")
    )
    return [row for row in time_plan(meeting, all_items) if row.item.shown]


@dataclass
class AgendaPageRow:
    """A row of the agenda on the meeting page: the item and what the page shows of its
    presenters, attachments and closing, loaded with it."""

    item: AgendaItem
    starts_at: datetime
    ends_at: datetime
    presenter_line: str
    attachments: list[dict]  # pk, title, file_type, size
    restricted_names: str  # "" for an open item

    @property
    def is_closed(self) -> bool:
        return bool(self.restricted_names)


AGENDA_DETAILS_SQL = """
SELECT 0, r.agendaitem_id, o.id, o.name, NULL, CAST(NULL AS integer), o.name, '', o.id
  FROM partnership_agendaitem_restricted_to r
  JOIN partnership_organisation o ON o.id = r.organisation_id
  JOIN partnership_agendaitem a ON a.id = r.agendaitem_id
 WHERE a.meeting_id = %(meeting)s
UNION ALL
SELECT 1, p.agendaitem_id, u.id, COALESCE(NULLIF(u.name, ''), u.email), NULL, NULL,
       u.name, u.email, u.id
  FROM partnership_agendaitem_presenters p
  JOIN partnership_user u ON u.id = p.user_id
  JOIN partnership_agendaitem a ON a.id = p.agendaitem_id
 WHERE a.meeting_id = %(meeting)s
UNION ALL
SELECT 2, f.item_id, f.id, f.title, f.file_type, f.size, '', '', f.id
  FROM partnership_agendaattachment f
  JOIN partnership_agendaitem a ON a.id = f.item_id
 WHERE a.meeting_id = %(meeting)s
 ORDER BY 1, 7, 8, 9
"""
"""What the meeting page shows of each item besides its own fields, as (kind, item id, id,
text, file type, size, sort keys): 0 the organisations a closed item is closed to (by
name), 1 the presenters in the portal (text = full name; by name and e-mail, as User
orders), 2 the attachments (text = title; in upload order, as AgendaAttachment orders)."""


def agenda_page(user, meeting: Meeting) -> list[AgendaPageRow]:
    """agenda() for the meeting page: the same items and times, with the presenters' names,
    the attachments and the organisations of a closed item in one more query (instead of
    three prefetches; built as plain SQL, as its ORM form cost more than the database).
    Which items the person sees is decided by permissions.item_visible from the closing
    organisations loaded here; the time plan is made from every item, as in agenda()."""
    items = list(AgendaItem.objects.filter(meeting=meeting).order_by("position", "pk"))
    closed_ids: dict[int, list[int]] = {}
    closed_names: dict[int, list[str]] = {}
    presenters: dict[int, list[str]] = {}
    attachments: dict[int, list[dict]] = {}
    if items:
        with connection.cursor() as cursor:
            cursor.execute(AGENDA_DETAILS_SQL, {"meeting": meeting.pk})
            details = cursor.fetchall()
        for kind, item_id, pk, text, file_type, size, *_ in details:
            if kind == 0:
                closed_ids.setdefault(item_id, []).append(pk)
                closed_names.setdefault(item_id, []).append(text)
            elif kind == 1:
                presenters.setdefault(item_id, []).append(text)
            else:
                attachments.setdefault(item_id, []).append(
                    {"pk": pk, "title": text, "file_type": file_type, "size": size}
                )
    rows = []
    for row in time_plan(meeting, items):
        pk = row.item.pk
        if not permissions.item_visible(user, meeting, closed_ids.get(pk, ())):
            continue
        rows.append(
            AgendaPageRow(
                item=row.item,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                presenter_line=presenter_line(presenters.get(pk, ()), row.item.presenters_text),
                attachments=attachments.get(pk, []),
                restricted_names=", ".join(closed_names.get(pk, ())),
            )
        )
    return rows


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


def has_minutes_for(user, meeting: Meeting) -> bool:
    """Whether current_minutes(user, meeting) gives a version, from the statuses loaded by
    for_meeting_page if the meeting has them."""
    statuses = meeting.__dict__.get("minutes_statuses")
    if statuses is None:
        return current_minutes(user, meeting) is not None
    approved_first = sorted(statuses, key=lambda status: status != MinutesStatus.APPROVED)
    return any(permissions.can_view_minutes_in(user, meeting, s) for s in approved_first)


def latest_approved(meeting: Meeting) -> Minutes | None:
    return (
        Minutes.objects.filter(meeting=meeting, status=MinutesStatus.APPROVED)
        .order_by("-version")
        .first()
    )


def minutes_entries(user, minutes: Minutes) -> list[MinutesEntry]:
    """The entries the person may read (permissions.visible_entries), in the order of the
    agenda, with actions and comments. What each shows of its item is `entry.shown`: the
    snapshot of approved minutes, else the item as it is (loaded here for that)."""
    entries = permissions.visible_entries(user, minutes).prefetch_related(
        "actions", Prefetch("comments", queryset=MinutesComment.objects.select_related("author"))
    )
    if not minutes.is_approved:
        entries = entries.select_related("agenda_item").prefetch_related(
            "agenda_item__presenters", "agenda_item__restricted_to"
        )
    return list(entries.order_by("item_position", "agenda_item__position", "pk"))


def minutes_participants(minutes: Minutes) -> dict[str, list[dict]]:
    """Who the minutes list as present and as having sent afbud: as it was when the version
    was approved, else as it is now (meeting_participants)."""
    if minutes.participants is not None:
        return minutes.participants
    return meeting_participants(minutes.meeting)


def meeting_participants(meeting: Meeting) -> dict[str, list[dict]]:
    """The attendance as minutes print it: those present (marked, or while attendance is
    not marked, those invited who did not send afbud) and those who sent afbud, with their
    first organisation and a substitute. Plain values, so approved minutes can keep them."""
    people = invitees(meeting)
    present_ids = permissions.attendee_ids(meeting)

    def row(person: Invitee) -> dict:
        return {
            "name": person.user.get_full_name(),
            "organisation": person.organisations[0].name if person.organisations else "",
        }

    return {
        "present": [row(p) for p in people if p.user.pk in present_ids],
        "declined": [
            {**row(p), "substitute": p.participation.substitute}
            for p in people
            if p.answer == Answer.DECLINE
        ],
    }


# --- What was mailed -----------------------------------------------------------------------


@dataclass
class MailStatusRow:
    """One mail to a group, for the secretariat: what it is and how it went."""

    label: str
    summary: mail.MailSummary


def meeting_mail_status(meeting: Meeting, people: list[Participant]) -> list[MailStatusRow]:
    """How the invitation (of the meeting's present time and place) went to the people on
    the participant list: sent, not sent with the reason, or, while the meeting is ahead
    (called, not held), still waiting. Once it is held, only what was tried. One query."""
    if meeting.is_draft:
        return []
    ahead = meeting.status == MeetingStatus.INVITED
    label = (
        gettext("Ændret mødeindkaldelse") if meeting.sequence else MailKind.MEETING_INVITATION.label
    )
    summary = mail.summary(
        kind=MailKind.MEETING_INVITATION,
        related=meeting,
        reference=meeting.invitation_reference,
        people={p.user_id: p.name for p in people} if ahead else None,
    )
    if not ahead and not summary.attempted:
        return []  # held before the portal kept a mail log (the demo's meetings)
    return [MailStatusRow(label=str(label), summary=summary)]


def minutes_mail_status(minutes: Minutes) -> list[MailStatusRow]:
    """How the request for comments (to the attendees) and the approved minutes (to
    everyone invited) went, for this version."""
    rows = []
    meeting = minutes.meeting
    everyone = {row.user.pk: row.user.get_full_name() for row in invitees(meeting)}
    if minutes.status == MinutesStatus.FOR_COMMENT:
        attending = permissions.attendee_ids(meeting)
        people = {pk: name for pk, name in everyone.items() if pk in attending}
        rows.append((MailKind.MINUTES_COMMENT, people))
    elif minutes.sent_for_comment_at:
        rows.append((MailKind.MINUTES_COMMENT, None))  # who it went to then
    if minutes.is_approved:
        rows.append((MailKind.MINUTES, everyone))
    return [
        MailStatusRow(
            label=str(kind.label),
            summary=mail.summary(kind=kind, related=minutes, people=people),
        )
        for kind, people in rows
    ]


def upcoming_first(meetings: list[Meeting], now: datetime) -> tuple[list[Meeting], list[Meeting]]:
    upcoming = sorted((m for m in meetings if m.ends_at >= now), key=lambda m: m.starts_at)
    past = [m for m in meetings if m.ends_at < now]
    return upcoming, past


ANSWERABLE = (MeetingStatus.INVITED,)
