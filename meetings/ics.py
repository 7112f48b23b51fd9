"""Calendar files (RFC 5545) with the icalendar package: one meeting as a file, and a
person's feed of their meetings. Times are given in Europe/Copenhagen with its VTIMEZONE,
so a calendar shows 9.00 on a meeting at 9.00 on either side of the change to and from
summer time. The description lists only the agenda items the person may see.

METHOD is PUBLISH, not REQUEST: the answer (attend or afbud) is given in the portal, so the
calendar must not offer to send an answer by e-mail to the organiser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from partnership.links import absolute_url, site_host

from . import permissions, selectors
from .models import Meeting, MeetingStatus

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
PRODID = "-//KKR Sjælland//Partnerskabsportalen//DA"


def _site() -> str:
    return absolute_url("")


def uid(meeting: Meeting) -> str:
    host = site_host()
    return f"meeting-{meeting.pk}@{host}"


def _local(value: datetime) -> datetime:
    return value.astimezone(COPENHAGEN)


def _time(value: datetime) -> str:
    return formats.time_format(_local(value), "H.i")


def describe(user, meeting: Meeting) -> str:
    """The event's description: the person's agenda with times, and the link."""
    lines = [str(meeting.forum)]
    if meeting.online_url:
        lines.append(_("Onlinemøde: %(url)s") % {"url": meeting.online_url})
    lines.append("")
    lines.append(_("Dagsorden:"))
    for row in selectors.agenda(user, meeting):
        item = row.item
        line = (
            f"{item.number}. {_time(row.starts_at)}–{_time(row.ends_at)} "
            f"{item.get_kind_display()}: {item.title}"
        )
        if row.presenter_line:
            line += f" ({row.presenter_line})"
        lines.append(line)
    lines.append("")
    lines.append(_("Se mødet og svar i Partnerskabsportalen: %(url)s") % {"url": _url(meeting)})
    return "\n".join(lines)


def _url(meeting: Meeting) -> str:
    return _site() + meeting.get_absolute_url()


def event(user, meeting: Meeting) -> Event:
    ev = Event()
    ev.add("uid", uid(meeting))
    ev.add("dtstamp", datetime.now(UTC))
    ev.add("dtstart", _local(meeting.starts_at))
    ev.add("dtend", _local(meeting.ends_at))
    ev.add("summary", f"{meeting.forum}: {meeting.title}")
    ev.add("description", describe(user, meeting))
    location = meeting.place or meeting.online_url
    if location:
        ev.add("location", location)
    ev.add("url", _url(meeting))
    ev.add("sequence", meeting.sequence)
    ev.add("status", "CONFIRMED")
    ev.add("last-modified", meeting.updated_at.astimezone(UTC))
    return ev


def _calendar(name: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("x-wr-calname", name)
        cal.add("x-wr-timezone", "Europe/Copenhagen")
    return cal


def _finish(cal: Calendar) -> bytes:
    cal.add_missing_timezones()
    return cal.to_ical()


def meeting_ics(user, meeting: Meeting) -> bytes:
    """One meeting as seen by the person. The caller has checked can_view_meeting."""
    cal = _calendar()
    cal.add_component(event(user, meeting))
    return _finish(cal)


def feed_ics(user) -> bytes:
    """The person's meetings (invited to, invitations sent), from a year back."""
    since = timezone.now() - timedelta(days=365)
    meetings = (
        permissions.meetings_invited_to(user)
        .filter(ends_at__gte=since)
        .exclude(status=MeetingStatus.DRAFT)
        .select_related("forum")
        .order_by("starts_at")
    )
    cal = _calendar(_("Partnerskabsportalen: mine møder"))
    for meeting in meetings:
        cal.add_component(event(user, meeting))
    return _finish(cal)


def filename(meeting: Meeting) -> str:
    return f"moede-{_local(meeting.starts_at):%Y-%m-%d}-{meeting.pk}.ics"
