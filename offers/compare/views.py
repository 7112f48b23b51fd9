"""The comparison page: add and remove offers, compare them side by side, export XLSX."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from offers import extensions, permissions, selectors
from offers.models import Offer
from partnership.exports import XLSX_CONTENT_TYPE
from partnership.views import member_required

from .comparison import build_comparison, comparison_xlsx, summary_columns
from .session import COMPARE_KEY, COMPARE_MAX, compared_ids


def _safe_next(request, fallback: str) -> str:
    nxt = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return nxt
    return fallback


@member_required
@require_POST
def compare_add(request):
    ids = compared_ids(request)
    try:
        offer = permissions.offers_visible_to(request.user).get(
            pk=int(request.POST.get("offer", "0"))
        )
    except (ValueError, Offer.DoesNotExist) as exc:
        raise Http404 from exc
    if offer.pk in ids:
        pass
    elif len(ids) >= COMPARE_MAX:
        messages.error(
            request,
            _("Du kan sammenligne højst %(n)s tilbud. Fjern et, før du tilføjer et nyt.")
            % {"n": COMPARE_MAX},
        )
    else:
        ids.append(offer.pk)
        request.session[COMPARE_KEY] = ids
        messages.success(request, _("%(offer)s er føjet til sammenligningen.") % {"offer": offer})
    return redirect(_safe_next(request, reverse("offers:compare")))


@member_required
@require_POST
def compare_remove(request):
    ids = compared_ids(request)
    try:
        pk = int(request.POST.get("offer", "0"))
    except ValueError:
        pk = 0
    if request.POST.get("all"):
        ids = []
    elif pk in ids:
        ids.remove(pk)
    request.session[COMPARE_KEY] = ids
    return redirect(_safe_next(request, reverse("offers:compare")))


def _comparison(request):
    return build_comparison(request.user, compared_ids(request), selectors.current_year())


@member_required
def compare(request):
    cmp = _comparison(request)
    return render(
        request,
        "offers/compare.html",
        {
            "cmp": cmp,
            "columns": summary_columns(cmp),
            "extra_rows": extensions.compare_rows(cmp.offers, request.user),
        },
    )


@member_required
def compare_xlsx(request):
    cmp = _comparison(request)
    if not cmp.offers:
        messages.info(request, _("Tilføj tilbud til sammenligningen først."))
        return redirect("offers:compare")
    response = HttpResponse(comparison_xlsx(cmp), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="sammenligning-{timezone.localdate():%Y-%m-%d}.xlsx"'
    )
    return response
