"""Page numbers, once for every list in the portal.

Every paginated list reads the page from ``?side=`` through paginate() (and nothing else in
the project imports Django's Paginator: tests/partnership/test_pagination.py checks the
source and requests every such list with absurd page numbers).

What a page number means:
* a whole number from 1 up is that page; past the last page it is the last page, so a
  link to page 7 of a list that has since shrunk (a filter, a deleted row, new search
  results) still shows something rather than an error page;
* anything else (missing, "abc", 0, -3, "1.5") is the first page;
* a number beyond MAX_PAGE counts as MAX_PAGE, far beyond any list the portal has, so a
  page's position (the search reads its window of rows before it counts them) stays a
  small number for the database: OFFSET 9223372036854775807 × 20 is no bigint.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

PAGE_PARAM = "side"
# 100,000 pages of 20 rows are two million rows: more than any list in the portal will hold.
MAX_PAGE = 100_000


def page_number(value: object) -> int:
    """The page asked for, from 1 to MAX_PAGE (see the module's docstring)."""
    try:
        number = int(str(value).strip()) if value is not None else 1
    except ValueError:  # not a whole number; also a string of more than 4,300 digits
        return 1
    return min(max(number, 1), MAX_PAGE)


def paginate(object_list: QuerySet | Sequence, per_page: int, value: object) -> Page:
    """The page of object_list that value (the raw ``side`` parameter, or a number from
    page_number()) asks for; past the last page, the last page."""
    return Paginator(object_list, per_page).get_page(page_number(value))
