"""Which published offers match: the one FilterSet of the offer list (django-filter), used by
the search page and its open data (offers/search/), the takstoversigt (offers/reports/) and
any API.

The filters are the search URL's parameters. Their form is the search's,
offers.search.forms.SearchForm (its choices come from the reference data read once or from the
cache, so validating issues no query of its own), and offers.search.forms.SearchFilter is this
FilterSet validated by it: the one to take for input from a URL. Each filter is written once
here, on the columns of the offer's narrow search row (offers.models.SearchRow, kept by the
triggers of migration 0013), and works on a queryset of the rows themselves (the search page,
which counts and orders them alone and then reads the shown offers by id) or of offers,
which reach their row by a join (row_path()): the paragraphs and target groups as arrays
(`&&`, GIN), the provider's ownership, name and branch as one
`provider_id = ANY(ARRAY(...))`, the comparable price (monthly, excluding VAT:
offers.pricing.comparable_price; the row keeps offers_currentprice's of every year) and the
vacancy (offers_currentvacancy's; annotated only when a filter or the order needs them,
unless the queryset has them already, as offers.selectors.with_current_tariff() gives them),
and the full text on the stored tsvector.

Two ways in:

- `SearchFilter(request.GET, queryset=...).qs`: the URL's parameters through the form, as
  django-filter does (the search page and open data read its cleaned_values(); an API).
- `OfferFilter(queryset=...).filter_cleaned(values)`: values already clean, keyed by the
  filters' names (the search page's SearchParams, the takstoversigt's stored filters).

`leverandoer` is text on the search (the provider's short name or CVR number, or a part of its
name); given an Organisation (the takstoversigt, whose order form settles on one provider and
keeps its slug) it is that provider exactly, so a stored report never widens to other
providers whose names contain the text.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import django_filters
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ImproperlyConfigured
from django.db.models import (
    DecimalField,
    F,
    FilteredRelation,
    Func,
    IntegerField,
    Lookup,
    OrderBy,
    Q,
    QuerySet,
    Value,
)
from django.db.models.expressions import RawSQL

from offers.models import Offer, OfferStatus, SearchRow
from offers.selectors import current_year
from partnership.models import Organisation, OwnershipForm

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler


def row_path(qs: QuerySet[Any]) -> str:
    """Where a queryset reaches the offer's search row (offers.models.SearchRow, kept by the
    triggers of migration 0013): the rows themselves (the search page counts and orders
    them alone), or offers through their row (open data, the API, the takstoversigt). Each
    filter below is written once on the row's columns, for both."""
    return "" if qs.model is SearchRow else "search_row__"


def _document(qs: QuerySet[Any]) -> str:
    """The stored tsvector with a GIN index, so ranking does not re-parse every match's text:
    the offer's name, methods and description and its paragraphs' and target groups' names,
    case and accents folded (kept by triggers since migration 0010 on the offer, copied to
    its search row by migration 0013's). The offers' column and the row's have one name."""
    return f"{qs.model._meta.db_table}.search_document"


def text_query_sql(param: str = "%s") -> str:
    """The full-text query of what a person typed (`param`: its placeholder), as SQL giving
    offers_search_expand()'s record: `expanded`, the query in the 'danish' configuration
    (Danish stemming), case and accents folded as the document's (offers_search_fold) and
    widened by the secretariat's synonyms (SearchSynonym); `synonym_ids` and `terms`, the
    lists and typed terms that widened it (migration 0010). The filter below and the
    search's "Fundet i" (offers.search.selectors.match_reasons) read it from here."""
    return "offers_search_expand(websearch_to_tsquery('danish', offers_search_fold(" + param + ")))"


class _AnyOf(Lookup):  # type: ignore[type-arg]  # not subscriptable at runtime
    """`column = ANY(array)`, for provider_filter()."""

    lookup_name = "any_of"

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


def provider_filter(qs: QuerySet[Any], providers: QuerySet[Organisation]) -> QuerySet[Any]:
    """Offers of the given providers, as `provider_id = ANY(ARRAY(subquery))`: as a plain
    IN (subquery) the planner makes it a join it misjudges (a nested loop probing the offers
    once per provider: 16-24 ms instead of 3 for municipality + ownership on the bench data);
    an array computed once lets it combine the offers' indexes instead."""
    ids = providers.order_by().values("pk")
    return qs.filter(_AnyOf(F("provider_id"), ArraySubquery(ids)))


def with_current_price(qs: QuerySet[Any], year: int) -> QuerySet[Any]:
    """monthly_price and comparable_price (monthly, excluding VAT: what the price filter and
    sort use, read from the search row's copy there) of the year's latest published main
    tariff from offers_currentprice, for offers.compare.comparison (the
    triggers of migrations 0005/0009 keep it; it agrees with offers.selectors'
    _monthly_price() and _comparable_price(), see tests/offers/test_current_price.py), as a
    LEFT JOIN on its one row per offer and year: PostgreSQL hashes the year's narrow rows
    once instead of looking up the newest published version among every match's tariffs."""
    annotated: QuerySet[Any] = qs.annotate(
        current_price=FilteredRelation("current_prices", condition=Q(current_prices__year=year)),
        monthly_price=F("current_price__monthly_price"),
        comparable_price=F("current_price__comparable_price"),
    )
    return annotated


