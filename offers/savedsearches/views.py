"""*Gemte søgninger*: save the search on the page, list one's own, rename, change the e-mail
choice, delete. Nobody sees or changes another person's saved searches (404)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from offers.models import SavedSearch
from offers.search.selectors import search_reference
from partnership import dashboard
from partnership.views import member_required

from . import services
from .forms import SavedSearchForm
from .searches import describe, normalized_query, search_filter
from .selectors import saved_search_items, saved_searches_of


def _own(request, pk) -> SavedSearch:
    return get_object_or_404(saved_searches_of(request.user), pk=pk)


def _search_context(query: str) -> dict:
    """The search being saved, in words, and a link back to it."""
    search = search_filter(query, search_reference()).form
    return {
        "criteria": describe(search),
        "search_valid": search.is_valid(),
        "search_url": SavedSearch(query=query).get_absolute_url(),
    }


@member_required
def saved_search_list(request):
    return render(
        request,
        "offers/savedsearches/list.html",
        {
            "items": saved_search_items(request.user),
            "max": services.SAVED_SEARCHES_MAX,
        },
    )


@member_required
def saved_search_create(request):
    """The search is this page's own query string (the link "Gem søgningen" on the search
    page carries it), kept in a hidden field while the person names it."""
    if request.method == "POST":
        form = SavedSearchForm(request.POST)
        query = normalized_query(QueryDict(request.POST.get("soegning", "")))
        if form.is_valid():
            try:
                saved = services.save_search(
                    by=request.user,
                    name=form.cleaned_data["name"],
                    query=query,
                    notify_by_email=form.cleaned_data["notify_by_email"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Søgningen «%(name)s» er gemt.") % {"name": saved.name})
                return redirect("offers:saved_search_list")
    else:
        query = normalized_query(request.GET)
        form = SavedSearchForm(initial={"soegning": query})
    return render(
        request,
        "offers/savedsearches/form.html",
        {"form": form, "saved": None, **_search_context(query)},
    )


@member_required
def saved_search_edit(request, pk):
    saved = _own(request, pk)
    form = SavedSearchForm(request.POST or None, instance=saved, with_query=False)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_search(
                search=SavedSearch.objects.get(pk=saved.pk),
                by=request.user,
                name=form.cleaned_data["name"],
                notify_by_email=form.cleaned_data["notify_by_email"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Søgningen er ændret."))
            return redirect("offers:saved_search_list")
    return render(
        request,
        "offers/savedsearches/form.html",
        {"form": form, "saved": saved, **_search_context(saved.query)},
    )


@member_required
@require_POST
def saved_search_delete(request, pk):
    saved = _own(request, pk)
    services.delete_search(search=saved, by=request.user)
    messages.success(request, _("Søgningen «%(name)s» er slettet.") % {"name": saved.name})
    return dashboard.back(request, "offers:saved_search_list")
