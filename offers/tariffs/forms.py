"""The tariff form, its add-ons and the reason for a correction."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from offers.models import PriceUnit, RegulationRate, Tariff, TariffUnit
from partnership.forms import DanishDecimalField, PortalForm, PortalModelForm


class TariffForm(PortalModelForm):
    price = DanishDecimalField(
        label=_("Gennemsnitstakst (kr.)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
    )
    occupancy_percent = DanishDecimalField(
        label=_("Budgetteret belægning (%)"),
        percent=True,
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("100"),
    )
    overhead_amount = DanishDecimalField(
        label=_("Heraf central ledelse og administration (kr.)"),
        required=False,
        max_digits=12,
        decimal_places=2,
        min_value=0,
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
        self.fields["year"].help_text = _("Der skal være fastsat en PL-sats for året.")
        if fixed_year:
            self.fields["year"].disabled = True

    def clean_year(self):
        year = self.cleaned_data["year"]
        if not RegulationRate.objects.filter(year=year).exists():
            raise forms.ValidationError(
                _(
                    "Der er ingen PL-sats for %(year)s endnu. Sekretariatet fastsætter den, før der kan laves takster for året."
                )
                % {"year": year}
            )
        return year

    def clean(self):
        cleaned = super().clean()
        price, overhead = cleaned.get("price"), cleaned.get("overhead_amount")
        if price is not None and overhead is not None and overhead > price:
            self.add_error("overhead_amount", _("Overhead kan ikke være større end taksten."))
        return cleaned

    def _post_clean(self):
        # The draft's offer, version and author are set by the service; validate the fields here.
        self.instance.status = self.instance.status or "draft"
        super()._post_clean()


class AddOnForm(PortalForm):
    name = forms.CharField(label=_("Tillægsydelse"), max_length=200, required=False)
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

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("name"):
            if not cleaned.get("unit"):
                self.add_error("unit", _("Vælg en enhed for tillægsydelsen."))
            elif cleaned.get("price") is None and cleaned.get("unit") != PriceUnit.INDIVIDUAL:
                self.add_error("price", _("Angiv en pris, eller vælg 'individuel pris'."))
        elif cleaned.get("price") is not None:
            self.add_error("name", _("Giv tillægsydelsen et navn."))
        return cleaned


AddOnFormSet = forms.formset_factory(AddOnForm, extra=0, max_num=20)


class CorrectionForm(PortalForm):
    reason = forms.CharField(
        label=_("Begrundelse for rettelsen"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Vises i takstens historik for alle medlemmer."),
        error_messages={
            "required": _("Skriv, hvorfor taksten rettes. Begrundelsen vises i takstens historik.")
        },
    )
