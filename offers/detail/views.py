"""The offer page every member reads: facts, service declaration, vacancies, photos,
documents and tariff history; and following an offer."""

from __future__ import annotations

from functools import cached_property

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from offers import declarations, extensions, permissions, pricing, selectors, services
from offers.charts import tariff_history_chart
from offers.compare.session import COMPARE_MAX, compared_ids
from offers.models import Offer, OfferDocument, OfferFollow, OfferPhoto, OfferStatus, TariffUnit
from partnership import formats
from partnership.permissions import can_buy
from partnership.views import member_required

from .selectors import offer_for_page, tariff_history


def _visible_offer(request, pk) -> Offer:
    try:
        return offer_for_page(request.user, pk)
    except Offer.DoesNotExist as exc:
        raise Http404 from exc


def _chosen_year(request, current) -> int | None:
    """The tariff year whose declaration the page shows: ?aar=, else the current tariff's."""
    try:
        return int(request.GET["aar"])
    except (KeyError, ValueError):
        return current.year if current else None


def _history_texts(history: list) -> None:
    """Each tariff version's texts in the history table, written once here as plain text
    (the template escapes and prints them): numbers Danish (partnership.formats), dates
    localized."""
    units = dict(TariffUnit.choices)
    for t in history:
        t.price_text = formats.kr(t.price)
        t.unit_text = str(units.get(t.unit, t.unit))
        t.monthly_text = formats.kr(t.monthly_price)
        t.vat_text = _("inkl. moms") if t.vat_included else _("uden moms")
        t.change_text = "–" if t.change is None else formats.signed_pct(t.change)
        t.published_text = formats.date(t.published_at)


class _HistoryTable:
    """The tariff history's table texts and chart, worked out when the template draws them:
    not at all when the page's fragment comes from the cache."""

    def __init__(self, offer, history: list) -> None:
        self.offer = offer
        self.rows = history

    @cached_property
    def texts(self) -> list:
        _history_texts(self.rows)
        return self.rows

    @cached_property
    def chart(self):
        yearly = sorted([t for t in self.rows if t.is_current], key=lambda t: t.year)
        if len(yearly) < 2:
            return None
        points = [(t.year, t.monthly_price) for t in yearly]
        pl_path = pricing.pl_path(points[0][1], self.offer.rates, yearly[0].year, yearly[-1].year)
        return tariff_history_chart(points, pl_path, _("Månedspris pr. år med PL-sporet stiplet"))


@member_required
def offer_detail(request, pk):
    offer = _visible_offer(request, pk)
    history = tariff_history(offer)
    current_year = selectors.current_year()
    current = next((t for t in history if t.is_current and t.year == current_year), None)
    current = current or next((t for t in history if t.is_current), None)
    chosen_year = _chosen_year(request, current)
    declaration = declarations.for_year(offer, chosen_year)
    can_edit = permissions.can_edit_offer(request.user, offer)
    drafts = offer.draft_list if can_edit else []
    compare_ids = compared_ids(request)
    return render(
        request,
        "offers/offer_detail.html",
        {
            "offer": offer,
            "history": _HistoryTable(offer, history),
            "current": current,
            "declaration": declaration,
            "declaration_changed_since": (
                declarations.changes(declaration.rows, offer.answer_list)
                if can_edit and declaration.kept and current and declaration.tariff.pk == current.pk
                else []
            ),
            "vacancies": offer.vacancy_list,
            "can_edit": can_edit,
            "drafts": drafts,
            "following": offer.following,
            "in_compare": offer.pk in compare_ids,
            "can_contract": offer.status == OfferStatus.PUBLISHED and can_buy(request.user),
            "panels": extensions.offer_panels(offer, request.user),
            "compare_full": len(compare_ids) >= COMPARE_MAX,
            # The parts of the page drawn from the offer's data alone are cached under its
            # digest (offer_for_page), the year and the language; not for the provider's
            # editors, whose parts hold forms and their own notices.
            "fragment_key": (
                None if can_edit else f"{offer.content_key}:{current_year}:{chosen_year}"
            ),
        },
    )


def _visible_file(request, pk, model, file_pk):
    offer = get_object_or_404(permissions.offers_visible_to(request.user), pk=pk)
    return get_object_or_404(model, pk=file_pk, offer=offer)


@member_required
def document_download(request, pk, doc_pk):
    doc = _visible_file(request, pk, OfferDocument, doc_pk)
    return FileResponse(
        doc.file.open("rb"), content_type="application/pdf", filename=f"{doc.title}.pdf"
    )


@member_required
def photo_file(request, pk, photo_pk):
    photo = _visible_file(request, pk, OfferPhoto, photo_pk)
    content_type = "image/png" if photo.image.name.endswith(".png") else "image/jpeg"
    return FileResponse(photo.image.open("rb"), content_type=content_type)


@member_required
@require_POST
def follow_toggle(request, pk):
    offer = get_object_or_404(permissions.offers_visible_to(request.user), pk=pk)
    if OfferFollow.objects.filter(user=request.user, offer=offer).exists():
        services.unfollow(offer=offer, by=request.user)
        messages.success(request, _("Du følger ikke længere %(offer)s.") % {"offer": offer})
    else:
        services.follow(offer=offer, by=request.user)
        messages.success(
            request,
            _("Du følger nu %(offer)s og får besked, når der kommer en ny takst.")
            % {"offer": offer},
        )
    return redirect(offer)
