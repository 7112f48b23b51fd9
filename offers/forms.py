from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from partnership.forms import PortalForm, PortalModelForm
from partnership.models import Organisation, OrganisationKind, OwnershipForm
from partnership.uploads import MAX_MEGAPIXELS, ImageUploadField

from .models import (
    AnswerKind,
    DocumentKind,
    LegalParagraph,
    Offer,
    PriceUnit,
    RegulationRate,
    TargetGroup,
    Tariff,
    TariffUnit,
)
from .selectors import SearchReference, search_reference

SORT_CHOICES = [
    ("relevance", _("Relevans")),
    ("price", _("Pris, laveste først")),
    ("price_desc", _("Pris, højeste først")),
    ("name", _("Navn")),
    ("vacancies", _("Flest ledige pladser")),
]


def parse_danish_number(text: str) -> str:
    """'1.234,50' → '1234.50'; '70.000' → '70000' (a dot before groups of three digits is a
    thousands separator); '1234.50' stays. Returns text for DecimalField to parse."""
    import re

    v = text.strip().replace(" ", "").replace("\xa0", "").removesuffix("kr.").removesuffix("kr")
    if "," in v:
        return v.replace(".", "").replace(",", ".")
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+", v):
        return v.replace(".", "")
    return v


def _da(value) -> str:
    return f"{value}".replace(".", ",")


class DanishDecimalField(forms.DecimalField):
    """Accepts 1.234,50 as well as 1234.50, and says what is wrong in Danish with Danish
    numbers."""

    def __init__(self, *args, **kwargs):
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
                "min": _da(self.min_value),
            }
        if self.max_value is not None:
            self.error_messages["max_value"] = _("%(label)s må højst være %(max)s.") % {
                "label": label,
                "max": _da(self.max_value),
            }
        # Django formats these with its own parameters later, so a literal % must be doubled.
        for key, message in self.error_messages.items():
            if "%(" not in str(message):
                self.error_messages[key] = str(message).replace("%", "%%")
        for v in self.validators:
            code = getattr(v, "code", None)
            if code in self.error_messages:
                v.message = self.error_messages[code]

    def to_python(self, value):
        if isinstance(value, str):
            value = parse_danish_number(value)
        return super().to_python(value)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("step", None)
        attrs["inputmode"] = "decimal"
        return attrs


class MoneyInput(forms.TextInput):
    def format_value(self, value):
        if isinstance(value, Decimal):
            return f"{value:.2f}".replace(".", ",")
        return super().format_value(value)