def _with_vacant(qs: QuerySet[Any]) -> QuerySet[Any]:
    """vacant: the latest report's count, the search row's own column (offers_currentvacancy's,
    which migration 0005's triggers keep; it agrees with offers.selectors._latest_vacancy(),
    see tests/offers/test_current_price.py), annotated on offers unless they have it."""
    if "vacant" in qs.query.annotations or qs.model is SearchRow:
        return qs
    annotated: QuerySet[Any] = qs.annotate(vacant=F("search_row__vacant"))
    return annotated


class _YearElement(Func):
    """array[year]: the element at the array's own subscript (SearchRow.prices_by_year's
    subscripts are years), not Django's 0-based ArrayField index."""

    template = "(%(expressions)s])"
    arg_joiner = "["


def _with_price(qs: QuerySet[Any], year: int) -> QuerySet[Any]:
    """comparable_price: the year's from the search row (offers_currentprice's, see
    with_current_price()), unless the queryset has it already."""
    if "comparable_price" in qs.query.annotations:
        return qs
    annotated: QuerySet[Any] = qs.annotate(
        comparable_price=_YearElement(
            F(row_path(qs) + "prices_by_year"),
            Value(year, output_field=IntegerField()),
            output_field=DecimalField(max_digits=14, decimal_places=2),
        )
    )
    return annotated


# The order by price, lowest first: the search's `sorter=price` and the comparison's columns
# (offers.compare.comparison.price_order(), the same in Python).
PRICE_ORDER: list[str | OrderBy] = [F("comparable_price").asc(nulls_last=True), "name", "pk"]


def ordering(sort: str, has_rank: bool) -> list[str | OrderBy]:
    """The order of a sort choice (offers.search.forms.SORT_CHOICES); relevance is the rank
    of a full-text search, else the name. Price is the comparable price (monthly, excluding
    VAT: offers.pricing.comparable_price), as the comparison orders its offers."""
    orders: dict[str, list[str | OrderBy]] = {
        "price": PRICE_ORDER,
        "price_desc": [F("comparable_price").desc(nulls_last=True), "name", "pk"],
        "name": ["name", "pk"],
        "vacancies": [F("vacant").desc(nulls_last=True), "name", "pk"],
    }
    order = orders.get(sort)
    if order is None:
        order = ["-rank", "name", "pk"] if has_rank else ["name", "pk"]
    return order


