"""The forms a provider's editors fill in about an offer."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from offers.models import (
    AnswerKind,
    DeclarationAnswer,
    DeclarationOption,
    DocumentKind,
    LegalParagraph,
    Offer,
    PriceUnit,
    TargetGroup,
)
from partnership.forms import DanishDecimalField, PortalForm, PortalModelForm
from partnership.models import Organisation, OrganisationKind
from partnership.uploads import MAX_MEGAPIXELS, ImageUploadField


class OfferForm(PortalModelForm):
    class Meta:
        model = Offer
        fields = [
            "name",
            "address",
            "postal_code",
            "city",
            "municipality",
            "paragraphs",
            "target_groups",
            "age_min",
            "age_max",
            "description",
            "methods",
            "places",
            "staffing",
            "educated_staff_percent",
            "tilsyn_status",
            "tilsyn_date",
            "contact_name",
            "contact_email",
            "contact_phone",
        ]
        widgets = {
            "paragraphs": forms.CheckboxSelectMultiple,
            "target_groups": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 5}),
            "methods": forms.Textarea(attrs={"rows": 5}),
            "tilsyn_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Organisation.objects.filter(
            kind=OrganisationKind.MUNICIPALITY
        )
        self.fields["paragraphs"].queryset = LegalParagraph.objects.filter(is_active=True)
        self.fields["target_groups"].queryset = TargetGroup.objects.filter(is_active=True)

    def clean_postal_code(self):
        value = self.cleaned_data["postal_code"].strip()
        if not (len(value) == 4 and value.isdigit()):
            raise forms.ValidationError(_("Et postnummer består af 4 cifre."))
        return value


class ProviderChoiceForm(PortalForm):
    provider = forms.ModelChoiceField(label=_("Leverandør"), queryset=Organisation.objects.none())

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers


class VacancyForm(PortalForm):
    vacant = forms.IntegerField(label=_("Ledige pladser"), min_value=0)
    reported_on = forms.DateField(
        label=_("Opgjort den"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        initial=timezone.localdate,
    )


class DeclarationAnswerForm(PortalForm):
    answer = forms.ChoiceField(
        label=_("Svar"), choices=AnswerKind.choices, widget=forms.RadioSelect
    )
    option = forms.ModelChoiceField(
        label=_("Svarmulighed"),
        queryset=DeclarationOption.objects.none(),
        required=False,
        widget=forms.RadioSelect,
        empty_label=None,
    )
    price = DanishDecimalField(
        label=_("Pris (kr.)"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
    )
    unit = forms.ChoiceField(
        label=_("Enhed"), required=False, choices=[("", "–")] + list(PriceUnit.choices)
    )
    note = forms.CharField(label=_("Bemærkning"), required=False, max_length=500)

    def __init__(self, *args, question, **kwargs):
        super().__init__(*args, **kwargs)
        self.question = question
        options = list(question.options.all())
        if options:
            self.fields["option"].queryset = question.options.all()
        else:
            del self.fields["option"]

    def clean(self):
        """The answer's rules are the model's (DeclarationAnswer.clean): shown at the fields."""
        cleaned = super().clean()
        if self.errors:
            return cleaned
        answer = DeclarationAnswer(
            question=self.question,
            answer=cleaned.get("answer"),
            option=cleaned.get("option"),
            price=cleaned.get("price"),
            unit=cleaned.get("unit") or "",
        )
        try:
            answer.clean()
        except ValidationError as exc:
            self.add_error(None, exc)
        return cleaned


class PhotoForm(PortalForm):
    image = ImageUploadField(
        label=format_lazy(
            _("Billede (JPEG eller PNG, højst 8 MB og {megapixels} megapixel)"),
            megapixels=MAX_MEGAPIXELS,
        )
    )
    alt_text = forms.CharField(
        label=_("Alternativ tekst"),
        max_length=250,
        help_text=_(
            "Beskriv billedet for dem, der ikke kan se det, fx 'Fællesstuen med udsigt til haven'."
        ),
    )


class DocumentForm(PortalForm):
    kind = forms.ChoiceField(label=_("Type"), choices=DocumentKind.choices)
    title = forms.CharField(label=_("Titel"), max_length=200)
    file = forms.FileField(label=_("Fil (PDF, højst 20 MB)"))
