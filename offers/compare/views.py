"""The comparison page: add and remove offers, compare them side by side, share the
comparison as an address with the offer ids, keep a shared one, export XLSX."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from offers import permissions, selectors
from offers.models import Offer
from partnership.exports import XLSX_CONTENT_TYPE
from partnership.links import absolute_url
from partnership.views import member_required

from .comparison import build_comparison, comparison_page, comparison_xlsx, parse_ids
from .session import COMPARE_KEY, COMPARE_MAX, compared_ids

# The shared comparison's parameter: /tilbud/sammenlign/?id=1&id=5&id=9
SHARED_PARAM = "id"


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


def _ids(request) -> tuple[list[int], bool, bool]:
    """The offers to compare: a shared comparison's ids in the address (?id=1&id=5, and
    whether some were left out), else the person's own list in the session."""
    if SHARED_PARAM in request.GET:
        ids, dropped = parse_ids(request.GET.getlist(SHARED_PARAM))
        return ids, True, dropped
    return compared_ids(request), False, False


def _query(ids: list[int]) -> str:
    """The shared comparison's query; "id=" for none (still a shared comparison: empty)."""
    return urlencode([(SHARED_PARAM, pk) for pk in ids]) or f"{SHARED_PARAM}="


@member_required
def compare(request):
    """The comparison: the person's own list (kept in the session), or a shared one whose
    offers are in the address. A shared comparison leaves the person's own list as it is
    until they choose to keep it (compare_adopt)."""
    ids, shared, dropped = _ids(request)
    cmp = comparison_page(request.user, ids, selectors.current_year())
    if shared and (dropped or cmp.missing):
        messages.warning(
            request,
            _(
                "Nogle af tilbuddene i linket kan ikke vises: de findes ikke, er ikke "
                "offentliggjort, eller der var flere end %(n)s."
            )
            % {"n": COMPARE_MAX},
        )
    query = _query(cmp.ids)
    compare_url = reverse("offers:compare")
    for o in cmp.offers:
        # In a shared comparison "Fjern" is the address without the offer.
        o.remove_url = f"{compare_url}?{_query([i for i in cmp.ids if i != o.pk])}"
    return render(
        request,
        "offers/compare.html",
        {
            "cmp": cmp,
            "shared": shared,
            "own_ids": compared_ids(request),
            "share_url": absolute_url(f"{compare_url}?{query}") if cmp.ids else "",
            "xlsx_url": f"{reverse('offers:compare_xlsx')}?{query}",
        },
    )


@member_required
@require_POST
def compare_adopt(request):
    """Keep a shared comparison as one's own list (it replaces the list in the session)."""
    ids, _dropped = parse_ids(request.POST.getlist(SHARED_PARAM))
    visible = set(
        permissions.offers_visible_to(request.user).filter(pk__in=ids).values_list("pk", flat=True)
    )
    request.session[COMPARE_KEY] = [pk for pk in ids if pk in visible]
    messages.success(request, _("Sammenligningen er gemt som din egen."))
    return redirect("offers:compare")


@member_required
def compare_xlsx(request):
    ids, _shared, _dropped = _ids(request)
    cmp = build_comparison(request.user, ids, selectors.current_year())
    if not cmp.offers:
        messages.info(request, _("Tilføj tilbud til sammenligningen først."))
        return redirect("offers:compare")
    response = HttpResponse(comparison_xlsx(cmp), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="sammenligning-{timezone.localdate():%Y-%m-%d}.xlsx"'
    )
    return response
