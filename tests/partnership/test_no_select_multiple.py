"""No form shows a <select multiple>: on a phone it is clipped to a row or two, it hides what
is chosen and it needs Ctrl-click. A choice of several is a list of checkboxes
(partnership.forms.show_as_checkboxes, applied by the form base to every field)."""

from __future__ import annotations

import re

from django import forms

from partnership.forms import PortalForm
from tests.fuzz.targets import TARGETS

SELECT_MULTIPLE = re.compile(r"<select\b[^>]*\bmultiple\b")


class PeopleForm(PortalForm):
    people = forms.MultipleChoiceField(
        label="Personer",
        choices=[("anna", "Anna"), ("bo", "Bo"), ("carl", "Carl")],
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )


def test_a_select_multiple_is_shown_as_checkboxes_with_the_choice_kept():
    form = PeopleForm(data={"people": ["anna", "carl"]})
    html = form.as_div()

    assert not SELECT_MULTIPLE.search(html)
    assert isinstance(form.fields["people"].widget, forms.CheckboxSelectMultiple)
    assert "<fieldset>" in html and "<legend" in html
    checked = re.findall(
        r'<input type="checkbox" name="people" value="(\w+)"[^>]*\bchecked\b', html
    )
    assert checked == ["anna", "carl"]
    assert form.is_valid(), form.errors
    assert form.cleaned_data["people"] == ["anna", "carl"]


def test_a_checkbox_list_says_what_is_chosen_above_it():
    """A long list scrolls in its box (portal.css), so what is ticked may be out of sight:
    the line above it names the choices (portal.js keeps it up to date as boxes are ticked)."""
    html = PeopleForm(data={"people": ["anna", "carl"]}).as_div()
    summary = re.search(r'<p class="option-summary[^"]*"[^>]*>(.*?)</p>', html, re.S)
    assert summary, html
    assert re.findall(r'class="option-summary-item">(\w+)<', summary.group(1)) == ["Anna", "Carl"]
    nothing = PeopleForm().as_div()
    assert 'class="option-summary-item"' not in nothing
    assert "option-summary-none" in nothing


def test_a_multiple_choice_field_added_after_the_form_is_built_is_shown_as_checkboxes():
    form = PeopleForm()
    form.fields["extra"] = forms.MultipleChoiceField(choices=[("a", "A")], required=False)

    assert not SELECT_MULTIPLE.search(form.as_div())


def test_no_form_in_the_project_shows_a_select_multiple(world):
    """Every form the portal shows (tests/fuzz/targets.py has each, built as its view
    builds it), rendered: no field is a <select multiple>."""
    found = []
    for key in sorted(TARGETS):
        form = TARGETS[key](world).form
        html = form.as_div()
        found += [
            f"{key}.{name}"
            for name, field in form.fields.items()
            if isinstance(field.widget, forms.SelectMultiple)
        ]
        if SELECT_MULTIPLE.search(html) and not found:
            found.append(f"{key}: {SELECT_MULTIPLE.search(html).group(0)}")
    assert not found, f"Fields shown as <select multiple>: {found}"
