"""*Find tilbud*: the search page and the same search as open data (CSV and JSON)."""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Iterator
from decimal import Decimal
from functools import cached_property, lru_cache
from typing import Any

from django.conf import settings
from django.core.cache.utils import make_template_fragment_key
from django.forms import ChoiceField
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from offers.compare.session import COMPARE_MAX, compared_ids
from offers.models import TariffUnit
from offers.selectors import current_year
from partnership import formats
from partnership.ahead import sent_ahead
from partnership.cache import (
    ContentKeyedCache,
    content_digest,
    content_keyed,
    drawn_once,
    read_ahead,
)
from partnership.exports import CSV_CONTENT_TYPE, csv_lines, in_chunks
from partnership.pagination import PAGE_PARAM, page_number, paginate
from partnership.views import member_required

from . import opendata, options, selectors
from .forms import SearchFilter, SearchForm


class _CardTexts:
    """Writes the cards' texts, with translations looked up once per page rather than once
    per card (the filters kr and date did, and they were a third of the page's rendering);
    numbers by partnership.formats."""

    def __init__(self, year: int):
        self.no_tariff = _("Ingen offentliggjort takst")
        self.per_day, self.per_month = _("pr. døgn"), _("pr. måned")
        self.vat = {True: _("inkl. moms"), False: _("uden moms"), None: ""}
        self.of, self.years = _("af"), _("år")
        # The cards' headings (a {% translate %} in each drawn card was 0.1 ms a card).
        self.labels = {
            "found_in": _("Fundet i:"),
            # (With the year as text: a number in a template is localized, a tenth of a card.)
            "tariff": f"{_('Takst')} {year}",
            "monthly": _("Månedspris ekskl. moms"),
            "change": _("Ændring"),
            "over_pl": _("Over PL"),
            "vacancies": _("Ledige pladser"),
            "age": _("Alder"),
            "in_compare": _("Er med i sammenligningen."),
            "add": _("Føj til sammenligning"),
        }

    def card(self, r: selectors.OfferResult) -> dict[str, Any]:
        """A result's texts as its card prints them (no filters per value): pk, name, url,
        meta, target_groups, tariff, vat, comparable, change, pl_flag, vacancy,
        vacancy_date, age, found_in. A dict, so that the template finds each value at its
        first lookup (an object's attribute only after a failed item lookup: a third of the
        cards' rendering)."""
        if r.tariff_price is None:
            tariff = self.no_tariff
        else:
            unit = self.per_day if r.tariff_unit == TariffUnit.DAY else self.per_month
            tariff = f"{formats.kr(r.tariff_price)} {unit}"
        return dict(
            pk=str(r.pk),
            name=r.name,
            url=r.url,
            meta=" · ".join([r.provider_name, r.municipality_name, ", ".join(r.paragraphs)]),
            target_groups=r.target_groups,
            tariff=tariff,
            vat=self.vat[r.tariff_vat] if r.tariff_price is not None else "",
            comparable=formats.kr(r.comparable_price, 0),
            change="–" if r.change_percent is None else formats.signed_pct(r.change_percent),
            pl_flag=r.pl_flag,
            vacancy="–" if r.vacant is None else f"{r.vacant} {self.of} {r.places}",
            vacancy_date=formats.date(r.vacancy_date) if r.vacant is not None else "",
            age=f"{r.age_min}–{r.age_max} {self.years}",
            found_in=", ".join(r.found_in),
        )


def _drawn_by(*templates: Any) -> str:
    """A digest of what draws a piece of markup: the templates' source and the language
    (which their labels are in). Part of every key the search page's markup is kept under."""
    return _sources_digest(translation.get_language(), *(t.template for t in templates))


@lru_cache(maxsize=64)
def _sources_digest(language: str, *templates: Any) -> str:
    # Once per loaded template (the loader keeps each until its file changes, then loads a
    # new one): digesting their source was most of the body's key (45 of 70 us).
    return content_digest(language, *(t.source for t in templates))


CARD_TEMPLATE = "offers/_search_card.html"
# What a card shows of its offer: every field of the result (so a field added to OfferResult
# is in the card's key before any template can show it).
_RESULT_FIELDS = tuple(f.name for f in dataclasses.fields(selectors.OfferResult))


def _card_key(r: selectors.OfferResult, drawn_by: str, year: int, in_compare: bool) -> str:
    """The key a card is kept under: a digest of everything it shows (templates/offers/
    _search_card.html's context: the result's fields, the year, whether it is in the
    comparison) and of what draws it (`drawn_by`: the template's source and the language,
    which the labels are in). So a card is never out of date: a changed offer is a new
    key."""
    fields = (getattr(r, f) for f in _RESULT_FIELDS)
    return "offers-search-card:" + content_digest(drawn_by, year, in_compare, *fields)