class _FilterCopies(dict[str, Any]):
    """A FilterSet's base_filters, copied for each FilterSet (django-filter deep-copies them
    in FilterSet.__init__) one filter at a time and shallowly: a filter holds its settings,
    which no search changes, and each copy gets its own `method` dispatcher, bound to the
    copy and so to the FilterSet it is given to. A SearchFilter is made in 135 us instead
    of 330 (issue 17: every new search makes one); tests/offers/test_offer_filter.py holds
    each FilterSet's filters to their own."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        copies = {}
        for name, filter_ in self.items():
            own = copy.copy(filter_)
            own.method = filter_.method  # (the setter makes the copy's own FilterMethod)
            copies[name] = own
        return copies


class OfferFilter(django_filters.FilterSet):  # type: ignore[misc]  # django-filter is untyped
    """The offer list's filters, named as in the search URL; the cleaned values are those of
    SearchForm (primary keys for the reference data, or the objects). Declared in the order
    they are applied: the offer's own columns and links first, the annotated vacancy and price
    after, the full text last; the order (`sorter`) at the very end. The queryset given is
    narrowed to published offers (drafts are never in the list)."""

    paragraf = django_filters.MultipleChoiceFilter(method="filter_paragraphs")
    maalgruppe = django_filters.MultipleChoiceFilter(method="filter_target_groups")
    kommune = django_filters.NumberFilter(method="filter_municipality")
    ejerform = django_filters.ChoiceFilter(method="filter_ownership", choices=OwnershipForm.choices)
    leverandoer = django_filters.CharFilter(method="filter_provider")
    branche = django_filters.NumberFilter(method="filter_branch")
    alder = django_filters.NumberFilter(method="filter_age")
    ledige = django_filters.BooleanFilter(method="filter_vacancies")
    pris_min = django_filters.NumberFilter(method="filter_price_min")
    pris_max = django_filters.NumberFilter(method="filter_price_max")
    q = django_filters.CharFilter(method="filter_text")
    sorter = django_filters.CharFilter(method="sort")

    class Meta:
        model = Offer
        fields: list[str] = []

    @classmethod
    def get_filters(cls) -> _FilterCopies:
        """The class's filters (django-filter's), copied shallowly for each FilterSet."""
        return _FilterCopies(super().get_filters())

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        queryset: QuerySet[Any] | None = None,
        *,
        request: Any = None,
        prefix: str | None = None,
        year: int | None = None,
    ) -> None:
        base = Offer.objects.all() if queryset is None else queryset
        super().__init__(data, self.published(base), request=request, prefix=prefix)
        self.year = year or current_year()
        self._providers = Q()

    @staticmethod
    def published(queryset: QuerySet[Any]) -> QuerySet[Any]:
        """The published offers (or their search rows) of a queryset: the list's offers."""
        return queryset.filter(status=OfferStatus.PUBLISHED)

    # --- The form ------------------------------------------------------------------------

    def get_form_class(self) -> Any:
        """Meta.form as it is: a form with a field for each filter (SearchFilter's
        SearchForm), not django-filter's form made of the filters' own fields. Without one
        the input is refused rather than ignored, which would widen to every offer."""
        form = self._meta.form
        missing = set(self.filters) - set(getattr(form, "base_fields", {}))
        if missing:
            raise ImproperlyConfigured(
                f"{type(self).__name__}.Meta.form has no field for {sorted(missing)}: "
                "use offers.search.forms.SearchFilter for input from a URL"
            )
        return form

    def cleaned_values(self) -> dict[str, Any]:
        """The form's cleaned values, or none at all when any is invalid: a search with an
        error shows every offer (and the error), never half of the filters."""
        return dict(self.form.cleaned_data) if self.is_valid() else {}

    # --- Applying the filters ----------------------------------------------------------

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return self.filter_cleaned(self.cleaned_values(), queryset)

    def filter_cleaned(
        self, values: Mapping[str, Any], queryset: QuerySet[Any] | None = None
    ) -> QuerySet[Any]:
        """The offers of the queryset (by default the FilterSet's own, its published offers)
        matching the cleaned values, ordered. A value that is empty (None, "", [] or False)
        filters nothing."""
        unknown = set(values) - set(self.filters)
        if unknown:
            raise KeyError(f"OfferFilter has no filter {sorted(unknown)}")
        qs = self.queryset.all() if queryset is None else queryset
        self._providers = Q()
        for name, filter_ in self.filters.items():
            if name != "sorter":
                qs = filter_.filter(qs, values.get(name))
            if name == "branche" and self._providers:  # the last of the provider's three
                qs = provider_filter(qs, Organisation.objects.filter(self._providers))
                self._providers = Q()
        return self.sort(qs, "sorter", values.get("sorter") or "relevance")

    # --- The filters (django-filter's `method`s: (queryset, name, value), value not empty) --

    def filter_paragraphs(self, qs: QuerySet[Any], name: str, value: list[Any]) -> QuerySet[Any]:
        ids = [getattr(v, "pk", v) for v in value]
        return qs.filter(**{row_path(qs) + "paragraph_ids__overlap": ids})

    def filter_target_groups(self, qs: QuerySet[Any], name: str, value: list[Any]) -> QuerySet[Any]:
        ids = [getattr(v, "pk", v) for v in value]
        return qs.filter(**{row_path(qs) + "target_group_ids__overlap": ids})

    def filter_municipality(self, qs: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return qs.filter(municipality=value)

    # The provider's ownership, name and branch make one condition on the providers, applied
    # once by filter_cleaned() (provider_filter()).

    def filter_ownership(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        self._providers &= Q(ownership_form=value)
        return qs

    def filter_provider(
        self, qs: QuerySet[Any], name: str, value: str | Organisation
    ) -> QuerySet[Any]:
        if isinstance(value, Organisation):
            self._providers &= Q(pk=value.pk)
        elif value.strip():
            v = value.strip()
            self._providers &= Q(slug=v) | Q(cvr=v) | Q(name__icontains=v)
        return qs

    def filter_branch(self, qs: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        self._providers &= Q(branch_organisation=value)
        return qs

    def filter_age(self, qs: QuerySet[Any], name: str, value: int) -> QuerySet[Any]:
        return qs.filter(age_min__lte=value, age_max__gte=value)

    def filter_vacancies(self, qs: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
        if not value:
            return qs
        return _with_vacant(qs).filter(vacant__gt=0)

    def filter_price_min(self, qs: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return _with_price(qs, self.year).filter(comparable_price__gte=value)

    def filter_price_max(self, qs: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return _with_price(qs, self.year).filter(comparable_price__lte=value)

    def filter_text(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        """Danish full text on the stored tsvector, ranked (the rank orders by relevance). The
        query is worked out once per statement (a scalar subquery), not per row."""
        q = value.strip()
        if not q:
            return qs
        query = f"(SELECT ({text_query_sql()}).expanded)"
        document = _document(qs)
        rank = RawSQL(f"ts_rank({document}, {query})", (q,))
        matching: QuerySet[Any] = qs.annotate(rank=rank).extra(
            where=[f"{document} @@ {query}"], params=[q]
        )
        return matching

    def sort(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if value in ("price", "price_desc"):
            qs = _with_price(qs, self.year)
        elif value == "vacancies":
            qs = _with_vacant(qs)
        return qs.order_by(*ordering(value, "rank" in qs.query.annotations))
