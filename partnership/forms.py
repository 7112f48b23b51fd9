from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from allauth.account import forms as allauth_forms
from django import forms
from django.contrib.auth import password_validation
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from . import formats
from .models import ApiScope, Organisation, OrganisationKind, Role, User
from .validators import refuse_cpr, refuse_cpr_in_file_name, validate_sensible_date

# Text without a length of its own (a comment, a description) may be this long: about four
# pages, more than any note in the portal needs, and a bound on what one request stores.
DEFAULT_TEXT_MAX_LENGTH = 10_000

T = TypeVar("T")


def _is_secret(field: forms.Field) -> bool:
    """Passwords and one-time codes are never stored as typed, and may be anything."""
    return isinstance(field.widget, forms.PasswordInput)


def guard_field(field: forms.Field) -> None:
    """Put the portal's input rules on one form field (idempotent):

    * every text field refuses CPR numbers and has a length limit;
    * every uploaded file's name refuses CPR numbers;
    * every date lies in the sensible range (partnership.validators.validate_sensible_date).
    """
    if getattr(field, "_portal_guarded", False):
        return
    field._portal_guarded = True
    if isinstance(field, forms.CharField) and not _is_secret(field):
        if refuse_cpr not in field.validators:
            field.validators.append(refuse_cpr)
        # UUIDField and JSONField clean to other things than text, with bounds of their own.
        if field.max_length is None and not isinstance(field, forms.UUIDField | forms.JSONField):
            field.max_length = DEFAULT_TEXT_MAX_LENGTH
            field.validators.append(MaxLengthValidator(DEFAULT_TEXT_MAX_LENGTH))
            field.widget.attrs.update(field.widget_attrs(field.widget))
    elif isinstance(field, forms.FileField):
        if refuse_cpr_in_file_name not in field.validators:
            field.validators.append(refuse_cpr_in_file_name)
    elif isinstance(field, forms.DateField | forms.DateTimeField | forms.SplitDateTimeField):
        if validate_sensible_date not in field.validators:
            field.validators.append(validate_sensible_date)


def show_as_checkboxes(field: forms.Field) -> None:
    """A choice of several is a list of checkboxes (a DKFDS checkbox group in a fieldset,
    scrolling when long: portal.css), never a <select multiple>: that shows one or two rows
    on a phone, hides what is chosen and needs Ctrl-click. The form base applies this to
    every field; tests/partnership/test_no_select_multiple.py checks every form."""
    if isinstance(field.widget, forms.SelectMultiple):
        attrs = {k: v for k, v in field.widget.attrs.items() if k != "size"}
        widget = forms.CheckboxSelectMultiple(attrs=attrs)
        widget.choices = field.widget.choices
        widget.is_required = field.widget.is_required
        field.widget = widget


