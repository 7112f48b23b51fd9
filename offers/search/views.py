"""*Find tilbud*: the search page and the same search as open data (CSV and JSON)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from offers.compare.session import COMPARE_MAX, compared_ids
from offers.models import Tariff, TariffUnit
from offers.selectors import current_year, decorate
from partnership import formats
from partnership.exports import CSV_CONTENT_TYPE, csv_text
from partnership.pagination import PAGE_PARAM, page_number, paginate
from partnership.views import member_required

from . import selectors
from .forms import SearchFilter


@dataclass
class _SearchCard:
    """A result on the search page with its texts written out once here, so the template's
    loop over 20 cards only prints (no filters or translations per card)."""

    pk: int
    name: str
    url: str
    meta: str
    target_groups: list[str]
    tariff: str
    vat: str
    comparable: str
    change: str
    pl_flag: bool
    vacancy: str
    vacancy_date: str
    age: str
    found_in: str = ""


class _CardTexts:
    """Writes the cards' texts, with translations looked up once per page rather than once
    per card (the filters kr and date did, and they were a third of the page's rendering);
    numbers by partnership.formats."""

    def __init__(self):
        self.no_tariff = _("Ingen offentliggjort takst")
        self.per_day, self.per_month = _("pr. døgn"), _("pr. måned")
        self.vat = {True: _("inkl. moms"), False: _("uden moms"), None: ""}
        self.of, self.years = _("af"), _("år")
        self.dates: dict = {}

    def date(self, value) -> str:
        if value not in self.dates:
            self.dates[value] = formats.date(value)
        return self.dates[value]

    def card(self, r: selectors.OfferResult) -> _SearchCard:
        if r.tariff_price is None:
            tariff = self.no_tariff
        else:
            unit = self.per_day if r.tariff_unit == TariffUnit.DAY else self.per_month
            tariff = f"{formats.kr(r.tariff_price)} {unit}"
        return _SearchCard(
            pk=r.pk,
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
            vacancy_date=self.date(r.vacancy_date) if r.vacant is not None else "",
            age=f"{r.age_min}–{r.age_max} {self.years}",
            found_in=", ".join(r.found_in),
        )


@member_required
def search(request):
    # The data's generation first: the reference data and the results are cached under it.
    generation = selectors.search_generation()
    reference = selectors.search_reference(generation)
    # The offer list's filters (offers.filters.OfferFilter) validated by SearchForm.
    filterset = SearchFilter(request.GET, reference=reference)
    form = filterset.form
    params = selectors.SearchParams.from_cleaned(filterset.cleaned_values())
    year = current_year()
    number = page_number(request.GET.get(PAGE_PARAM))
    results = selectors.search_page(request.user, params, reference, number, generation)
    page = paginate(results, selectors.PAGE_SIZE, number)
    texts = _CardTexts()
    page.object_list = [texts.card(r) for r in page.object_list]
    query = request.GET.copy()
    query.pop(PAGE_PARAM, None)
    compare_ids = compared_ids(request)
    # The form's fields are drawn from the query, the reference data and the language alone:
    # the template caches them under those (and draws them, calling filter_fields, only when
    # they are not in the cache).
    filters_key = (
        generation.key(
            "filters",
            translation.get_language(),
            hashlib.sha256(query.urlencode().encode()).hexdigest()[:32],
        )
        if generation
        else ""
    )
    return render(
        request,
        "offers/search.html",
        {
            "form": form,
            "filters": form.filter_fields,
            "filters_key": filters_key,
            "page": page,
            "query": query.urlencode(),
            "year": year,
            "compare_ids": compare_ids,
            "compare_max": COMPARE_MAX,
            "compare_full": len(compare_ids) >= COMPARE_MAX,
            "open_data_query": query.urlencode(),
        },
    )


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


def _open_data_rows(request):
    filterset = SearchFilter(request.GET)
    params = selectors.SearchParams.from_cleaned(filterset.cleaned_values())
    year = current_year()
    qs = selectors.search_offers(request.user, params)
    offers = decorate(qs, year)
    vat = dict(
        Tariff.objects.filter(pk__in=[o.tariff_id for o in offers if o.tariff_id]).values_list(
            "pk", "vat_included"
        )
    )
    for o in offers:
        yield {
            "id": o.pk,
            "navn": o.name,
            "leverandoer": o.provider.name,
            "cvr": o.provider.cvr,
            "ejerform": o.provider.get_ownership_form_display(),
            "brancheorganisation": o.provider.branch_organisation.name
            if o.provider.branch_organisation
            else "",
            "beliggenhedskommune": o.municipality.name,
            "kommunekode": o.municipality.code,
            "lovgrundlag": [p.code for p in o.paragraphs.all()],
            "maalgrupper": [g.name for g in o.target_groups.all()],
            "alder_fra": o.age_min,
            "alder_til": o.age_max,
            "pladser": o.places,
            "ledige_pladser": o.vacant,
            "ledige_opgjort": o.vacancy_date.isoformat() if o.vacancy_date else None,
            "takstaar": year if o.tariff_id else None,
            "takst_version": o.tariff_version,
            "takst": str(o.tariff_price) if o.tariff_price is not None else None,
            "enhed": o.tariff_unit,
            "maanedspris": str(o.monthly_price) if o.monthly_price is not None else None,
            "moms_inkluderet_ja_nej": vat.get(o.tariff_id),
            "maanedspris_ekskl_moms": (
                str(o.comparable_price) if o.comparable_price is not None else None
            ),
            "aendring_pct": str(o.change_percent) if o.change_percent is not None else None,
            "over_pl": o.pl_flag,
        }


@member_required
def open_data(request, fmt):
    rows = list(_open_data_rows(request))
    stamp = timezone.localdate().isoformat()
    if fmt == "json":
        body = json.dumps(
            {"genereret": stamp, "antal": len(rows), "tilbud": rows}, ensure_ascii=False, indent=1
        )
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="tilbud-{stamp}.json"'
        return response
    if fmt != "csv":
        raise Http404
    table = [OPEN_DATA_FIELDS]
    for row in rows:
        row = dict(row)
        row["lovgrundlag"] = ", ".join(row["lovgrundlag"])
        row["maalgrupper"] = ", ".join(row["maalgrupper"])
        row["moms_inkluderet_ja_nej"] = {True: "ja", False: "nej", None: ""}[
            row["moms_inkluderet_ja_nej"]
        ]
        row["over_pl"] = "ja" if row["over_pl"] else "nej"
        for key in ("takst", "maanedspris", "maanedspris_ekskl_moms", "aendring_pct"):
            if row[key] is not None:
                row[key] = Decimal(row[key])  # written with a decimal comma by csv_text()
        table.append([row[field] for field in OPEN_DATA_FIELDS])
    response = StreamingHttpResponse(iter([csv_text(table)]), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="tilbud-{stamp}.csv"'
    return response
