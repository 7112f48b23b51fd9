from __future__ import annotations

from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from .models import Organisation, OrganisationKind, Role


class InviteForm(forms.Form):
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


class ChangeRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Ny rolle"))

    def __init__(self, *args, grantable: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r, Role(r).label) for r in grantable]
        self.fields["role"].error_messages["invalid_choice"] = _(
            "Du må ikke give den valgte rolle."
        )


class AcceptInvitationForm(forms.Form):
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
            from .models import User

            try:
                password_validation.validate_password(
                    p1, User(email=self.email, name=cleaned.get("name", ""))
                )
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class OrganisationFilterForm(forms.Form):
    q = forms.CharField(label=_("Søg på navn, kode eller CVR"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("Alle typer"))] + list(OrganisationKind.choices),
    )


class OrganisationForm(forms.ModelForm):
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

    def clean_code(self):
        return self.cleaned_data.get("code") or None

    def clean_cvr(self):
        return (self.cleaned_data.get("cvr") or "").replace(" ", "") or None


class LoginForm(AllauthLoginForm):
    """allauth's login form with Danish spelling and no placeholders standing in for labels."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("E-mail")
        self.fields["login"].widget.attrs.pop("placeholder", None)
        self.fields["login"].widget.attrs["autocomplete"] = "username"
        self.fields["password"].widget.attrs.pop("placeholder", None)


def add_service_errors(form, exc) -> None:
    """Put a service's ValidationError on the form: per field where the field is on the
    form, otherwise at the top, so the page shows it next to what was typed."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)
