"""The yearly PL rate (the other reference data use model forms made in views.py)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from partnership.forms import DanishDecimalField, PortalForm


class RegulationRateForm(PortalForm):
    year = forms.IntegerField(label=_("Takstår"), min_value=2000, max_value=2100)
    rate = DanishDecimalField(
        label=_("PL-sats (%)"),
        percent=True,
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("-20"),
        max_value=Decimal("50"),
    )
    note = forms.CharField(label=_("Kilde / note"), max_length=250, required=False)