class GuardedFormMixin:
    """The base of every form in the portal (through PortalForm and PortalModelForm, or
    mixed into a third-party form such as allauth's). Its fields get the portal's input
    rules (guard_field) when the form is built and again just before it is cleaned, so a
    field that a subclass adds or replaces in its own __init__ is covered too.
    tests/partnership/test_cpr_guard.py checks every form and field in the project."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._guard_fields()

    def _guard_fields(self) -> None:
        for field in self.fields.values():
            guard_field(field)
            show_as_checkboxes(field)

    def __getitem__(self, name):
        guard_field(self.fields[name])  # a field added after __init__ renders with its bounds
        show_as_checkboxes(self.fields[name])
        return super().__getitem__(name)

    def full_clean(self):
        self._guard_fields()
        super().full_clean()


class PortalForm(GuardedFormMixin, forms.Form):
    pass


class PortalModelForm(GuardedFormMixin, forms.ModelForm):
    pass


# --- Danish numbers (partnership.formats) ---------------------------------------------------


class DanishNumberInput(forms.TextInput):
    """A text input for a Danish number, shown as "1234,50" (a number input would refuse
    the decimal comma)."""

    def format_value(self, value):
        if isinstance(value, Decimal):
            return formats.field_value(value)
        return super().format_value(value)


class DanishDecimalField(forms.DecimalField):
    """Every decimal number a person types in the portal: read by partnership.formats's
    one rule (1.234,50 and 1234.50; 1.234 refused as ambiguous, as the tariff import
    refuses it), with the errors in Danish and Danish numbers. `percent=True` also takes
    a trailing "%". tests/partnership/test_formats.py fails when a form in the project
    has a decimal field of another kind."""

    widget = DanishNumberInput

    def __init__(self, *args, percent: bool = False, **kwargs):
        self.percent = percent
        super().__init__(*args, **kwargs)
        label = str(kwargs.get("label") or _("Beløbet"))
        self.error_messages.update(
            {
                "invalid": _("%(label)s skal være et tal, fx 1.234,50.") % {"label": label},
                "max_decimal_places": _("%(label)s må højst have %(n)s decimaler (øre).")
                % {"label": label, "n": self.decimal_places},
                "max_digits": _("%(label)s er for stort.") % {"label": label},
                "max_whole_digits": _("%(label)s er for stort.") % {"label": label},
            }
        )
        if self.min_value is not None:
            self.error_messages["min_value"] = _("%(label)s skal være mindst %(min)s.") % {
                "label": label,
                "min": formats.plain(self.min_value),
            }
        if self.max_value is not None:
            self.error_messages["max_value"] = _("%(label)s må højst være %(max)s.") % {
                "label": label,
                "max": formats.plain(self.max_value),
            }
        # The validators' messages are formatted with their parameters later, so a literal %
        # must be doubled there ("required" and "invalid" are shown as they are).
        for key, message in self.error_messages.items():
            if key not in ("required", "invalid") and "%(" not in str(message):
                self.error_messages[key] = str(message).replace("%", "%%")
        for v in self.validators:
            code = getattr(v, "code", None)
            if code in self.error_messages:
                v.message = self.error_messages[code]

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            try:
                return formats.parse_number(value, percent=self.percent)
            except formats.NumberError as exc:
                if exc.code == "invalid":
                    raise forms.ValidationError(
                        self.error_messages["invalid"], code="invalid"
                    ) from exc
                raise forms.ValidationError(exc.message, code=exc.code) from exc
        return super().to_python(value)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("step", None)
        attrs["inputmode"] = "decimal"
        return attrs


class InviteForm(PortalForm):
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    name = forms.CharField(label=_("Navn"), max_length=200, required=False)
    role = forms.ChoiceField(label=_("Rolle"))

    def __init__(self, *args, organisation: Organisation, grantable: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["role"].choices = [(r, Role(r).label) for r in grantable]
        self.fields["role"].error_messages["invalid_choice"] = _(
            "Du må ikke give den valgte rolle i %(org)s. Vælg en af rollerne på listen."
        ) % {"org": organisation}
        self.fields["email"].widget.attrs["autocomplete"] = "off"

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class ChangeRoleForm(PortalForm):
    role = forms.ChoiceField(label=_("Ny rolle"))

    def __init__(self, *args, grantable: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r, Role(r).label) for r in grantable]
        self.fields["role"].error_messages["invalid_choice"] = _(
            "Du må ikke give den valgte rolle."
        )


class AcceptInvitationForm(PortalForm):
    name = forms.CharField(label=_("Dit navn"), max_length=200)
    password1 = forms.CharField(
        label=_("Adgangskode"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Mindst 10 tegn. Undgå almindelige ord og rene tal."),
    )
    password2 = forms.CharField(
        label=_("Gentag adgangskoden"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("De to adgangskoder er ikke ens."))
        if p1:
            try:
                password_validation.validate_password(
                    p1, User(email=self.email, name=cleaned.get("name", ""))
                )
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class OrganisationFilterForm(PortalForm):
    q = forms.CharField(label=_("Søg på navn, kode eller CVR"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("Alle typer"))] + list(OrganisationKind.choices),
    )


class OrganisationForm(PortalModelForm):
    class Meta:
        model = Organisation
        fields = [
            "kind",
            "name",
            "slug",
            "code",
            "cvr",
            "ownership_form",
            "branch_organisation",
            "address",
            "email",
            "phone",
            "website",
            "description",
        ]
        help_texts = {
            "slug": _("Små bogstaver, tal og bindestreg, fx 'slagelse-kommune'."),
            "code": _("Kun for kommuner og regioner, fx 330."),
            "cvr": _("8 cifre. Skal for leverandører."),
            "ownership_form": _("Kun for leverandører."),
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].required = False
        self.fields["cvr"].required = False
        self.fields["branch_organisation"].queryset = Organisation.objects.filter(
            kind=OrganisationKind.BRANCH
        )
        if self.instance.pk is None:
            # A new organisation is created together with the invitation of its first
            # administrator, who then gives the organisation's other roles.
            self.fields["admin_email"] = forms.EmailField(
                label=_("E-mail på organisationens første administrator"),
                max_length=254,
                help_text=_(
                    "Personen får en invitation som organisationsadministrator og inviterer "
                    "selv organisationens øvrige brugere."
                ),
            )
            self.fields["admin_name"] = forms.CharField(
                label=_("Administratorens navn"), max_length=200, required=False
            )

    def clean_admin_email(self) -> str:
        return self.cleaned_data["admin_email"].strip().lower()

    def clean_code(self):
        return self.cleaned_data.get("code") or None

    def clean_cvr(self):
        return (self.cleaned_data.get("cvr") or "").replace(" ", "") or None


class LoginForm(GuardedFormMixin, allauth_forms.LoginForm):
    """allauth's login form with Danish spelling and no placeholders standing in for labels."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("E-mail")
        self.fields["login"].widget.attrs.pop("placeholder", None)
        self.fields["login"].widget.attrs["autocomplete"] = "username"
        self.fields["password"].widget.attrs.pop("placeholder", None)

    def clean(self):
        """A member of an organisation that requires federated login cannot log in with a
        password (checked after the password, so nothing is told to someone without it)."""
        cleaned = super().clean()
        user = getattr(self, "user", None)
        if user is not None:
            federated = (
                Organisation.objects.filter(
                    memberships__user=user,
                    memberships__is_active=True,
                    require_federated_login=True,
                )
                .order_by("name")
                .first()
            )
            if federated is not None:
                raise forms.ValidationError(
                    _(
                        "%(org)s kræver, at du logger ind gennem organisationens "
                        "identitetsudbyder (fx MitID Erhverv). Brug knappen nedenfor."
                    )
                    % {"org": federated.name}
                )
        return cleaned


