"""Issue 13, "My things", in the browser: a caseworker saves a search, follows an offer, finds
both on "Mit overblik" (also on a 320 px wide screen), stops following from there and
deletes the search."""

from playwright.sync_api import expect

from offers.models import SavedSearch
from tests.browser.conftest import assert_accessible, log_in

CASEWORKER = "sagsbehandler.slagelse@portal.example"


def _overflowing(page, selector: str) -> list[str]:
    """The elements under `selector` that reach past the right edge of the screen."""
    return page.evaluate(
        """selector => {
            const width = document.documentElement.clientWidth;
            return Array.from(document.querySelectorAll(selector))
                .flatMap(e => [e, ...e.querySelectorAll("*")])
                .filter(e => e.getBoundingClientRect().right > width + 1)
                .map(e => e.tagName + " " + (e.textContent || "").trim().slice(0, 40));
        }""",
        selector,
    )


def test_caseworker_saves_a_search_and_follows_an_offer(portal_with_offers, new_page):
    portal = portal_with_offers
    page = new_page()
    log_in(page, portal, CASEWORKER)
    page.get_by_role("link", name="Find tilbud").first.click()
    page.get_by_label("SEL § 108").check()
    page.get_by_label("Kun tilbud med ledige pladser nu").check()
    page.get_by_role("button", name="Søg", exact=True).click()

    page.get_by_role("link", name="Gem søgningen").click()
    expect(page.get_by_text("Lovgrundlag: SEL § 108")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Navn på søgningen").fill("Botilbud med ledige pladser")
    page.get_by_label("Giv mig besked, når et nyt tilbud passer til søgningen").check()
    page.get_by_role("button", name="Gem søgningen").click()
    expect(page.get_by_text("Søgningen «Botilbud med ledige pladser» er gemt.")).to_be_visible()
    assert_accessible(page)
    saved = SavedSearch.objects.get(user__email=CASEWORKER)
    assert saved.notify_by_email and "ledige=on" in saved.query

    # Run it again from the list: the same filters are set.
    page.get_by_role("link", name="Botilbud med ledige pladser", exact=True).click()
    expect(page.get_by_label("Kun tilbud med ledige pladser nu")).to_be_checked()
    offer_name = page.locator(".result-title a").first.inner_text()
    page.locator(".result-title a").first.click()
    page.get_by_role("button", name="Følg tilbuddet").click()

    page.get_by_role("link", name="Mit overblik").first.click()
    followed = page.locator("section", has=page.locator("#panel-followed_offers-heading"))
    expect(followed.get_by_role("link", name=offer_name)).to_be_visible()
    searches = page.locator("section", has=page.locator("#panel-saved_searches-heading"))
    expect(
        searches.get_by_role("link", name="Botilbud med ledige pladser", exact=True)
    ).to_be_visible()
    assert_accessible(page)
    page.set_viewport_size({"width": 320, "height": 800})
    assert _overflowing(page, ".dashboard-panel") == []
    page.set_viewport_size({"width": 1280, "height": 800})

    followed.get_by_role("button", name="Følg ikke længere").click()
    expect(page.get_by_text(f"Du følger ikke længere {offer_name}.")).to_be_visible()
    expect(page.get_by_text("Du følger ingen tilbud.")).to_be_visible()

    page.get_by_role("link", name="Se, redigér eller slet").or_(
        page.get_by_role("link", name="Redigér eller slet din gemte søgning")
    ).click()
    page.get_by_role("button", name="Slet").click()
    expect(page.get_by_text("Du har ingen gemte søgninger.")).to_be_visible()
    assert not SavedSearch.objects.exists()
