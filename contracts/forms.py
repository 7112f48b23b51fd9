from __future__ import annotations

import hashlib
import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from offers.models import Tariff, TariffAddOn, TariffStatus
from partnership import formats
from partnership.forms import DanishDecimalField, PortalForm, PortalModelForm
from partnership.models import Organisation, Role, User

from . import selectors, services, standard_texts
from .models import Contract, ContractTemplate, TemplateStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ListSelect(forms.Select):
    """The project's select (templates/django/forms/widgets/select.html) for a long list of
    plain options, drawn by one template loop (contracts/_list_select.html, cached) instead
    of one template include per option: the provider filter on the contract list has hundreds of
    options for a large municipality, and rendering them one template each took longer
    than the rest of the page. Same HTML, no optgroups."""

    template_name = "contracts/_list_select.html"

    def get_context(self, name, value, attrs):
        # Not Select.get_context: it builds an option dict per choice (optgroups).
        final = self.build_attrs(self.attrs, attrs)
        extra = final.pop("class", "")
        selected = set(self.format_value(value))
        # Attributes as flatatt() orders them: name="value" pairs, then the boolean ones.
        pairs = sorted(
            (k, v) for k, v in final.items() if v is not None and not isinstance(v, bool)
        )
        flags = sorted((k, True) for k, v in final.items() if v is True)
        options = [(str(v), str(v) in selected, str(label)) for v, label in self.choices]
        widget = {"name": name, "extra": extra, "attrs": pairs + flags, "options": options}
        # The template caches the drawn select under everything it draws from: the loop over
        # hundreds of options costs more than hashing them.
        widget["key"] = hashlib.sha256(repr(sorted(widget.items())).encode()).hexdigest()[:32]
        return {"widget": widget}


class AddOnChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        price = f"{formats.kr(obj.price)} " if obj.price is not None else ""
        return (
            f"{obj.tariff.year} v{obj.tariff.version}: {obj.name} ({price}{obj.get_unit_display()})"
        )


class TariffChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        price = formats.kr(obj.price)
        return f"{obj.year}, version {obj.version}: {price} {obj.get_unit_display()}"


