"""The form that names a saved search and says whether new offers are told by e-mail."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from offers.models import SAVED_SEARCH_QUERY_MAX_LENGTH, SavedSearch
from partnership.forms import PortalModelForm


class SavedSearchForm(PortalModelForm):
    """Name and e-mail choice; on saving a new search also the search itself (`soegning`,
    the search URL's query string, carried in a hidden field)."""

    soegning = forms.CharField(
        required=False, widget=forms.HiddenInput, max_length=SAVED_SEARCH_QUERY_MAX_LENGTH
    )

    class Meta:
        model = SavedSearch
        fields = ["name", "notify_by_email"]
        labels = {
            "name": _("Navn på søgningen"),
            "notify_by_email": _("Giv mig besked, når et nyt tilbud passer til søgningen"),
        }
        help_texts = {
            "name": _("Fx 'Botilbud § 108 i Næstved'. Kun du kan se dine gemte søgninger."),
            "notify_by_email": _("Du får en e-mail og en besked på Mit overblik."),
        }

    def __init__(self, *args, with_query: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_query:
            del self.fields["soegning"]
