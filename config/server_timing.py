"""A Server-Timing header with the time spent in the app and in SQL, for bench/run.

Only in MIDDLEWARE when the environment variable SERVER_TIMING=1 is set (config/settings.py),
never in production: the header tells a client how long the server worked and how many
queries a page issues.

    Server-Timing: app;dur=12.3, db;dur=4.5;desc="6 queries"

app is the whole request as this middleware sees it (it is first in the chain, so every
other middleware counts), db the time inside the database driver for every query on
every connection, with their number."""

from __future__ import annotations

import time
from contextlib import ExitStack

from django.db import connections


class _QueryCounter:
    """An execute_wrapper: counts the queries and adds up their time."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start
            self.count += 1


class ServerTimingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        counter = _QueryCounter()
        start = time.perf_counter()
        with ExitStack() as stack:
            for connection in connections.all():
                stack.enter_context(connection.execute_wrapper(counter))
            response = self.get_response(request)
        app_ms = (time.perf_counter() - start) * 1000
        response["Server-Timing"] = (
            f"app;dur={app_ms:.2f}, "
            f'db;dur={counter.seconds * 1000:.2f};desc="{counter.count} queries"'
        )
        return response
