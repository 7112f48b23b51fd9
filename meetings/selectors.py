"""Reads on meetings that need care: the invitees, the agenda with its time plan scoped to
what the person may see, the minutes. Each issues a fixed number of queries.

One path each: the page, the PDFs, the e-mails and the calendars read the invitees through
invitees() and the agenda through agenda(), and which items a person sees is decided by
permissions.may_see_item alone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import CharField, OuterRef, Prefetch, Q, QuerySet, TextField, Value
from django.db.models.functions import MD5, Cast, Coalesce, Concat, NullIf
from django.utils.translation import gettext

from partnership import ahead, dashboard, mail
from partnership.models import MailKind, Organisation, Role, User
from partnership.permissions import AnyUser

from . import actions, permissions
from .models import (
    INVITEES_SQL,
    AgendaItem,
    Answer,
    AttendeeKind,
    ExtraAttendee,
    Meeting,
    MeetingInvitation,
    MeetingStatus,
    Minutes,
    MinutesApproval,
    MinutesComment,
    MinutesEntry,
    MinutesStatus,
    Participation,
    number_position,
    presenter_line,
)

# The past meetings *Møder* shows under the coming ones; the rest are on *Tidligere møder*
# (meeting_archive, paged), so the page does not grow with the years of meetings behind it.
RECENT_MEETINGS = 10


# What a list of meetings (templates/meetings/_meeting_table.html) shows of each: read
# with only these (a meeting's description and the forum's other fields are not shown).
MEETING_ROW_FIELDS = (
    "forum__name",
    "title",
    "starts_at",
    "ends_at",
    "place",
    "status",
)


def upcoming_meetings(user: AnyUser, now: datetime) -> QuerySet[Meeting]:
    """The meetings the person may see that have not ended, the next first."""
    return (
        permissions.meetings_visible_to(user)
        .filter(ends_at__gte=now)
        .select_related("forum")
        .only(*MEETING_ROW_FIELDS)
        .order_by("starts_at", "pk")
    )


def upcoming_meetings_list(user: AnyUser, now: datetime) -> list[Meeting]:
    """upcoming_meetings() read by SQL compiled once per person, run prepared (the meeting
    list: 1.0 ms of building and compiling each of its two queries)."""
    return permissions.meetings_with_forum(
        "meetings:upcoming",
        user,
        lambda: upcoming_meetings(user, dashboard.NOW),
        {dashboard.NOW: now},
    )


def recent_meetings_list(user: AnyUser, now: datetime, n: int) -> list[Meeting]:
    """The first n of past_meetings(), as upcoming_meetings_list() reads them."""
    return permissions.meetings_with_forum(
        f"meetings:recent:{n}",
        user,
        lambda: past_meetings(user, dashboard.NOW)[:n],
        {dashboard.NOW: now},
    )


def past_meetings(user: AnyUser, now: datetime) -> QuerySet[Meeting]:
    """The meetings the person may see that have ended, the latest first."""
    return (
        permissions.meetings_visible_to(user)
        .filter(ends_at__lt=now)
        .select_related("forum")
        .only(*MEETING_ROW_FIELDS)
        .order_by("-starts_at", "-pk")
    )


# --- Invitees and the participant list --------------------------------------------------


@dataclass(slots=True)
class Invitee:
    """A person invited to the meeting (directly, or as an active member of an invited
    organisation) with their answer and attendance: a row of the participant list, with
    the texts the list shows made once per list (not per row and column in the template).

    Plain values, not model instances: a Fællesmøde invites every provider, and the page
    lists every member of each (1,400 people and more). users_of() gives the User objects
    where a mail or a form needs them."""

    user_id: int
    name: str  # as User.get_full_name: the name, or the e-mail address if there is none
    email: str
    organisations: list[str] = field(default_factory=list)  # the invited ones, by name
    answered: bool = False  # has a Participation (answered, or attendance marked)
    answer: str = Answer.NONE
    substitute: str = ""
    attended: bool | None = None  # None while attendance is not marked
    organisations_label: str = ""  # the organisations, or "Inviteret personligt"
    answer_label: str = ""  # "Deltager", "Afbud" or "Har ikke svaret"
    attended_label: str = ""  # "Ja", "Nej", or "–" while attendance is not marked

    def __getitem__(self, name: str) -> Any:
        """A template looks `row.name` up as `row["name"]` first, and as an attribute only
        after that has failed: answering it here spares an exception per cell (on a
        Fællesmøde's list, 1,400 rows of 5 cells, ~5 ms)."""
        return getattr(self, name)


def invitees(meeting: Meeting) -> list[Invitee]:
    """Everyone invited (Meeting.invitee_rows: the active people invited directly and the
    active members of the invited organisations), each with their answer and attendance,
    ordered by their first invited organisation (those invited only personally first) and
    name. One query, whatever the number of people."""
    rows: dict[int, Invitee] = {}
    for (
        pk,
        name,
        email,
        organisation,
        participation,
        answer,
        substitute,
        attended,
    ) in meeting.invitee_rows():
        row = rows.get(pk)
        if row is None:
            row = rows[pk] = Invitee(user_id=pk, name=name or email, email=email)
            if participation is not None:
                row.answered = True
                row.answer, row.substitute = answer or Answer.NONE, substitute or ""
                row.attended = attended
        if organisation is not None and organisation not in row.organisations:
            row.organisations.append(organisation)  # (not twice for two roles in one)
    answers = {choice.value: str(choice.label) for choice in Answer}
    attendance = {True: gettext("Ja"), False: gettext("Nej"), None: "–"}
    personally = gettext("Inviteret personligt")
    for row in rows.values():
        row.organisations_label = ", ".join(row.organisations) or personally
        row.answer_label = answers[row.answer]
        row.attended_label = attendance[row.attended]
    return sorted(
        rows.values(),
        key=lambda r: (r.organisations[0] if r.organisations else "", r.name.lower()),
    )


@dataclass(slots=True)
class AnswerCount:
    """How many of those invited through one organisation (or personally) have answered."""

    name: str  # the organisation's, or "Inviteret personligt"
    invited: int
    waiting: int  # have not answered


def answers_by_organisation(people: list[Invitee]) -> list[AnswerCount]:
    """Per invited organisation (and those invited personally, first), how many are invited
    and how many have not answered, from invitees(meeting): no query. A person in two
    invited organisations counts in both."""
    counts: dict[str, AnswerCount] = {}
    personally = gettext("Inviteret personligt")
    for row in people:
        for name in row.organisations or [personally]:
            count = counts.setdefault(name, AnswerCount(name=name, invited=0, waiting=0))
            count.invited += 1
            count.waiting += not row.answer
    return sorted(counts.values(), key=lambda c: (c.name != personally, c.name))


def users_of(rows: Iterable[Invitee]) -> list[User]:
    """The people of these invitees as User objects, in the same order (one query): to mail
    them, or to record their attendance."""
    rows = list(rows)
    users = User.objects.in_bulk([row.user_id for row in rows])
    return [users[row.user_id] for row in rows if row.user_id in users]


@dataclass
class Invitation:
    """An invitation: of an organisation (all its active members are invited) or a person."""

    pk: int
    name: str  # the organisation's, or the person's (the e-mail address if no name)
    email: str  # the person's; "" for an organisation
    is_organisation: bool
    remove_url: str = ""  # for the secretariat's list: set by the view

    def __getitem__(self, name: str) -> Any:  # as Invitee's: a Fællesmøde invites 700 and more
        return getattr(self, name)


def invitations(meeting: Meeting) -> list[Invitation]:
    """The meeting's invitations, of organisations and of people, in the order they were
    made (the secretariat's list on the page). One query."""
    rows = (
        MeetingInvitation.objects.filter(meeting=meeting)
        .order_by("pk")
        .values_list("pk", "organisation__name", "user__name", "user__email")
    )
    return [
        Invitation(pk=pk, name=organisation, email="", is_organisation=True)
        if organisation is not None
        else Invitation(pk=pk, name=name or email, email=email, is_organisation=False)
        for pk, organisation, name, email in rows
    ]


def _invited_organisations(meeting: Meeting | OuterRef) -> QuerySet[Organisation]:
    """The invited organisations, by kind and name."""
    invited = Q(meeting_invitations__meeting=meeting)  # (Q: the plugin knows no OuterRef)
    return Organisation.objects.filter(invited).order_by("kind", "name")


def invited_organisation_names(meeting: Meeting) -> list[str]:
    """The invited organisations' names, by kind and name (the agenda PDF lists them)."""
    return list(_invited_organisations(meeting).values_list("name", flat=True))


@dataclass(slots=True)
class MeetingFacts:
    """What the meeting page shows of a meeting besides its own fields and lists: plain
    names, not the invitations (a Fællesmøde invites every provider, 700 and more), and of
    the invited organisations only a digest (the page caches their names under it)."""

    organisations_digest: str  # of what invited_organisation_names gives (not in order)
    people_names: list[str]  # the people invited directly, active or not, by name
    minutes_statuses: list[str]  # the statuses of its minutes' versions (has_minutes)
    open_actions_digest: str | None = None  # actions.open_actions_fingerprint, if asked


_MEETING_FACTS = Meeting.objects.order_by().values_list(
    # A digest of the invited organisations' kinds and names (the kind decides the order):
    # the page keeps their names cached under it, and reads them only when it is new. 734
    # names read in order cost 1.4 ms on the bench's Fællesmøde, their digest 0.6 ms.
    MD5(
        Cast(
            ArraySubquery(
                _invited_organisations(OuterRef("pk"))
                .order_by("pk")
                .values(shown=Concat("kind", Value(":"), "name", output_field=CharField()))
            ),
            TextField(),
        )
    ),
    ArraySubquery(
        User.objects.filter(meeting_invitations__meeting=OuterRef("pk"))
        .order_by("name", "pk")
        .values(full_name=Coalesce(NullIf("name", Value("")), "email", output_field=CharField()))
    ),
    ArraySubquery(
        Minutes.objects.filter(meeting=OuterRef("pk")).order_by().values("status").distinct()
    ),
)
"""Each an ARRAY(SELECT ...) of the meeting's row (the first as its digest). Built once, when
the module loads: its expressions took longer to resolve than the database takes to answer
(on the bench's Fællesmøde, with 734 organisations, 2.8 ms against 4.2 ms at best)."""


def _facts_query(user: AnyUser, open_actions: bool) -> tuple[str, tuple[Any, ...]]:
    """The SQL of meeting_facts (with the open actions' digest for the person, if asked),
    compiled once per process for each person (partnership.dashboard.compiled) with the
    meeting a parameter: compiling it took longer than running it (on the bench's
    Fællesmøde 1.6 ms, the digest's subquery of the meetings the person may see most of it,
    against 0.3 ms)."""

    def compile_it() -> tuple[str, tuple[Any, ...]]:
        facts = _MEETING_FACTS.filter(pk=permissions.SOME_MEETING)
        if open_actions:
            some = Meeting(
                pk=permissions.SOME_MEETING,
                forum_id=permissions.SOME_FORUM,
                starts_at=dashboard.NOW,
            )
            facts = facts.annotate(open_actions=actions.open_actions_fingerprint(user, some))
        sql, params = dashboard.compiled_sql(facts)
        return sql, tuple(params)

    return dashboard.compiled(f"meetings:facts:{open_actions}", user, compile_it)


def meeting_facts(meeting: Meeting, user: AnyUser, *, open_actions: bool = False) -> MeetingFacts:
    """The digest of the invited organisations, the names of the people invited directly
    and the statuses of the minutes' versions; if asked (the agenda has an "Opfølgning"
    item), the digest of the open actions the item shows the person
    (actions.open_actions_fingerprint). One query, its SQL compiled once (_facts_query);
    the one meeting_facts_read() sent ahead, if it was."""
    read = meeting_facts_read(meeting, user, open_actions=open_actions)
    with dashboard.compiled_cursor() as cursor:
        cursor.execute(read.sql, read.params)
        organisations, people, statuses, *digest = cursor.fetchone()
    return MeetingFacts(
        organisations_digest=organisations,
        people_names=people,
        minutes_statuses=statuses,
        open_actions_digest=digest[0] if digest else None,
    )


def meeting_facts_read(
    meeting: Meeting, user: AnyUser, *, open_actions: bool = False
) -> ahead.Prepared:
    """meeting_facts()' read, to send ahead (partnership.ahead.sent_ahead): the meeting
    page sends it before it is drawn and reads the facts where it first shows one (the
    slowest of the page's reads: 1.9 ms of the bench's Fællesmøde, most of it the open
    actions' digest)."""
    sql, params = _facts_query(user, open_actions)
    values = {
        permissions.SOME_MEETING: meeting.pk,
        permissions.SOME_FORUM: meeting.forum_id,
        dashboard.NOW: meeting.starts_at,
    }
    return ahead.Prepared(sql, dashboard.bind(params, values))


# --- The agenda --------------------------------------------------------------------------


@dataclass
class AgendaRow:
    """An item of the agenda at its time in the plan, with what the agenda shows of it
    besides its own fields: the presenters, the attachments and, for a closed item, the
    organisations it is closed to (which decide who sees it: permissions.may_see_item)."""

    item: AgendaItem
    starts_at: datetime
    ends_at: datetime
    presenter_line: str = ""  # "V./ Anna Andersen og Lone Berner Wolff"
    # pk, title, file_type, size, closed_to (organisation ids; [] if open), closed_to_names
    attachments: list[dict[str, Any]] = field(default_factory=list)
    closed_to: list[int] = field(default_factory=list)  # organisation ids; [] if open
    closed_to_names: list[str] = field(default_factory=list)

    @property
    def is_closed(self) -> bool:
        return bool(self.closed_to)

    @property
    def restricted_names(self) -> str:
        return ", ".join(self.closed_to_names)


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
UNION ALL
SELECT 3, f.item_id, o.id, o.name, NULL, f.id, o.name, '', o.id
  FROM partnership_agendaattachment_restricted_to r
  JOIN partnership_organisation o ON o.id = r.organisation_id
  JOIN partnership_agendaattachment f ON f.id = r.agendaattachment_id
  JOIN partnership_agendaitem a ON a.id = f.item_id
 WHERE a.meeting_id = %(meeting)s
 ORDER BY 1, 7, 8, 9
"""
"""What the agenda shows of each item besides its own fields, as (kind, item id, id, text,
file type, size, sort keys): 0 the organisations a closed item is closed to (by name), 1
the presenters in the portal (text = full name; by name and e-mail, as User orders), 2 the
attachments (text = title; in upload order, as AgendaAttachment orders), 3 the organisations
a closed attachment is closed to (by name; the attachment's id in the size column).

Plain SQL, kept because it is measurably faster: one query instead of three prefetches
(agenda of 4 items: 1.4 ms against 3.5 ms for the same three reads as ORM values_list
queries, and 8 ms as prefetch_related)."""


_ITEM_FIELDS = [f.attname for f in AgendaItem._meta.concrete_fields]
AGENDA_ITEMS_SQL = "SELECT {} FROM {} WHERE meeting_id = %(meeting)s ORDER BY position, id".format(
    # (Quoted as PostgreSQL quotes a name: no connection is asked while the module loads,
    # which `check --deploy` does without a database.)
    ", ".join(f'"{f.column}"' for f in AgendaItem._meta.concrete_fields),
    AgendaItem._meta.db_table,
)
"""The meeting's items in their order, each column as the ORM reads it (none of them is
converted on the way in: AgendaItem.from_db takes them as they come). Plain SQL: the ORM's
query cost 0.5 ms, 0.3 ms of it in building and compiling it (the bench's Fællesmøde)."""


def _agenda_rows(meeting: Meeting) -> list[AgendaRow]:
    """Every item of the meeting in the time plan, with its details. Two queries, prepared
    (their text is the same for every meeting: planning the details' took 0.5 ms of their
    1.2 on the bench's Fællesmøde, running them 0.15)."""
    with dashboard.compiled_cursor() as cursor:
        cursor.execute(AGENDA_ITEMS_SQL, {"meeting": meeting.pk})
        found = cursor.fetchall()
        if not found:
            return []
        cursor.execute(AGENDA_DETAILS_SQL, {"meeting": meeting.pk})
        details = cursor.fetchall()
    items = [AgendaItem.from_db(connection.alias, _ITEM_FIELDS, values) for values in found]
    rows = time_plan(meeting, items)
    by_item = {row.item.pk: row for row in rows}
    presenters: dict[int, list[str]] = {}
    for kind, item_id, pk, text, file_type, size, *_sort in details:
        row = by_item[item_id]
        if kind == 0:
            row.closed_to.append(pk)
            row.closed_to_names.append(text)
        elif kind == 1:
            presenters.setdefault(item_id, []).append(text)
        elif kind == 2:
            row.attachments.append(
                {
                    "pk": pk,
                    "title": text,
                    "file_type": file_type,
                    "size": size,
                    "closed_to": [],
                    "closed_to_names": [],
                }
            )
        else:  # size holds the attachment's id
            attachment = next(a for a in row.attachments if a["pk"] == size)
            attachment["closed_to"].append(pk)
            attachment["closed_to_names"].append(text)
    for row in rows:
        row.presenter_line = presenter_line(
            presenters.get(row.item.pk, []), row.item.presenters_text
        )
    return rows


def meeting_page_reads(meeting: Meeting) -> list[ahead.Prepared]:
    """The meeting page's reads of the meeting's agenda (_agenda_rows: its items and their
    details) and invitees (Meeting.invitee_rows), to send together before the page asks
    for them (partnership.ahead.sent_ahead): three round trips become one."""
    params = {"meeting": meeting.pk}
    return [
        ahead.Prepared(AGENDA_ITEMS_SQL, params),
        ahead.Prepared(AGENDA_DETAILS_SQL, params),
        ahead.Prepared(INVITEES_SQL, params),
    ]


def agenda(user: AnyUser, meeting: Meeting) -> list[AgendaRow]:
    """The person's agenda, as the page, the agenda PDF, the invitation and the calendar show
    it: the time plan is made from every item, so that times are the same for everyone, and
    then the items the person may not see (permissions.may_see_item) are left out, and of
    the others the attachments the person may not see (permissions.may_see_attachment)."""
    rows = [
        row
        for row in _agenda_rows(meeting)
        if permissions.may_see_item(user, meeting, row.closed_to)
    ]
    for row in rows:
        row.attachments = [
            a
            for a in row.attachments
            if permissions.may_see_attachment(user, meeting, row.closed_to, a["closed_to"])
        ]
    return rows


def organisation_agenda(organisation_id: int, meeting: Meeting) -> list[AgendaRow]:
    """The agenda as agenda() gives it to a person, for an organisation instead (the API's
    organisation tokens): the items, and of them the attachments, that the organisation's
    people may all see (permissions.open_to, the rule of items_of_organisation)."""
    organisations = {organisation_id}
    rows = [
        row for row in _agenda_rows(meeting) if permissions.open_to(organisations, row.closed_to)
    ]
    for row in rows:
        row.attachments = [
            a for a in row.attachments if permissions.open_to(organisations, a["closed_to"])
        ]
    return rows


# --- Minutes -----------------------------------------------------------------------------


def minutes_versions(meeting: Meeting) -> list[Minutes]:
    return list(
        Minutes.objects.filter(meeting=meeting).select_related("approved_by").order_by("-version")
    )


def current_minutes(user: AnyUser, meeting: Meeting) -> Minutes | None:
    """The version the person should read: the secretariat its open draft (or the latest
    version), others the newest version they may see."""
    for minutes in minutes_versions(meeting):
        minutes.meeting = meeting
        if permissions.can_view_minutes(user, minutes):
            return minutes
    return None


def has_minutes(user: AnyUser, meeting: Meeting, statuses: Iterable[str]) -> bool:
    """Whether current_minutes(user, meeting) gives a version, from the statuses of the
    meeting's versions (meeting_facts): whether the person may see one of them."""
    approved_first = sorted(statuses, key=lambda status: status != MinutesStatus.APPROVED)
    return any(permissions.can_view_minutes_in(user, meeting, s) for s in approved_first)


def open_minutes(meeting: Meeting) -> Minutes | None:
    """The version being written or out for comment, if any (reading it writes nothing)."""
    return Minutes.objects.filter(meeting=meeting).exclude(status=MinutesStatus.APPROVED).first()


def minutes_approvals(minutes: Minutes) -> list[MinutesApproval]:
    """Who approved the version, when, and whether on the forum's behalf."""
    return list(minutes.approvals.select_related("user").order_by("approved_at", "pk"))


def possible_action_owners(meeting: Meeting) -> QuerySet[User]:
    """Who may own an action of the meeting's minutes: those invited and the secretariat."""
    return (
        User.objects.filter(
            Q(pk__in=meeting.invitee_ids())
            | Q(memberships__role=Role.SECRETARIAT, memberships__is_active=True),
            is_active=True,
        )
        .distinct()
        .order_by("name", "email")
    )


def absences(meeting: Meeting) -> list[tuple[str, list[str]]]:
    """(name, item numbers) for each person present who was not there for some items."""
    shown = meeting_participants(meeting)["present"]
    return [(p["name"], p["absent"]) for p in shown if p["absent"]]


def latest_approved(meeting: Meeting) -> Minutes | None:
    return (
        Minutes.objects.filter(meeting=meeting, status=MinutesStatus.APPROVED)
        .order_by("-version")
        .first()
    )


def minutes_entries(user: AnyUser, minutes: Minutes) -> list[MinutesEntry]:
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


def minutes_participants(minutes: Minutes) -> dict[str, list[dict[str, Any]]]:
    """Who the minutes list as present and as having sent afbud: as it was when the version
    was approved, else as it is now (meeting_participants)."""
    kept: dict[str, list[dict[str, Any]]] | None = minutes.participants
    if kept is not None:
        return kept
    return meeting_participants(minutes.meeting)


def meeting_participants(meeting: Meeting) -> dict[str, list[dict[str, Any]]]:
    """The attendance as minutes print it. Present: the invitees marked present (while
    attendance is not marked, those invited who did not send afbud) and the others present
    (ExtraAttendee: substitutes, guests, external presenters; while attendance is not
    marked, the substitutes announced with an afbud), each with a note ("stedfortræder for
    MM") and the numbers of the items they were not there for. Afbud: those who sent it.
    Plain values, so approved minutes can keep them."""
    people = invitees(meeting)
    names = {p.user_id: p.name for p in people}
    present_ids = permissions.attendee_ids(meeting)
    absent: dict[tuple[str, int], list[str]] = {}
    for user_id, number in Participation.absent_items.through.objects.filter(
        participation__meeting=meeting
    ).values_list("participation__user_id", "agendaitem__number"):
        absent.setdefault(("u", user_id), []).append(number)
    for attendee_id, number in ExtraAttendee.absent_items.through.objects.filter(
        extraattendee__meeting=meeting
    ).values_list("extraattendee_id", "agendaitem__number"):
        absent.setdefault(("x", attendee_id), []).append(number)
    for numbers in absent.values():
        numbers.sort(key=number_position)

    def row(person: Invitee) -> dict[str, Any]:
        return {
            "name": person.name,
            "organisation": person.organisations[0] if person.organisations else "",
            "note": "",
            "absent": absent.get(("u", person.user_id), []),
        }

    notes: dict[str, str] = {
        AttendeeKind.GUEST: gettext("gæst"),
        AttendeeKind.PRESENTER: gettext("ekstern oplægsholder"),
    }
    extras = []
    for attendee in ExtraAttendee.objects.filter(meeting=meeting).select_related("substitute_for"):
        substituted = attendee.substitute_for
        if attendee.kind == AttendeeKind.SUBSTITUTE and substituted is not None:
            whom = names.get(substituted.pk) or substituted.get_full_name()
            note = gettext("stedfortræder for %(name)s") % {"name": whom}
        else:
            note = notes.get(attendee.kind, "")
        extras.append(
            {
                "name": attendee.name,
                "organisation": attendee.organisation,
                "note": note,
                "absent": absent.get(("x", attendee.pk), []),
            }
        )
    marked = Participation.objects.filter(meeting=meeting, attended__isnull=False).exists()
    if not marked:
        extras += [
            {
                "name": p.substitute,
                "organisation": "",
                "note": gettext("stedfortræder for %(name)s") % {"name": p.name},
                "absent": [],
            }
            for p in people
            if p.answer == Answer.DECLINE and p.substitute
        ]
    return {
        "present": [row(p) for p in people if p.user_id in present_ids] + extras,
        "declined": [
            {
                "name": p.name,
                "organisation": p.organisations[0] if p.organisations else "",
            }
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


def meeting_mail_status(meeting: Meeting, people: list[Invitee]) -> list[MailStatusRow]:
    """How the invitation (of the meeting's present time and place) went to the people on
    the participant list: sent, not sent with the reason, or, while the meeting is ahead
    (called, not held), still waiting. Once it is held, only what was tried. One query."""
    if meeting.is_draft:
        return []
    # A cancelled meeting's present version is its cancellation, owed to everyone invited.
    ahead = meeting.status == MeetingStatus.INVITED or (
        meeting.status == MeetingStatus.CANCELLED and meeting.invitations_sent_at is not None
    )
    label = (
        gettext("Aflysning")
        if meeting.status == MeetingStatus.CANCELLED
        else gettext("Ændret mødeindkaldelse")
        if meeting.sequence
        else MailKind.MEETING_INVITATION.label
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
    rows: list[tuple[MailKind, dict[int, str] | None]] = []
    meeting = minutes.meeting
    everyone = {row.user_id: row.name for row in invitees(meeting)}
    if minutes.status == MinutesStatus.FOR_COMMENT:
        rows.append((MailKind.MINUTES_COMMENT, everyone))
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


ANSWERABLE = (MeetingStatus.INVITED,)
