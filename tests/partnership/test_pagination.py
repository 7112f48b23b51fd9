"""Every paginated list answers any page number with a page: past the last page the last
page, anything that is not a page number the first, never a server error.

The lists are found in the source: nothing but partnership/pagination.py may use Django's
Paginator, and every view that calls paginate() must be requested here (PAGINATED), so a
new paginated list without an entry fails."""

from __future__ import annotations

import ast
import inspect
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import resolve, reverse
from django.utils import timezone

from offers.models import OfferFollow
from partnership.models import Job, JobStatus
from partnership.pagination import MAX_PAGE, page_number
from tests.factories import (
    OrganisationFactory,
    demo_user,
    make_contract,
    make_meeting,
    make_offer,
    publish,
)

CASEWORKER = "sagsbehandler.naestved@portal.example"
PROVIDER = "leverandoer.a@portal.example"  # Bostedet Egelund, make_offer()'s provider
SECRETARIAT = "sekretariat@portal.example"
PACKAGES = ("config", "partnership", "offers", "contracts", "quality", "meetings", "api")
HELPER = Path("partnership") / "pagination.py"

# Every list that pages: URL name → who looks at it.
PAGINATED = {
    "offers:search": CASEWORKER,
    "contracts:contract_list": CASEWORKER,
    "partnership:organisation_list": CASEWORKER,
    "partnership:job_list": CASEWORKER,
    "offers:followed_list": CASEWORKER,
    "offers:own_offers": PROVIDER,
    "meetings:meeting_archive": SECRETARIAT,
}

HUGE = "9223372036854775807"  # the largest bigint; × the page size it is none
NOT_A_PAGE = ["abc", "", "0", "-1", "1.5", "1e3", "9" * 5000, "%00"]


def project_modules() -> list[Path]:
    root = Path(settings.BASE_DIR)
    return sorted(
        path.relative_to(root)
        for package in PACKAGES
        for path in (root / package).rglob("*.py")
        if "migrations" not in path.parts
    )


def parsed(path: Path) -> ast.Module:
    return ast.parse((Path(settings.BASE_DIR) / path).read_text(), filename=str(path))


def test_nothing_but_the_helper_uses_djangos_paginator():
    offenders = []
    for path in project_modules():
        if path == HELPER:
            continue
        for node in ast.walk(parsed(path)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("paginator"):
                offenders.append(f"{path}:{node.lineno} imports {node.module}")
            elif isinstance(node, ast.Name) and node.id in ("Paginator", "paginate_by"):
                offenders.append(f"{path}:{node.lineno} uses {node.id}")
            elif isinstance(node, ast.Attribute) and node.attr in ("Paginator", "get_page"):
                offenders.append(f"{path}:{node.lineno} uses .{node.attr}")
    assert offenders == [], "paginate through partnership.pagination.paginate():\n" + "\n".join(
        offenders
    )


def views_calling_paginate() -> set[str]:
    found = set()
    for path in project_modules():
        module = ".".join(path.with_suffix("").parts)
        for node in ast.walk(parsed(path)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            calls = {
                getattr(c.func, "id", None) or getattr(c.func, "attr", None)
                for c in ast.walk(node)
                if isinstance(c, ast.Call)
            }
            if "paginate" in calls and path != HELPER:
                found.add(f"{module}.{node.name}")
    return found


def view_name(url_name: str) -> str:
    view = inspect.unwrap(resolve(reverse(url_name)).func)
    return f"{view.__module__}.{view.__qualname__}"


def test_every_paginated_view_is_requested_here():
    assert views_calling_paginate() == {view_name(name) for name in PAGINATED}


@pytest.fixture
def two_pages_of_everything(demo):
    """More rows than one page holds in each list, for the person PAGINATED names."""
    caseworker = demo_user(CASEWORKER)
    offers = [make_offer() for _ in range(26)]
    publish(offers[0], timezone.localdate().year, "2500")
    OfferFollow.objects.bulk_create(OfferFollow(user=caseworker, offer=o) for o in offers)
    for _ in range(26):
        make_contract(offer=offers[0], start_date=timezone.localdate())
    OrganisationFactory.create_batch(51)
    Job.objects.bulk_create(
        Job(
            kind="member_list", title="Medlemsliste", ordered_by=caseworker, status=JobStatus.QUEUED
        )
        for _ in range(26)
    )
    last_week = timezone.now() - timedelta(days=7)
    for n in range(26):
        make_meeting(
            demo_user(SECRETARIAT),
            starts_at=last_week - timedelta(days=n),
            ends_at=last_week - timedelta(days=n) + timedelta(hours=2),
        )


@pytest.mark.parametrize("url_name", sorted(PAGINATED))
def test_any_page_number_shows_a_page_of_the_list(client, two_pages_of_everything, url_name):
    client.force_login(demo_user(PAGINATED[url_name]))
    url = reverse(url_name)
    last = client.get(url, {"side": HUGE})
    assert last.status_code == 200
    page = last.context["page"]
    assert page.paginator.num_pages >= 2
    assert page.number == page.paginator.num_pages
    assert len(page.object_list) >= 1
    for value in NOT_A_PAGE:
        response = client.get(url, {"side": value})
        assert response.status_code == 200, value
        assert response.context["page"].number == 1, value
    assert client.get(url, {"side": "2"}).context["page"].number == 2


def test_page_numbers_are_read_once_for_every_list():
    assert page_number(None) == page_number("abc") == page_number("-7") == 1
    assert page_number(" 3 ") == page_number(3) == 3
    assert page_number(HUGE) == page_number("9" * 4000) == MAX_PAGE
