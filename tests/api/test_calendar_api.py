"""The organisation's calendar in the API (issue 16): /api/v1/calendar, for a token with the
scope 'moeder', is the organisation's meetings as iCalendar, made by the portal's calendar
code (meetings.ics): only the meetings it is invited to, only the agenda items open to it."""

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from meetings.models import Meeting
from partnership.models import ApiScope
from tests.api.test_tokens import bearer, new_token
from tests.meetings.conftest import CLOSED_TITLE, OPEN_TITLES, setup  # noqa: F401

URL = reverse("api:calendar")


def events(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert calendar["METHOD"] == "PUBLISH"
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def uid_of(meeting: Meeting) -> str:
    return f"meeting-{meeting.pk}@"


def find(found, meeting):
    return [e for uid, e in found.items() if uid.startswith(uid_of(meeting))]


def test_an_invited_organisation_gets_its_meeting_with_the_items_open_to_it(setup):  # noqa: F811
    client = Client()
    _r, slagelse = new_token("slagelse", scopes=[ApiScope.MEETINGS])  # the item is closed to it
    _r, provider = new_token("bostedet-egelund", scopes=[ApiScope.MEETINGS])
    (event,) = find(events(client.get(URL, **bearer(slagelse))), setup.meeting)
    assert str(event["SUMMARY"]).endswith(setup.meeting.title)
    assert CLOSED_TITLE in str(event["DESCRIPTION"])
    response = client.get(URL, **bearer(provider))
    (event,) = find(events(response), setup.meeting)
    description = str(event["DESCRIPTION"])
    assert all(title in description for title in OPEN_TITLES)
    assert CLOSED_TITLE not in response.content.decode()
    assert "private" in response["Cache-Control"]


def test_another_organisations_token_does_not_see_foreign_meetings(setup):  # noqa: F811
    _r, los = new_token("los", scopes=[ApiScope.MEETINGS])  # not invited
    found = events(Client().get(URL, **bearer(los)))
    assert not find(found, setup.meeting)
    assert setup.meeting.title not in str(found)


def test_without_the_scope_403_and_without_a_token_401(setup):  # noqa: F811
    _r, contracts_only = new_token("slagelse", scopes=[ApiScope.CONTRACTS])
    r = Client().get(URL, **bearer(contracts_only))
    assert r.status_code == 403
    assert r["Content-Type"] == "application/problem+json"
    assert Client().get(URL).status_code == 401


@pytest.mark.django_db
def test_the_schema_declares_text_calendar_and_the_bearer_token(client):
    schema = client.get(reverse("api:openapi-json")).json()
    operation = schema["paths"]["/api/v1/calendar"]["get"]
    assert list(operation["responses"]["200"]["content"]) == ["text/calendar"]
    assert operation["security"]
    assert {"401", "403"} <= set(operation["responses"])
