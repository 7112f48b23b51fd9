"""WCAG 1.4.10 Reflow: every page the browser tests check (assert_accessible) is measured at
320 px wide. These tests show that the measurement can fail and what it accepts, that the
main menu folds on a phone, and measure the pages a person reaches by following links."""

import json
import re
from collections import Counter

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from contracts import demo as contracts_demo
from meetings import demo as meetings_demo
from partnership.models import Organisation
from tests.browser.conftest import REFLOW_WIDTH, assert_accessible, log_in, reflow_overflow

PAGE = '<!DOCTYPE html><html lang="da"><head><title>Side</title></head><body><main>{}</main></body></html>'


def test_the_reflow_check_itself_finds_a_page_wider_than_320_px(new_page):
    """A fixed-width box makes the document wider than the viewport: the check fails and
    names the element, and the viewport is set back afterwards."""
    page = new_page()
    page.set_content(PAGE.format('<h1>Side</h1><div class="wide" style="width: 500px">Bred</div>'))
    overflow = reflow_overflow(page)
    assert overflow is not None
    assert overflow["widths"]["html"] >= 500
    assert overflow["culprits"][0]["element"].endswith("div.wide")
    assert page.viewport_size["width"] == 1280
    with pytest.raises(AssertionError, match=f"does not reflow at {REFLOW_WIDTH} px"):
        assert_accessible(page)


def test_a_wide_table_in_a_scroll_box_reflows(new_page):
    """A table wider than the phone scrolls inside its own region, which a keyboard user
    can reach (tabindex) and a screen reader names: that is allowed by 1.4.10. A box that
    scrolls only on the phone and cannot be reached by keyboard fails there."""
    table = (
        '<table><caption>Takster</caption><tr><th scope="col">År</th>'
        + "".join(f'<th scope="col">Kolonne med en lang overskrift {i}</th>' for i in range(8))
        + "</tr></table>"
    )
    box = '<div style="overflow-x: auto"{}>{}</div>'
    page = new_page()
    page.set_content(PAGE.format(f"<h1>Side</h1>{table}"))
    assert reflow_overflow(page)["widths"]["html"] > REFLOW_WIDTH

    page.set_content(PAGE.format("<h1>Side</h1>" + box.format("", table)))
    unreachable = reflow_overflow(page)
    assert unreachable["widths"]["html"] <= REFLOW_WIDTH
    assert [v["id"] for v in unreachable["axe"]] == ["scrollable-region-focusable"]

    region = ' tabindex="0" role="region" aria-label="Takster"'
    page.set_content(PAGE.format("<h1>Side</h1>" + box.format(region, table)))
    assert reflow_overflow(page) is None
    assert_accessible(page)


def test_the_main_menu_folds_on_a_phone_and_stays_open_on_a_wide_screen(portal, new_page):
    page = new_page()
    log_in(page, portal, "sekretariat@portal.example")
    page.goto(portal + "/overblik/")
    menu = page.get_by_role("navigation", name="Hovedmenu")
    toggle = menu.get_by_text("Menu", exact=True)
    meetings = menu.get_by_role("link", name="Møder")
    expect(meetings).to_be_visible()
    expect(toggle).to_be_hidden()

    page.set_viewport_size({"width": REFLOW_WIDTH, "height": 640})
    expect(toggle).to_be_visible()
    expect(meetings).to_be_hidden()
    toggle.click()
    expect(meetings).to_be_visible()
    meetings.click()
    expect(page).to_have_url(portal + "/moeder/")
    assert_accessible(page)


def test_who_is_logged_in_and_log_out_show_on_a_phone(portal, new_page):
    """DKFDS hides the header's person and "Log af" below 992 px (it expects a drawer the
    portal does not have): on a phone they stay, and logging out works."""
    page = new_page()
    page.set_viewport_size({"width": REFLOW_WIDTH, "height": 640})
    log_in(page, portal, "sagsbehandler.slagelse@portal.example")
    page.goto(portal + "/overblik/")
    expect(page.get_by_role("link", name="Signe Sagsbehandler")).to_be_visible()
    page.get_by_role("button", name="Log af").click()
    expect(page.get_by_role("link", name="Log ind").first).to_be_visible()


def crawl(page, base: str, start: str, limit: int) -> tuple[list[str], dict[str, dict]]:
    """Follow the portal's own links from `start` as the person would (GET only, no
    downloads, no logging out), and measure each page at 320 px: the pages that do not
    reflow, with what sticks out."""
    seen, queue, wide, measured = set(), [start], {}, []
    kinds: Counter = Counter()  # pages of one kind (/tilbud/<n>/, /organisationer/<slug>/)
    while queue and len(measured) < limit:
        path = queue.pop(0)
        kind = re.sub(r"\d+", "<n>", path)
        parent = "under " + path.split("?")[0].rstrip("/").rsplit("/", 1)[0]
        if path in seen or kinds[kind] >= 2 or (parent != "under " and kinds[parent] >= 4):
            continue
        seen.add(path)
        kinds[kind] += 1
        kinds[parent] += 1
        try:
            response = page.goto(base + path)
        except PlaywrightError:  # a file, downloaded rather than shown
            continue
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        measured.append(path)
        overflow = reflow_overflow(page)
        if overflow is not None:
            wide[path] = overflow
        for href in page.eval_on_selector_all(
            "main a[href], nav a[href]", "links => links.map(a => a.getAttribute('href'))"
        ):
            href = href.split("#")[0]
            if href.startswith("/") and href not in seen and not SKIP.search(href):
                queue.append(href)
    return measured, wide


# Links that leave the page for a file, log out, or lead to someone else's site.
SKIP = re.compile(
    r"logout|/hent/|pdf|xlsx|\.ics|/billeder/\d+/$|/bilag/\d+/$|/dokumenter/\d+/$|/admin/|/static/"
)


@pytest.mark.parametrize(
    "email,start",
    [
        ("sekretariat@portal.example", "/overblik/"),
        ("sekretariat@portal.example", "/moeder/"),
        ("sagsbehandler.slagelse@portal.example", "/overblik/"),
    ],
)
def test_the_pages_a_person_reaches_reflow_at_320_px(email, start, portal_with_offers, new_page):
    """The pages a secretariat user and a caseworker reach by following links (the issue
    found 30 of 80 and 18 of 60 too wide), with the demo's offers, contracts and meetings."""
    organisations = {o.slug: o for o in Organisation.objects.all()}
    contracts_demo.seed(organisations)
    meetings_demo.seed(organisations)
    page = new_page()
    log_in(page, portal_with_offers, email)
    measured, wide = crawl(page, portal_with_offers, start, limit=90)
    assert len(measured) >= 40, measured
    assert not wide, json.dumps(wide, ensure_ascii=False, indent=1)
