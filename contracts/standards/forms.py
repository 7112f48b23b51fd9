"""The secretariat's forms for a draft version of a standard contract."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from contracts.models import ContractTemplate, TemplateClause
from partnership.forms import PortalModelForm

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TemplateVersionForm(PortalModelForm):
    """The draft's version number, the date it applies from and its change note."""

    class Meta:
        model = ContractTemplate
        fields = ["version", "valid_from", "change_note"]
        widgets = {"valid_from": DATE, "change_note": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["change_note"].required = True
        self.fields["change_note"].error_messages["required"] = _(
            "Skriv, hvad der er ændret i den nye version, og hvorfor."
        )


class TemplateClauseForm(PortalModelForm):
    """One clause of a draft: its text, whether a municipality may change it, and whether
    the text is still the portal's summary (uncheck it when KL's wording is in place)."""

    class Meta:
        model = TemplateClause
        fields = ["text", "changeable", "is_summary"]
        widgets = {"text": forms.Textarea(attrs={"rows": 8})}
        labels = {
            "text": _("Standardtekst"),
            "changeable": _("Kommunen må ændre punktet i en kontrakt"),
            "is_summary": _("Teksten er portalens resumé (ikke KL's ordlyd)"),
        }
