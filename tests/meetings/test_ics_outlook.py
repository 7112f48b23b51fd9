"""A meeting's invitation is a meeting request Outlook understands (RFC 5545 / RFC 5546): the
calendar part of the e-mail is `text/calendar; method=REQUEST` with one charset, the file
has METHOD:REQUEST, an ORGANIZER and an ATTENDEE for each person invited with their answer
from the portal, a VTIMEZONE whose rules hold for any year, a URL and a description back to
the meeting; a change of time or place is the same UID with a higher SEQUENCE. The personal
feed stays METHOD:PUBLISH."""

from __future__ import annotations

import email
from datetime import datetime, timedelta
from email import policy
from zoneinfo import ZoneInfo

from django.urls import reverse
from icalendar import Calendar

from meetings import ics, selectors, services
from meetings.models import Answer
from partnership.links import absolute_url
from tests.factories import make_meeting

CPH = ZoneInfo("Europe/Copenhagen")


def _invitations(mailoutbox, person=None, subject_start="Mødeindkaldelse"):
    return [
        m
        for m in mailoutbox
        if m.subject.startswith(subject_start) and (person is None or m.to == [person.email])
    ]


def _calendar_of(mail) -> Calendar:
    (name, content, _mimetype) = mail.attachments[0]
    assert name.endswith(".ics")
    return Calendar.from_ical(content if isinstance(content, bytes) else content.encode())


def _address(prop) -> str:
    return str(prop).removeprefix("mailto:").removeprefix("MAILTO:").lower()


def _attendees(event) -> list:
    found = event.get("ATTENDEE", [])
    return found if isinstance(found, list) else [found]


def test_the_invitation_is_a_request_with_organizer_and_every_invitee(setup, mailoutbox):
    invitees = selectors.invitees(setup.meeting)
    assert len(invitees) > 2
    (mail,) = _invitations(mailoutbox, setup.caseworker)
    cal = _calendar_of(mail)
    assert cal["METHOD"] == "REQUEST"
    (event,) = cal.walk("VEVENT")
    organizer = event["ORGANIZER"]
    assert _address(organizer) == setup.meeting.created_by.email
    assert organizer.params["CN"]
    attendees = {_address(a): a for a in _attendees(event)}
    assert set(attendees) == {p.email.lower() for p in invitees}
    for person in invitees:
        params = attendees[person.email.lower()].params
        assert params["CN"] == person.name
        assert params["ROLE"] == "REQ-PARTICIPANT"
        assert params["PARTSTAT"] == "NEEDS-ACTION"
        assert params["RSVP"] == "FALSE"  # the answer is given in the portal
    assert event["STATUS"] == "CONFIRMED"
    assert int(event["SEQUENCE"]) == 0


def test_an_attendee_shows_the_answer_given_in_the_portal(setup, client):
    services.answer(meeting=setup.meeting, user=setup.caseworker, answer=Answer.ATTEND)
    services.answer(meeting=setup.meeting, user=setup.provider, answer=Answer.DECLINE)
    client.force_login(setup.provider)
    response = client.get(reverse("meetings:meeting_ics", args=[setup.meeting.pk]))
    cal = Calendar.from_ical(response.content)
    (event,) = cal.walk("VEVENT")
    partstat = {_address(a): a.params["PARTSTAT"] for a in _attendees(event)}
    assert partstat[setup.caseworker.email.lower()] == "ACCEPTED"
    assert partstat[setup.provider.email.lower()] == "DECLINED"
    assert setup.outsider.email.lower() not in partstat  # not invited
    assert "NEEDS-ACTION" in partstat.values()


def test_the_vtimezone_holds_for_any_year(demo):
    """Rules (the last Sunday of March and October), not a list of dates that ends: a
    calendar program converting a meeting in 2040 with the file's own VTIMEZONE gets
    summer time in July and winter time in January."""
    from partnership.models import User

    secretariat = User.objects.get(email="sekretariat@portal.example")
    for start, hours in [(datetime(2040, 7, 1, 10), 2), (datetime(2040, 1, 15, 10), 1)]:
        meeting = make_meeting(
            secretariat,
            starts_at=start.replace(tzinfo=CPH),
            ends_at=(start + timedelta(hours=2)).replace(tzinfo=CPH),
        )
        cal = Calendar.from_ical(ics.meeting_ics(secretariat, meeting))
        (vtimezone,) = cal.walk("VTIMEZONE")
        assert vtimezone["TZID"] == "Europe/Copenhagen"
        rules = vtimezone.walk("STANDARD") + vtimezone.walk("DAYLIGHT")
        assert {r.name for r in rules} == {"STANDARD", "DAYLIGHT"}
        assert len(rules) == 2
        for rule in rules:
            assert "RDATE" not in rule
            rrule = rule["RRULE"]
            assert "UNTIL" not in rrule and "COUNT" not in rrule
            assert rrule["FREQ"] == ["YEARLY"]
            assert rrule["BYDAY"] == ["-1SU"]
        tz = vtimezone.to_tz()
        assert start.replace(tzinfo=tz).utcoffset() == timedelta(hours=hours)
        (event,) = cal.walk("VEVENT")
        assert event["DTSTART"].params["TZID"] == "Europe/Copenhagen"
        local = event.decoded("DTSTART")
        assert (local.hour, local.minute) == (10, 0)


