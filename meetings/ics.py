"""Calendar files (RFC 5545, with the iTIP methods of RFC 5546) with the icalendar package:
one meeting as the invitation Outlook and other calendar programs take as a meeting
request, and a person's feed of their meetings.

- The invitation and each update (a change of time or place) are `METHOD:REQUEST` with
  the same UID, a SEQUENCE raised by every change (Meeting.sequence, raised by
  services.update_meeting and services.cancel_meeting), the ORGANIZER (the person of the
  secretariat who created the meeting) and an ATTENDEE for each person invited, with their
  answer from the portal as PARTSTAT (NEEDS-ACTION, ACCEPTED, DECLINED). RSVP=FALSE: the
  answer (attend or afbud, with a substitute) is given in the portal, so the calendar must
  not offer to send one by e-mail to the organiser.
- A cancelled meeting is `METHOD:CANCEL` with STATUS:CANCELLED, the same UID and the raised
  SEQUENCE, so the calendars that hold it remove it.
- A draft (nobody invited yet) and the personal feed are `METHOD:PUBLISH`, without
  attendees; the feed shows a cancelled meeting with STATUS:CANCELLED.

Times are given in Europe/Copenhagen with a VTIMEZONE of rules (summer time from the last
Sunday of March to the last Sunday of October, the EU's rule since 1996) rather than
icalendar's list of dates, which stops in 2037: a meeting in 2040 is at the right hour too.

URL and DESCRIPTION lead back to the meeting. The description lists only the agenda items
the person may see (selectors.agenda), so each person gets their own file."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from partnership.lazy import lazy_module
from partnership.links import absolute_url, site_host
from partnership.models import Organisation

from . import permissions, selectors
from .models import Answer, Meeting, MeetingStatus

if TYPE_CHECKING:
    from icalendar import Calendar, Event, Timezone, vCalAddress

icalendar = lazy_module("icalendar")  # when the first calendar is made (partnership/lazy.py)

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
TZID = "Europe/Copenhagen"
PRODID = "-//KKR Sjælland//Partnerskabsportalen//DA"

PUBLISH, REQUEST, CANCEL = "PUBLISH", "REQUEST", "CANCEL"
PARTSTAT = {Answer.ATTEND: "ACCEPTED", Answer.DECLINE: "DECLINED"}


def _site() -> str:
    return absolute_url("")


def uid(meeting: Meeting) -> str:
    host = site_host()
    return f"meeting-{meeting.pk}@{host}"


def _local(value: datetime) -> datetime:
    return value.astimezone(COPENHAGEN)


def _time(value: datetime) -> str:
    return formats.time_format(_local(value), "H.i")


def method(meeting: Meeting) -> str:
    """REQUEST for an invitation or its update, CANCEL for a cancelled meeting, PUBLISH for
    a draft (nobody is invited yet)."""
    if meeting.status == MeetingStatus.CANCELLED:
        return CANCEL
    if meeting.status == MeetingStatus.DRAFT:
        return PUBLISH
    return REQUEST


def copenhagen() -> Timezone:
    """Europe/Copenhagen as rules that hold for any year from 1996 on: summer time (CEST,
    +02:00) from 2.00 on the last Sunday of March, winter time (CET, +01:00) from 3.00 on
    the last Sunday of October. RRULEs without an end, where icalendar's
    add_missing_timezones() writes the dates of the changes up to 2037 only."""
    tz = icalendar.Timezone()
    tz.add("tzid", TZID)
    tz.add("x-lic-location", TZID)
    one, two = timedelta(hours=1), timedelta(hours=2)
    for component, start, month, before, after, name in (
        (icalendar.TimezoneDaylight(), datetime(1996, 3, 31, 2), 3, one, two, "CEST"),
        (icalendar.TimezoneStandard(), datetime(1996, 10, 27, 3), 10, two, one, "CET"),
    ):
        component.add("tzname", name)
        component.add("dtstart", start)
        component.add("tzoffsetfrom", before)
        component.add("tzoffsetto", after)
        component.add("rrule", {"freq": "yearly", "bymonth": month, "byday": "-1su"})
        tz.add_component(component)
    return tz


def _address(email: str, name: str, **params: str) -> vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{email}")
    address.params["CN"] = name or email
    for key, value in params.items():
        address.params[key.upper()] = value
    return address


def organizer(meeting: Meeting) -> vCalAddress:
    """The person of the secretariat who created the meeting."""
    creator = meeting.created_by
    return _address(creator.email, creator.get_full_name())


def attendees(people: Iterable[selectors.Invitee]) -> list[vCalAddress]:
    """An ATTENDEE for each person invited, with their answer from the portal."""
    return [
        _address(
            person.email,
            person.name,
            role="REQ-PARTICIPANT",
            partstat=PARTSTAT.get(person.answer, "NEEDS-ACTION"),
            rsvp="FALSE",
        )
        for person in people
        if person.email
    ]


def describe(user, meeting: Meeting) -> str:
    """The event's description: the person's agenda with times, and the link."""
    return _description(meeting, selectors.agenda(user, meeting))


def _description(meeting: Meeting, rows: Iterable[selectors.AgendaRow]) -> str:
    """The description of a meeting with these agenda rows (a person's or an organisation's)."""
    lines = [str(meeting.forum)]
    if meeting.status == MeetingStatus.CANCELLED:
        lines.insert(0, _("Mødet er aflyst."))
        if meeting.cancel_reason:
            lines.insert(1, _("Begrundelse: %(reason)s") % {"reason": meeting.cancel_reason})
    if meeting.online_url:
        lines.append(_("Onlinemøde: %(url)s") % {"url": meeting.online_url})
    lines.append("")
    lines.append(_("Dagsorden:"))
    for row in rows:
        item = row.item
        line = f"{item.number}. {_time(row.starts_at)}–{_time(row.ends_at)} {item.heading}"
        if row.presenter_line:
            line += f" ({row.presenter_line})"
        if item.supplementary:
            line += " – " + _("tillægsdagsorden")
        lines.append(line)
    lines.append("")
    lines.append(_("Se mødet og svar i Partnerskabsportalen: %(url)s") % {"url": _url(meeting)})
    return "\n".join(lines)


def _url(meeting: Meeting) -> str:
    return _site() + meeting.get_absolute_url()


def event(user, meeting: Meeting, *, people: Iterable[selectors.Invitee] | None = None) -> Event:
    """The meeting as the person sees it; with `people`, the ORGANIZER and an ATTENDEE for
    each of them (a meeting request or cancellation)."""
    return _event(meeting, describe(user, meeting), people=people)


def _event(
    meeting: Meeting, description: str, *, people: Iterable[selectors.Invitee] | None = None
) -> Event:
    ev = icalendar.Event()
    ev.add("uid", uid(meeting))
    ev.add("dtstamp", datetime.now(UTC))
    ev.add("dtstart", _local(meeting.starts_at))
    ev.add("dtend", _local(meeting.ends_at))
    ev.add("summary", f"{meeting.forum}: {meeting.title}")
    ev.add("description", description)
    location = meeting.place or meeting.online_url
    if location:
        ev.add("location", location)
    ev.add("url", _url(meeting))
    ev.add("sequence", meeting.sequence)
    cancelled = meeting.status == MeetingStatus.CANCELLED
    ev.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    ev.add("last-modified", meeting.updated_at.astimezone(UTC))
    if people is not None:
        ev.add("organizer", organizer(meeting))
        for attendee in attendees(people):
            ev.add("attendee", attendee, encode=False)
    return ev


def _calendar(method: str, name: str | None = None) -> Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
        cal.add("x-wr-timezone", TZID)
    cal.add_component(copenhagen())
    return cal


def meeting_ics(
    user, meeting: Meeting, *, people: Iterable[selectors.Invitee] | None = None
) -> bytes:
    """One meeting as seen by the person: the meeting request (or its cancellation) with
    everyone invited as attendees, or for a draft a plain PUBLISH. The caller has checked
    can_view_meeting; `people`: selectors.invitees(meeting), if the caller has them."""
    kind = method(meeting)
    cal = _calendar(kind)
    if kind == PUBLISH:
        cal.add_component(event(user, meeting))
    else:
        if people is None:
            people = selectors.invitees(meeting)
        cal.add_component(event(user, meeting, people=people))
    return cal.to_ical()


def feed_ics(user) -> bytes:
    """The person's meetings (invited to, invitations sent), from a year back. PUBLISH:
    a subscribed calendar, not a request; a cancelled meeting stays, STATUS:CANCELLED."""
    cal = _calendar(PUBLISH, _("Partnerskabsportalen: mine møder"))
    for meeting in _feed_meetings(permissions.meetings_invited_to(user)):
        cal.add_component(event(user, meeting))
    return cal.to_ical()


def _feed_meetings(meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """What a feed holds of these meetings: from a year back, no drafts, by time."""
    since = timezone.now() - timedelta(days=365)
    return (
        meetings.filter(ends_at__gte=since)
        .exclude(status=MeetingStatus.DRAFT)
        .select_related("forum")
        .order_by("starts_at", "pk")
    )


def organisation_feed_ics(organisation: Organisation) -> bytes:
    """An organisation's feed (the API's organisation tokens): the meetings it is invited to
    (permissions.meetings_of_organisation) as feed_ics() has a person's, each described with
    the agenda items open to the organisation (selectors.organisation_agenda)."""
    cal = _calendar(
        PUBLISH, _("Partnerskabsportalen: %(organisation)s") % {"organisation": organisation.name}
    )
    for meeting in _feed_meetings(permissions.meetings_of_organisation(organisation.pk)):
        rows = selectors.organisation_agenda(organisation.pk, meeting)
        cal.add_component(_event(meeting, _description(meeting, rows)))
    return cal.to_ical()


def filename(meeting: Meeting) -> str:
    return f"moede-{_local(meeting.starts_at):%Y-%m-%d}-{meeting.pk}.ics"
