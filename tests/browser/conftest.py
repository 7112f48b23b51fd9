"""Browser tests: Debian's Chromium driven by Playwright against Django's live server."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

# The identity-provider processes of the federated-login journey (tests/federation/).
from tests.federation.servers import (  # noqa: F401  (fixtures)
    oidc_broker,
    oidc_process,
    saml_idp,
    saml_idp_process,
)

# Playwright's sync API runs an event loop in this thread; Django's ORM is used beside it
# from the same thread in the tests, which is safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import expect, sync_playwright

    # Assertions wait for the page (tests/test_browser_assertions_wait.py keeps them so); a
    # loaded CI machine can take more than the default 5 s to show the page after a click.
    expect.set_options(timeout=15_000)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium, request):
    """Open pages in fresh browser contexts (one per person); screenshots on failure."""
    contexts = []

    def make():
        # bypass_csp lets the test inject axe-core; the portal's own pages need no inline code.
        context = chromium.new_context(
            bypass_csp=True, locale="da-DK", viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        # The question before an irreversible action (data-confirm, static/portal/portal.js) is
        # answered yes, as the person who clicked would; tests/browser/test_forms_journey.py
        # answers it no as well.
        page.on("dialog", lambda dialog: dialog.accept())
        return page

    yield make
    failed = getattr(request.node, "rep_call", None)
    for i, context in enumerate(contexts):
        if failed is not None and failed.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            for j, pg in enumerate(context.pages):
                pg.screenshot(
                    path=str(ARTIFACTS / f"{request.node.name}-{i}-{j}.png"), full_page=True
                )
        context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def portal(live_server, demo):
    """The live portal with the demo data."""
    return live_server.url


def log_in(page, base_url: str, email: str, password: str = "partnerskab-demo") -> None:
    """Log in as the person would, typing the TOTP code when asked for one."""
    from partnership.demo import DEMO_USERS
    from partnership.management.commands.demo_totp import current_code

    page.goto(base_url + "/konto/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Adgangskode").fill(password)
    page.get_by_role("button", name="Log ind").last.click()
    page.wait_for_load_state()
    if "/konto/2fa/authenticate/" in page.url:
        secret = next(s for e, _n, _o, _r, s in DEMO_USERS if e == email)
        # A code is valid in its own 30-second window only: one typed in the window's last
        # seconds may reach the portal in the next. Wait for a fresh window then, as a
        # person glancing at the app would.
        left = 30 - time.time() % 30
        if left < 5:
            time.sleep(left + 0.5)
        page.get_by_label("Kode").fill(current_code(secret))
        page.get_by_role("button", name="Log ind").last.click()
        page.wait_for_load_state()
        assert "/konto/2fa/authenticate/" not in page.url, f"TOTP login failed for {email}"


def axe_violations(page, rules: list[str] | None = None) -> list[dict]:
    """axe-core's WCAG A/AA violations on the page (only `rules`, when given)."""
    page.add_script_tag(path=str(AXE))
    run_only = {"type": "rule", "values": rules} if rules else {"type": "tag", "values": WCAG_TAGS}
    result = page.evaluate("runOnly => axe.run(document, {runOnly})", run_only)
    return result["violations"]


# WCAG 1.4.10 Reflow: at 320 CSS px wide (1280 px at 400 % zoom) a page reads without
# scrolling in two directions. A wide table may scroll inside its own box (.table-scroll).
REFLOW_WIDTH = 320

# Waits for two frames (the layout after a resize), then measures the document's width and
# lists the elements that stick out past the viewport's right edge and are not inside a
# box that scrolls or clips them: the innermost of them, they are the cause.
_REFLOW_JS = """async width => {
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const root = document.documentElement;
  const body = document.body;
  const widths = {html: root.scrollWidth, body: body ? body.scrollWidth : 0};
  // A box that scrolls or clips holds what is inside it, unless that is positioned out of it.
  const clipped = el => {
    if (['absolute', 'fixed'].includes(getComputedStyle(el).position)) return false;
    for (let a = el.parentElement; a && a !== body && a !== root; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible' &&
          a.getBoundingClientRect().right <= width + 0.5) return true;
    }
    return false;
  };
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    [...el.classList].map(c => '.' + c).join('');
  const path = el => {
    const parts = [];
    for (let a = el; a && a !== body && parts.length < 4; a = a.parentElement) {
      parts.unshift(name(a));
    }
    return parts.join(' > ');
  };
  const wide = [...(body ? body.querySelectorAll('*') : [])].filter(el => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.right > width + 0.5 && !clipped(el);
  });
  const culprits = wide.filter(el => !wide.some(o => o !== el && el.contains(o)));
  const describe = el => ({
    element: path(el),
    right: Math.round(el.getBoundingClientRect().right),
    text: (el.innerText || el.getAttribute('aria-label') || '').trim().slice(0, 60),
  });
  return {widths, culprits: culprits.slice(0, 8).map(describe)};
}"""


# The axe rules whose answer depends on the width: a box that scrolls only on a phone (a
# table's region) must be reachable by keyboard there.
NARROW_AXE_RULES = ["scrollable-region-focusable"]


def reflow_overflow(page, width: int = REFLOW_WIDTH) -> dict | None:
    """What sticks out when the page is shown `width` px wide, and the width-dependent axe
    violations there (None: nothing). The viewport is set back afterwards."""
    before = page.viewport_size
    page.set_viewport_size({"width": width, "height": before["height"]})
    try:
        measured = page.evaluate(_REFLOW_JS, width)
        violations = axe_violations(page, NARROW_AXE_RULES)
    finally:
        page.set_viewport_size(before)
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
    if max(measured["widths"].values()) <= width and not violations:
        return None
    measured["axe"] = [
        {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:5]} for v in violations
    ]
    return measured


def assert_accessible(page) -> None:
    """axe-core finds no WCAG 2.0/2.1 A or AA violation (at the test's width), and the page
    reflows at 320 px (WCAG 1.4.10): there the document is no wider than the viewport, and
    a box that scrolls is reachable by keyboard. Every page the browser tests check goes
    through here; tests/browser/test_reflow.py shows that it can fail."""
    overflow = reflow_overflow(page)
    violations = axe_violations(page)
    summary = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in violations
    ]
    assert not violations, f"{page.url}: " + json.dumps(summary, ensure_ascii=False, indent=1)
    assert overflow is None, (
        f"{page.url} does not reflow at {REFLOW_WIDTH} px (WCAG 1.4.10; widths, what sticks "
        "out, and axe at that width): " + json.dumps(overflow, ensure_ascii=False, indent=1)
    )


@pytest.fixture
def portal_with_offers(portal):
    """The live portal with the demo organisations, logins and the demo offers."""
    from offers import demo as offers_demo
    from partnership.models import Organisation

    offers_demo.seed({o.slug: o for o in Organisation.objects.all()})
    return portal
