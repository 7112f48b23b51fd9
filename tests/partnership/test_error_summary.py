"""An error summary at the top of every form (DKFDS "Fejlopsummering", issue 15 finding 7):
"Der er fejl i formularen" and each error as a link to its field, focusable (tabindex=-1)
so that the page moves the focus to it (DKFDS's error-summary module, portal.js).

It is written once, templates/includes/error_summary.html, shown by every form rendered
with {{ form }} (templates/django/forms/div.html) and included by the templates that lay out
their fields by hand. The tests enumerate both: every form page the fuzz tests know
(tests/fuzz/targets.py: every form class of the project), posted with input it refuses, and
every template that renders fields by hand."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.forms.renderers import get_default_renderer
from django.template.loader import render_to_string
from django.test import Client

from partnership.forms import PortalForm
from tests.fuzz.targets import TARGETS, project_forms
from tests.fuzz.world import user

ROOT = Path(settings.BASE_DIR)
SUMMARY = 'data-module="error-summary"'
INCLUDE = '{% include "includes/error_summary.html"'
# A template lays out a form's fields itself when it renders one field group, a formset's
# forms or a field's error message: it must include the summary.
BY_HAND = re.compile(
    r"\.as_field_group|\{%\s*for \w+ in \w*formset|\w*form\w*\.errors\b|non_field_errors"
    r"|form-error-message"
)


class _Example(PortalForm):
    title = forms.CharField(label="Overskrift")
    starts = forms.DateField(label="Dato")

    def clean(self):
        raise forms.ValidationError("Mødet overlapper et andet møde.")


def _summary(html: str) -> str:
    match = re.search(r'<div class="alert alert-error error-summary".*?</ul></div></div>', html)
    assert match, "no error summary"
    return match.group(0)


def test_a_form_with_errors_shows_the_summary_first_with_a_link_to_each_field():
    form = _Example(data={"title": "", "starts": "32.13.2026"})
    html = str(form)
    summary = _summary(html)
    assert html.index(summary) < html.index("form-error-message")
    assert 'tabindex="-1"' in summary and 'role="alert"' in summary
    assert "Der er fejl i formularen" in summary
    assert "Mødet overlapper et andet møde." in summary
    links = re.findall(r'<a href="#([^"]+)"[^>]*>([^<]+)</a>', summary)
    assert [target for target, _text in links] == ["id_title", "id_starts"]
    assert links[0][1].startswith("Overskrift: ")
    for target, _text in links:
        assert f'id="{target}"' in html


def test_a_form_without_errors_has_no_summary():
    assert SUMMARY not in str(_Example())
    assert SUMMARY not in str(_Example(data={"title": "x", "starts": "1.2.2026"}).fields)


def test_every_form_is_rendered_through_the_template_that_has_the_summary():
    """{{ form }} renders django/forms/div.html (the renderer's default); no form class of the
    project picks another template, and div.html includes the summary."""
    assert get_default_renderer().form_template_name == "django/forms/div.html"
    assert INCLUDE in (ROOT / "templates/django/forms/div.html").read_text()
    for cls in project_forms():
        assert not isinstance(inspect.getattr_static(cls, "template_name"), str), cls
        assert cls.template_name_div == "django/forms/div.html", cls


# One field's element drawn on its own (offers/search/views.py draws each search field once
# per content), and the template that lays out the form's fields with it: that one includes
# the summary.
ONE_FIELD = {"templates/offers/_search_field.html": "templates/offers/_search_filters.html"}


def test_every_template_that_lays_out_fields_by_hand_includes_the_summary():
    missing = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        if path.is_relative_to(ROOT / "templates/django") or path.name == "field.html":
            continue  # the form templates themselves (and allauth's field element)
        relative = str(path.relative_to(ROOT))
        if relative in ONE_FIELD:
            text = (ROOT / ONE_FIELD[relative]).read_text(encoding="utf-8")
        if BY_HAND.search(path.read_text(encoding="utf-8")) and INCLUDE not in text:
            missing.append(relative)
    assert not missing


def test_the_summary_include_renders_formsets_and_lists_of_forms():
    formset = forms.formset_factory(_Example, extra=2)(
        data={"form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "0", "form-0-title": "x"}
    )
    html = render_to_string("includes/error_summary.html", {"form": formset})
    assert "#id_form-0-starts" in _summary(html)
    html = render_to_string("includes/error_summary.html", {"form": {"a": [formset.forms[0]]}})
    assert "#id_form-0-starts" in _summary(html)


def _refused(client, target):
    """The page after input the form refuses: nothing, then junk in every field."""
    send = client.get if target.method == "get" else client.post
    junk = {f"{target.prefix}-{n}" if target.prefix else n: "\x00" for n in target.fields}
    for data in ({**target.extra}, {**target.extra, **junk}):
        response = send(target.url, data)
        html = response.content.decode() if response.status_code in (200, 400) else ""
        if "form-error-message" in html:
            return html
    return None


# Small forms inside a page (a button with a field or two): bad input is answered with a
# message on the page they return to, not by showing the form again, so there is no
# summary to show. The test below checks that each still does so.
ANSWERED_ON_THE_PAGE_THEY_RETURN_TO = {
    "contracts.forms.CommentForm": "a comment box under the contract",
    "contracts.forms.RenegotiateForm": "a button with an optional note",
    "contracts.forms.TerminateForm": "a button with a date that has a default",
    "meetings.forms.ActionStatusForm": "a status select beside an action",
    "meetings.forms.AnswerForm": "the answer buttons on the meeting page",
    "partnership.forms.AddEmailForm": "allauth's e-mail page, which redirects with a message",
}


@pytest.mark.parametrize("key", sorted(TARGETS))
def test_every_form_page_shows_the_summary_when_input_is_refused(key, world):
    target = TARGETS[key](world)
    client = Client()
    if target.email:
        client.force_login(user(target.email))
    html = _refused(client, target)
    if key in ANSWERED_ON_THE_PAGE_THEY_RETURN_TO:
        # It takes the input, or refuses it with a message on the page it returns to; a
        # form that starts showing itself again with errors leaves the list.
        assert html is None, key
        return
    assert html is not None, f"{key}: refused input shows no form with errors"
    summary = _summary(html)
    assert html.index(summary) < html.index("form-error-message")
    for target_id in re.findall(r'href="#([^"]+)"', summary):
        assert f'id="{target_id}"' in html, target_id
