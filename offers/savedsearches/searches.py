"""A saved search is the search URL's query string (*Find tilbud*, offers.search.forms
SearchForm's fields): which offers it finds is the search's own rule (SearchFilter, then
offers.search.selectors.search_offers), never a copy of it here. This module turns a query
string into that search: kept to the form's fields, read back, put in words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _

from offers.search.forms import SORT_CHOICES, SearchFilter, SearchForm
from offers.search.selectors import SearchParams, SearchReference
from partnership import formats

# The parameters that make the search. The page number (side) and anything else in the
# URL are not part of it.
SEARCH_FIELDS = tuple(SearchForm.base_fields)
DEFAULT_SORT = SORT_CHOICES[0][0]


def normalized_query(data: QueryDict) -> str:
    """The query string of the search in `data`: SearchForm's fields only, in the form's
    order, without empty values (so the same search is saved the same way)."""
    kept = QueryDict(mutable=True)
    for name in SEARCH_FIELDS:
        values = [v.strip() for v in data.getlist(name) if v and v.strip()]
        if name == "sorter" and values == [DEFAULT_SORT]:
            continue
        if values:
            kept.setlist(name, values)
    return kept.urlencode()


def search_filter(query: str, reference: SearchReference | None = None) -> SearchFilter:
    """The search of a stored query string, as the search page reads its URL."""
    return SearchFilter(QueryDict(query), reference=reference)


def search_params(query: str, reference: SearchReference | None = None) -> SearchParams | None:
    """The cleaned search of a stored query string, or None when it has an error (a paragraph
    since retired, a municipality gone): such a search matches nothing, rather than every
    offer as the search page would show it."""
    filterset = search_filter(query, reference)
    if not filterset.is_valid():
        return None
    return SearchParams.from_cleaned(filterset.cleaned_values())


@dataclass(frozen=True)
class Criterion:
    label: str
    value: str


def describe(form: SearchForm) -> list[Criterion]:
    """What the search asks for, in words: each field given, by its label
    ("Lovgrundlag: SEL § 108")."""
    cleaned = form.cleaned_data if form.is_bound and form.is_valid() else {}
    out = []
    for bf in form:
        field, raw = bf.field, bf.data
        if isinstance(field, forms.ChoiceField):
            choices: Any = field.choices
            labels = {str(key): str(label) for key, label in choices}
            values = raw if isinstance(raw, list) else [raw]
            if bf.name == "sorter" and values in ([DEFAULT_SORT], [""], [None]):
                continue
            text = ", ".join(labels.get(str(v), str(v)) for v in values if v not in ("", None))
        elif isinstance(field, forms.BooleanField):
            text = _("ja") if field.widget.check_test(raw) else ""
        elif bf.name in ("pris_min", "pris_max") and cleaned.get(bf.name) is not None:
            text = formats.kr(cleaned[bf.name], 0)
        elif bf.name == "alder" and cleaned.get(bf.name) is not None:
            text = _("%(age)s år") % {"age": cleaned[bf.name]}
        else:
            text = str(raw or "").strip()
        if text:
            out.append(Criterion(label=str(bf.label), value=text))
    return out