FIELD_TEMPLATE = "offers/_search_field.html"


def _field_key(
    drawn_by: str, name: str, asked: list[str], errors: list[str], options_from: str | None
) -> str:
    """The key a field is kept under: a digest of what the field is drawn from and of what
    draws it (`drawn_by`: the template's source and the language). It is drawn from the
    query's values for it as asked (`asked`, which its value and checked options are), its
    errors, and, for a field with options, the pieces they are drawn from (`options_from`:
    offers/search/options.py's key, under the generation, so the reference data, and the
    language). The rest of what SearchForm.filter_fields() describes (label, help text,
    attributes) is the form's code, the same in the process that keeps the field
    (drawn_once keeps it in the process only); describing each field to key it by its
    description was most of the fields' time."""
    return "offers-search-field:" + content_digest(drawn_by, name, asked, errors, options_from)


def _drawn_fields(
    form: SearchForm, asked: list[tuple[str, list[str]]], generation: selectors.Generation | None
) -> list[SafeString]:
    """The search form's fields (templates/offers/_search_field.html), each drawn once per
    input in this process (partnership.cache.drawn_once) and kept under _field_key(): a new
    search mostly leaves most fields as they were in some search before, and draws only the
    ones it changed (drawing the twelve was 2 ms of a page). Described
    (SearchForm.filter_fields(), with the options of offers/search/options.py) only if one
    is drawn. `asked`: the query's parameters as given."""
    template = get_template(FIELD_TEMPLATE)
    values = dict(asked)
    described: dict[str, dict[str, Any]] = {}

    def draw(name: str) -> str:
        if not described:
            fields = form.filter_fields()
            options.mark_options(fields, generation)
            described.update((field["name"], field) for field in fields)
        return template.render({"f": described[form.add_prefix(name)]})

    names = list(form.fields)
    if generation is None:  # (no generation: nothing is kept, the options neither)
        return [mark_safe(draw(name)) for name in names]  # noqa: S308
    drawn_by = _drawn_by(template)
    options_from = options.pieces_key(generation)

    def key(name: str) -> str:
        errors = [str(error) for error in form.errors.get(name, ())]
        with_options = options_from if isinstance(form.fields[name], ChoiceField) else None
        asked_for = values.get(form.add_prefix(name), [])
        return _field_key(drawn_by, name, asked_for, errors, with_options)

    # The template's output, escaped there.
    return [mark_safe(f) for f in drawn_once(names, key, draw, selectors.CACHE_SECONDS)]  # noqa: S308


def _drawn_cards(
    results: list[selectors.OfferResult], year: int, compare_ids: list[int]
) -> list[SafeString]:
    """The results' cards (templates/offers/_search_card.html), each drawn once per content
    in this process (partnership.cache.drawn_once) and kept under a key that changes with
    it (_card_key()): a new search shows many offers some other search showed (46 % of the
    cards of the bench's 300 new searches, in one process), and draws only the others (0.08
    ms a card: the 20 were a third of a new search's Python before they were kept)."""
    template = get_template(CARD_TEMPLATE)
    drawn_by = _drawn_by(template)
    texts = _CardTexts(year)
    compared = set(compare_ids)

    def key(r: selectors.OfferResult) -> str:
        return _card_key(r, drawn_by, year, r.pk in compared)

    def draw(r: selectors.OfferResult) -> str:
        context = {"offer": texts.card(r), "labels": texts.labels}
        context["in_compare"] = r.pk in compared
        return template.render(context)

    # The template's output, escaped there (as offers/search/options.py's pieces).
    return [
        mark_safe(card)  # noqa: S308
        for card in drawn_once(results, key, draw, selectors.CACHE_SECONDS)
    ]


def draw_every_card() -> int:
    """Draws the card of every published offer into this process as a search would draw
    it (_drawn_cards(): under the same key, in the site's language, for someone with
    nothing in the comparison), until the cards fill half of what the process keeps
    (partnership.cache.ContentKeyedCache, MAX_SIZE): gunicorn's master draws them before it
    starts its workers (config/gunicorn.py), so that every worker starts with them, also
    one that replaces another. A new search then draws only the cards of offers changed
    since, and those that say where a text search found its words: drawing its cards was
    the largest part of a new search (in one process, over 400 of the bench's new
    searches: 1.9 ms p50 of 15.2, 60 % of the cards drawn; with every card drawn first,
    0.5 ms, and the search 1.3 ms faster). Returns the number of cards drawn; none without
    a generation."""
    generation = selectors.search_generation()
    if generation is None:
        return 0
    reference = selectors.search_reference(generation)
    year = current_year()
    cache = content_keyed()
    drawn = 0
    with translation.override(settings.LANGUAGE_CODE):
        for results in selectors.published_results(year, reference):
            if isinstance(cache, ContentKeyedCache) and cache.filled() > 0.5:
                break
            drawn += len(_drawn_cards(results, year, []))
    return drawn


