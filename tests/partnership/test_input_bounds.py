"""Bounds on what a person can type, held by the form base (partnership.forms.guard_field)
for every field of every form: text has a length limit, dates lie between 2000 and 2100.
The attack: a 1 MB comment was stored, and a vacancy report dated 0001-01-01 accepted
(issue 11, finding 9)."""

from __future__ import annotations

import pytest
from django import forms
from django.test import Client

from meetings.models import MinutesComment
from offers.models import VacancyReport
from tests.formcheck import bind, has_error, takes_text
from tests.fuzz.targets import TARGETS, VALID
from tests.fuzz.world import isolated, user

pytestmark = pytest.mark.postgres

DATE_MESSAGE = "Datoen skal ligge mellem 1. januar 2000 og 31. december 2100."
OUT_OF_RANGE = {
    forms.DateField: ["0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31"],
    forms.DateTimeField: ["0001-01-01T00:30", "9999-12-31T23:59"],
}


@pytest.mark.parametrize("key", sorted(TARGETS))
def test_every_text_field_of_every_form_has_a_length_limit(key, world):
    target = TARGETS[key](world)
    for name, field in target.fields.items():
        if not takes_text(field) or isinstance(field, forms.UUIDField | forms.JSONField):
            continue
        target.form[name]  # drawn as the page draws it
        assert field.max_length, f"{key}: {name!r} takes text of any length"
        form = bind(target.form, {target.form.add_prefix(name): "x" * (field.max_length + 1)})
        assert has_error(form, name, "max_length"), f"{key}: {name!r} took a longer text"


@pytest.mark.parametrize("key", sorted(TARGETS))
def test_every_date_field_of_every_form_refuses_a_date_outside_the_portals_years(key, world):
    target = TARGETS[key](world)
    for name, field in target.fields.items():
        kind = next((k for k in OUT_OF_RANGE if isinstance(field, k)), None)
        if kind is None:
            continue
        for value in OUT_OF_RANGE[kind]:
            form = bind(target.form, {target.form.add_prefix(name): value})
            assert has_error(form, name, "date_range"), f"{key}: {name!r} took {value}"
            assert DATE_MESSAGE in form.errors[name]


def _post(key, world, **changes):
    target = TARGETS[key](world)
    data = {target.form.add_prefix(k): v for k, v in VALID[key](world).items()}
    data.update({target.form.add_prefix(k): v for k, v in changes.items()})
    data.update(target.extra)
    client = Client()
    client.force_login(user(target.email))
    return isolated(
        lambda: client.post(target.url, {k: v() if callable(v) else v for k, v in data.items()})
    )


def test_a_one_megabyte_comment_is_refused_and_nothing_is_stored(world):
    before = MinutesComment.objects.count()
    response = _post("meetings.forms.CommentForm", world, text="x" * 1_000_000)
    assert response.status_code == 400  # the comment page again, with the text as typed
    page = response.content.decode()
    assert "Denne værdi må højst have 10000 tegn" in page.replace(".", "")
    assert MinutesComment.objects.count() == before


def test_a_vacancy_report_dated_year_one_is_refused_in_danish(world):
    before = VacancyReport.objects.count()
    response = _post("offers.editing.forms.VacancyForm", world, reported_on="0001-01-01")
    assert DATE_MESSAGE in response.content.decode()
    assert VacancyReport.objects.count() == before