def test_url_and_description_lead_back_to_the_meeting(setup, mailoutbox):
    (mail,) = _invitations(mailoutbox, setup.caseworker)
    (event,) = _calendar_of(mail).walk("VEVENT")
    url = absolute_url(setup.meeting.get_absolute_url())
    assert str(event["URL"]) == url
    assert url in str(event["DESCRIPTION"])


def test_a_change_of_place_is_the_same_uid_with_a_higher_sequence(
    setup, mailoutbox, django_capture_on_commit_callbacks
):
    (first,) = _invitations(mailoutbox, setup.caseworker)
    (before,) = _calendar_of(first).walk("VEVENT")
    with django_capture_on_commit_callbacks(execute=True):
        services.update_meeting(
            meeting=setup.meeting, fields={"place": "Ringsted Kongrescenter"}, by=setup.secretariat
        )
    (update,) = _invitations(mailoutbox, setup.caseworker, "Ændret mødeindkaldelse")
    cal = _calendar_of(update)
    assert cal["METHOD"] == "REQUEST"
    (after,) = cal.walk("VEVENT")
    assert after["UID"] == before["UID"]
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert str(after["LOCATION"]) == "Ringsted Kongrescenter"


def test_a_change_of_the_description_alone_is_no_new_version(
    setup, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.update_meeting(
            meeting=setup.meeting, fields={"description": "Husk frokost."}, by=setup.secretariat
        )
    setup.meeting.refresh_from_db()
    assert setup.meeting.sequence == 0
    assert not _invitations(mailoutbox, setup.caseworker, "Ændret mødeindkaldelse")


def test_the_calendar_part_of_the_mail_is_a_request_with_one_charset(setup, mailoutbox):
    (mail,) = _invitations(mailoutbox, setup.caseworker)
    message = email.message_from_bytes(mail.message().as_bytes(), policy=policy.compat32)
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    header = part["Content-Type"]
    params = [name.lower() for name, _value in part.get_params()]
    assert params.count("charset") == 1, header
    assert part.get_param("method") == "REQUEST", header
    assert part.get_content_charset() == "utf-8", header
    cal = Calendar.from_ical(part.get_payload(decode=True))
    assert cal["METHOD"] == "REQUEST"


def test_the_personal_feed_stays_publish_without_attendees(setup, client):
    _feed, token = services.new_calendar_feed(user=setup.caseworker)
    response = client.get(reverse("meetings:calendar_feed", args=[token]))
    cal = Calendar.from_ical(response.content)
    assert cal["METHOD"] == "PUBLISH"
    events = cal.walk("VEVENT")
    assert events
    for event in events:
        assert "ATTENDEE" not in event
    (vtimezone,) = cal.walk("VTIMEZONE")
    assert all("RDATE" not in rule for rule in vtimezone.subcomponents)


def test_the_request_keeps_the_rules_a_strict_client_checks(setup, mailoutbox):
    """RFC 5545: CRLF line ends, lines folded at 75 octets, every TZID used is defined by a
    VTIMEZONE in the file; RFC 5546 REQUEST: UID, DTSTAMP, DTSTART, SEQUENCE, SUMMARY,
    ORGANIZER and at least one ATTENDEE."""
    (mail,) = _invitations(mailoutbox, setup.caseworker)
    (_name, content, _mimetype) = mail.attachments[0]
    raw = content if isinstance(content, bytes) else content.encode()
    assert raw.endswith(b"\r\n")
    lines = raw.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert all(len(line) <= 75 for line in lines), max(lines, key=len)
    cal = Calendar.from_ical(raw)
    assert cal["VERSION"] == "2.0" and cal["PRODID"]
    defined = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
    (event,) = cal.walk("VEVENT")
    used = {event[name].params["TZID"] for name in ("DTSTART", "DTEND")}
    assert used <= defined
    for name in ("UID", "DTSTAMP", "DTSTART", "SEQUENCE", "SUMMARY", "ORGANIZER"):
        assert name in event, name
    assert _attendees(event)
