"""Two requests (or service calls) at the same moment, for the tests of "one object per
intent": each runs in a thread of its own with its own database connection, and a barrier
lets them go together. Needs a transactional_db, so each thread sees what the others commit."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection

TIMEOUT = 30


@dataclass
class Outcome:
    result: Any = None
    error: BaseException | None = None


def run_together(*calls: Callable[[], Any], barrier: threading.Barrier | None = None) -> list:
    """Run the calls at once, one thread each; their outcomes in the same order.

    Each call waits at the barrier before it starts (pass one to share it with code inside
    the calls, e.g. a patched function, so both get past a read before either writes). Each
    thread closes its database connection at the end."""
    barrier = barrier or threading.Barrier(len(calls), timeout=TIMEOUT)
    outcomes = [Outcome() for _ in calls]

    def run(call: Callable[[], Any], outcome: Outcome) -> None:
        try:
            barrier.wait()
            outcome.result = call()
        except BaseException as exc:  # reported to the test, which decides
            outcome.error = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(c, o)) for c, o in zip(calls, outcomes, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
        assert not t.is_alive(), "a racing call did not finish (a lock waiting on a lock?)"
    return outcomes


def slowed(fn: Callable, seconds: float = 0.3) -> Callable:
    """fn, holding on a moment first: called inside a transaction, it keeps the first racer
    there long enough for the other to arrive (at a row lock, or at the same check)."""

    def wrapper(*args, **kwargs):
        time.sleep(seconds)
        return fn(*args, **kwargs)

    return wrapper
