"""*Møder* shows the coming meetings and the latest past ones; the older ones are behind a
link, on *Tidligere møder*, a page at a time. Neither page grows, in rows or in queries, with
the years of meetings behind it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.selectors import RECENT_MEETINGS
from meetings.views import ARCHIVE_PAGE_SIZE
from tests.factories import demo_user, make_meeting

SECRETARIAT = "sekretariat@portal.example"
CASEWORKER = "sagsbehandler.slagelse@portal.example"


def _meetings(days: list[int], prefix: str) -> list:
    """A meeting `d` days from today at 9.00 for each d (negative: in the past), titled
    by its number, the first in the list the latest in time for past meetings."""
    secretariat = demo_user(SECRETARIAT)
    nine = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    return [
        make_meeting(
            secretariat,
            starts_at=nine + dt.timedelta(days=d),
            ends_at=nine + dt.timedelta(days=d, hours=2),
            title=f"{prefix} {n:02d}",
        )
        for n, d in enumerate(days)
    ]


def _past(count: int) -> list:
    """`count` past meetings, "Tidligere 00" the latest, a week apart."""
    return _meetings([-7 * (n + 1) for n in range(count)], "Tidligere")


@pytest.fixture
def as_secretariat(client, demo):
    client.force_login(demo_user(SECRETARIAT))
    return client


def _titles(page: str, prefix: str, count: int) -> list[str]:
    return [f"{prefix} {n:02d}" for n in range(count) if f"{prefix} {n:02d}" in page]


def test_the_list_shows_the_coming_and_the_latest_past_meetings(as_secretariat):
    _meetings([3, 30, 90], "Kommende")
    _past(RECENT_MEETINGS + 5)
    page = as_secretariat.get(reverse("meetings:meeting_list")).content.decode()
    assert _titles(page, "Kommende", 3) == ["Kommende 00", "Kommende 01", "Kommende 02"]
    # The latest ten, the latest first; the five older ones are not on the page...
    shown = _titles(page, "Tidligere", RECENT_MEETINGS + 5)
    assert shown == [f"Tidligere {n:02d}" for n in range(RECENT_MEETINGS)]
    assert page.index("Tidligere 00") < page.index("Tidligere 09")
    # ...but behind the link.
    archive = reverse("meetings:meeting_archive")
    assert f'href="{archive}"' in page
    older = as_secretariat.get(archive).content.decode()
    assert _titles(older, "Tidligere", RECENT_MEETINGS + 5) == [
        f"Tidligere {n:02d}" for n in range(RECENT_MEETINGS + 5)
    ]
    assert "Kommende 0" not in older


def test_no_link_when_every_past_meeting_is_on_the_list(as_secretariat):
    _past(RECENT_MEETINGS)
    page = as_secretariat.get(reverse("meetings:meeting_list")).content.decode()
    assert len(_titles(page, "Tidligere", RECENT_MEETINGS)) == RECENT_MEETINGS
    assert reverse("meetings:meeting_archive") not in page


def test_the_older_meetings_come_a_page_at_a_time(as_secretariat):
    count = ARCHIVE_PAGE_SIZE + 3
    _past(count)
    archive = reverse("meetings:meeting_archive")
    first = as_secretariat.get(archive).content.decode()
    assert _titles(first, "Tidligere", count) == [
        f"Tidligere {n:02d}" for n in range(ARCHIVE_PAGE_SIZE)
    ]
    assert "Side 1 af 2" in first and "?side=2" in first
    second = as_secretariat.get(archive, {"side": "2"}).content.decode()
    assert _titles(second, "Tidligere", count) == [
        f"Tidligere {n:02d}" for n in range(ARCHIVE_PAGE_SIZE, count)
    ]
    assert "Side 2 af 2" in second


def test_the_older_meetings_are_only_those_the_person_may_see(client, demo):
    _past(3)  # drafts: the secretariat's alone
    client.force_login(demo_user(CASEWORKER))
    page = client.get(reverse("meetings:meeting_archive")).content.decode()
    assert "Tidligere 0" not in page
    assert "Ingen møder." in page


def _queries(client, url, counting) -> int:
    client.get(url)  # sessions and caches settle
    with counting as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url_name", ["meetings:meeting_list", "meetings:meeting_archive"])
def test_the_pages_read_as_many_queries_for_many_meetings_as_for_few(
    as_secretariat, url_name, django_assert_max_num_queries, django_assert_num_queries
):
    url = reverse(url_name)
    _meetings([3], "Kommende")
    _past(2)
    few = _queries(as_secretariat, url, django_assert_max_num_queries(20))
    _meetings([4, 5], "Kommende flere")
    _past(3 * ARCHIVE_PAGE_SIZE)
    _queries(as_secretariat, url, django_assert_num_queries(few))


def test_a_cached_list_shows_a_changed_meeting_or_forum_at_once(as_secretariat):
    """The tables are cached under the values they show (views._meeting_table_key), read
    with only those fields (selectors.MEETING_ROW_FIELDS): a change to any shows at once."""
    coming, past = _meetings([3, -3], "Ændres")
    url = reverse("meetings:meeting_list")
    assert "Ændres 00" in as_secretariat.get(url).content.decode()
    coming.title, coming.place = "Nyt navn på mødet", "Et helt andet sted"
    coming.save()
    past.forum.name = "Et omdøbt forum"
    past.forum.save()
    page = as_secretariat.get(url).content.decode()
    assert "Nyt navn på mødet" in page and "Et helt andet sted" in page
    assert "Ændres 00" not in page
    assert "Et omdøbt forum" in page
