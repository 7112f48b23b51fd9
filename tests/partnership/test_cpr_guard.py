"""No CPR number gets in: one rule (partnership.validators.find_cpr), held by the form base
(partnership.forms.GuardedFormMixin), the model text columns (partnership.fields) and the
import's cells. The tests here enumerate every place a person can type text (every form
field of every form, every text column of every model, every import column) and fail when
a new one is added without the rule."""

from __future__ import annotations

import pytest
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models
from django.test import Client

from offers.imports import importer
from partnership.fields import NOT_TYPED_BY_A_PERSON, CprRefused, NoCprMixin
from partnership.forms import GuardedFormMixin
from partnership.validators import CPR_REDACTED, find_cpr, redact_cpr_text, refuse_cpr
from tests.formcheck import bind, has_error, is_secret
from tests.fuzz.strategies import tiny_pdf, tiny_png
from tests.fuzz.targets import TARGETS, VALID, form_key, project_forms
from tests.fuzz.world import YEAR, isolated, user

# The spellings the attack used: plain, without separator, with a space, with the dashes
# Word and Outlook put in, dots, a slash, a non-breaking space, grouped, fullwidth digits.
SPELLINGS = [
    "010203-1234",
    "0102031234",
    "010203 1234",
    "010203\u20131234",  # en dash
    "010203\u20111234",  # non-breaking hyphen
    "01.02.03-1234",
    "010203/1234",
    "010203\u00a01234",  # non-breaking space
    "01 02 03-1234",
    "\uff10\uff11\uff10\uff12\uff10\uff13\uff0d\uff11\uff12\uff13\uff14",  # fullwidth
    "010203\u20141234",  # em dash
]
CPR = SPELLINGS[0]
MESSAGE = "Teksten ser ud til at indeholde et CPR-nummer"

PROJECT_APPS = ("partnership", "offers", "contracts", "meetings", "quality")


# --- The rule -------------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_every_spelling_of_a_cpr_number_is_found(spelling):
    assert find_cpr(f"Borgeren {spelling} flytter")
    with pytest.raises(ValidationError) as exc:
        refuse_cpr(spelling)
    assert exc.value.code == "cpr"
    assert MESSAGE in exc.value.messages[0]


@pytest.mark.parametrize(
    "text",
    [
        "0102\u200b03-1234",  # a zero-width space inside
        "CPR: 010203 - 1234",
        "290200-4123",  # 29 February 2000
    ],
)
def test_invisible_characters_and_spaced_separators_do_not_hide_a_cpr_number(text):
    assert find_cpr(text)


@pytest.mark.parametrize(
    "text",
    [
        "Tlf. 12 34 56 78",
        "+45 20 12 34 56",
        "20123456",
        "45 20 12 34 56",
        "01-02-2003",
        "01.02.2003",
        "2003-02-01",
        "1. februar 2003 kl. 10.00-12.00",
        "SLA-2026-0042",
        "CVR 12354495",
        "1.234,50 kr.",
        "12345678901",
        "321399-1234",  # no 32nd day
        "290201-4123",  # 2001 had no 29 February
        "",
    ],
)
def test_phone_numbers_dates_and_case_references_pass(text):
    assert not find_cpr(text)
    refuse_cpr(text)


def test_redaction_replaces_only_the_number():
    assert redact_cpr_text("Sag 010203-1234, se notat") == f"Sag {CPR_REDACTED}, se notat"
    assert not find_cpr(
        redact_cpr_text("\uff10\uff11\uff10\uff12\uff10\uff13\uff11\uff12\uff13\uff14")
    )


# --- Every form and field ---------------------------------------------------------------------


def test_every_form_in_the_project_has_the_portal_input_rules():
    """A form that does not build on PortalForm / PortalModelForm (GuardedFormMixin)
    fails here, whatever its fields are today."""
    unguarded = [form_key(cls) for cls in project_forms() if not issubclass(cls, GuardedFormMixin)]
    assert not unguarded, f"Forms without partnership.forms.PortalForm/PortalModelForm: {unguarded}"


def test_allauth_forms_that_take_typed_text_have_the_portal_input_rules():
    """allauth's pages where a person types text other than a password or a one-time code
    (log in, add an e-mail address, forgotten password) use the project's guarded forms."""
    from allauth.account import app_settings
    from allauth.account.forms import AddEmailForm, LoginForm, ResetPasswordForm
    from django.utils.module_loading import import_string

    configured = {key: import_string(path) for key, path in app_settings.FORMS.items()}
    for key, base in (
        ("login", LoginForm),
        ("add_email", AddEmailForm),
        ("reset_password", ResetPasswordForm),
    ):
        assert key in configured, f"ACCOUNT_FORMS has no {key!r}"
        assert issubclass(configured[key], base)
        assert issubclass(configured[key], GuardedFormMixin)