class AddEmailForm(GuardedFormMixin, allauth_forms.AddEmailForm):
    """allauth's form for a new e-mail address (Konto → E-mail), with the portal's input
    rules: the address is stored and shown to colleagues."""


class ResetPasswordForm(GuardedFormMixin, allauth_forms.ResetPasswordForm):
    """allauth's "forgot password" form, with the portal's input rules."""


def add_service_errors(form, exc) -> None:
    """Put a service's ValidationError on the form: per field where the field is on the
    form, otherwise at the top, so the page shows it next to what was typed."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def call_service(form, service: Callable[..., T], /, **kwargs: Any) -> T | None:
    """Call a service with what a valid form holds, and return what it returns. A
    ValidationError it raises goes on the form (add_service_errors) and None is returned:
    the caller then finds `form.errors` set, and shows the form again."""
    try:
        return service(**kwargs)
    except forms.ValidationError as exc:
        add_service_errors(form, exc)
        return None


class ApiTokenForm(PortalForm):
    name = forms.CharField(
        label=_("Navn"),
        max_length=100,
        help_text=_("Hvilket system bruger nøglen, fx 'Fagsystemets kontraktimport'."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Adgang"),
        choices=ApiScope.choices,
        help_text=_(
            "Sagsreferencer er kommunens egne sagsnumre: vælg dem kun, hvis systemet skal "
            "bruge dem."
        ),
        error_messages={"required": _("Vælg mindst én adgang.")},
    )
