"""The tariff form, its add-ons and the reason for a correction.

The tariff rules and their messages are the model's (offers.models.Tariff, TariffAddOn):
TariffForm runs them as a ModelForm does, AddOnForm through TariffAddOn.full_clean(). The
fields here only read what is typed (a Danish number, a choice)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from offers import services
from offers.models import (
    CORRECTION_NEEDS_REASON_MESSAGE,
    CORRECTION_REASON_MAX_LENGTH,
    PriceUnit,
    Tariff,
    TariffAddOn,
    TariffUnit,
)
from partnership.forms import DanishDecimalField, PortalForm, PortalModelForm

ADDON_NAME = TariffAddOn._meta.get_field("name")
# The checks of a number's size and decimals are the model's. A ModelForm puts its field's
# message for an error code on the model's error, so the tariff form's number fields keep
# only the messages about reading what is typed.
MODEL_NUMBER_CODES = ("max_digits", "max_whole_digits", "max_decimal_places")


class TariffForm(PortalModelForm):
    price = DanishDecimalField(label=_("Gennemsnitstakst (kr.)"))
    occupancy_percent = DanishDecimalField(label=_("Budgetteret belægning (%)"), percent=True)
    overhead_amount = DanishDecimalField(
        label=_("Heraf central ledelse og administration (kr.)"), required=False
    )

    class Meta:
        model = Tariff
        fields = [
            "year",
            "price",
            "unit",
            "occupancy_percent",
            "vat_included",
            "overhead_amount",
            "cost_note",
        ]
        widgets = {"cost_note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, fixed_year=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = list(TariffUnit.choices)
        for name in ("price", "occupancy_percent", "overhead_amount"):
            for code in MODEL_NUMBER_CODES:
                self.fields[name].error_messages.pop(code, None)
        self.fields["year"].help_text = _("Der skal være fastsat en PL-sats for året.")
        if fixed_year:
            self.fields["year"].disabled = True

    def _post_clean(self):
        # The draft's offer, version and author are set by the service; validate the fields here.
        self.instance.status = self.instance.status or "draft"
        super()._post_clean()
        # A year the model accepts needs a PL rate too (the service's rule).
        year = self.cleaned_data.get("year")
        if year is not None and "year" not in self._errors:
            try:
                services.regulation_rate_for(year)
            except ValidationError as exc:
                self.add_error(None, exc)


class AddOnForm(PortalForm):
    """One add-on row of the tariff page; a row left empty is no add-on."""

    name = forms.CharField(
        label=_("Tillægsydelse"), max_length=ADDON_NAME.max_length, required=False
    )
    price = DanishDecimalField(label=_("Pris (kr.)"), required=False)
    unit = forms.ChoiceField(
        label=_("Enhed"), required=False, choices=[("", "–")] + list(PriceUnit.choices)
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The length is checked here too (the browser shows it); the message is the model's.
        self.fields["name"].error_messages["max_length"] = ADDON_NAME.error_messages["max_length"]

    def clean(self):
        cleaned = super().clean()
        name, price, unit = cleaned.get("name"), cleaned.get("price"), cleaned.get("unit")
        if name or price is not None or unit:
            addon = TariffAddOn(name=name or "", price=price, unit=unit or "")
            try:
                addon.full_clean(
                    exclude=["tariff", "note", *self._errors], validate_constraints=False
                )
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


AddOnFormSet = forms.formset_factory(AddOnForm, extra=0, max_num=20)


class CorrectionForm(PortalForm):
    reason = forms.CharField(
        label=_("Begrundelse for rettelsen"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=CORRECTION_REASON_MAX_LENGTH,
        help_text=_("Vises i takstens historik for alle medlemmer."),
        error_messages={"required": CORRECTION_NEEDS_REASON_MESSAGE},
    )
