"""A page's slowest statement sent before the page is drawn, and read where the page shows
what it answers: the database works on it while Python draws the page up to there, instead
of the page waiting for it first (psycopg's pipeline mode). The search's results
(offers.search.selectors.SearchResults) and the meeting page's facts
(meetings.selectors.MeetingFactsAhead) are sent so."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from django.db import connection


class Sendable(Protocol):
    def send(self) -> None:
        """Send the statement now (a cursor's execute() in pipeline mode returns at once),
        unless nothing is to be read (the cache has it, or it was read already); the first
        use of what it answers reads it, and sends it then if it was not sent."""


@contextmanager
def sent_ahead(*statements: Sendable | None) -> Iterator[None]:
    """While the block runs (the page drawn), the connection is in psycopg's pipeline mode
    and each statement is sent at once, in the order given: the database works on them
    while the page is drawn up to what they answer, which then reads them. A query made in
    between is sent after them and answered in order (it waits for them, as it would
    have waited behind them without the pipeline). Leaving the block reads what is still
    unread and leaves pipeline mode. None: nothing to send; nothing at all: no pipeline."""
    to_send = [statement for statement in statements if statement is not None]
    if not to_send:
        yield
        return
    connection.ensure_connection()
    with connection.connection.pipeline():
        for statement in to_send:
            statement.send()
        yield