# What offers/search.html's body draws (_search_body.html and what it includes, and the pieces
# drawn into it): their source is part of the body's key, so a changed template is a new key.
BODY_TEMPLATES = (
    "offers/_search_body.html",
    "offers/_search_filters.html",
    "includes/error_summary.html",
    "includes/pagination.html",
    FIELD_TEMPLATE,
    CARD_TEMPLATE,
    options.OPTION_TEMPLATE,
)


def _body_key(
    generation: selectors.Generation,
    user: Any,
    year: int,
    asked: list[tuple[str, list[str]]],
    compare_ids: list[int],
    compare_full: bool,
) -> str:
    """The key the search page's body (the filters and the results) is kept under: a digest of
    everything it shows. The results and the filters' options are the data's at the
    generation (read first: data read after it is as new or newer, and a change makes a new
    generation) as the viewer's visibility class sees it; the rest follows from the query as
    asked (`asked`, the path's parameters in order: the links repeat them), the year (the
    tariffs'), the comparison, the language and the templates that draw it."""
    drawn_by = _drawn_by(*(get_template(t) for t in BODY_TEMPLATES))
    return content_digest(
        drawn_by,
        generation.key("body"),
        selectors.visibility_class(user),
        year,
        asked,
        compare_ids,
        compare_full,
    )


class _SearchBody:
    """What the search page's body shows, each read at its first use: a body the cache has
    (offers/search.html's {% cache %}) reads none of it."""

    def __init__(self, request, generation, number: int, year: int):
        self.request, self.generation, self.number = request, generation, number
        self.asked = list(request.GET.lists())
        self.results_key = (
            selectors.page_key(generation, request.user, year, self.asked) if generation else None
        )

    @cached_property
    def filterset(self) -> SearchFilter:
        # The offer list's filters (offers.filters.OfferFilter) validated by SearchForm.
        reference = selectors.search_reference(self.generation)
        return SearchFilter(self.request.GET, reference=reference)

    @cached_property
    def form(self):
        return self.filterset.form

    @cached_property
    def results(self) -> selectors.SearchResults:
        filterset = self.filterset
        params = selectors.SearchParams.from_cleaned(filterset.cleaned_values())
        return selectors.search_page(
            self.request.user,
            params,
            filterset.reference,
            self.number,
            self.results_key,
            filterset=filterset,
        )

    @cached_property
    def filters(self) -> list[SafeString]:
        # The fields as the query has them; their options (most of the markup) drawn once per
        # generation and language, with the query's checked (offers/search/options.py).
        return _drawn_fields(self.form, self.asked, self.generation)

    def read_ahead(self, body_key: str | None) -> None:
        """Read what the cache has of the body and of its results in one round trip rather
        than one each (neither key needs the form)."""
        keys = [body_fragment_key(body_key)] if body_key else []
        if self.results_key:
            keys.append(selectors.window_key(self.results_key, self.number))
        read_ahead(keys)


@member_required
def search(request):
    # The data's generation first: the reference data, the results and the page's body are
    # cached under it.
    generation = selectors.search_generation()
    year = current_year()
    query = request.GET.copy()
    query.pop(PAGE_PARAM, None)
    compare_ids = compared_ids(request)
    compare_full = len(compare_ids) >= COMPARE_MAX
    number = page_number(request.GET.get(PAGE_PARAM))
    body = _SearchBody(request, generation, number, year)
    page = SimpleLazyObject(lambda: paginate(body.results, selectors.PAGE_SIZE, number))
    body_key = (
        _body_key(generation, request.user, year, body.asked, compare_ids, compare_full)
        if generation
        else None
    )
    # A body to draw reads its results: their statement is sent before the page is drawn,
    # and the database works on it meanwhile (partnership.ahead.sent_ahead()).
    if generation:
        body.read_ahead(body_key)
    with sent_ahead(None if _body_drawn(body_key) else body.results):
        return render(
            request,
            "offers/search.html",
            {
                "body_key": body_key,
                # The body's values, read only when it is drawn.
                "form": SimpleLazyObject(lambda: body.form),
                "filters": SimpleLazyObject(lambda: body.filters),
                "page": page,
                "cards": SimpleLazyObject(
                    lambda: _drawn_cards(list(page.object_list), year, compare_ids)
                ),
                "query": query.urlencode(),
                "year": year,
                "compare_ids": compare_ids,
                "compare_max": COMPARE_MAX,
                "compare_full": compare_full,
            },
        )


# The name of the body's {% cache %} in offers/search.html.
BODY_FRAGMENT = "offers_search_body"


