"""The member part of the API's reads: an organisation's own contracts and meetings, for a
token of that organisation, scoped by the apps' own rules (contracts.permissions
.contracts_of_organisation, meetings.permissions.meetings_of_organisation and
items_of_organisation), in pages by id, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contracts.models import Contract
from contracts.permissions import contracts_of_organisation
from meetings import ics
from meetings.models import AgendaItem, Meeting
from meetings.permissions import items_of_organisation, meetings_of_organisation
from partnership.models import Organisation


@dataclass
class Page:
    rows: list[Any]
    # The id the next page starts after, or None on the last page.
    next_after: int | None


def _page(rows: list[Any], limit: int) -> Page:
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows=rows, next_after=rows[-1].pk if more and rows else None)


def contract_page(organisation: Organisation, *, after: int | None, limit: int) -> Page:
    """The organisation's contracts as buyer or provider (a provider's once sent), by id."""
    contracts = contracts_of_organisation(organisation)
    if after is not None:
        contracts = contracts.filter(pk__gt=after)
    rows: list[Contract] = list(
        contracts.select_related("buyer", "provider", "offer").order_by("pk")[: limit + 1]
    )
    return _page(rows, limit)


@dataclass
class MeetingPage(Page):
    items: dict[int, list[AgendaItem]]


def meeting_page(organisation: Organisation, *, after: int | None, limit: int) -> MeetingPage:
    """The meetings the organisation is invited to, by id, each with the agenda items the
    organisation may see (closed items only when closed to it)."""
    meetings = meetings_of_organisation(organisation.pk)
    if after is not None:
        meetings = meetings.filter(pk__gt=after)
    rows: list[Meeting] = list(meetings.select_related("forum").order_by("pk")[: limit + 1])
    page = _page(rows, limit)
    items: dict[int, list[AgendaItem]] = {m.pk: [] for m in page.rows}
    ids = [m.pk for m in page.rows]
    for item in items_of_organisation(organisation.pk, Meeting.objects.filter(pk__in=ids)):
        items[item.meeting_id].append(item)
    return MeetingPage(rows=page.rows, next_after=page.next_after, items=items)


def calendar(organisation: Organisation) -> bytes:
    """The organisation's meetings as an iCalendar feed, made as the portal's personal
    feed is (meetings.ics): the meetings it is invited to, with the items open to it."""
    return ics.organisation_feed_ics(organisation)