@pytest.mark.postgres
@pytest.mark.parametrize("key", sorted(TARGETS))
def test_every_text_field_of_every_form_refuses_a_cpr_number(key, world):
    """For each form the portal shows (tests/fuzz/targets.py has every one, and fails when
    a form is missing), each field that takes text refuses a CPR number with the Danish
    message, and each file field refuses a file name with one."""
    target = TARGETS[key](world)
    checked = []
    for name, field in target.fields.items():
        html_name = target.form.add_prefix(name)
        if isinstance(field, forms.CharField) and not is_secret(field):
            value = [CPR] if isinstance(field.widget, forms.MultipleHiddenInput) else CPR
            form = bind(target.form, {html_name: value}, {})
        elif isinstance(field, forms.FileField):
            if isinstance(field, forms.ImageField):
                upload = SimpleUploadedFile(f"stuen {CPR}.png", tiny_png(), "image/png")
            else:
                upload = SimpleUploadedFile(f"notat {CPR}.pdf", tiny_pdf(), "application/pdf")
            form = bind(target.form, {}, {html_name: upload})
        else:
            continue
        assert has_error(form, name, "cpr"), (
            f"{key}: the field {name!r} accepted a CPR number: {form.errors.get(name)}"
        )
        assert MESSAGE in " ".join(form.errors[name])
        checked.append(name)
    # What each form takes as text is listed here, so a new field shows up in the review.
    print(key, checked)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "key,field",
    [
        ("partnership.forms.OrganisationForm", "description"),
        ("offers.tariffs.forms.CorrectionForm", "reason"),
        ("contracts.forms.ContractForm", "case_reference"),
        ("quality.forms.ActionForm", "text"),
        ("meetings.forms.MeetingForm", "title"),
    ],
)
@pytest.mark.parametrize("spelling", SPELLINGS)
def test_each_spelling_posted_in_each_app_gets_the_danish_refusal(key, field, spelling, world):
    """As the person would: post the page's valid data with a CPR number in one field. The
    page comes back with the Danish message, what was typed is still in the form, and
    nothing was saved."""
    target = TARGETS[key](world)
    data = {target.form.add_prefix(k): v for k, v in VALID[key](world).items()}
    data[target.form.add_prefix(field)] = f"Borger {spelling}"
    data.update(target.extra)
    client = Client()
    client.force_login(user(target.email))
    counts = _row_counts()

    response = isolated(lambda: client.post(target.url, data))

    assert response.status_code == 200, response.status_code
    page = response.content.decode()
    assert MESSAGE in page
    assert _row_counts() == counts


def _row_counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in _project_models()}


# --- Every text column of every model --------------------------------------------------------


def _project_models():
    return [m for m in apps.get_models() if m._meta.app_label in PROJECT_APPS]


def _text_columns():
    for model in _project_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField):
                yield f"{model._meta.label}.{field.name}", field


def test_every_text_column_of_every_model_refuses_a_cpr_number():
    unguarded = [
        label
        for label, field in _text_columns()
        if not isinstance(field, NoCprMixin)
        and not field.choices
        and label not in NOT_TYPED_BY_A_PERSON
    ]
    assert not unguarded, (
        "Text columns that do not refuse CPR numbers (use partnership.fields, or list them "
        f"in NOT_TYPED_BY_A_PERSON with the reason): {unguarded}"
    )
    stale = [k for k in NOT_TYPED_BY_A_PERSON if k not in dict(_text_columns())]
    assert not stale, stale


@pytest.mark.parametrize(
    "label", [label for label, f in _text_columns() if isinstance(f, NoCprMixin)]
)
def test_a_guarded_column_refuses_a_cpr_number_below_the_forms(label):
    """Even a write that skips the forms (a service, the import, the shell, bulk_create)
    cannot store one: the column refuses it when the value is prepared for the database."""
    field = dict(_text_columns())[label]
    with pytest.raises(ValidationError) as exc:
        field.run_validators(f"Borger {CPR}")
    assert "cpr" in [e.code for e in exc.value.error_list]
    with pytest.raises(CprRefused):
        field.get_db_prep_save(f"Borger {CPR}", connection)


# --- Every import column ---------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize("column", importer.COLUMNS)
def test_every_import_column_refuses_a_cpr_number(column, world):
    """A tariff file with a CPR number in any column is refused on that row and column; the
    preview shows the cell with the number taken out; nothing is saved."""
    offer = world.offer
    row = {
        importer.COL_OFFER_ID: str(offer.pk),
        importer.COL_OFFER: offer.name,
        importer.COL_YEAR: str(YEAR + 1),
        importer.COL_PRICE: "2.650,50",
        importer.COL_UNIT: "døgn",
        importer.COL_OCCUPANCY: "95",
        importer.COL_VAT: "ja",
    }
    row[column] = f"Borger {CPR}"
    header = ";".join(importer.COLUMNS)
    line = ";".join(row.get(c, "") for c in importer.COLUMNS)
    data = f"{header}\r\n{line}\r\n".encode("utf-8-sig")

    result = importer.parse_import(
        data=data, filename="takster.csv", user=user("leverandoer.a@portal.example")
    )

    assert not result.is_valid
    errors = [e for e in result.errors if e.column == column]
    assert errors and MESSAGE in errors[0].message
    assert CPR not in " ".join(result.rows[0].cells.values())
    assert CPR_REDACTED in result.rows[0].cells[column]
