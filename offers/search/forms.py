"""The search form (*Find tilbud*)."""

from __future__ import annotations

import copy
import functools
from typing import Any

from django import forms
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import gettext_lazy as _

from offers.filters import OfferFilter
from partnership.forms import DanishDecimalField, PortalForm, guard_field, show_as_checkboxes
from partnership.models import OwnershipForm

from .selectors import SearchReference, search_reference

SORT_CHOICES = [
    ("relevance", _("Relevans")),
    ("price", _("Månedspris ekskl. moms, laveste først")),
    ("price_desc", _("Månedspris ekskl. moms, højeste først")),
    ("name", _("Navn")),
    ("vacancies", _("Flest ledige pladser")),
]


class FixedChoices(BaseChoiceIterator):
    """A field's choices made once and shared by every form that offers them, never copied
    and never changed. Django copies each field's choices for every form and normalizes
    them again when they are set: for the search's reference data (hundreds of
    municipalities, paragraphs, target groups and branch organisations) that was a third
    of validating a search."""

    def __init__(self, choices) -> None:
        self._choices = tuple(choices)

    def __iter__(self):
        return iter(self._choices)

    def __len__(self) -> int:
        return len(self._choices)

    def __copy__(self) -> FixedChoices:
        return self

    def __deepcopy__(self, memo) -> FixedChoices:
        return self


@functools.lru_cache(maxsize=8)
def _reference_choices(ref: SearchReference) -> tuple[dict[str, dict[str, int]], dict[str, Any]]:
    """The search form's choices from this reference data, made once per reference (the
    data's generation): each choice field's {value: primary key}, and its choices."""
    # Only active paragraphs and target groups are offered, as before.
    keys = {
        "paragraf": {c.key: c.pk for c in ref.paragraphs if c.active},
        "maalgruppe": {c.key: c.pk for c in ref.target_groups if c.active},
        "kommune": {c.key: c.pk for c in ref.municipalities},
        "branche": {c.key: c.pk for c in ref.branches},
    }
    choices = {
        "paragraf": FixedChoices((c.key, c.label) for c in ref.paragraphs if c.active),
        "maalgruppe": FixedChoices((c.key, c.label) for c in ref.target_groups if c.active),
        "kommune": FixedChoices(
            [("", _("Alle kommuner"))] + [(c.key, c.label) for c in ref.municipalities]
        ),
        "branche": FixedChoices([("", _("Alle"))] + [(c.key, c.label) for c in ref.branches]),
    }
    return keys, choices


class SearchForm(PortalForm):
    """The search's filters, all in the URL: the form of the offer list's FilterSet
    (offers.filters.OfferFilter), which applies them. The choices come from the reference data
    read once per request (offers.search.selectors.search_reference), so validating and
    drawing the form issue no queries of their own; the cleaned choices are primary keys."""

    q = forms.CharField(
        label=_("Søg i navn, lovgrundlag, målgrupper, metoder og beskrivelse"),
        help_text=_(
            "Store og små bogstaver er det samme, og ordets bøjning betyder ikke noget. "
            "Søgningen finder også synonymer, fx 'low arousal' for 'lav arousal'."
        ),
        required=False,
        max_length=200,
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
        label=_("Månedspris ekskl. moms fra (kr.)"), required=False, min_value=0, decimal_places=2
    )
    pris_max = DanishDecimalField(
        label=_("Månedspris ekskl. moms til (kr.)"), required=False, min_value=0, decimal_places=2
    )
    sorter = forms.ChoiceField(label=_("Sortér efter"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args, reference: SearchReference | None = None, **kwargs):
        self.reference = reference if reference is not None else search_reference()
        self._keys = _reference_choices(self.reference)[0]
        # The fields with this reference data's choices, made once and shared by its forms
        # (Django copies them for each form, for a form that changes its own).
        self.base_fields = _fields_for(self.reference)
        super().__init__(*args, **kwargs)

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
                "help": field.help_text,
            }
            # The options are most of the form: listed here as plain values
            # (value, id, checked, label) or (value, selected, label), which
            # templates/offers/_search_field.html writes as the widget templates
            # (multiple_input.html, checkbox.html, select.html) would.
            if isinstance(widget, forms.CheckboxSelectMultiple):
                selected = {str(v) for v in (bf.value() or [])}
                item["kind"] = "checkboxes"
                item["options"] = [
                    (v, f"{bf.auto_id}_{i}", v in selected, label)
                    for i, (v, label) in enumerate(field.choices)
                ]
            elif isinstance(widget, forms.Select):
                value = bf.value()
                selected = "" if value is None else str(value)
                item["kind"] = "select"
                item["attrs"] = attrs
                item["options"] = [(v, str(v) == selected, label) for v, label in field.choices]
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


class _SharedFields(dict[str, forms.Field]):
    """A form's fields made once and shared by every form made with them: copying it for a
    form (Django's BaseForm deep-copies its base_fields for each form) copies the dict, not
    the fields. A field holds its settings (label, choices, widget, validators), which no
    search changes: a form's data, errors and values are the form's own. Deep-copying the
    twelve fields and their widgets was 60 % of validating a new search (0.39 ms)."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, forms.Field]:
        return dict(self)


@functools.lru_cache(maxsize=8)
def _fields_for(ref: SearchReference) -> _SharedFields:
    """SearchForm's fields with this reference data's choices (_reference_choices) and the
    portal's input rules on them (partnership.forms.guard_field, as every form's), made
    once per reference (the data's generation)."""
    fields = {name: copy.deepcopy(field) for name, field in SearchForm.base_fields.items()}
    for name, field_choices in _reference_choices(ref)[1].items():
        fields[name].choices = field_choices  # type: ignore[attr-defined]
    for field in fields.values():
        guard_field(field)
        show_as_checkboxes(field)
    return _SharedFields(fields)


class SearchFilter(OfferFilter):
    """The offer list's FilterSet (offers.filters.OfferFilter) validated by SearchForm: input
    from a URL (the search page, open data, an API). `reference`: the choices already read
    (offers.search.selectors.search_reference), so validating reads nothing."""

    class Meta(OfferFilter.Meta):
        form = SearchForm

    def __init__(self, data=None, queryset=None, *, reference: SearchReference | None = None, **kw):
        super().__init__(data, queryset, **kw)
        self.reference = reference

    @property
    def form(self) -> SearchForm:
        if not hasattr(self, "_form"):
            form_class = self.get_form_class()
            data = self.data if self.is_bound else None
            self._form = form_class(data, prefix=self.form_prefix, reference=self.reference)
        return self._form
