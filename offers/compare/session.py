"""The offers a person has chosen to compare, kept in the session: the search page and the
offer page show the choice, the comparison reads it."""

from __future__ import annotations

COMPARE_KEY = "compare_offers"


COMPARE_MAX = 4


def compared_ids(request) -> list[int]:
    return [int(i) for i in request.session.get(COMPARE_KEY, [])][:COMPARE_MAX]
