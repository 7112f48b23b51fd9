"""A page's statements sent before the page needs them, and read where it does: the
database works on them while Python makes the page up to there, and answers them one after
the other without waiting for Python to ask for the next (psycopg's pipeline mode). The
search's results (offers.search.selectors.SearchResults), the meeting page's reads and
facts (meetings.selectors.meeting_page_reads, meeting_facts_read) and Mit overblik's lists
(partnership.dashboard.read_together) are sent so."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

from django.db import connection


class Sendable(Protocol):
    def send(self) -> None:
        """Send the statement now (a cursor's execute() in pipeline mode returns at once),
        unless nothing is to be read (the cache has it, or it was read already); the first
        use of what it answers reads it, and sends it then if it was not sent."""


# The prepared reads sent in the running sent_ahead() block and not yet taken, by SQL and
# parameters (Prepared, taken()).
_sent: ContextVar[dict[tuple[str, str], Any] | None] = ContextVar("sent_ahead", default=None)


class Prepared:
    """A prepared read, its SQL and parameters as a selector runs them through
    partnership.dashboard.compiled_cursor(), to send ahead: while the sent_ahead() block
    runs, the compiled cursor that runs the same SQL with the same parameters reads the
    rows of the one sent (taken()) instead of sending it again, so the selector need not
    know. A read sent and never asked for is read and dropped at the block's end."""

    def __init__(self, sql: str, params: Any) -> None:
        self.sql, self.params = sql, params

    def send(self) -> None:
        sent = _sent.get()
        key = (self.sql, repr(self.params))
        if sent is not None and key not in sent:
            cursor = connection.preparing_cursor()  # (partnership/db_backend)
            cursor.execute(self.sql, self.params)
            sent[key] = cursor


def taken(sql: str, params: Any) -> Any | None:
    """The cursor of this read (SQL and parameters) if the running block sent it ahead and
    no one took it yet (partnership.dashboard.compiled_cursor() asks)."""
    sent = _sent.get()
    return sent.pop((sql, repr(params)), None) if sent else None


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
    sent: dict[tuple[str, str], Any] = {}
    token = _sent.set(sent)
    try:
        with connection.connection.pipeline():
            for statement in to_send:
                statement.send()
            yield
    finally:
        _sent.reset(token)
        for cursor in sent.values():  # (sent, not asked for: read at the pipeline's end)
            cursor.close()