class SearchForm(PortalForm):
    """The search's filters, all in the URL. The choices come from the reference data read
    once per request (offers.selectors.search_reference), so validating and drawing the form
    issue no queries of their own; the cleaned choices are primary keys."""

    q = forms.CharField(
        label=_("Søg i navn, metoder og beskrivelse"), required=False, max_length=200
    )
    paragraf = forms.MultipleChoiceField(
        label=_("Lovgrundlag"), required=False, widget=forms.CheckboxSelectMultiple
    )
    maalgruppe = forms.MultipleChoiceField(
        label=_("Målgruppe"), required=False, widget=forms.CheckboxSelectMultiple
    )
    kommune = forms.ChoiceField(
        label=_("Beliggenhedskommune"),
        required=False,
        error_messages={
            "invalid_choice": forms.ModelChoiceField.default_error_messages["invalid_choice"]
        },
    )
    ejerform = forms.ChoiceField(
        label=_("Ejerform"),
        required=False,
        choices=[("", _("Alle ejerformer"))] + list(OwnershipForm.choices),
    )
    alder = forms.IntegerField(
        label=_("Borgerens alder"), required=False, min_value=0, max_value=120
    )
    ledige = forms.BooleanField(label=_("Kun tilbud med ledige pladser nu"), required=False)
    # A text field, not a list: at national scale a list of every provider would be most of
    # the page (bench/RESULTS.md). Matches the provider's name, CVR number or short name.
    leverandoer = forms.CharField(
        label=_("Leverandør (navn eller CVR)"), required=False, max_length=200
    )
    branche = forms.ChoiceField(
        label=_("Brancheorganisation"),
        required=False,
        error_messages={
            "invalid_choice": forms.ModelChoiceField.default_error_messages["invalid_choice"]
        },
    )
    pris_min = DanishDecimalField(
        label=_("Månedspris fra (kr.)"), required=False, min_value=0, decimal_places=2
    )
    pris_max = DanishDecimalField(
        label=_("Månedspris til (kr.)"), required=False, min_value=0, decimal_places=2
    )
    sorter = forms.ChoiceField(label=_("Sortér efter"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args, reference: SearchReference | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.reference = reference if reference is not None else search_reference()
        ref = self.reference
        # Only active paragraphs and target groups are offered, as before.
        self._keys = {
            "paragraf": {c.key: c.pk for c in ref.paragraphs if c.active},
            "maalgruppe": {c.key: c.pk for c in ref.target_groups if c.active},
            "kommune": {c.key: c.pk for c in ref.municipalities},
            "branche": {c.key: c.pk for c in ref.branches},
        }
        f = self.fields
        f["paragraf"].choices = [(c.key, c.label) for c in ref.paragraphs if c.active]
        f["maalgruppe"].choices = [(c.key, c.label) for c in ref.target_groups if c.active]
        f["kommune"].choices = [("", _("Alle kommuner"))] + [
            (c.key, c.label) for c in ref.municipalities
        ]
        f["branche"].choices = [("", _("Alle"))] + [(c.key, c.label) for c in ref.branches]

    def _pks(self, name):
        keys = self._keys[name]
        return [keys[v] for v in self.cleaned_data.get(name) or []]

    def _pk(self, name):
        v = self.cleaned_data.get(name)
        return self._keys[name][v] if v else None

    def clean_paragraf(self):
        return self._pks("paragraf")

    def clean_maalgruppe(self):
        return self._pks("maalgruppe")

    def clean_kommune(self):
        return self._pk("kommune")

    def clean_branche(self):
        return self._pk("branche")

    def clean(self):
        cleaned = super().clean()
        lo, hi = cleaned.get("pris_min"), cleaned.get("pris_max")
        if lo is not None and hi is not None and lo > hi:
            self.add_error("pris_max", _("'Til' skal være mindst lige så høj som 'fra'."))
        return cleaned

    def filter_fields(self) -> list[dict]:
        """Each field as the search template draws it (DKFDS markup, without a template per
        widget and option): kind, id, name, label, errors, value, options and attributes."""
        out = []
        for bf in self:
            field, widget = bf.field, bf.field.widget
            # The attributes Django's own rendering gives the input (BoundField.as_widget).
            extra = bf.build_widget_attrs({}, widget)
            extra.setdefault("id", bf.auto_id)
            attrs = widget.build_attrs(widget.attrs, extra)
            attrs.pop("class", None)
            item = {
                "name": bf.html_name,
                "id": bf.auto_id,
                "label": bf.label,
                "errors": bf.errors,
                "optional": not field.required,
            }
            # The options are most of the form: written here in one go, as the widget
            # templates (multiple_input.html, checkbox.html, select.html) would.
            if isinstance(widget, forms.CheckboxSelectMultiple):
                selected = {str(v) for v in (bf.value() or [])}
                invalid = mark_safe(' aria-invalid="true"') if bf.errors else ""
                checked = mark_safe(" checked")
                item["kind"] = "checkboxes"
                item["options"] = format_html_join(
                    "",
                    '\n<div class="form-group-checkbox"><input type="checkbox" name="{0}"'
                    ' value="{1}" class="form-checkbox"{2} id="{3}"{4}>'
                    '<label class="form-label" for="{3}">{5}</label></div>',
                    (
                        (
                            bf.html_name,
                            v,
                            invalid,
                            f"{bf.auto_id}_{i}",
                            checked if v in selected else "",
                            label,
                        )
                        for i, (v, label) in enumerate(field.choices)
                    ),
                )
            elif isinstance(widget, forms.Select):
                value = bf.value()
                selected = "" if value is None else str(value)
                item["kind"] = "select"
                item["attrs"] = attrs
                item["options"] = format_html_join(
                    "",
                    '\n<option value="{}"{}>{}</option>',
                    (
                        (v, mark_safe(" selected") if str(v) == selected else "", label)
                        for v, label in field.choices
                    ),
                )
            elif isinstance(widget, forms.CheckboxInput):
                item["kind"] = "checkbox"
                if widget.check_test(bf.value()):
                    attrs["checked"] = True
                item["attrs"] = attrs
            else:
                value = widget.format_value(bf.value())
                item["kind"] = "input"
                item["type"] = widget.input_type
                item["value"] = value
                item["attrs"] = attrs
            out.append(item)
        return out


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
    price = DanishDecimalField(
        label=_("Pris (kr.)"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        widget=MoneyInput,
    )
    unit = forms.ChoiceField(
        label=_("Enhed"), required=False, choices=[("", "–")] + list(PriceUnit.choices)
    )
    note = forms.CharField(label=_("Bemærkning"), required=False, max_length=500)

    def __init__(self, *args, question, **kwargs):
        super().__init__(*args, **kwargs)
        self.question = question

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("answer") == AnswerKind.EXTRA:
            if not cleaned.get("unit"):
                self.add_error("unit", _("Angiv enheden for tilkøbet."))
            if cleaned.get("price") is None and cleaned.get("unit") != PriceUnit.INDIVIDUAL:
                self.add_error(
                    "price", _("Angiv prisen for tilkøbet, eller vælg 'individuel pris'.")
                )
        return cleaned


class TariffForm(PortalModelForm):
    price = DanishDecimalField(
        label=_("Gennemsnitstakst (kr.)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=MoneyInput,
    )
    occupancy_percent = DanishDecimalField(
        label=_("Budgetteret belægning (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("100"),
        widget=MoneyInput,
    )
    overhead_amount = DanishDecimalField(
        label=_("Heraf central ledelse og administration (kr.)"),
        required=False,
        max_digits=12,
        decimal_places=2,
        min_value=0,
        widget=MoneyInput,
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
        widget=MoneyInput,
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


class RegulationRateForm(PortalForm):
    year = forms.IntegerField(label=_("Takstår"), min_value=2000, max_value=2100)
    rate = DanishDecimalField(
        label=_("PL-sats (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("-20"),
        max_value=Decimal("50"),
        widget=MoneyInput,
    )
    note = forms.CharField(label=_("Kilde / note"), max_length=250, required=False)
