"""Tariffs: a provider's drafts, publishing and corrections, and the secretariat's
*Takster over PL*."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from offers import permissions, services
from offers.models import RegulationRate, Tariff
from offers.selectors import current_year
from partnership.confirmation import ask_first
from partnership.forms import add_service_errors
from partnership.intents import AlreadyDone
from partnership.views import member_required

from . import selectors
from .diff import changes_on_publish
from .forms import AddOnFormSet, CorrectionForm, TariffForm


def _addon_initial(tariff: Tariff | None):
    if tariff is None or tariff.pk is None:
        return []
    return [{"name": a.name, "price": a.price, "unit": a.unit} for a in tariff.addons.all()]


@member_required
def tariff_edit(request, pk, tariff_pk=None):
    offer = permissions.editable_offer(request.user, pk)
    tariff = None
    if tariff_pk:
        tariff = get_object_or_404(Tariff, pk=tariff_pk, offer=offer)
        if tariff.is_published:
            messages.info(
                request, _("En offentliggjort takst kan ikke ændres. Opret en rettelse i stedet.")
            )
            return redirect(offer)
    initial_year = tariff.year if tariff else current_year()
    form = TariffForm(
        request.POST or None,
        instance=tariff or Tariff(offer=offer, year=initial_year),
        fixed_year=tariff is not None,
    )
    # A new tariff starts from the add-ons of the offer's latest published tariff, as a
    # proposal (they are saved only with the draft).
    initial_addons = _addon_initial(tariff or selectors.latest_published_tariff(offer))
    formset = AddOnFormSet(
        request.POST or None, prefix="tillaeg", initial=initial_addons + [{}] * 3
    )
    if request.method == "POST":
        if form.is_valid() and formset.is_valid():
            fields = {
                k: form.cleaned_data[k]
                for k in (
                    "price",
                    "unit",
                    "occupancy_percent",
                    "vat_included",
                    "overhead_amount",
                    "cost_note",
                )
            }
            addons = [
                {
                    "name": f.cleaned_data["name"],
                    "price": f.cleaned_data.get("price"),
                    "unit": f.cleaned_data["unit"],
                }
                for f in formset
                if f.cleaned_data.get("name")
            ]
            try:
                if tariff is None:
                    draft, started_from = services.save_new_tariff(
                        offer=offer,
                        year=form.cleaned_data["year"],
                        fields=fields,
                        addons=addons,
                        by=request.user,
                    )
                else:
                    draft, started_from = (
                        services.save_tariff_draft(
                            offer=offer,
                            year=tariff.year,
                            fields=fields,
                            addons=addons,
                            by=request.user,
                            draft=tariff,
                        ),
                        None,
                    )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if started_from is not None:
                    messages.info(request, _started_from_message(started_from, draft))
                else:
                    messages.success(
                        request,
                        _("Taksten er gemt som kladde. Offentliggør den, når den er klar."),
                    )
                return redirect("offers:tariff_edit", pk=offer.pk, tariff_pk=draft.pk)
    correction_form = (
        CorrectionForm(initial={"reason": tariff.correction_reason})
        if tariff and tariff.version > 1
        else None
    )
    return _tariff_page(request, offer, tariff, form, formset, correction_form)


def _started_from_message(started_from: Tariff, draft: Tariff) -> str:
    """The year had a version already: say that the draft builds on it, and what it kept."""
    return _(
        "%(year)s har allerede en takst (version %(base)s). Din pris, enhed og belægning er "
        "lagt ind i version %(version)s, som bygger på den: moms, overhead, beregning og "
        "tillægsydelser er ført med. Tjek dem, før du offentliggør."
    ) % {"year": draft.year, "base": started_from.version, "version": draft.version}


def _tariff_page(request, offer, tariff, form, formset, correction_form):
    previous = tariff.previous_year_tariff() if tariff and tariff.pk else None
    return render(
        request,
        "offers/tariff_form.html",
        {
            "offer": offer,
            "tariff": tariff,
            "form": form,
            "formset": formset,
            "correction_form": correction_form,
            "previous": previous,
            # What publishing the saved draft changes (not what the form holds unsaved).
            "diff": changes_on_publish(tariff) if tariff and tariff.pk else None,
        },
    )


@member_required
@require_POST
def tariff_publish(request, pk, tariff_pk):
    offer = permissions.editable_offer(request.user, pk)
    tariff = get_object_or_404(Tariff, pk=tariff_pk, offer=offer)
    reason = ""
    if tariff.version > 1:
        form = CorrectionForm(request.POST)
        if not form.is_valid():
            # The tariff page again, with the reason as typed and what is wrong next to it.
            return _tariff_page(
                request,
                offer,
                tariff,
                TariffForm(instance=tariff, fixed_year=True),
                AddOnFormSet(prefix="tillaeg", initial=_addon_initial(tariff) + [{}] * 3),
                form,
            )
        reason = form.cleaned_data["reason"]
    if asked := ask_first(
        request,
        question=_("Offentliggør taksten?"),
        consequence=_(
            "En offentliggjort takst kan ikke ændres. Kommunerne og de, der følger tilbuddet, "
            "får besked."
        ),
        button=_("Offentliggør"),
        back_url=reverse("offers:tariff_edit", args=[offer.pk, tariff.pk]),
    ):
        return asked
    try:
        published = services.publish_tariff(tariff=tariff, by=request.user, reason=reason)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(offer)
    messages.success(
        request,
        _("Taksten for %(year)s (version %(version)s) er offentliggjort.")
        % {"year": published.year, "version": published.version},
    )
    return redirect(offer)


@member_required
@require_POST
def tariff_correct(request, pk, tariff_pk):
    offer = permissions.editable_offer(request.user, pk)
    tariff = get_object_or_404(Tariff, pk=tariff_pk, offer=offer)
    try:
        draft = services.start_correction(tariff=tariff, by=request.user)
    except AlreadyDone as done:
        messages.info(request, " ".join(done.messages))
        return redirect("offers:tariff_edit", pk=offer.pk, tariff_pk=done.existing.pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(offer)
    messages.info(
        request,
        _(
            "Rettelsen er en ny version (%(version)s). Ret tallene, skriv begrundelsen og offentliggør."
        )
        % {"version": draft.version},
    )
    return redirect("offers:tariff_edit", pk=offer.pk, tariff_pk=draft.pk)


@member_required
def tariffs_above_pl(request):
    if not permissions.is_secretariat(request.user):
        raise PermissionDenied
    years = list(RegulationRate.objects.values_list("year", flat=True))
    try:
        year = int(request.GET.get("aar") or current_year())
    except ValueError:
        year = current_year()
    rate = RegulationRate.objects.filter(year=year).first()
    rows = selectors.tariffs_above_pl(year) if rate else []
    return render(
        request,
        "offers/tariffs_above_pl.html",
        {"rows": rows, "year": year, "years": years, "rate": rate},
    )
