"""Every assertion about what a browser page shows must wait for the page.

After a click, Playwright returns once the next page has started loading; `is_visible()`,
`count()` and `text_content()` answer at once, so `assert page.get_by_text(...).is_visible()`
passes on a quiet machine and fails on a busy one (CI, 2026-12-06: two journeys failed this
way). `expect(locator).to_be_visible()` / `.to_have_count(n)` retry until the page shows it.
This test reads every browser test and fails on an assertion that does not wait.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BROWSER_TESTS = sorted((Path(__file__).parent / "browser").glob("*.py"))
# Locator methods that answer at once instead of waiting.
ANSWER_AT_ONCE = {"is_visible", "is_hidden", "is_checked", "is_enabled", "count", "text_content"}
LOCATORS = {"locator", "first", "last", "nth"}


def _is_locator(node: ast.AST) -> bool:
    """True for an expression built from page.locator(...) / page.get_by_*(...)."""
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        if not isinstance(node, ast.Attribute):
            return False
        if node.attr in LOCATORS or node.attr.startswith("get_by_"):
            return True
        node = node.value


def racy_assertions(source: str) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Assert):
            continue
        for call in ast.walk(node.test):
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and call.func.attr in ANSWER_AT_ONCE
                and _is_locator(call.func.value)
            ):
                lines.append(node.lineno)
                break
    return lines


def test_the_check_finds_an_assertion_that_does_not_wait():
    assert racy_assertions('assert page.get_by_text("Gemt").is_visible()\n') == [1]
    assert racy_assertions('assert page.locator("tr").count() == 2\n') == [1]
    assert racy_assertions('assert page.locator("svg desc").text_content() == "x"\n') == [1]
    assert racy_assertions("assert Tariff.objects.count() == 2\n") == []
    assert racy_assertions('expect(page.get_by_text("Gemt")).to_be_visible()\n') == []


@pytest.mark.parametrize("path", BROWSER_TESTS, ids=lambda p: p.name)
def test_browser_assertions_wait_for_the_page(path):
    assert racy_assertions(path.read_text()) == [], (
        f"{path.name}: use expect(locator).to_be_visible() / .to_have_count(n) / "
        ".to_have_text(...) instead of asserting is_visible()/count()/text_content()"
    )