def _body_drawn(body_key: str | None) -> bool:
    """Whether the cache has the body under this key (offers/search.html's {% cache %},
    which then finds it in this process)."""
    if body_key is None:
        return False
    return content_keyed().get(body_fragment_key(body_key)) is not None


def body_fragment_key(body_key: str) -> str:
    """The cache key of the body's {% cache %} under this body key."""
    return make_template_fragment_key(BODY_FRAGMENT, [body_key])


OPEN_DATA_FIELDS = [
    "id",
    "navn",
    "leverandoer",
    "cvr",
    "ejerform",
    "brancheorganisation",
    "beliggenhedskommune",
    "kommunekode",
    "lovgrundlag",
    "maalgrupper",
    "alder_fra",
    "alder_til",
    "pladser",
    "ledige_pladser",
    "ledige_opgjort",
    "takstaar",
    "takst_version",
    "takst",
    "enhed",
    "maanedspris",
    "moms_inkluderet_ja_nej",
    "maanedspris_ekskl_moms",
    "aendring_pct",
    "over_pl",
]


def _open_data_row(o: opendata.OfferRow, year: int) -> dict:
    """One offer's keys and values in the JSON download (the CSV writes the same, its lists
    joined and its numbers with a decimal comma)."""
    has_tariff = o.tariff_price is not None
    return {
        "id": o.pk,
        "navn": o.name,
        "leverandoer": o.provider_name,
        "cvr": o.provider_cvr,
        "ejerform": o.ownership_form,
        "brancheorganisation": o.branch_organisation,
        "beliggenhedskommune": o.municipality_name,
        "kommunekode": o.municipality_code,
        "lovgrundlag": [p.code for p in o.paragraphs],
        "maalgrupper": [g.name for g in o.target_groups],
        "alder_fra": o.age_min,
        "alder_til": o.age_max,
        "pladser": o.places,
        "ledige_pladser": o.vacant,
        "ledige_opgjort": o.vacancy_date.isoformat() if o.vacancy_date else None,
        "takstaar": year if has_tariff else None,
        "takst_version": o.tariff_version,
        "takst": str(o.tariff_price) if has_tariff else None,
        "enhed": o.tariff_unit,
        "maanedspris": str(o.monthly_price) if o.monthly_price is not None else None,
        "moms_inkluderet_ja_nej": o.tariff_vat if has_tariff else None,
        "maanedspris_ekskl_moms": (
            str(o.comparable_price) if o.comparable_price is not None else None
        ),
        "aendring_pct": str(o.change_percent) if o.change_percent is not None else None,
        "over_pl": o.pl_flag,
    }


def _csv_row(row: dict) -> list:
    row = dict(row)
    row["lovgrundlag"] = ", ".join(row["lovgrundlag"])
    row["maalgrupper"] = ", ".join(row["maalgrupper"])
    row["moms_inkluderet_ja_nej"] = {True: "ja", False: "nej", None: ""}[
        row["moms_inkluderet_ja_nej"]
    ]
    row["over_pl"] = "ja" if row["over_pl"] else "nej"
    for key in ("takst", "maanedspris", "maanedspris_ekskl_moms", "aendring_pct"):
        if row[key] is not None:
            row[key] = Decimal(row[key])  # written with a decimal comma by csv_lines()
    return [row[field] for field in OPEN_DATA_FIELDS]


def _json_lines(stamp: str, count: int, rows: Iterator[dict]) -> Iterator[str]:
    """The JSON document written as it is read: one offer a line, valid JSON at the end."""
    yield "{\n"
    yield f' "genereret": {json.dumps(stamp)},\n "antal": {count},\n "tilbud": [\n'
    separator = ""
    for row in rows:
        yield separator + "  " + json.dumps(row, ensure_ascii=False)
        separator = ",\n"
    yield "\n ]\n}\n"


@member_required
def open_data(request, fmt):
    """Every offer matching the search's filters, in the search's order, as CSV or JSON:
    streamed, read CHUNK offers at a time (offers.opendata, as the API reads them)."""
    if fmt not in ("csv", "json"):
        raise Http404
    # The search's FilterSet validated by its form (an error filters nothing, as the page).
    values = SearchFilter(request.GET).cleaned_values()
    year = current_year()
    ids = opendata.matching_ids(values, year)
    rows = (_open_data_row(o, year) for o in opendata.stream(ids, year))
    stamp = timezone.localdate().isoformat()
    if fmt == "json":
        response = StreamingHttpResponse(
            in_chunks(_json_lines(stamp, len(ids), rows)),
            content_type="application/json; charset=utf-8",
        )
    else:
        table = itertools.chain([OPEN_DATA_FIELDS], (_csv_row(row) for row in rows))
        response = StreamingHttpResponse(in_chunks(csv_lines(table)), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="tilbud-{stamp}.{fmt}"'
    return response
