"""*Tilbud jeg følger*: the list, stop following, and the e-mail choice. Following an offer
is on the offer page (offers.detail.views.follow_toggle)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from offers import services
from offers.permissions import offers_visible_to
from offers.selectors import current_year
from partnership import dashboard
from partnership.pagination import PAGE_PARAM, paginate
from partnership.views import member_required

from .selectors import decorated, followed_offers

PAGE_SIZE = 20


@member_required
def followed_list(request):
    page = paginate(followed_offers(request.user), PAGE_SIZE, request.GET.get(PAGE_PARAM))
    page.object_list = decorated(page.object_list)
    return render(
        request,
        "offers/following/list.html",
        {"page": page, "query": "", "year": current_year()},
    )


@member_required
@require_POST
def unfollow(request, pk):
    offer = get_object_or_404(offers_visible_to(request.user), pk=pk)
    services.unfollow(offer=offer, by=request.user)
    messages.success(request, _("Du følger ikke længere %(offer)s.") % {"offer": offer})
    return dashboard.back(request, "offers:followed_list")


@member_required
@require_POST
def follow_email(request, pk):
    offer = get_object_or_404(offers_visible_to(request.user), pk=pk)
    wanted = request.POST.get("email") == "ja"
    if not services.set_follow_email(offer=offer, by=request.user, notify_by_email=wanted):
        messages.error(request, _("Du følger ikke %(offer)s.") % {"offer": offer})
    elif wanted:
        messages.success(
            request,
            _("Du får nu også en e-mail, når %(offer)s får en ny takst.") % {"offer": offer},
        )
    else:
        messages.success(
            request,
            _(
                "Du får ikke længere e-mail om nye takster for %(offer)s, kun en besked på "
                "Mit overblik."
            )
            % {"offer": offer},
        )
    return dashboard.back(request, "offers:followed_list")
