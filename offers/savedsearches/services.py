"""Writes on saved searches: save, rename or change the e-mail choice, delete. Each person
keeps their own; nobody changes another's."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils.translation import gettext as _

from offers.models import SavedSearch
from offers.permissions import can_search_offers
from partnership.models import User

from .searches import normalized_query, search_filter

# How many searches one person keeps (a bound, as every list has).
SAVED_SEARCHES_MAX = 50


def invalid_search_message() -> str:
    return _(
        "Søgningen har en fejl og kan ikke gemmes. Gå tilbage til søgningen, ret den og gem "
        "den igen."
    )


def _name_taken(*, by: User, name: str, exclude_pk: int | None = None) -> bool:
    same = SavedSearch.objects.filter(user=by, name__iexact=name)
    if exclude_pk is not None:
        same = same.exclude(pk=exclude_pk)
    return same.exists()


def _name_taken_message(name: str) -> str:
    return _("Du har allerede en gemt søgning med navnet «%(name)s».") % {"name": name}


def _save(search: SavedSearch) -> SavedSearch:
    try:
        search.full_clean(validate_constraints=False)
    except ValidationError as exc:
        # The query is no field of a form: its errors are the search's.
        if "query" in getattr(exc, "error_dict", {}):
            raise ValidationError(invalid_search_message()) from exc
        raise
    try:
        with transaction.atomic():
            search.save()
    except IntegrityError as exc:  # the same name saved at the same moment
        raise ValidationError({"name": _name_taken_message(search.name)}) from exc
    return search


@transaction.atomic
def save_search(*, by: User, name: str, query: str, notify_by_email: bool) -> SavedSearch:
    """Keep a search (the search URL's query string) under a name. The search must be one
    the search page accepts: a search with an error would find every offer."""
    if not can_search_offers(by):
        raise PermissionDenied(_("Kun partnerskabets medlemmer kan gemme søgninger."))
    query = normalized_query(QueryDict(query))
    if not search_filter(query).is_valid():
        raise ValidationError(invalid_search_message())
    name = name.strip()
    if SavedSearch.objects.filter(user=by).count() >= SAVED_SEARCHES_MAX:
        raise ValidationError(
            _("Du kan højst have %(max)s gemte søgninger. Slet en, før du gemmer en ny.")
            % {"max": SAVED_SEARCHES_MAX}
        )
    if _name_taken(by=by, name=name):
        raise ValidationError({"name": _name_taken_message(name)})
    return _save(SavedSearch(user=by, name=name, query=query, notify_by_email=notify_by_email))


def _require_owner(search: SavedSearch, by: User) -> None:
    if search.user_id != by.pk:
        raise PermissionDenied(_("Du kan kun ændre dine egne gemte søgninger."))


@transaction.atomic
def update_search(
    *, search: SavedSearch, by: User, name: str, notify_by_email: bool
) -> SavedSearch:
    _require_owner(search, by)
    name = name.strip()
    if _name_taken(by=by, name=name, exclude_pk=search.pk):
        raise ValidationError({"name": _name_taken_message(name)})
    search.name = name
    search.notify_by_email = notify_by_email
    return _save(search)


@transaction.atomic
def delete_search(*, search: SavedSearch, by: User) -> None:
    _require_owner(search, by)
    search.delete()