class ContractForm(PortalModelForm):
    template = forms.ModelChoiceField(
        label=_("Standardkontrakt"),
        queryset=ContractTemplate.objects.filter(status=TemplateStatus.PUBLISHED),
    )
    tariff = TariffChoice(
        label=_("Aftalt takst"),
        queryset=Tariff.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    addons = AddOnChoice(
        label=_("Valgte tillægsydelser"),
        queryset=TariffAddOn.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # A one-time token, new each time the empty form is drawn and sent back with it: the
    # same form sent twice makes one contract (services.create_contract). Optional, so a
    # form drawn before the token existed still works (without that protection).
    form_token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=36)

    class Meta:
        model = Contract
        fields = [
            "template",
            "buyer",
            "case_reference",
            "start_date",
            "end_date",
            "tariff",
            "addons",
            "payment_timing",
            "payment_days",
            "notice_months",
            "automatic_pl",
            "followup_first",
            "followup_interval_months",
            "buyer_contact",
            "provider_contact",
        ]
        widgets = {"start_date": DATE, "end_date": DATE, "followup_first": DATE}
        error_messages = {
            "payment_days": {
                "max_value": _(
                    "Betalingsfristen er højst 30 dage efter faktura (standardkontrakt 2.0)."
                )
            },
        }

    def __init__(self, *args, offer, buyers, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer = offer
        tariffs = Tariff.objects.filter(offer=offer, status=TariffStatus.PUBLISHED).order_by(
            "-year", "-version"
        )
        self.fields["tariff"].queryset = tariffs
        self.fields["addons"].queryset = TariffAddOn.objects.filter(
            tariff__in=tariffs
        ).select_related("tariff")
        self.fields["buyer"].queryset = Organisation.objects.filter(pk__in=[b.pk for b in buyers])
        self.fields["buyer"].empty_label = None
        buyer_ids = [b.pk for b in buyers]
        self.fields["buyer_contact"].queryset = User.objects.filter(
            memberships__organisation_id__in=buyer_ids,
            memberships__is_active=True,
            memberships__role__in=[Role.CASEWORKER, Role.PROCUREMENT],
        ).distinct()
        self.fields["provider_contact"].queryset = User.objects.filter(
            memberships__organisation=offer.provider,
            memberships__is_active=True,
            memberships__role=Role.PROVIDER_EDITOR,
        ).distinct()
        self._add_reason_fields()
        if editing:
            del self.fields["template"]
            del self.fields["buyer"]
            del self.fields["form_token"]
        elif not self.is_bound:
            self.initial["form_token"] = uuid.uuid4()

    def _add_reason_fields(self) -> None:
        """A reason per clause a term writes (contracts.standard_texts.TERMS): needed when
        the term differs from the standard contract's, which makes the clause a deviation."""
        kept = {}
        if self.instance.pk:
            kept = dict(
                self.instance.clauses.filter(
                    number__in=standard_texts.DEVIATING_TERM_CLAUSES
                ).values_list("number", "deviation_reason")
            )
        for number in standard_texts.DEVIATING_TERM_CLAUSES:
            terms = standard_texts.terms_of(number)
            self.fields[services.reason_field(number)] = forms.CharField(
                label=_("Begrundelse, hvis %(term)s afviger fra standarden (punkt %(n)s)")
                % {"term": terms[0].label, "n": number},
                required=False,
                max_length=2000,
                initial=kept.get(number, ""),
                help_text=_(
                    "Vilkåret skrives ind i punkt %(n)s. Afviger det fra standardkontrakten, "
                    "er punktet en afvigelse, som skal begrundes."
                )
                % {"n": number},
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def reasons(self) -> dict[str, str]:
        """The reasons typed, by clause number (for contracts.services)."""
        return {
            number: self.cleaned_data.get(services.reason_field(number), "")
            for number in standard_texts.DEVIATING_TERM_CLAUSES
        }

    def terms(self) -> dict:
        """The contract's fields typed: everything but the template, add-ons, the token
        and the reasons."""
        return {
            k: v
            for k, v in self.cleaned_data.items()
            if k not in ("template", "addons", "form_token") and not k.startswith("reason_")
        }

    def clean_form_token(self) -> uuid.UUID | None:
        token = self.cleaned_data["form_token"]
        if not token:
            return None
        try:
            return uuid.UUID(token)
        except ValueError:
            raise forms.ValidationError(
                _("Formularen er ufuldstændig. Hent siden igen, og udfyld den på ny.")
            ) from None

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("Slutdatoen skal ligge efter startdatoen."))
        tariff = cleaned.get("tariff")
        addons = cleaned.get("addons") or []
        if tariff and any(a.tariff_id != tariff.pk for a in addons):
            self.add_error("addons", _("Vælg kun tillægsydelser fra den valgte takst."))
        return cleaned

    def _post_clean(self):
        self.instance.offer = self.offer
        self.instance.provider = self.offer.provider
        super()._post_clean()


class RenegotiateForm(PortalForm):
    effective_date = forms.DateField(
        label=_("Tillægget gælder fra"),
        widget=DATE,
        help_text=_(
            "Fra denne dato gælder tillægget i stedet for kontrakten, når begge parter har "
            "underskrevet det."
        ),
        error_messages={"required": _("Skriv, hvornår tillægget skal gælde fra.")},
    )


class ClauseForm(PortalForm):
    text = forms.CharField(label=_("Tekst"), widget=forms.Textarea(attrs={"rows": 6}))
    reason = forms.CharField(
        label=_("Begrundelse for afvigelsen"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Skal udfyldes, når teksten afviger fra standardkontrakten."),
    )


class CommentForm(PortalForm):
    text = forms.CharField(label=_("Kommentar"), widget=forms.Textarea(attrs={"rows": 3}))


class TerminateForm(PortalForm):
    notice_given_on = forms.DateField(
        label=_("Opsagt den"), widget=DATE, initial=timezone.localdate
    )
    reason = forms.CharField(label=_("Begrundelse"), widget=forms.Textarea(attrs={"rows": 3}))


class _NameChoices(forms.models.ModelChoiceIterator):
    """(pk, name) straight from the database: no model instance per option."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.queryset.values_list("pk", "name")


class OrganisationChoice(forms.ModelChoiceField):
    iterator = _NameChoices


class ContractFilterForm(PortalForm):
    provider = OrganisationChoice(
        label=_("Leverandør"),
        required=False,
        queryset=Organisation.objects.none(),
        empty_label=_("Alle"),
        widget=ListSelect,
    )
    state = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=selectors.state_filter_choices,
        widget=ListSelect,
    )
    offer_q = forms.CharField(label=_("Tilbud"), required=False, max_length=100)
    deviations = forms.ChoiceField(
        label=_("Afvigelser"),
        required=False,
        choices=[("", _("Alle")), ("with", _("Med afvigelser")), ("without", _("Uden afvigelser"))],
        widget=ListSelect,
    )

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers


class PriceItemForm(PortalForm):
    description = forms.CharField(label=_("Ydelse"), max_length=200)
    amount = DanishDecimalField(
        label=_("Beløb (kr.)"), max_digits=12, decimal_places=2, min_value=0
    )
    unit = forms.CharField(
        label=_("Enhed"), max_length=40, help_text=_("Fx 'pr. time' eller 'engangsbeløb'.")
    )
    reason = forms.CharField(label=_("Begrundelse"), widget=forms.Textarea(attrs={"rows": 2}))
