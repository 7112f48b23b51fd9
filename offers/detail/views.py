"""The offer page every member reads: facts, service declaration, vacancies, photos,
documents and tariff history; and following an offer."""

from __future__ import annotations

from collections import OrderedDict

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import date as date_filter
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from offers import extensions, permissions, pricing, selectors, services
from offers.charts import tariff_history_svg
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


def _declaration_groups(answers: list[dict]) -> OrderedDict[str, str]:
    """The service declaration's table rows per question group, written once as HTML (a
    template loop over every answer and cell cost more than the rest of the page)."""
    groups: OrderedDict[str, list] = OrderedDict()
    for a in answers:
        groups.setdefault(a["group"], []).append(
            format_html(
                '<tr><td>{}</td><td class="answer-{}">{}</td><td>{}</td></tr>',
                a["text"],
                a["answer"],
                a["display"],
                a["note"] or "",
            )
        )
    return OrderedDict((group, mark_safe("".join(rows))) for group, rows in groups.items())


def _history_cells(history: list) -> None:
    """Each tariff version's cells in the history table as HTML (`t.cells`), as the
    template wrote them: numbers Danish (partnership.formats), dates localized, texts
    escaped."""
    units = dict(TariffUnit.choices)
    superseded = _("erstattet")
    over_pl = format_html(' <span class="tag tag-warning">{}</span>', _("Over PL"))
    for t in history:
        if t.change is None:
            change = "–"
        else:
            change = format_html("{}{}", formats.signed_pct(t.change), over_pl if t.pl_flag else "")
        t.cells = format_html(
            '<td>{}</td><td>{}{}</td><td class="num">{} {}</td><td class="num">{}</td>\n'
            '    <td class="num">{}</td>\n'
            "    <td>{}</td><td>{}</td>",
            t.year,
            t.version,
            "" if t.is_current else f" ({superseded})",
            formats.kr(t.price),
            str(units.get(t.unit, t.unit)),
            formats.kr(t.monthly_price),
            change,
            date_filter(template_localtime(t.published_at), "j. M Y"),
            t.correction_reason or "–",
        )


@member_required
def offer_detail(request, pk):
    offer = _visible_offer(request, pk)
    history = tariff_history(offer)
    current_year = selectors.current_year()
    current = next((t for t in history if t.is_current and t.year == current_year), None)
    current = current or next((t for t in history if t.is_current), None)
    yearly = sorted([t for t in history if t.is_current], key=lambda t: t.year)
    chart = ""
    if len(yearly) >= 2:
        points = [(t.year, t.monthly_price) for t in yearly]
        pl_path = pricing.pl_path(points[0][1], offer.rates, yearly[0].year, yearly[-1].year)
        chart = tariff_history_svg(points, pl_path, _("Månedspris pr. år med PL-sporet stiplet"))
    _history_cells(history)
    groups = _declaration_groups(offer.answer_list)
    can_edit = permissions.can_edit_offer(request.user, offer)
    drafts = offer.draft_list if can_edit else []
    compare_ids = compared_ids(request)
    return render(
        request,
        "offers/offer_detail.html",
        {
            "offer": offer,
            "history": history,
            "current": current,
            "chart": chart,
            "declaration_groups": groups,
            "vacancies": offer.vacancy_list,
            "can_edit": can_edit,
            "drafts": drafts,
            "following": offer.following,
            "in_compare": offer.pk in compare_ids,
            "can_contract": offer.status == OfferStatus.PUBLISHED and can_buy(request.user),
            "panels": extensions.offer_panels(offer, request.user),
            "compare_full": len(compare_ids) >= COMPARE_MAX,
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
