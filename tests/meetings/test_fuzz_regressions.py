"""Inputs the fuzz tests (tests/fuzz/) found to break the meeting forms, kept as plain tests."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from meetings.models import Forum, Meeting

DAY = (date.today() + timedelta(days=14)).isoformat()  # on the test clock


@pytest.mark.parametrize(
    ("starts_at", "ends_at"),
    [
        # Year 1 in Copenhagen is year 0 (BC) in UTC: stored, no page could read it back.
        ("0001-01-01T00:10", f"{DAY}T13:00"),
        (f"{DAY}T13:00", "9999-12-31T23:59"),
    ],
)
def test_a_meeting_outside_2000_to_2100_is_refused_and_the_list_still_works(
    client, setup, starts_at, ends_at
):
    forum = Forum.objects.get(name="Fællesmøde")
    client.force_login(setup.secretariat)
    before = Meeting.objects.count()
    response = client.post(
        reverse("meetings:meeting_create"),
        {
            "forum": forum.pk,
            "title": "Styregruppemøde",
            "starts_at": starts_at,
            "ends_at": ends_at,
            "place": "Sorø",
        },
    )
    assert response.status_code == 200
    assert (
        "Datoen skal ligge mellem 1. januar 2000 og 31. december 2100." in response.content.decode()
    )
    assert Meeting.objects.count() == before
    assert client.get(reverse("meetings:meeting_list")).status_code == 200
