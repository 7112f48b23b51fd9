"""Calendar files parse, give Europe/Copenhagen times on both sides of the change to and
from summer time, and the personal feed's address can be revoked."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from icalendar import Calendar

from meetings import ics, services
from meetings.models import CalendarFeed
from tests.factories import make_meeting

from .conftest import CLOSED_TITLE, OPEN_TITLES

CPH = ZoneInfo("Europe/Copenhagen")
UTC = ZoneInfo("UTC")


def last_sunday(year: int, month: int) -> date:
    """Summer time starts on the last Sunday of March and ends on the last of October."""
    day = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() - 6) % 7)


def at_nine(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time()).replace(hour=9)


NEXT_YEAR = date.today().year + 1  # on the test clock
SPRING, AUTUMN = last_sunday(NEXT_YEAR, 3), last_sunday(NEXT_YEAR, 10)


@pytest.mark.parametrize(
    ("start", "utc_hour", "offset_hours"),
    [
        (at_nine(SPRING - timedelta(days=2)), 8, 1),  # Friday before the change: winter time
        (at_nine(SPRING + timedelta(days=1)), 7, 2),  # Monday after: summer time
        (at_nine(AUTUMN - timedelta(days=2)), 7, 2),  # Friday before the change back
        (at_nine(AUTUMN + timedelta(days=1)), 8, 1),  # Monday after: winter time again
    ],
)
def test_meeting_at_nine_is_at_nine_in_copenhagen(demo, start, utc_hour, offset_hours):
    from partnership.models import User

    secretariat = User.objects.get(email="sekretariat@portal.example")
    meeting = make_meeting(
        secretariat,
        starts_at=start.replace(tzinfo=CPH),
        ends_at=(start + timedelta(hours=2)).replace(tzinfo=CPH),
    )
    cal = Calendar.from_ical(ics.meeting_ics(secretariat, meeting))
    timezones = [tz for tz in cal.walk("VTIMEZONE")]
    assert [str(tz["TZID"]) for tz in timezones] == ["Europe/Copenhagen"]
    (event,) = cal.walk("VEVENT")
    dtstart = event.decoded("DTSTART")
    dtend = event.decoded("DTEND")
    assert event["DTSTART"].params["TZID"] == "Europe/Copenhagen"
    assert (dtstart.hour, dtstart.minute) == (9, 0)
    assert dtstart.utcoffset() == timedelta(hours=offset_hours)
    assert dtstart.astimezone(UTC).hour == utc_hour
    assert dtend - dtstart == timedelta(hours=2)
    assert str(event["UID"]).startswith(f"meeting-{meeting.pk}@")


def test_ics_parses_the_vtimezone_itself(demo):
    """A calendar program uses the VTIMEZONE in the file, not its own database: the
    file's own rules must put the change on the last Sunday of March and October."""
    from partnership.models import User

    secretariat = User.objects.get(email="sekretariat@portal.example")
    meeting = make_meeting(secretariat)
    cal = Calendar.from_ical(ics.meeting_ics(secretariat, meeting))
    (vtimezone,) = cal.walk("VTIMEZONE")
    tz = vtimezone.to_tz()
    for day, hours in [
        (SPRING - timedelta(days=1), 1),
        (SPRING + timedelta(days=1), 2),
        (AUTUMN - timedelta(days=1), 2),
        (AUTUMN + timedelta(days=1), 1),
    ]:
        noon = datetime.combine(day, datetime.min.time()).replace(hour=12, tzinfo=tz)
        assert noon.utcoffset() == timedelta(hours=hours), day


def _feed_token(client, user):
    client.force_login(user)
    client.post(reverse("meetings:calendar_settings"), {"action": "new"})
    page = client.get(reverse("meetings:calendar_settings")).content.decode()
    marker = "/kalender/"
    start = page.index(marker, page.index('id="calendar-url"'))
    return page[start + len(marker) : page.index(".ics", start)]


def test_personal_feed_lists_the_meetings_and_hides_closed_items(client, setup):
    token = _feed_token(client, setup.provider)
    client.logout()
    response = client.get(reverse("meetings:calendar_feed", args=[token]))
    assert response.status_code == 200
    cal = Calendar.from_ical(response.content)
    events = cal.walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == [f"Fællesmøde: {setup.meeting.title}"]
    description = str(events[0]["DESCRIPTION"])
    assert OPEN_TITLES[0] in description and CLOSED_TITLE not in description
    assert cal.walk("VTIMEZONE")


def test_feed_address_is_shown_once_and_stored_only_as_a_hash(client, setup):
    token = _feed_token(client, setup.provider)
    feed = CalendarFeed.objects.get(user=setup.provider)
    assert token not in feed.token_hash
    page = client.get(reverse("meetings:calendar_settings")).content.decode()
    assert token not in page


def test_revoked_feed_address_stops_working(client, setup):
    token = _feed_token(client, setup.provider)
    url = reverse("meetings:calendar_feed", args=[token])
    assert client.get(url).status_code == 200
    client.post(reverse("meetings:calendar_settings"), {"action": "revoke"})
    assert client.get(url).status_code == 404
    assert not CalendarFeed.objects.active().filter(user=setup.provider).exists()


def test_a_new_address_replaces_the_old(client, setup):
    old = _feed_token(client, setup.provider)
    new = _feed_token(client, setup.provider)
    assert client.get(reverse("meetings:calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("meetings:calendar_feed", args=[new])).status_code == 200
    assert CalendarFeed.objects.active().filter(user=setup.provider).count() == 1


def test_feed_of_a_person_who_left_the_partnership_stops(client, setup):
    _feed, token = services.new_calendar_feed(user=setup.provider)
    setup.provider.memberships.update(is_active=False)
    assert client.get(reverse("meetings:calendar_feed", args=[token])).status_code == 404


def test_unknown_token_is_not_found(client, db):
    assert client.get(reverse("meetings:calendar_feed", args=["nope"])).status_code == 404
