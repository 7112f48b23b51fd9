"""The secretariat builds the Direktør- og chefforum programme of 29 August 2025 (the seed
"Møde i Direktør- og chefforum d. 29. august 2025", meetings.demo) by copying the forum's
previous meeting and changing what differs, in fewer than half of the 46 clicks it took from
scratch (issue 15, "Done means"). The clicks are counted: every click and every field goes
through the counter below.

The previous meeting (four weeks ago on the test clock) had the same programme but for three
things: item 2 had another presenter, items 3 and 4 came in the other order, and there was
no sub-item 1.a. Since then Region Sjælland has joined the forum, which the previous meeting
did not invite."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from playwright.sync_api import expect

from meetings import copying, services
from meetings.demo import DIRECTORS_2025_08_29
from meetings.models import Forum, Meeting, MeetingStatus
from partnership.models import Organisation, OrganisationKind, User
from tests.browser.conftest import assert_accessible, log_in

CPH = ZoneInfo("Europe/Copenhagen")
FROM_SCRATCH_CLICKS = 46  # issue 15: the programme built through the UI without copying
TITLE = DIRECTORS_2025_08_29["title"]
PROGRAMME = DIRECTORS_2025_08_29["items"]  # (number, kind, title, description, presenters, min)


class Counter:
    """Every click and every field the secretariat uses, counted."""

    def __init__(self) -> None:
        self.clicks = 0
        self.fields = 0

    def click(self, locator) -> None:
        self.clicks += 1
        locator.click()

    def fill(self, locator, value: str) -> None:
        self.fields += 1
        locator.fill(value)

    def select(self, locator, value: str) -> None:
        self.fields += 1
        locator.select_option(value)


def _previous_programme() -> list[tuple]:
    """The programme as the previous meeting had it (see the module)."""
    items = {spec[0]: list(spec[1:]) for spec in PROGRAMME}  # kind, title, ..., minutes
    item_2 = [*items["2"][:3], "V./ Jan Christensen", items["2"][4]]
    return [
        ("1", *items["1"]),
        ("2", *item_2),
        ("3", *items["4"]),  # the other order
        ("4", *items["3"]),
        ("5", *items["5"]),
    ]


def _previous_meeting(today) -> Meeting:
    secretariat = User.objects.get(email="sekretariat@portal.example")
    forum, _ = Forum.objects.get_or_create(name=DIRECTORS_2025_08_29["forum"])
    municipalities = Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY)
    region = Organisation.objects.filter(kind=OrganisationKind.REGION)
    day = today - timedelta(days=28)
    meeting = services.create_meeting(
        fields={
            "forum": forum,
            "title": TITLE,
            "description": DIRECTORS_2025_08_29["description"],
            "starts_at": datetime.combine(day, time(9, 0), tzinfo=CPH),
            "ends_at": datetime.combine(day, time(11, 0), tzinfo=CPH),
            "place": "Sorø, Alléen 15, mødelokale 2",
        },
        by=secretariat,
    )
    for number, kind, title, description, presenters, minutes in _previous_programme():
        services.save_agenda_item(
            meeting=meeting,
            fields={
                "number": number,
                "kind": kind,
                "title": title,
                "description": description,
                "presenters_text": presenters,
                "duration_minutes": minutes,
            },
            by=secretariat,
        )
    forum.members.set(municipalities)
    services.invite_forum(meeting=meeting, by=secretariat)
    services.send_invitations(meeting=meeting, by=secretariat)
    forum.members.add(*region)  # the region has joined since
    return meeting


@pytest.mark.postgres
def test_the_directors_programme_by_copying_the_previous_meeting(portal, new_page, today):
    previous = _previous_meeting(today)
    starts, ends = copying.suggested_times(previous)
    sec = new_page()
    log_in(sec, portal, "sekretariat@portal.example")
    mail.outbox.clear()
    n = Counter()

    # Copy the previous meeting; the time suggested (the same weekday a month later) is kept.
    n.click(sec.get_by_role("link", name="Møder", exact=True).first)
    n.click(sec.get_by_role("link", name=TITLE).first)
    n.click(sec.get_by_role("link", name="Kopiér mødet"))
    expect(sec.get_by_label("Titel")).to_have_value(TITLE)
    assert_accessible(sec)
    n.click(sec.get_by_role("button", name="Opret kopien"))
    expect(sec.get_by_text("Mødet er kopieret med dagsorden og invitationer.")).to_be_visible()
    copy = Meeting.objects.exclude(pk=previous.pk).get(forum=previous.forum, title=TITLE)
    assert (copy.starts_at, copy.ends_at) == (starts, ends)

    # Item 2 has another presenter this time.
    n.click(sec.get_by_role("link", name="Redigér punktet 2", exact=True))
    n.fill(sec.get_by_label("Oplægsholdere (fritekst)"), PROGRAMME[2][4])
    n.click(sec.get_by_role("button", name="Gem punktet"))
    expect(sec.get_by_text("Punkt 2 er gemt på dagsordenen.")).to_be_visible()

    # The table discussions come in the other order.
    n.click(sec.get_by_role("button", name="Flyt ned punkt 3", exact=True))
    expect(sec.get_by_text("Punktet er flyttet. Det har nu nummer 4.")).to_be_visible()

    # A sub-item for feedback on the diploma module.
    n.click(sec.get_by_role("link", name="Tilføj punkt"))
    n.fill(sec.get_by_label("Punktnummer"), "1.a")
    n.select(sec.get_by_label("Type"), PROGRAMME[1][1])
    n.fill(sec.get_by_label("Overskrift"), PROGRAMME[1][2])
    n.click(sec.get_by_role("button", name="Gem punktet", exact=True))
    expect(sec.get_by_text("Punkt 1.a er gemt på dagsordenen.")).to_be_visible()

    # Invite the forum (the region is new) and send.
    n.click(sec.get_by_role("link", name="Invitér", exact=True))
    assert_accessible(sec)
    n.click(sec.get_by_role("button", name="Invitér forummet"))
    expect(sec.get_by_text("1 invitation er tilføjet.")).to_be_visible()
    n.click(sec.get_by_role("button", name="Send invitationer"))
    expect(sec.get_by_text("E-mailene sendes nu.")).to_be_visible()

    assert n.clicks < FROM_SCRATCH_CLICKS / 2, (n.clicks, n.fields)
    assert n.fields <= 4, n.fields

    # The page shows the 29 August programme with its times, from 9.00.
    assert starts.astimezone(CPH).time() == time(9, 0)
    at = starts
    for number, _kind, title, _description, presenters, minutes in PROGRAMME:
        end = at + timedelta(minutes=minutes)
        row = sec.locator("tbody tr").filter(has_text=title)
        expect(row.locator("td").first).to_have_text(number)
        expect(row).to_contain_text(f"{_hm(at)}–{_hm(end)}")
        if presenters:
            expect(row).to_contain_text(presenters)
        at = end
    assert_accessible(sec)

    copy.refresh_from_db()
    assert copy.status == MeetingStatus.INVITED
    assert copy.invitations.filter(organisation__kind=OrganisationKind.REGION).exists()
    assert copy.invitations.count() == previous.invitations.count() + 1
    assert any(re.match(r"Mødeindkaldelse: ", m.subject) for m in mail.outbox)


def _hm(moment) -> str:
    local = moment.astimezone(CPH)
    return f"{local:%H.%M}"
