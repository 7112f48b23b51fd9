"""The secretariat's pages for reference data: legal paragraphs, target groups, the
declaration questions and the search's synonyms, and the yearly PL rates (a page of their
own)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from offers import permissions, services
from offers.models import (
    DeclarationQuestion,
    LegalParagraph,
    RegulationRate,
    SearchSynonym,
    TargetGroup,
)
from partnership import formats
from partnership.forms import PortalModelForm
from partnership.views import member_required

from .forms import RegulationRateForm

KINDS = {
    "paragraffer": (
        LegalParagraph,
        ["code", "short", "title", "order", "is_active"],
        gettext_lazy("Lovparagraffer"),
    ),
    "maalgrupper": (
        TargetGroup,
        ["name", "slug", "order", "is_active"],
        gettext_lazy("Målgrupper"),
    ),
    "spoergsmaal": (
        DeclarationQuestion,
        ["key", "group", "text", "help_text", "order", "is_active"],
        gettext_lazy("Deklarationsspørgsmål"),
    ),
    "synonymer": (
        SearchSynonym,
        ["terms", "note", "is_active"],
        gettext_lazy("Synonymer i søgningen"),
    ),
}

# What a list's page says first, where the list needs it.
INTROS = {
    "synonymer": gettext_lazy(
        "En søgning på ét af ordene i en linje finder også tilbud, der bruger et af de andre, "
        "fx finder 'lav arousal' også tilbud, der skriver 'low arousal'. Resultatet viser, "
        "når et tilbud er fundet gennem et synonym. Store og små bogstaver og ordenes "
        "bøjning betyder ikke noget."
    ),
}


def _kind(kind: str):
    if kind not in KINDS:
        raise Http404
    return KINDS[kind]


@member_required
def index(request):
    if not permissions.can_manage_reference_data(request.user):
        raise PermissionDenied
    return render(
        request, "offers/reference_index.html", {"kinds": [(k, v[2]) for k, v in KINDS.items()]}
    )


@member_required
def edit(request, kind, pk=None):
    if not permissions.can_manage_reference_data(request.user):
        raise PermissionDenied
    model, fields, label = _kind(kind)
    instance = get_object_or_404(model, pk=pk) if pk else None
    form_class = forms.modelform_factory(model, form=PortalModelForm, fields=fields)
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        obj = form.save()
        messages.success(request, _("%(obj)s er gemt.") % {"obj": obj})
        return redirect("offers:reference_list", kind=kind)
    return render(
        request,
        "offers/reference_list.html",
        {
            "kind": kind,
            "label": label,
            "intro": INTROS.get(kind, ""),
            "rows": model.objects.all(),
            "form": form,
            "instance": instance,
            "fields": fields,
        },
    )


@member_required
def regulation_rates(request):
    if not permissions.can_manage_reference_data(request.user):
        raise PermissionDenied
    form = RegulationRateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        rate = services.set_regulation_rate(
            year=form.cleaned_data["year"],
            rate=form.cleaned_data["rate"],
            note=form.cleaned_data["note"],
            by=request.user,
        )
        messages.success(
            request,
            _("PL-satsen for %(year)s er sat til %(rate)s.")
            % {"year": rate.year, "rate": formats.pct(rate.rate, 2)},
        )
        return redirect("offers:regulation_rates")
    return render(
        request,
        "offers/regulation_rates.html",
        {"form": form, "rates": RegulationRate.objects.all()},
    )
