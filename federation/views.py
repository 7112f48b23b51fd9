"""The pages of federated login the portal adds to allauth's: the end of a SAML login
with a replayed or unexpected response answered in Danish, and the organisation
administrator's approval of first logins."""

from __future__ import annotations

import logging

import requests
from allauth.socialaccount.providers.saml.views import finish_acs
from allauth.socialaccount.providers.saml.views import login as saml_login_view
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from onelogin.saml2.errors import OneLogin_Saml2_Error

from partnership import permissions
from partnership.models import ROLES_BY_KIND, Organisation, Role
from partnership.views import member_required

from . import services
from .adapter import refused_page
from .models import PendingLogin, PendingStatus

log = logging.getLogger("federation")


def saml_finish_acs(request, organization_slug):
    """allauth's last step of a SAML login. allauth refuses a response with no login
    pending for it (replayed, or sent without the portal asking) with a bare 403: here it
    is said in Danish and logged."""
    try:
        return finish_acs(request, organization_slug=organization_slug)
    except PermissionDenied:
        log.warning(
            "SAML response refused: no login pending for it (replayed?) idp=%s ip=%s",
            organization_slug,
            request.META.get("REMOTE_ADDR"),
        )
        return refused_page(
            request,
            _(
                "Login-svaret er allerede brugt, eller det hører ikke til et login, du har "
                "startet her. Start forfra fra portalens login-side."
            ),
        )


def saml_login(request, organization_slug):
    """allauth's start of a SAML login, with an identity provider that cannot be reached
    (its metadata does not load) said in Danish instead of a server error."""
    try:
        return saml_login_view(request, organization_slug=organization_slug)
    except (OSError, requests.RequestException, OneLogin_Saml2_Error, ValueError) as exc:
        # python3-saml reads the metadata with urllib (URLError is an OSError)
        log.warning("SAML login could not start: idp=%s %r", organization_slug, exc)
        return refused_page(
            request,
            _(
                "Identitetsudbyderen svarer ikke lige nu, så du kan ikke logge ind gennem den. "
                "Prøv igen om lidt, eller log ind med e-mail og adgangskode."
            ),
            status=502,
        )


def _managed(request, slug: str) -> Organisation:
    organisation = get_object_or_404(Organisation, slug=slug)
    if not permissions.can_manage_members(request.user, organisation):
        raise PermissionDenied
    return organisation


@member_required
def pending(request, slug):
    """First logins through an identity provider waiting for the administrator."""
    organisation = _managed(request, slug)
    roles = [(r, Role(r).label) for r in ROLES_BY_KIND[organisation.kind]]
    return render(
        request,
        "federation/pending_list.html",
        {
            "organisation": organisation,
            "waiting": services.pending_for(organisation),
            "roles": roles,
        },
    )


def _waiting(organisation: Organisation, pk: int) -> PendingLogin:
    return get_object_or_404(
        PendingLogin, pk=pk, organisation=organisation, status=PendingStatus.WAITING
    )


@member_required
@require_POST
def approve(request, slug, pk):
    organisation = _managed(request, slug)
    waiting = _waiting(organisation, pk)
    chosen = request.POST.getlist("roles")
    if not [r for r in chosen if r in ROLES_BY_KIND[organisation.kind]]:
        messages.error(request, _("Vælg mindst én rolle til %(who)s.") % {"who": waiting.email})
        return redirect("federation:pending", organisation.slug)
    person = services.approve(pending=waiting, roles=chosen, by=request.user)
    messages.success(
        request,
        _("%(who)s har nu adgang og kommer ind ved næste login.")
        % {"who": person.name or person.email},
    )
    return redirect("federation:pending", organisation.slug)


@member_required
@require_POST
def refuse(request, slug, pk):
    organisation = _managed(request, slug)
    waiting = _waiting(organisation, pk)
    services.refuse(pending=waiting, by=request.user)
    messages.success(request, _("Adgangen for %(who)s er afvist.") % {"who": waiting.email})
    return redirect("federation:pending", organisation.slug)
