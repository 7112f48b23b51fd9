"""partnership.links.url_with_id(): an object's page by its id, the URL name reversed once
per process, URLconf and script prefix (issue 17: reverse() for each row was a tenth of a
list's Python). It must give what reverse() gives for every URL name whose one argument is an
id, under any script prefix, and every get_absolute_url() of an id's page must use it (one
home for the rule, so the two cannot disagree)."""

import ast
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse, set_script_prefix
from django.urls.converters import IntConverter

from partnership.links import url_with_id

ROOT = Path(__file__).resolve().parents[2]
APPS = ("partnership", "offers", "contracts", "quality", "meetings", "federation", "api")


def _id_url_names(patterns=None, namespace="", converters=None) -> list[str]:
    """Every URL name of the portal whose path takes exactly one argument, an int."""
    names = []
    for p in get_resolver().url_patterns if patterns is None else patterns:
        found = {**(converters or {}), **getattr(p.pattern, "converters", {})}
        if isinstance(p, URLResolver):
            inner = f"{namespace}{p.namespace}:" if p.namespace else namespace
            names += _id_url_names(p.url_patterns, inner, found)
        elif isinstance(p, URLPattern) and p.name and len(found) == 1:
            if isinstance(next(iter(found.values())), IntConverter):
                names.append(namespace + p.name)
    return sorted(set(names))


def test_there_are_id_urls_to_check():
    names = _id_url_names()
    assert {"offers:offer_detail", "meetings:meeting_detail", "contracts:contract_detail"} <= set(
        names
    )


@pytest.mark.parametrize("prefix", ["/", "/portal/"])
def test_it_gives_what_reverse_gives_for_every_id_url(prefix):
    try:
        set_script_prefix(prefix)
        for name in _id_url_names():
            for pk in (1, 17, 90210):
                assert url_with_id(name, pk) == reverse(name, args=[pk]), name
    finally:
        set_script_prefix("/")


def test_a_value_that_is_not_an_int_is_reversed_as_it_is():
    assert url_with_id("offers:offer_detail", "17") == reverse("offers:offer_detail", args=["17"])


def _reverses_an_id(node: ast.FunctionDef) -> bool:
    for call in ast.walk(node):
        if (
            isinstance(call, ast.Call)
            and getattr(call.func, "id", getattr(call.func, "attr", None)) == "reverse"
        ):
            for keyword in call.keywords:
                if keyword.arg == "args" and isinstance(keyword.value, ast.List | ast.Tuple):
                    if any(
                        isinstance(e, ast.Attribute)
                        and e.attr in ("pk", "id")
                        or isinstance(e, ast.Attribute)
                        and e.attr.endswith("_id")
                        for e in keyword.value.elts
                    ):
                        return True
    return False


def test_every_get_absolute_url_of_an_id_uses_it():
    """Every get_absolute_url() in the portal's code, and every function that reverses a URL
    with a row's id (x.pk, x.id, x.meeting_id) in a model module or a panel: none calls
    reverse() with the id itself."""
    offenders = []
    checked = 0
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef) and (
                    node.name == "get_absolute_url" or path.name in ("models.py", "panels.py")
                ):
                    checked += node.name == "get_absolute_url"
                    if _reverses_an_id(node):
                        offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert checked >= 6
    assert offenders == []
