"""A new meeting from an earlier one: "Kopiér mødet" on a meeting page, and "Nyt møde i
forummet" (a copy of the forum's template, Forum.template).

The copy is a draft in the same forum with the same description, place and link, the
agenda (numbers, kinds, titles, descriptions, durations, presenters in and outside the
portal, and who each item is closed to) and the same invitations (organisations and
people). Not copied: attachments (they belong to the meeting they were sent for), answers,
attendance and minutes. The secretariat then changes what differs and sends the
invitations."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from partnership.models import User

from . import services
from .models import AgendaItem, Meeting, MeetingInvitation


def _same_weekday_next_month(day: date) -> date:
    """The same weekday in the same week of the next month: the 2nd Tuesday gives the 2nd
    Tuesday, and the last Friday of a month (29 August 2025) the last Friday of the next
    (26 September 2025), as a forum that meets monthly keeps its rhythm."""
    week = (day.day - 1) // 7  # 0 = the first such weekday of the month
    days_in_month = calendar.monthrange(day.year, day.month)[1]
    is_last = day.day + 7 > days_in_month
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    first = date(year, month, 1)
    first_same = first + timedelta(days=(day.weekday() - first.weekday()) % 7)
    candidates = [first_same + timedelta(weeks=w) for w in range(5)]
    candidates = [c for c in candidates if c.month == month]
    return candidates[-1] if is_last else candidates[min(week, len(candidates) - 1)]


def suggested_times(source: Meeting, now: datetime | None = None) -> tuple[datetime, datetime]:
    """When a copy of `source` is suggested to be held: the same weekday one month later
    (see _same_weekday_next_month), stepping a month at a time until it is ahead, at the
    same times of day and for as long."""
    now = now or timezone.now()
    start = timezone.localtime(source.starts_at)
    duration = source.ends_at - source.starts_at
    day = start.date()
    while True:
        day = _same_weekday_next_month(day)
        starts = timezone.make_aware(datetime.combine(day, start.time().replace(tzinfo=None)))
        if starts > now:
            return starts, starts + duration


@transaction.atomic
def copy_meeting(*, source: Meeting, fields: dict[str, Any], by: User) -> Meeting:
    """A draft copy of `source` (see the module) with the title and times in `fields`
    (title, starts_at, ends_at)."""
    deadline = None
    if source.rsvp_deadline:  # as long before the meeting as the source's was
        deadline = fields["starts_at"] - (source.starts_at - source.rsvp_deadline)
    meeting = services.create_meeting(
        fields={
            "forum": source.forum,
            "title": fields.get("title") or source.title,
            "description": source.description,
            "starts_at": fields["starts_at"],
            "ends_at": fields["ends_at"],
            "place": source.place,
            "online_url": source.online_url,
            "rsvp_deadline": deadline,
        },
        by=by,
    )
    items = list(
        source.items.prefetch_related("presenters", "restricted_to").order_by("position", "pk")
    )
    for old in items:
        new = AgendaItem(
            meeting=meeting,
            number=old.number,
            kind=old.kind,
            title=old.title,
            description=old.description,
            presenters_text=old.presenters_text,
            duration_minutes=old.duration_minutes,
        )
        new.full_clean()
        new.save()
        new.presenters.set(old.presenters.all())
        new.restricted_to.set(old.restricted_to.all())
    MeetingInvitation.objects.bulk_create(
        MeetingInvitation(
            meeting=meeting, organisation_id=i.organisation_id, user_id=i.user_id, invited_by=by
        )
        for i in source.invitations.order_by("pk")
    )
    return meeting
